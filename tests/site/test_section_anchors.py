"""Anchors are made, not typed (fast, no build): every link to a place inside a page that the
site code makes names an id the same code writes, and the only place an anchor is spelled out
is :mod:`ruralstudy.findings.links` (its named :data:`~ruralstudy.findings.links.SECTIONS`,
the source pages' figure and line ids, :func:`~ruralstudy.findings.links.page_href`).
The built site is checked link by link in ``tests/e2e/test_anchors.py``."""

from __future__ import annotations

import ast
import json
import posixpath
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from ruralstudy import registry
from ruralstudy.findings import links
from ruralstudy.findings.links import (SECTIONS, figure_anchor, line_anchor, page_href,
                                       report_page, sheet_page, source_href, table_html)
from ruralstudy.site import site as S
from ruralstudy.site.pages import (SiteContext, anchor_ids, anchor_links, broken_anchors,
                                   source_pages)

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "src" / "ruralstudy"


# --- the site code's own links resolve ----------------------------------------------------------

def _tables() -> SimpleNamespace:
    """The least the site pages' bodies read, one figure from a report and one from a sheet."""
    mapping = pd.DataFrame([
        {"source_type": "report", "region": "甲县", "doc_id": "d1", "file": "", "line": 0,
         "source_id": "d1-000004", "start": 4, "end": 7, "value": 12.0, "value_high": None,
         "value_before": None, "unit": "个", "qualifier": "", "kind": "count",
         "indicator_id": "branches", "reason": "", "status": "published", "confidence": 0.9},
        {"source_type": "sheet", "region": "乙县", "doc_id": "", "file": "村干部.csv", "line": 3,
         "source_id": "sheet:村干部.csv:3", "admin_level": "county", "year": 2021,
         "context": "平均年龄", "raw": "37.6", "value": 37.6, "unit": "岁", "status": "published",
         "indicator_id": "cadre_mean_age", "reason": "", "period": "", "source": "", "url": ""},
    ]).assign(admin_level="county", province="某省", region_code="")
    rejects = pd.DataFrame([{"file": "村干部.csv", "line": 4, "raw": "x", "reason": "no value"}])
    frames = {tb.name: pd.DataFrame() for tb in registry.tables(download=True)}
    return SimpleNamespace(
        mapping=mapping, rejects=rejects, manifest=pd.DataFrame({"doc_id": ["d1"]}),
        figures=pd.DataFrame({"doc_id": ["d1"]}),
        indicators=pd.DataFrame({"status": ["published"], "source_key": ["k"]}),
        panel=pd.DataFrame(columns=["region", "round", "indicator_id", "value"]),
        codebook=pd.DataFrame({"indicator_id": ["branches"], "label_zh": ["党支部"],
                               "label_en": ["branches"]}),
        frame=frames.__getitem__)


def _document():
    from ruralstudy.iorw import RawText
    from ruralstudy.texts.corpus import Document, ManifestEntry, clean_text

    text = "全县共有党支部12个。"
    return Document(ManifestEntry("d1", "d1.txt", "A report", "", "", 2021, (), "", 2),
                    RawText("d1.txt", text, "utf-8", ""), clean_text(text))


def _context() -> SiteContext:
    stamp = {"commit": "abc", "raw_sha256": "0" * 64, "date": "2026-01-01", "versions": "x"}
    return SiteContext(tables=_tables(), docs=[_document()], stamp=stamp,
                       citation=(ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _site_pages() -> dict[str, str]:
    """The body of every page the site assembles from the tables (the registry's
    :class:`~ruralstudy.registry.SitePage` entries, source pages included), by path."""
    ctx = _context()
    out: dict[str, str] = {}
    for entry in registry.PAGES:
        if isinstance(entry, registry.SitePage):
            made = registry.hook(entry.body)(ctx)
            for p in (made if entry.many else [S.Page(entry.path, entry.title, made)]):
                out[p.path] = p.body
    return out


def test_every_named_section_is_written_once_on_its_registered_page():
    pages = _site_pages()
    assert {s.page for s in SECTIONS} <= {p.path for p in registry.PAGES}
    for s in SECTIONS:
        body = pages[s.page]
        assert body.count(s.heading_html()) == 1, s
        assert s.id in anchor_ids(body), s
        assert s.href() == f"{s.page}#{s.id}" and s.href(depth=1) == f"../{s.page}#{s.id}"


def test_every_link_the_site_code_makes_to_a_section_resolves():
    """Links from the pages' bodies, from the layout (at every depth) and from the source
    tables: each names a page the site makes and an id that page writes."""
    pages = _site_pages()
    made = set(pages)
    # the layout's own links, on a page at the root and one a folder down
    stamp = _context().stamp
    for path in ("index.html", "regions/r-1.html"):
        pages[path] = S.wrap(S.Page(path, "t", pages.get(path, "")), stamp)
    # a table whose rows link to their sources, and a region page's peer note
    sources = pd.DataFrame({"source_id": ["d1-000004", "sheet:村干部.csv:3"]})
    pages["regions/r-1.html"] += table_html(sources, depth=1, region_col=None)
    pages["regions/r-1.html"] += f"<a href='{links.COMPARABILITY.href(depth=1)}'>rule</a>"
    linked = [(page, posixpath.normpath(posixpath.join(posixpath.dirname(page), path)), frag)
              for page, body in pages.items() for path, frag in anchor_links(body)]
    targets = {page_href(t, f) for _, t, f in linked}
    assert {s.href() for s in SECTIONS if s is not links.INDEX_CITE} <= targets
    assert {t for _, t, _ in linked} <= made  # every page linked into is one the site makes
    assert broken_anchors(pages) == []


def test_source_links_name_the_ids_the_source_pages_write():
    ctx = _context()
    made = {p.path: p.body for p in source_pages(ctx)}
    assert set(made) == {report_page("d1"), sheet_page("村干部.csv")}
    for sid, page, frag in (("d1-000004", report_page("d1"), figure_anchor("d1-000004")),
                            ("sheet:村干部.csv:3", sheet_page("村干部.csv"), line_anchor(3))):
        assert source_href(sid) == page_href(page, frag)
        assert source_href(sid, depth=1) == "../" + page_href(page, frag)
        assert frag in anchor_ids(made[page]), (sid, frag)
    assert line_anchor(4) in anchor_ids(made[sheet_page("村干部.csv")])  # a rejected line


# --- no anchor typed outside links.py ----------------------------------------------------------

#: An anchor spelled out: a link into a page (``x.html#y``, ``href='#y'``) or a source page's id.
TYPED = re.compile(r"\.html#|href=\\?[\"']#|\b(?:fig|line)-(?![a-z])")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def typed_anchors(source: str, where: str) -> list[str]:
    """Anchors typed into Python source: string literals (docstrings aside) that spell one out
    (:data:`TYPED`, or the id of a named section written as ``id='...'``) and f-strings that
    glue a ``#`` onto a value (``f"{page}#{anchor}"``)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    ids = {s.id for s in SECTIONS}
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
            m = TYPED.search(text) or re.search(
                r"""\bid=["']({})["']""".format("|".join(map(re.escape, ids))), text)
            if m:
                bad.append(f"{where}:{node.lineno}: {text[max(0, m.start() - 20):m.end() + 20]!r}")
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            for a, b in zip(parts, parts[1:]):
                if isinstance(a, ast.Constant) and str(a.value).endswith("#") and \
                        isinstance(b, ast.FormattedValue):
                    bad.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
    return bad


def _notebook_sources() -> list[tuple[str, str]]:
    out = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for k, cell in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
            out.append((f"{nb.name} cell {k}", "".join(cell["source"])))
    return out


def test_the_checker_finds_a_typed_anchor():
    typed = ("x = \"<a href='methods.html#comparability'>m</a>\"\n"
             "y = f'<tr id=\"line-{n}\">'\n"
             "z = f\"{page}#{anchor}\"\n"
             "w = \"<h2 id='licence'>Licence</h2>\"\n"
             "v = \"<a href='#top'>up</a>\"\n")
    assert len(typed_anchors(typed, "t.py")) == 5
    made = ('"""A docstring may say sources/000.html#fig-000-003020."""\n'
            "x = f\"<a href='{COMPARABILITY.href()}'>m</a>\"\n"
            "y = 'inline-block; a #hash; glossary.html; line-height: 1'\n")
    assert typed_anchors(made, "t.py") == []


def test_no_anchor_is_typed_outside_the_one_definition():
    """``site/`` and ``findings/`` make every anchor through ``findings/links.py``; templates,
    scripts and notebooks type none."""
    typed = []
    for folder in ("site", "findings"):
        for f in sorted((PKG / folder).rglob("*.py")):
            if f == PKG / "findings" / "links.py":
                continue
            typed += typed_anchors(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)))
        for f in sorted((PKG / folder).rglob("*")):
            if f.suffix in (".j2", ".js", ".html", ".css"):
                for k, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                    if re.search(r"\.html#|href=[\"']#", line):
                        typed.append(f"{f.relative_to(ROOT)}:{k}: {line.strip()[:80]}")
    for where, src in _notebook_sources():
        if re.search(r"\.html#|\]\(#", src):
            typed.append(where)
    assert typed == [], ("anchors typed by hand: make them in ruralstudy.findings.links "
                         "(a Section, figure_anchor, line_anchor, page_href):\n" + "\n".join(typed))
