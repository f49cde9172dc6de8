"""Anchors are made, not typed: every ``href="page.html#id"`` of the built site points at an
id that page has, and a finding whose anchor its page lacks stops the build."""

from __future__ import annotations

import nbformat
import pytest

from ruralstudy.site.pages import anchor_ids, anchor_links, broken_anchors, site_pages

from conftest import tiny_project

FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"


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
    paths = _build_with_finding(tmp_path, "Where-it-is-shown")
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
