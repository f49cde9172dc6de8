"""Publishing only the pages that changed.

The site is still published whole, into a fresh folder swapped in at once
(:func:`ruralstudy.site.site.publish`); but a page whose content (path, title, body, flags)
and build stamp are those of a page of the site now published is not laid out and written
again: its file is hard-linked from the published folder (files there are never written in
place, so a link is a copy). The record of what each published file was made from, with the
search sections parsed from pages that come without them (source pages), is one entry of the
build cache (kind ``site-pages``), pointed at from the graph's state. At 1,000 regions this
leaves the layout of the few pages that changed, instead of some 2,100.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

KIND = "site-pages"
POINTER = "__site_pages__"


def page_digest(page: Any, stamp: dict, library: str) -> str:
    """What a page's published file is made from: the page and the stamp (and the library,
    which holds the layout)."""
    blob = json.dumps([page.path, page.title, page.body, page.code_toggle, page.index_text,
                       page.region, stamp, library], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class PageReuse:
    """The published site's record, and linking of unchanged pages from it."""

    def __init__(self, cache: Any, state: Any, used: set, site: Path, stamp: dict,
                 library: str) -> None:
        self.cache, self.state, self.used = cache, state, used
        self.stamp, self.library = stamp, library
        self.old: dict[str, list] = {}  # path -> [digest, sections or None]
        self.folder: Path | None = None
        self.new: dict[str, list] = {}
        self.linked = 0
        key = state.data.get(POINTER)
        try:
            folder = site.resolve(strict=True) if site.is_symlink() else None
        except OSError:
            folder = None
        if isinstance(key, str) and folder is not None and folder.is_dir():
            files = cache.load(KIND, key)
            if files is not None:
                try:
                    rec = json.loads(files["pages.json"])
                    if rec["folder"] == folder.name:  # the record of the site published now
                        self.old, self.folder = rec["pages"], folder
                except (KeyError, ValueError, TypeError):
                    self.old = {}

    def prepare(self, pages: list[Any]) -> None:
        """Digest every page; give pages without search sections those parsed for the same
        page before (or parse them now, as the search index would)."""
        from ..site.site import page_sections

        for p in pages:
            d = page_digest(p, self.stamp, self.library)
            old = self.old.get(p.path)
            known = old is not None and old[0] == d
            if p.sections is None and not p.path.startswith("data/"):
                secs = old[1] if known and old[1] is not None else \
                    [list(s) for s in page_sections(p.body)]
                p.sections = tuple(tuple(s) for s in secs)
                self.new[p.path] = [d, secs]
            else:
                self.new[p.path] = [d, None]

    def link(self, page: Any, out: Path) -> bool:
        """Hard-link ``out`` to the published file of the same page, when its digest is the
        same; False when it must be written."""
        if self.folder is None:
            return False
        old = self.old.get(page.path)
        rec = self.new.get(page.path)
        if old is None or rec is None or old[0] != rec[0]:
            return False
        src = self.folder / page.path
        try:
            os.link(src, out)
        except OSError:
            return False
        self.linked += 1
        return True

    def save(self, folder: Path) -> None:
        """Record what the pages of the site just published in ``folder`` were made from."""
        data = json.dumps({"folder": folder.name, "pages": self.new}, sort_keys=True,
                          ensure_ascii=False).encode("utf-8")
        key = hashlib.sha256(data).hexdigest()
        self.cache.put(KIND, key, {"pages.json": data})
        self.used.add((KIND, key))
        self.state.data[POINTER] = key
