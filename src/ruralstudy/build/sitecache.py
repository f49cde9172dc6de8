"""Publishing only the pages that changed.

The site is still published whole, into a fresh folder swapped in at once
(:func:`ruralstudy.site.site.publish`); but a page whose content (path, title, body, flags)
is that of a page of the site now published is not laid out again. With the same footer stamp
(:func:`ruralstudy.site.site.footer_stamp`: the commit, the date and the versions; the digest of
data/raw is on the About page only, so adding a report leaves the other pages' bytes alone) its
file is hard-linked from the published folder (files there are never written in place, so a
link is a copy); with another (a new commit) the published file is copied with its footer's
stamp replaced: the layout puts the stamp in the footer only, after
the body, so the file's tail from the stamp on is the same for every page of one folder depth
and is found by laying out an empty page at that depth with each stamp
(:meth:`PageReuse._tails`). The record of what each published file was made from, with the
search sections parsed from pages that come without them (source pages), is kept in the
build cache (kind ``site-pages``, in shards by path: :class:`Shards`), pointed at from the
graph's state. At 1,000 regions this leaves the layout of the few pages that changed, instead
of some 2,100.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

KIND = "site-pages"
POINTER = "__site_pages__"
PAGES_FILE = "pages.json"
PAGE_SHARDS = 64


def shard_of(name: str, shards: int) -> str:
    """The shard (of ``shards``) that keeps the record of ``name``: fixed by the name, so a
    record never moves and an unchanged shard keeps its cache entry."""
    return str(int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % shards)


class Shards:
    """Records by name (a page's path, a report's doc id) kept in ``count`` entries of the
    build cache (kind ``kind``, file ``file``), a record's shard fixed by its name
    (:func:`shard_of`), so that saving rewrites only the shards whose records changed.
    ``keys`` (shard -> entry key, as :meth:`save` returned it) is what the caller keeps in
    the graph's state; ``encode`` and ``decode`` turn one shard's records (name -> record)
    into its file's bytes and back. An entry that is missing or cannot be read is a shard
    without records (they are made again)."""

    def __init__(self, cache: Any, used: set, kind: str, file: str, count: int,
                 encode: Callable[[dict], bytes | memoryview], decode: Callable[[bytes], dict],
                 keys: Any) -> None:
        self.cache, self.used, self.kind, self.file, self.count = cache, used, kind, file, count
        self.encode = encode
        self.loaded: dict[str, tuple[str, dict]] = {}  # shard -> (its entry's key, records)
        for shard, key in (keys.items() if isinstance(keys, dict) else ()):
            files = cache.load(kind, key) if isinstance(key, str) else None
            if files is None or file not in files:
                continue
            try:
                records = decode(files[file])
            except Exception:  # noqa: BLE001 - an unreadable entry is a missing one
                continue
            if isinstance(records, dict):
                self.loaded[str(shard)] = (key, records)

    def records(self) -> dict:
        """Every loaded record by name."""
        out: dict = {}
        for _, records in self.loaded.values():
            out.update(records)
        return out

    def save(self, records: Mapping[str, Any]) -> dict[str, str]:
        """Keep ``records`` (all of them, by name): a shard whose records are those of its
        loaded entry keeps that entry; any other is written as a new one. Returns the keys to
        keep (shard -> entry key); every entry is marked used by this build."""
        by_shard: dict[str, dict] = {}
        for name, rec in records.items():
            by_shard.setdefault(shard_of(name, self.count), {})[name] = rec
        keys: dict[str, str] = {}
        for shard in sorted(by_shard, key=int):
            recs = by_shard[shard]
            old = self.loaded.get(shard)
            if old is not None and old[1] == recs:
                key = old[0]
            else:
                data = self.encode(recs)
                key = hashlib.sha256(data).hexdigest()
                self.cache.put(self.kind, key, {self.file: data})
            self.used.add((self.kind, key))
            keys[shard] = key
        return keys


def _json_records(records: dict) -> bytes:
    return json.dumps(records, sort_keys=True, ensure_ascii=False).encode("utf-8")


def page_digest(page: Any, library: str) -> str:
    """What a page's published file is made from, but for the build stamp: the page (and the
    library, which holds the layout)."""
    # each field length-prefixed into one hash: no JSON escaping of the large bodies (2,100
    # pages at 1,000 regions, source pages 20-40 kB each)
    h = hashlib.sha256()
    for field in (page.path, page.title, page.body, "1" if page.code_toggle else "0",
                  page.index_text, page.region, library):
        data = str(field).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class PageReuse:
    """The published site's record, and linking of unchanged pages from it."""

    def __init__(self, cache: Any, state: Any, used: set, site: Path, stamp: dict,
                 library: str) -> None:
        self.cache, self.state, self.used = cache, state, used
        self.stamp, self.library = stamp, library
        self.old: dict[str, list] = {}  # path -> [digest, sections or None]
        self.folder: Path | None = None
        self.new: dict[str, list] = {}
        self.old_stamp: dict | None = None
        self.linked = self.patched = 0
        self._tail: dict[int, tuple[str, str] | None] = {}
        try:
            folder = site.resolve(strict=True) if site.is_symlink() else None
        except OSError:
            folder = None
        rec = state.data.get(POINTER)
        published = folder is not None and folder.is_dir() and isinstance(rec, dict) and \
            rec.get("folder") == folder.name  # the record of the site published now
        # a lost shard's pages are laid out again
        self._shards = Shards(cache, used, KIND, PAGES_FILE, PAGE_SHARDS, _json_records,
                              json.loads, rec.get("shards") if published else None)
        if published:
            self.old = self._shards.records()
            self.folder, self.old_stamp = folder, rec.get("stamp")

    def prepare(self, pages: list[Any]) -> None:
        """Digest every page; give pages without search sections those parsed for the same
        page before (or parse them now, as the search index would)."""
        from ..site.site import page_sections

        for p in pages:
            d = page_digest(p, self.library)
            old = self.old.get(p.path)
            known = old is not None and old[0] == d
            if p.sections is None and not p.path.startswith("data/"):
                secs = old[1] if old is not None and known and old[1] is not None else \
                    [list(s) for s in page_sections(p.body)]
                p.sections = tuple(tuple(s) for s in secs)
                self.new[p.path] = [d, secs]
            else:
                self.new[p.path] = [d, None]

    def _tails(self, depth: int) -> tuple[str, str] | None:
        """The tail of a page at ``depth`` from its first stamp-dependent character to its
        end, laid out with the old stamp and with the new one (an empty page's layout: what
        follows the body depends on the depth alone)."""
        if depth not in self._tail:
            from ..site.site import Page, wrap

            dummy = Page("x/" * depth + "page.html", "page", "")
            a, b = wrap(dummy, self.old_stamp or {}), wrap(dummy, self.stamp)
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            self._tail[depth] = (a[n:], b[n:]) if a != b else None
        return self._tail[depth]

    def link(self, page: Any, out: Path) -> bool:
        """Make ``out`` from the published file of the same page when its content is the
        same: a hard link with the same stamp, else a copy with the footer's stamp replaced.
        False when the page must be laid out and written."""
        if self.folder is None or self.old_stamp is None:
            return False
        old = self.old.get(page.path)
        rec = self.new.get(page.path)
        if old is None or rec is None or old[0] != rec[0]:
            return False
        src = self.folder / page.path
        from ..site.site import footer_stamp

        if footer_stamp(self.old_stamp) == footer_stamp(self.stamp):
            try:
                os.link(src, out)
            except OSError:
                return False
            self.linked += 1
            return True
        tails = self._tails(page.path.count("/"))
        if tails is None:
            return False
        try:
            text = src.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        if not text.endswith(tails[0]):
            return False
        out.write_text(text[:len(text) - len(tails[0])] + tails[1], encoding="utf-8")
        self.patched += 1
        return True

    def save(self, folder: Path) -> None:
        """Record what the pages of the site just published in ``folder`` were made from: the
        folder and stamp in the graph's state, the pages in :data:`PAGE_SHARDS` cache entries
        (a shard whose pages' record is unchanged keeps its entry). [scale] At 1,000 regions
        the record is 13 MB of JSON (digests, and the search sections of the source pages):
        written whole, 0.2-0.3 s per build; a report added now rewrites a few shards."""
        self.state.data[POINTER] = {"folder": folder.name, "stamp": self.stamp,
                                    "shards": self._shards.save(self.new)}


ARROW_BATCH_ROWS = 256  # rows of each record batch of the Arrow file _arrow_table_bytes writes


def _arrow_table_bytes(columns: dict[str, list[str]]) -> memoryview:
    """String columns as one Arrow IPC file (deterministic: same columns, same bytes), in
    record batches of :data:`ARROW_BATCH_ROWS` rows; a view of the file's bytes.

    [scale] made whole (one table, written into Arrow's own buffer, copied out as bytes), the
    file was held four to five times over while it was made: at 1,000 reports saving the
    source bodies (40 MB) raised the build's resident size by 180 MB. Now one batch is in
    Arrow at a time, and the file grows in one ``BytesIO`` that is handed on without a copy.
    Each string goes to Arrow as its UTF-8 bytes, made and dropped one at a time: given the
    ``str``, Arrow asks CPython for its UTF-8 form, which CPython then keeps inside the string
    for as long as it lives (the bodies live on through publishing: a 42 MB second copy of
    them at 1,000 reports, traced)."""
    import io

    import pyarrow as pa

    names = list(columns)
    schema = pa.schema([(k, pa.string()) for k in names])
    n = len(columns[names[0]]) if names else 0
    out = io.BytesIO()
    with pa.ipc.new_file(pa.PythonFile(out, mode="w"), schema) as writer:
        for at in range(0, n, ARROW_BATCH_ROWS):
            writer.write_batch(pa.record_batch(
                [pa.array((s.encode("utf-8") for s in columns[k][at:at + ARROW_BATCH_ROWS]),
                          type=pa.string(), size=min(ARROW_BATCH_ROWS, n - at))
                 for k in names], schema=schema))
    return out.getbuffer()


def _arrow_table_columns(data: bytes) -> dict[str, list]:
    import pyarrow as pa

    return pa.ipc.open_file(pa.py_buffer(data)).read_all().to_pydict()


def _bodies_file(records: dict) -> memoryview:
    """One shard of source bodies (doc id -> [key, body]) as an Arrow IPC file."""
    docs = sorted(records)
    return _arrow_table_bytes({"doc_id": docs, "key": [records[d][0] for d in docs],
                               "body": [records[d][1] for d in docs]})


def _bodies_read(data: bytes) -> dict:
    cols = _arrow_table_columns(data)
    return {d: [k, b] for d, k, b in zip(cols["doc_id"], cols["key"], cols["body"])}


class SourceBodies:
    """Each report's source page body (its text with every figure marked: 7 ms a report, the
    largest cost of publishing a large corpus), kept in the build cache (kind
    ``source-bodies``) by a key of what it is made from: the report's raw file and manifest
    entry, its rows of the mapping table (the columns the page shows:
    :data:`ruralstudy.site.site.SOURCE_BODY_COLUMNS`), and the library. Only reports whose
    key changed are made again. Call as ``bodies(doc, rows, make)``, ``rows`` giving the
    report's rows of the mapping table when called (taken only for a body made again).

    The bodies are kept in :data:`SHARDS` entries, a report's shard fixed by its doc id, each
    an Arrow IPC file of (doc_id, key, body); the graph's state points at each shard's entry.
    At 1,000 reports the bodies are 40 MB: JSON took about 0.85 s to write and read back per
    build, one Arrow file 0.1 s to read and 0.45 s to write again whenever one body changed;
    now a report added rewrites its shard only (about 0.6 MB)."""

    KIND = "source-bodies"
    POINTER = "__source_bodies__"
    FILE = "bodies.arrow"
    SHARDS = 64

    def __init__(self, cache: Any, state: Any, used: set, library: str,
                 mapping: Any = None) -> None:
        from .cache import digest_frame_groups

        self.cache, self.state, self.used, self.library = cache, state, used, library
        self.new: dict[str, list] = {}
        self.made = 0
        if mapping is not None:  # keyed by the columns a source page shows
            from ..site.site import source_body_rows

            self.rows = digest_frame_groups(source_body_rows(mapping), "doc_id")
        else:
            self.rows = {}
        self._shards = Shards(cache, used, self.KIND, self.FILE, self.SHARDS, _bodies_file,
                              _bodies_read, state.data.get(self.POINTER))
        self.old: dict[str, list] = self._shards.records()  # doc id -> [key, body]

    @classmethod
    def shard(cls, doc_id: str) -> str:
        """The shard that keeps a report's body."""
        return shard_of(doc_id, cls.SHARDS)

    def __call__(self, doc: Any, rows: Any, make: Any) -> str:
        from .cache import digest_frame

        rows_digest = self.rows.get(doc.doc_id) or digest_frame(rows())
        entry = {k: str(v) for k, v in doc.entry.__dict__.items() if k != "line"}
        key = hashlib.sha256(json.dumps(
            [doc.raw.sha256, doc.raw.encoding, entry, rows_digest, self.library],
            sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        old = self.old.get(doc.doc_id)
        if old is not None and old[0] == key:
            body = old[1]
        else:
            body = make(doc, rows())
            self.made += 1
        self.new[doc.doc_id] = [key, body]
        return body

    def save(self) -> None:
        """Keep the bodies made or used by this build: a shard whose reports and bodies are
        those of its entry keeps it; any other is written as a new entry."""
        self.state.data[self.POINTER] = self._shards.save(self.new)
