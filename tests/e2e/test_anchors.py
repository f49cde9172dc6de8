"""Anchors are made, not typed: every ``href="page.html#id"`` of the built site points at an
id that page has, a finding whose anchor its page lacks stops the build, and a notebook names
the section a finding is shown in by its heading (:func:`ruralstudy.findings.links.heading_anchor`),
never by a typed id."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import nbformat
import pytest

from ruralstudy.findings.links import heading_anchor
from ruralstudy.site.pages import anchor_ids, anchor_links, broken_anchors, site_pages

from conftest import tiny_project

FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _headings(nb: nbformat.NotebookNode) -> list[str]:
    """The markdown headings of a notebook's cells (outside code blocks), marks dropped."""
    out = []
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        fenced = False
        for line in c.source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and re.match(r"#{1,6}\s", line):
                out.append(line.lstrip("#").strip())
    return out


def _notebooks() -> list[tuple[str, nbformat.NotebookNode]]:
    return [(p.stem, nbformat.read(p, as_version=4)) for p in sorted(NOTEBOOKS.glob("*.ipynb"))]


def test_heading_anchor_is_the_id_nbconvert_gives_every_notebook_heading():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    headings = [h for _, nb in _notebooks() for h in _headings(nb)]
    assert "Confidence and review" in headings and len(headings) > 10
    for h in headings + ["A heading: with (marks), 50% & 村(社区)"]:
        made = re.search(r'<h2 id="([^"]*)"', markdown2html_mistune(f"## {h}"))
        assert made and heading_anchor(f"## {h}") == heading_anchor(h) == html.unescape(made[1]), h


def test_no_notebook_types_an_anchor():
    """A finding's anchor is made: ``heading_anchor("<a heading of this notebook>")`` or a
    finding's id (``f["id"]``), never a string typed into the notebook."""
    typed, unknown = [], []
    for name, nb in _notebooks():
        headings = set(_headings(nb))
        for c in nb.cells:
            if c.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(c.source)):
                if isinstance(node, ast.Dict):
                    for k, v in zip(node.keys, node.values):
                        if isinstance(k, ast.Constant) and k.value == "anchor" and \
                                isinstance(v, ast.Constant):
                            typed.append(f"{name}: {v.value!r}")
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "heading_anchor":
                    arg = node.args[0] if node.args else None
                    if not (isinstance(arg, ast.Constant) and arg.value in headings):
                        unknown.append(f"{name}: {ast.unparse(node)}")
    assert typed == [], f"anchors typed by hand (use heading_anchor(heading)): {typed}"
    assert unknown == [], f"heading_anchor of a heading the notebook does not have: {unknown}"


def test_ids_and_links_are_read_from_the_html():
    page = ("<h2 id=\"a&amp;b\">x</h2><a name='old'></a><a href='#a&amp;b'>"
            "<a href=\"other.html#%E7%94%B2\">x</a><a href='https://x.org/#top'>"
            "<script>var s = '<a href=\"#nowhere\">';</script>")
    assert anchor_ids(page) == {"a&b", "old"}
    assert anchor_links(page) == [("", "a&b"), ("other.html", "甲")]


def test_a_link_to_a_missing_anchor_or_page_is_named():
    pages = {"index.html": "<a href='regions/r-1.html#fig-2'>x</a><a href='#top'>t</a>"
                           "<a href='gone.html#x'>g</a><a href='data/x.csv#y'>d</a>",
             "regions/r-1.html": "<p id='fig-1'></p><a href='../index.html#top'>up</a>"}
    assert sorted(broken_anchors(pages)) == [
        "index.html: #top", "index.html: gone.html#x (no such page)",
        "index.html: regions/r-1.html#fig-2", "regions/r-1.html: ../index.html#top"]
    pages["index.html"] = "<main id='top'><a href='regions/r-1.html#fig-1'>x</a></main>"
    assert broken_anchors(pages) == []


def _finding_cell(anchor: str) -> nbformat.NotebookNode:
    payload = {"page": "indicators.html",
               "findings": [{"text": "A finding", "n": 2, "anchor": anchor, "sources": []}]}
    code = ("from IPython.display import display\n"
            f"display({{{FINDINGS_MIME!r}: {payload!r}, 'text/plain': 'finding'}}, raw=True)")
    return nbformat.v4.new_code_cell(code, id="finding", metadata={"tags": ["findings"]})


def _build_with_finding(tmp_path, anchor: str):
    from ruralstudy.build.build import BuildOptions, build

    paths = tiny_project(tmp_path / "p")
    nbp = paths.notebooks / "03_indicators.ipynb"
    nb = nbformat.read(nbp, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("## Where it is shown", id="shown"))
    nb.cells.append(_finding_cell(anchor))
    nbformat.write(nb, nbp)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RURALSTUDY_WARM_IMPORTS", "")
        build(paths, BuildOptions(jobs=2))
    return paths


def test_the_tiny_site_has_no_link_to_a_missing_anchor(tmp_path):
    # the finding's anchor is the id nbconvert makes of the heading "## Where it is shown"
    paths = _build_with_finding(tmp_path, heading_anchor("Where it is shown"))
    pages = site_pages(paths.site)
    assert ("indicators.html", "Where-it-is-shown") in anchor_links(pages["index.html"])
    assert broken_anchors(pages) == []


def test_a_finding_whose_anchor_its_page_lacks_stops_the_build(tmp_path):
    from ruralstudy.errors import ValidationError

    with pytest.raises(ValidationError, match="indicators.html#Renamed-heading"):
        _build_with_finding(tmp_path, "Renamed-heading")


def test_the_built_site_has_no_link_to_a_missing_anchor(built):
    pages = site_pages(built.site)
    assert len(pages) > 20
    assert sum(len(anchor_links(h)) for h in pages.values()) > 100
    assert broken_anchors(pages) == []
