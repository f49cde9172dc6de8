"""The bodies of the site's registered pages, each from one :class:`SiteContext`.

Each function here is the ``body`` hook of a page in :data:`ruralstudy.registry.PAGES`
(``"ruralstudy.site.pages:methods"``); :func:`assemble` turns the registry, the rendered notebooks
and the tables into the site's pages, so that a page is published because it is registered,
never because a list elsewhere names it.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    import pandas as pd

from .. import registry
from . import site as S
from ..findings.links import page_href, region_slug, report_page, sheet_page


@dataclass
class SiteContext:
    """What a page body may use: the tables, the documents read, each notebook page's rendered
    body and findings (by page path), the front page's findings, the build stamp, the citation
    and the data downloads (name -> bytes)."""

    tables: Any
    docs: Sequence[Any] = ()
    rendered: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    stamp: dict[str, Any] = field(default_factory=dict)
    citation: str = ""
    downloads: Mapping[str, bytes | S.FileDownload] = field(default_factory=dict)
    # [scale] a report's source page body, cached by the build: (doc, its mapping rows, the
    # function that makes the body) -> body (ruralstudy.build.sitecache.SourceBodies)
    bodies: Any = None


def index(ctx: SiteContext) -> str:
    return S.index_body(ctx.tables, ctx.findings, ctx.citation)


def regions(ctx: SiteContext) -> str:
    return S.regions_body(ctx.tables)


def sources(ctx: SiteContext, corpus_body: str) -> str:
    return S.sources_body(ctx.tables, ctx.docs, corpus_body)


def methods(ctx: SiteContext) -> str:
    return S.methods_body(ctx.tables)


def data(ctx: SiteContext) -> str:
    return S.data_body(ctx.tables, ctx.downloads)


def glossary(ctx: SiteContext) -> str:
    del ctx
    return S.glossary_body()


def about(ctx: SiteContext) -> str:
    return S.about_body(ctx.stamp, ctx.citation)


def front_findings(rendered: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings the front page states: those of the pages registered with
    ``front_findings`` (the data's findings; the pipeline's quality stays on its own pages)."""
    return [f for p in registry.notebook_pages(per_region=False) if p.front_findings
            for f in (rendered[p.path].findings if p.path in rendered else [])]


def _tuple(sections: list[Any] | None) -> tuple[Any, ...] | None:
    return None if sections is None else tuple(tuple(x) for x in sections)


def assemble(ctx: SiteContext) -> list[S.Page]:
    """Every page of the site, in the registry's order (a per-region notebook entry and a
    ``many`` entry give several pages each)."""
    t, rendered = ctx.tables, ctx.rendered
    pages: list[S.Page] = []
    for entry in registry.PAGES:
        if isinstance(entry, registry.SitePage):
            made = registry.hook(entry.body)(ctx)
            pages.extend(made if entry.many else
                         [S.Page(entry.path, entry.title, made)])
        elif entry.per_region:
            slugs = {region_slug(r): r for r in t.mapping["region"].unique()}
            peers = S.PeerIndex(t.panel)
            for page, r in sorted(rendered.items()):
                if page.startswith(entry.path + "/"):
                    region = slugs.get(page.split("/", 1)[1].removesuffix(".html"), "")
                    extra = S.peer_comparison(region, t.panel, peers) if region else ""
                    sections = (None if r.sections is None
                                else tuple(S.append_sections(r.sections, extra)))
                    pages.append(S.Page(page, f"{entry.title}: {region}" if region
                                        else entry.title, r.body + extra, code_toggle=True,
                                        region=region, sections=sections))
        else:
            r = rendered[entry.path]
            if entry.body:
                pages.append(S.Page(entry.path, entry.title,
                                    registry.hook(entry.body)(ctx, r.body), code_toggle=True))
            else:
                pages.append(S.Page(entry.path, entry.title, r.body, code_toggle=True,
                                    sections=_tuple(r.sections)))
    return pages


def source_pages(ctx: SiteContext) -> list[S.Page]:
    """One page per report (every figure highlighted and anchored) and per sheet."""
    t = ctx.tables
    # [scale] each report's rows found once (a filter of the whole table per report grew
    # with the square of the corpus: 8 s at 1,000 reports); the page is the same
    by_doc = t.mapping.groupby("doc_id", sort=False).indices
    shown = S.source_body_rows(t.mapping)  # the columns a source page shows
    empty = shown.iloc[0:0]
    body = ctx.bodies or (lambda d, rows, make: make(d, rows()))

    def rows(doc_id: str) -> Any:  # taken only for a page made anew (1 ms each)
        return lambda: shown.iloc[by_doc[doc_id]] if doc_id in by_doc else empty

    out = [S.Page(report_page(d.doc_id), f"Source {d.doc_id}: {d.entry.title}",
                  body(d, rows(d.doc_id), S.document_body)) for d in ctx.docs]
    for file in sorted(set(t.mapping.loc[t.mapping.source_type == "sheet", "file"]) |
                       set(t.rejects["file"])):
        out.append(S.Page(sheet_page(file), f"Sheet {file}",
                          S.sheet_body(file, t.mapping, t.rejects)))
    return out


def table_downloads(files: Mapping[str, bytes], frames: Mapping[str, pd.DataFrame] | None = None,
                    folder: Path | None = None) -> dict[str, bytes | S.FileDownload]:
    """Every registered download table in each of its formats (CSV: formulas neutralised,
    BOM for Excel). ``frames``: the tables the files were written from, by name (their cells
    are checked for formulas without reading the CSV back:
    :func:`ruralstudy.site.site.csv_formula_cells`). A file missing from ``files`` is taken
    from ``folder`` (data/processed, as the build wrote it), CSV tables as a
    :class:`ruralstudy.site.site.FileDownload` copied when the site is written."""
    frames = frames or {}
    out: dict[str, bytes | S.FileDownload] = {}
    for tb in registry.tables(download=True):
        for ext in tb.formats:
            name = f"{tb.name}.{ext}"
            if name not in files and folder is not None:
                out[name] = (S.excel_file_download(folder / name, frames.get(tb.name))
                             if ext == "csv" else (folder / name).read_bytes())
            else:
                out[name] = S.excel_csv(files[name], frames.get(tb.name)) if ext == "csv" \
                    else files[name]
    return out


# --- anchors -------------------------------------------------------------------------------

_ID = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NAME = re.compile(r"""<a\s[^>]*\bname\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def anchor_ids(page_html: str) -> set[str]:
    """Every id (and ``<a name>``) a page defines: the fragments a link to the page may
    name."""
    body = _SCRIPT.sub("", page_html)
    return {html.unescape(a or b) for rx in (_ID, _NAME) for a, b in rx.findall(body)}


def anchor_links(page_html: str) -> list[tuple[str, str]]:
    """Every link of a page that has a fragment, as (path part, fragment), both unquoted;
    links to other sites (a scheme or ``//``) are left out."""
    out = []
    for a, b in _HREF.findall(_SCRIPT.sub("", page_html)):
        href = html.unescape(a or b)
        if "#" not in href or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", href):
            continue
        path, _, frag = href.partition("#")
        if frag:
            out.append((unquote(path), unquote(frag)))
    return out


def broken_anchors(pages: dict[str, str]) -> list[str]:
    """Links to an anchor that does not exist, as ``page: href``; ``pages`` maps each page's
    path from the site root (``regions/r-1.html``) to its HTML. A link to a page that is not
    in ``pages`` is broken too (but files of ``data/`` are not pages)."""
    ids = {p: anchor_ids(h) for p, h in pages.items()}
    bad = []
    for page, body in sorted(pages.items()):
        for path, frag in anchor_links(body):
            target = page if not path else posixpath.normpath(
                posixpath.join(posixpath.dirname(page), path))
            if target not in ids:
                if target.endswith(".html"):
                    bad.append(f"{page}: {page_href(path, frag)} (no such page)")
                continue
            if frag not in ids[target]:
                bad.append(f"{page}: {page_href(path, frag)}")
    return bad


def site_pages(site: Path) -> dict[str, str]:
    """Every HTML page of a published site by its path from the site root."""
    return {f.relative_to(site).as_posix(): f.read_text(encoding="utf-8")
            for f in sorted(site.rglob("*.html")) if "data" not in f.relative_to(site).parts[:1]}


def finding_anchor_problems(pages: Sequence[S.Page], rendered: dict[str, Any]) -> list[str]:
    """Findings whose anchor is not an id of the page they name (a heading renamed in a
    markdown-only edit re-renders the page without re-running the notebook that typed it)."""
    named = {block.get("page", "") for r in rendered.values() for block in r.findings or []}
    # only the pages findings name are parsed (parsing all 2,100 pages of a 1,000-report site
    # for their ids took 0.5 s of every build)
    ids = {p.path: anchor_ids(p.body) for p in pages if p.path in named}
    bad = []
    for r in rendered.values():
        for block in r.findings or []:
            page = block.get("page", "")
            for f in block.get("findings", []):
                anchor = f.get("anchor", "")
                if anchor and anchor not in ids.get(page, set()):
                    bad.append(f"{page_href(page, anchor)} ({f.get('text', '')[:60]!r})")
    return bad
