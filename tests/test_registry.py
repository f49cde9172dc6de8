"""One registry per extension point (ruralstudy.registry): a notebook page, an input format and
a processed table are each one entry, and one entry is enough for them to be built, published
and validated."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from ruralstudy import registry
from ruralstudy.registry import InputFormat, NotebookPage, ProcessedTable, SitePage

from conftest import tiny_notebook, tiny_project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def fresh_registry(monkeypatch):
    """The registries as shipped, restored after the test (entries added here do not leak)."""
    for name in ("PAGES", "FORMATS", "TABLES"):
        monkeypatch.setattr(registry, name, list(getattr(registry, name)))
    return registry


def _build(paths):
    from ruralstudy.build.build import BuildOptions, build

    with pytest.MonkeyPatch.context() as mp:  # the tiny notebooks import nothing
        mp.setenv("RURALSTUDY_WARM_IMPORTS", "")
        return build(paths, BuildOptions(jobs=2))


# --- the registry is complete --------------------------------------------------------------

def test_every_notebook_in_notebooks_is_registered_and_every_registered_one_exists():
    on_disk = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    registered = {p.notebook for p in registry.notebook_pages()}
    assert on_disk - registered == set(), (
        f"notebooks never published (add a NotebookPage to ruralstudy.registry.PAGES): "
        f"{sorted(on_disk - registered)}")
    assert registered - on_disk == set(), f"registered but missing: {sorted(registered - on_disk)}"


def test_every_hook_of_every_registry_resolves():
    for p in registry.PAGES:
        if isinstance(p, SitePage) or p.body:
            assert callable(registry.hook(p.body)), p
    for f in registry.FORMATS:
        if f.reader:
            assert callable(registry.hook(f.reader)), f
    for t in registry.TABLES:
        if t.make:
            assert callable(registry.hook(t.make)), t
        assert isinstance(registry.hook(t.schema), pa.DataFrameSchema), t


def test_paths_titles_and_suffixes_are_unique():
    paths = [p.path for p in registry.PAGES]
    assert len(paths) == len(set(paths))
    assert len(registry.suffixes()) == len(set(registry.suffixes()))
    assert len({t.name for t in registry.TABLES}) == len(registry.TABLES)


def test_the_navigation_and_the_derived_names_come_from_the_registry():
    from ruralstudy.tables import datapackage, tables
    from ruralstudy.findings import links

    assert registry.nav()[0] == ("Overview", "index.html")
    assert [label for label, _ in registry.nav()] == [
        "Overview", "Data quality", "Indicators", "Links", "Regions", "Sources", "Methods", "Data",
        "Glossary", "About"]
    assert links.PAGE_NAMES["03_indicators"] == "indicators.html"
    assert "corpus_problems.csv" in tables.PROCESSED_FILES
    assert set(datapackage.TABLES) == {t.name for t in registry.tables(download=True)}


# --- one entry each: a notebook page -------------------------------------------------------

def test_a_notebook_page_is_one_registry_entry(fresh_registry, tmp_path):
    import nbformat

    paths = tiny_project(tmp_path / "p")
    nbformat.write(tiny_notebook("06_extra", "print('the extra page ran')"),
                   paths.notebooks / "06_extra.ipynb")
    fresh_registry.register_page(NotebookPage("06_extra", "extra.html", "An extra page",
                                              nav="Extra", submit=9), before="methods.html")
    _build(paths)
    page = (paths.site / "extra.html").read_text(encoding="utf-8")
    assert "the extra page ran" in page and "An extra page" in page
    index = (paths.site / "index.html").read_text(encoding="utf-8")
    assert 'href="extra.html"' in index  # in every page's navigation
    assert (paths.executed / "extra.ipynb").exists()
    search = (paths.site / "assets/search-index.js").read_text(encoding="utf-8")
    assert "extra.html" in search


def test_a_registered_notebook_that_is_missing_stops_the_build(fresh_registry, tmp_path):
    paths = tiny_project(tmp_path / "p")
    fresh_registry.register_page(NotebookPage("07_missing", "missing.html", "Missing"))
    with pytest.raises(FileNotFoundError, match="07_missing"):
        _build(paths)


def test_a_site_page_is_one_registry_entry(fresh_registry, tmp_path):
    paths = tiny_project(tmp_path / "p")
    fresh_registry.register_page(SitePage("faq.html", "Questions", f"{__name__}:faq_body",
                                          nav="FAQ"))
    _build(paths)
    assert "figures in this corpus" in (paths.site / "faq.html").read_text(encoding="utf-8")
    assert 'href="faq.html"' in (paths.site / "about.html").read_text(encoding="utf-8")


def faq_body(ctx) -> str:
    return f"<p>{len(ctx.tables.figures)} figures in this corpus.</p>"


# --- one entry each: an input format -------------------------------------------------------

def read_markdown(data: bytes, path: str, deadline) -> object:
    """A test format: Markdown, read as its text without the heading marks."""
    from ruralstudy import iorw
    from ruralstudy.texts.formats import Report

    deadline.check("markdown")
    raw = iorw.decode_bytes(data, path)
    text = "\n".join(line.lstrip("# ") for line in raw.text.splitlines()) + "\n"
    return Report(raw=iorw.RawText(path=path, text=text, encoding=raw.encoding, sha256=raw.sha256))


def test_an_input_format_is_one_registry_entry(fresh_registry, tmp_path):
    from ruralstudy.texts.formats import read_report

    md = tmp_path / "r.md"
    md.write_text("## 丙县\n丙县共有行政村64个。\n", encoding="utf-8")
    fresh_registry.register_format(InputFormat("markdown", (".md",), f"{__name__}:read_markdown"))
    assert ".md" in registry.suffixes()
    assert read_report(md).raw.text.startswith("丙县\n")

    paths = tiny_project(tmp_path / "p")
    (paths.reports_raw / "002_tiny.md").write_text("## 丙县\n丙县2023年共有行政村64个。\n",
                                                   encoding="utf-8")
    with paths.manifest.open("a", encoding="utf-8") as f:
        f.write("002,002_tiny.md,丙县报告,test,2023,2023,丙县,测试省,county,\n")
    _build(paths)
    figures = pd.read_csv(paths.processed / "figures.csv", dtype={"doc_id": str})
    assert (figures.doc_id == "002").any()
    assert "##" not in (paths.site / "sources/002.html").read_text(encoding="utf-8")


def test_a_registered_input_format_is_read_by_the_figures_command(fresh_registry, tmp_path):
    """``ruralstudy figures FILE`` streams a text file line by line and hands any other file to
    its reader; which files have a reader comes from the registry alone (by suffix or first
    bytes), so a format registered here is read by it with no other edit."""
    from ruralstudy.figures.extract import iter_file_figures, streams_as_text

    md = tmp_path / "r.md"
    md.write_text("## 丙县\n丙县2023年共有行政村64个。\n", encoding="utf-8")
    tagged = tmp_path / "r.txt"  # a .txt file whose first bytes name the format
    tagged.write_bytes(b"<!--md-->\n" + md.read_bytes())
    assert streams_as_text(md) and streams_as_text(tagged)  # not registered: plain text
    [before] = list(iter_file_figures(md))
    assert before.start == len("## 丙县\n丙县2023年共有行政村")

    fresh_registry.register_format(InputFormat("markdown", (".md",), f"{__name__}:read_markdown",
                                               magic=b"<!--md-->"))
    assert not streams_as_text(md) and not streams_as_text(tagged)
    [after] = list(iter_file_figures(md))  # read by read_markdown: the heading marks are gone
    assert (after.value, after.unit, after.sentence) == (64.0, "个", "丙县2023年共有行政村64个。")
    assert after.start == len("丙县\n丙县2023年共有行政村")
    assert [f.value for f in iter_file_figures(tagged)] == [64.0]


def test_the_figures_command_streams_the_same_files_as_before(tmp_path):
    """The shipped formats: only plain text is streamed; web pages, PDFs (by suffix or first
    bytes), Word files, pictures, old Word binaries and unknown zip-based files are not."""
    from ruralstudy.figures.extract import streams_as_text
    from ruralstudy.texts.formats import OLE2_MAGIC

    files = {"a.txt": b"text", "b.csv": b"a,b", "c": b"text", "d.html": b"<p>", "e.HTM": b"<p>",
             "f.pdf": b"x", "g.txt": b"%PDF-1.7", "h.docx": b"PK\x03\x04", "i.png": b"x",
             "j.TIFF": b"x", "k.doc": b"x", "l.txt": OLE2_MAGIC, "m.odt": b"PK\x03\x04"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    streamed = {n for n in files if streams_as_text(tmp_path / n)}
    assert streamed == {"a.txt", "b.csv", "c"}
    assert not streams_as_text(tmp_path / "missing.txt") and not streams_as_text(tmp_path)


def test_formats_dispatch_as_before():
    """Suffix first, then the first bytes: a PDF named .txt is a PDF; a .doc is refused."""
    assert registry.format_for(".PDF").name == "pdf"
    assert registry.format_for(".txt", b"%PDF-1.7").name == "pdf"
    assert registry.format_for(".html", b"%PDF-1.7").name == "html"
    assert registry.format_for(".jpeg").name == "image"
    assert registry.format_for(".txt") is None and registry.format_for(".csv") is None


# --- one entry each: a processed table -----------------------------------------------------

def region_counts(res) -> pd.DataFrame:
    return (res.observations.groupby("region").size().rename("n_values").reset_index()
            .sort_values("region", kind="mergesort").reset_index(drop=True))


class RegionCounts(pa.DataFrameModel):
    """A test table declared as a pandera model: a description per column."""

    region: str = pa.Field(description="Region name as normalised (Chinese)", title="地区")
    n_values: int = pa.Field(ge=1, description="Figures and sheet rows of the region",
                             title="行数", metadata={"unit": "rows"})

    class Config:
        strict = True
        ordered = True


FAILING_SCHEMA = pa.DataFrameSchema({
    "region": pa.Column(str, description="Region"),
    "n_values": pa.Column("int64", pa.Check.ge(1000), description="Too many to be true")})

COUNTS = ProcessedTable(
    "region_counts", "How many figures and sheet rows each region has",
    f"{__name__}:RegionCounts", make=f"{__name__}:region_counts")


def test_a_processed_table_is_one_registry_entry(fresh_registry, tmp_path):
    paths = tiny_project(tmp_path / "p")
    fresh_registry.register_table(COUNTS)
    report = _build(paths)
    written = pd.read_csv(paths.processed / "region_counts.csv")
    assert list(written.columns) == ["region", "n_values"] and len(written)
    assert report.frames.frame("region_counts").equals(pd.read_parquet(
        paths.processed / "region_counts.parquet"))
    for f in ("region_counts.csv", "region_counts.parquet"):  # published as downloads
        assert (paths.site / "data" / f).exists()
    data = (paths.site / "data.html").read_text(encoding="utf-8")
    assert "id='columns-region_counts'" in data and "Figures and sheet rows of the region" in data
    assert "[unit: rows]" in data and COUNTS.columns == ("region", "n_values")
    pkg = json.loads((paths.site / "data/datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in pkg["resources"]}["region_counts"]
    assert res["title"] == COUNTS.title
    assert {f["name"]: f.get("title") for f in res["schema"]["fields"]}["n_values"] == "行数"


def test_a_processed_table_is_checked_against_its_registered_schema(fresh_registry, tmp_path):
    from dataclasses import replace

    from ruralstudy.errors import ValidationError

    paths = tiny_project(tmp_path / "p")
    fresh_registry.register_table(replace(COUNTS, schema=f"{__name__}:FAILING_SCHEMA"))
    with pytest.raises(ValidationError, match="region_counts"):
        _build(paths)
