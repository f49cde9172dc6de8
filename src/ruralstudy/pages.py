"""The bodies of the site's registered pages, each from one :class:`SiteContext`.

Each function here is the ``body`` hook of a page in :data:`ruralstudy.registry.PAGES`
(``"ruralstudy.pages:methods"``); :func:`assemble` turns the registry, the rendered notebooks
and the tables into the site's pages, so that a page is published because it is registered,
never because a list elsewhere names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import registry
from . import site as S
from .links import region_slug, sheet_slug


@dataclass
class SiteContext:
    """What a page body may use: the tables, the documents read, each notebook page's rendered
    body and findings (by page path), the front page's findings, the build stamp, the citation
    and the data downloads (name -> bytes)."""

    tables: Any
    docs: Sequence[Any] = ()
    rendered: dict[str, Any] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    stamp: dict = field(default_factory=dict)
    citation: str = ""
    downloads: dict[str, bytes] = field(default_factory=dict)


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


def front_findings(rendered: dict[str, Any]) -> list[dict]:
    """The findings the front page states: those of the pages registered with
    ``front_findings`` (the data's findings; the pipeline's quality stays on its own pages)."""
    return [f for p in registry.notebook_pages(per_region=False) if p.front_findings
            for f in (rendered[p.path].findings if p.path in rendered else [])]


def _tuple(sections: list | None) -> tuple | None:
    return None if sections is None else tuple(tuple(x) for x in sections)


def assemble(ctx: SiteContext) -> list[S.Page]:
    """Every page of the site, in the registry's order; a notebook page's children (region
    profiles; the source pages after the Sources page) follow it."""
    t, rendered = ctx.tables, ctx.rendered
    pages: list[S.Page] = []
    for entry in registry.PAGES:
        if isinstance(entry, registry.SitePage):
            pages.append(S.Page(entry.path, entry.title, registry.hook(entry.body)(ctx)))
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
            if entry.path == "sources.html":
                pages.extend(source_pages(ctx))
    return pages


def source_pages(ctx: SiteContext) -> list[S.Page]:
    """One page per report (every figure highlighted and anchored) and per sheet."""
    t = ctx.tables
    out = [S.Page(f"sources/{d.doc_id}.html", f"Source {d.doc_id}: {d.entry.title}",
                  S.document_body(d, t.mapping)) for d in ctx.docs]
    for file in sorted(set(t.mapping.loc[t.mapping.source_type == "sheet", "file"]) |
                       set(t.rejects["file"])):
        out.append(S.Page(f"sources/{sheet_slug(file)}.html", f"Sheet {file}",
                          S.sheet_body(file, t.mapping, t.rejects)))
    return out


def table_downloads(files: dict[str, bytes]) -> dict[str, bytes]:
    """Every registered download table in each of its formats (CSV: formulas neutralised,
    BOM for Excel)."""
    out = {}
    for tb in registry.tables(download=True):
        for ext in tb.formats:
            name = f"{tb.name}.{ext}"
            out[name] = S.excel_csv(files[name]) if ext == "csv" else files[name]
    return out
