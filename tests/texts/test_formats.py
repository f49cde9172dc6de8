"""Reports as researchers find them (issue 14): saved web pages, PDFs and Word files, added in
batches; bad inputs refused by name with nothing half-added. Every fixture is built here
(tests/format_fixtures.py), none is committed."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import format_fixtures as F
from conftest import cli as _cli  # the command in process: these tests are about what it does
from ruralstudy import iorw
from ruralstudy.texts.corpus import document_from_file
from ruralstudy.errors import CorpusError
from ruralstudy.figures.extract import extract_figures
from ruralstudy.texts.formats import align, infer_region, read_report

EXE = [sys.executable, "-m", "ruralstudy"]
ROOT = Path(__file__).resolve().parents[2]
SEED = "000_9d22fa4331bb6d63.txt"


def _run(args, **kw):
    return subprocess.run(EXE + args, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    (d / "gov_gb2312.html").write_bytes(F.gov_page("gb2312").encode("gb18030"))
    (d / "gov_utf8.htm").write_bytes(F.gov_page("utf-8").encode("utf-8"))
    (d / "gov_undeclared.html").write_bytes(F.gov_page(None).encode("gb18030"))
    (d / "gov_mislabelled.html").write_bytes(F.gov_page("gb2312").encode("utf-8"))
    (d / "news.html").write_bytes(F.news_page().encode("utf-8"))
    (d / "shell.html").write_bytes(F.shell_page().encode("utf-8"))
    F.make_pdf(d / "report.pdf")
    F.make_scanned_pdf(d / "scanned.pdf")
    F.make_pdf(d / "locked.pdf", password="secret")
    F.make_docx(d / "brief.docx")
    F.make_doc(d / "old.doc")
    return d


def _check_figures(path: Path, sentences, furniture=()):
    """Every expected figure is found in its sentence, its offsets point at it in the
    extracted text, the map leads to the same characters in the raw file, and no furniture
    figure is found."""
    doc = document_from_file(path, doc_id="t")
    figs = extract_figures(doc)
    text = doc.raw.text
    by_raw = {f.raw: f for f in figs}
    for sentence, expected in sentences:
        for raw in expected:
            assert raw in by_raw, (path.name, raw, [f.raw for f in figs])
            f = by_raw[raw]
            assert text[f.start:f.end] == raw
            assert f.sentence.replace(",", "，") == sentence or raw in f.sentence
            assert sentence.replace("，", ",")[:6] in f.sentence.replace("，", ",")
    n_expected = sum(len(e) for _, e in sentences)
    found = [f.raw for f in figs if not f.raw.endswith("年")]
    for junk in furniture:
        assert junk not in text, (path.name, junk)
    return doc, figs, n_expected, found


@pytest.mark.parametrize("name", ["gov_gb2312.html", "gov_utf8.htm", "gov_undeclared.html",
                                  "gov_mislabelled.html"])
def test_saved_page_gives_the_article_figures_only(inputs, name):
    doc, figs, n, found = _check_figures(inputs / name, F.GOV_SENTENCES, F.GOV_FURNITURE)
    assert len(found) == n, found  # nothing from menus, 相关新闻, comments or the footer
    source, _ = __import__("ruralstudy.texts.formats", fromlist=["x"]).decode_html(
        (inputs / name).read_bytes(), name)
    ex = doc.extracted
    assert ex.kind == "html" and doc.raw.encoding.startswith("html ")
    for f in figs:  # every figure's characters lead to the same characters in the HTML source
        for i in range(f.start, f.end):
            kind, off = ex.locs[i]
            assert kind == 0 and source[off] == doc.raw.text[i]
        assert "HTML source characters" in ex.where(f.start, f.end)
    assert doc.entry.doc_id == "t"


def test_page_metadata_title_date_site(inputs):
    gov = read_report(inputs / "gov_gb2312.html")
    assert gov.meta["title"] == "仁寿县：村级组织建设稳步推进_中共仁寿县委组织部"
    assert gov.meta["published"] == "2024-03-15"
    news = read_report(inputs / "news.html")
    assert news.meta["published"] == "2023-12-28" and news.meta["site"] == "四川新闻网"
    assert news.meta["source"] == "https://www.example.cn/news/2023/12/28/content_1.html"
    _check_figures(inputs / "news.html", F.NEWS_SENTENCES,
                   ["热点排行", "新建公园12个", "300公里", "分享到", "88%", "028-12345678"])


def test_pdf_text_layer_with_page_map(inputs):
    doc, figs, n, found = _check_figures(inputs / "report.pdf", F.PDF_SENTENCES)
    assert len(found) == n, found
    text = doc.raw.text
    assert "内部资料" not in text and "第 1 页" not in text  # running header, page numbers
    assert "218个，村党组织书记平均年龄45.6岁。\n" in text  # the column's line wrapping undone
    from ruralstudy.texts.formats import _unwrap

    assert _unwrap(["全区村集体经济收入达到3", "86万元，村均", "24.7万元。", "二、工作"]) == \
        "全区村集体经济收入达到386万元，村均\n24.7万元。\n二、工作"
    f = next(f for f in figs if f.raw == "1200人次")
    assert doc.extracted.where(f.start, f.end).startswith("page 2, characters")
    import pdfplumber

    with pdfplumber.open(inputs / "report.pdf") as pdf:
        for f in figs:
            for i in range(f.start, f.end):
                page, k = doc.extracted.locs[i]
                assert pdf.pages[page - 1].chars[k]["text"] == text[i]


def test_docx_paragraphs_with_map(inputs):
    doc, figs, n, found = _check_figures(inputs / "brief.docx", F.DOCX_SENTENCES)
    assert len(found) == n + 2, found  # and 45名, 12.6万元 from the table
    import docx

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paras = ["".join(t.text or "" for t in p.iter(w + "t")) for p in
             docx.Document(str(inputs / "brief.docx")).element.body.iter(w + "p")]
    for f in figs:
        for i in range(f.start, f.end):
            para, k = doc.extracted.locs[i]
            assert paras[para - 1][k] == doc.raw.text[i]
    assert read_report(inputs / "brief.docx").meta["title"] == "某镇村级组织建设情况简报"
    assert "\n村名 党员人数 村集体经济收入\n大桥村 45名 12.6万元" in doc.raw.text
    f = next(f for f in figs if f.raw == "12.6万元")
    assert f.sentence == "大桥村 45名 12.6万元"
    para, k = doc.extracted.locs[f.start]
    assert paras[para - 1] == "12.6万元" and k == 0


@pytest.mark.parametrize("name,message", [
    ("scanned.pdf", "no text layer (a scanned or image-only PDF)"),  # OCR: tests/texts/test_ocr.py
    ("locked.pdf", "encrypted"),
    ("shell.html", "no article text"),
    ("old.doc", "old Word binary (.doc)"),
])
def test_bad_inputs_are_named(inputs, name, message):
    with pytest.raises(CorpusError) as e:
        read_report(inputs / name)
    assert message in str(e.value) and name in str(e.value)


def test_txt_reading_is_unchanged(root):
    doc = document_from_file(root / "data/raw/reports" / SEED)
    assert doc.extracted is None and doc.raw.text == iorw.read_raw_text(
        root / "data/raw/reports" / SEED).text


def test_align_skips_furniture_and_keeps_order():
    src = [(c, (0, i)) for i, c in enumerate("菜单A 正文一。菜单B 正文二。")]
    locs = align("正文一。\n正文二。", src)
    assert [loc[1] for loc in locs] == [4, 5, 6, 7, -1, 12, 13, 14, 15]


def test_region_inferred_or_left_empty():
    g = infer_region("仁寿县召开会议。全县共有村党组织156个。仁寿县将继续推进。")
    assert (g.name, g.province, g.level, g.code) == ("仁寿县", "四川省", "county", "511421")
    assert infer_region("某镇共有村12个。").name == ""
    tie = infer_region("仁寿县有村100个。仁寿县有干部。德昌县有村50个。德昌县有干部。")
    assert tie.name == "" and "more than the others" in tie.reason


# --- the command line ------------------------------------------------------------------------

def _project(dest: Path):
    from conftest import copy_project

    p = copy_project(dest)
    return p


def test_figures_command_reads_every_format(inputs):
    r = _cli(["figures", str(inputs / "gov_gb2312.html")])
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(__import__("io").StringIO(r.stdout), dtype=str)
    assert "3860万元" in set(df["raw"]) and not {"35项", "800名", "99条"} & set(df["raw"])
    r = _cli(["figures", str(inputs / "report.pdf")])
    assert r.returncode == 0 and "1200人次" in r.stdout
    r = _cli(["figures", str(inputs / "scanned.pdf")])
    assert r.returncode == 1 and "scanned.pdf" in r.stderr and "no text layer" in r.stderr


def test_add_a_folder_in_one_command(tmp_path, inputs):
    """The issue's 'done when', short of the site (see test_added_formats_on_the_site)."""
    p = _project(tmp_path / "p")
    folder = tmp_path / "found"
    folder.mkdir()
    for name in ("gov_gb2312.html", "report.pdf", "brief.docx", "scanned.pdf"):
        (folder / name).write_bytes((inputs / name).read_bytes())
    meta = tmp_path / "meta.csv"
    with open(meta, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["file", "region", "province", "level", "year"],
                                  ["report.pdf", "某区", "某省", "county", "2023"]])
    before = iorw.read_csv(p.manifest)
    r = _cli(["add", str(folder), "--meta", str(meta), "--root", str(p.root)])
    assert r.returncode == 1, r.stderr  # one file refused
    assert "scanned.pdf: no text layer (a scanned or image-only PDF)" in r.stderr
    assert "3 added, 0 skipped as duplicate, 1 refused" in r.stderr
    assert "region: 仁寿县 (四川省, county) inferred" in r.stderr
    assert "brief.docx: region could not be decided" in r.stderr
    m = iorw.read_csv(p.manifest)
    new = m.iloc[len(before):]
    assert len(new) == 3 and list(m.columns) == list(before.columns)
    rows = {Path(f).suffix: r for f, r in zip(new["file"], new.to_dict("records"))}
    assert rows[".html"]["regions"] == "仁寿县" and rows[".html"]["published"] == "2024-03-15"
    assert rows[".html"]["title"].startswith("仁寿县：村级组织建设稳步推进")
    assert rows[".pdf"]["regions"] == "某区" and rows[".pdf"]["year"] == "2023"
    assert rows[".docx"]["regions"] == ""
    for f in new["file"]:  # the raw files are kept unchanged
        src = {".html": "gov_gb2312.html", ".pdf": "report.pdf", ".docx": "brief.docx"}[Path(f).suffix]
        assert (p.reports_raw / f).read_bytes() == (inputs / src).read_bytes()
    assert not any("scanned" in f or f.endswith(".pdf") and f not in set(new["file"])
                   for f in (x.name for x in p.reports_raw.iterdir()))
    # again: every file is now a duplicate (by hash), the re-encoded page by its text
    (folder / "gov_utf8.htm").write_bytes((inputs / "gov_utf8.htm").read_bytes())
    (folder / "scanned.pdf").unlink()
    r = _cli(["add", str(folder), "--root", str(p.root)])
    assert r.returncode == 1 and "0 added, 4 skipped as duplicate, 0 refused" in r.stderr, r.stderr
    assert "gov_utf8.htm: same text as" in r.stderr and "report.pdf: same content as" in r.stderr
    assert len(iorw.read_csv(p.manifest)) == len(m)


def test_add_refuses_each_bad_input_and_adds_nothing_of_it(tmp_path, inputs):
    p = _project(tmp_path / "p")
    before = iorw.read_csv(p.manifest)
    files_before = sorted(x.name for x in p.reports_raw.iterdir())
    bad = ["scanned.pdf", "locked.pdf", "shell.html", "old.doc"]
    r = _cli(["add", *[str(inputs / n) for n in bad], "--root", str(p.root)])
    assert r.returncode == 1
    for n in bad:
        assert f"{inputs / n}: " in r.stderr
    assert "0 added, 0 skipped as duplicate, 4 refused" in r.stderr
    assert iorw.read_csv(p.manifest).equals(before)
    assert sorted(x.name for x in p.reports_raw.iterdir()) == files_before


def test_a_failed_manifest_write_leaves_no_raw_file(tmp_path, inputs, monkeypatch):
    from ruralstudy.texts import ingest
    from ruralstudy.errors import OutputError

    p = _project(tmp_path / "p")
    files_before = sorted(x.name for x in p.reports_raw.iterdir())
    items = ingest.plan_batch([inputs / "report.pdf", inputs / "brief.docx"], {}, {})

    def boom(*a, **k):
        raise OutputError("cannot write: no space left on the device", file=str(p.manifest))

    monkeypatch.setattr(iorw, "write_csv", boom)
    with pytest.raises(OutputError):
        ingest.commit_batch(p, items)
    assert sorted(x.name for x in p.reports_raw.iterdir()) == files_before


def test_metadata_csv_bad_year_refuses_that_file_only(tmp_path, inputs):
    p = _project(tmp_path / "p")
    meta = tmp_path / "meta.csv"
    meta.write_text("file,year\nreport.pdf,20x3\n", encoding="utf-8")
    r = _cli(["add", str(inputs / "report.pdf"), str(inputs / "brief.docx"), "--meta", str(meta),
              "--root", str(p.root)])
    assert "report.pdf: year '20x3' is not a four-digit year (metadata CSV line 2)" in r.stderr
    assert "1 added, 0 skipped as duplicate, 1 refused" in r.stderr


def test_build_writes_extracted_text_and_map(tmp_path, inputs):
    from ruralstudy.build.steps import write_extracted_text
    from ruralstudy.texts.corpus import Document, clean_text, ManifestEntry

    p = _project(tmp_path / "p")
    rep = read_report(inputs / "report.pdf")
    entry = ManifestEntry("009", "009_x.pdf", "", "", "", None, (), "", 0)
    doc = Document(entry, rep.raw, clean_text(rep.raw.text), rep.extracted)
    write_extracted_text(p, doc)
    text = (p.processed / "text/009.txt").read_text(encoding="utf-8")
    m = json.loads((p.processed / "text/009.map.json").read_text(encoding="utf-8"))
    assert text == rep.raw.text and m["kind"] == "pdf"
    locs = []
    for a, b, x, y in m["runs"]:
        locs += [(x, y + i if x >= 0 else -1) for i in range(b - a)]
    assert tuple(locs) == tuple((x, y if x >= 0 else -1) for x, y in rep.extracted.locs)


# --- the 'done when': a folder added with one command, then the site ----------------

@pytest.mark.slow
def test_added_formats_on_the_site(tmp_path, inputs):
    """A folder with a saved government page, a PDF with text, a Word file and a scanned PDF
    is added with one command; the first three get source pages with their figures
    highlighted in the right sentences and none of the page furniture, a link to the raw file
    as downloaded (a page served as text) and to the extracted text; the scan is refused."""
    import re

    from test_hostile import small_project

    p = small_project(tmp_path / "p")
    folder = tmp_path / "found"
    folder.mkdir()
    for name in ("gov_gb2312.html", "report.pdf", "brief.docx", "scanned.pdf"):
        (folder / name).write_bytes((inputs / name).read_bytes())
    r = _run(["add", str(folder), "--root", str(p.root)])
    assert "scanned.pdf: no text layer (a scanned or image-only PDF)" in r.stderr
    assert "3 added, 0 skipped as duplicate, 1 refused" in r.stderr
    m = iorw.read_csv(p.manifest)
    r = _run(["build", "--jobs", "2", "--root", str(p.root)])
    assert r.returncode == 0, r.stderr
    site = p.site.resolve()
    expected = {".html": (F.GOV_SENTENCES, F.GOV_FURNITURE, "gov_gb2312.html"),
                ".pdf": (F.PDF_SENTENCES, ["内部资料", "第 1 页"], "report.pdf"),
                ".docx": (F.DOCX_SENTENCES, [], "brief.docx")}
    for row in m.to_dict("records")[2:]:
        sentences, furniture, src = expected[Path(row["file"]).suffix]
        page = (site / "sources" / f"{row['doc_id']}.html").read_text(encoding="utf-8")
        body = page[page.index('<div class="doc-text"'):]
        marks = re.findall(r"<mark [^>]*>(.*?)</mark>", body)
        paras = re.findall(r"<p[^>]*>(.*?)</p>", body)
        for sentence, figs in sentences:
            cleaned = sentence.replace("，", ",")
            para = next(x for x in paras if re.sub(r"<[^>]+>", "", x).find(cleaned[:8]) >= 0)
            for fig in figs:
                assert re.search(r"<mark [^>]*>" + re.escape(fig) + "</mark>", para), (fig, para)
        extra = 2 if src.endswith(".docx") else 0  # 45名 and 12.6万元 in the table
        assert len([x for x in marks if not x.endswith("年")]) == \
            sum(len(f) for _, f in sentences) + extra
        text = re.sub(r"<[^>]+>", "", body)
        for junk in furniture:
            assert junk not in text, junk
        assert "in the raw file: " in page
        raw_link = re.search(r"href='(\.\./data/raw/[^']+)'", page).group(1)
        raw_copy = (site / "sources" / raw_link).resolve()
        assert raw_copy.read_bytes() == (inputs / src).read_bytes()
        if src.endswith(".html"):
            assert raw_copy.name.endswith(".html.txt")  # served as text: its scripts never run
        text_link = re.search(r"href='(\.\./data/text/[^']+)'", page).group(1)
        assert (site / "sources" / text_link).resolve().is_file()
        assert (p.processed / "text" / f"{row['doc_id']}.map.json").is_file()


def test_hostile_page_text_and_file_name_stay_text(tmp_path):
    """Markup written as text in an article, and quotes in a file name, are rendered as text."""
    import pandas as pd

    from ruralstudy.texts.corpus import Document, ManifestEntry, clean_text
    from ruralstudy.site.site import document_body

    x = "&lt;img src=x onerror=alert(1)&gt;"
    page = F.gov_page("utf-8").replace("<p>下一步", f"<p>下一步{x}，共有村12个。</p><p>下一步")
    f = tmp_path / "p.html"
    f.write_bytes(page.encode("utf-8"))
    rep = read_report(f)
    assert "<img src=x onerror=alert(1)>" in rep.raw.text
    entry = ManifestEntry("009", "009_a'\"<b>.html", "", "", "", None, (), "", 0)
    doc = Document(entry, rep.raw, clean_text(rep.raw.text), rep.extracted)
    body = document_body(doc, pd.DataFrame(columns=["doc_id", "start"]))
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<b>" not in body and "009_a%27%22%3Cb%3E.html.txt" in body


@pytest.mark.parametrize("name,data,message", [
    ("damaged.pdf", b"%PDF-1.4\ngarbage\n", "not a readable PDF"),
    ("damaged.docx", b"PK\x03\x04junk", "not a readable Word .docx file"),
    ("empty.html", b"  \n", "file is empty"),
])
def test_damaged_files_are_named(tmp_path, name, data, message):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(CorpusError) as e:
        read_report(f)
    assert message in str(e.value) and name in str(e.value)
