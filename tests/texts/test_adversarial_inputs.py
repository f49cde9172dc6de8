"""Hostile and careless inputs from the adversarial report (issue 24, the input cases).

One test per case of ../shared/reliability/adversarial_2026-12.md, named by its id; each failed
on the code the report tested (2f1a507). Hostile files are made here, small: where a limit is
the thing tested, the limit is lowered through its environment variable
(:mod:`ruralstudy.texts.limits`) instead of making a huge file.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from conftest import TINY_REPORTS, cli, tiny_project
from ruralstudy import iorw
from ruralstudy.texts import limits
from ruralstudy.texts.corpus import CorpusProblem, Document, read_documents, read_manifest
from ruralstudy.errors import CorpusError, SheetError
from ruralstudy.texts.formats import decode_html, read_report
from ruralstudy.tables.sheets import load_sheets, read_sheet_frame

SHEET_HEADER = "region,province,admin_level,year,construct,indicator_label_zh,raw_value,url\n"
SHEET_ROW = "普定县,贵州省,county,2022,cadre_structure,村党组织书记平均年龄,47岁,https://example.org/a\n"
ARTICLE = ("仁寿县召开基层党建工作推进会。全县共有村党组织218个，村“两委”成员平均年龄41.2岁，"
           "大专以上学历占比38.6%。")
INCOME = "全县村集体经济收入达到386万元，村均24.7万元。"


def _page(body: str, head: str = "<meta charset='utf-8'><title>仁寿县：村级组织建设</title>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><div class='article'>{body}</div></body></html>"


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _replace_member(docx_data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx_data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, content if info.filename == name else src.read(info))
    return out.getvalue()


def _project(tmp_path: Path):
    return tiny_project(tmp_path / "p")


def _add_to_manifest(p, doc_id: str, file: str) -> None:
    with open(p.manifest, "a", encoding="utf-8") as fh:
        fh.write(f"{doc_id},{file},t,test,,2023,仁寿县,四川省,county,\n")


def _no_traceback(r) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


# --- crashes: damaged files, odd markup --------------------------------------------------------

def test_I1_damaged_docx_is_named_the_batch_goes_on_and_keep_going_skips_it(tmp_path):
    good = _docx_bytes([ARTICLE])
    xml = zipfile.ZipFile(io.BytesIO(good)).read("word/document.xml")
    cut = xml.index("村党组织".encode()) + 1  # inside a UTF-8 character
    bad = _replace_member(good, "word/document.xml", xml[:cut])
    batch = tmp_path / "batch1"
    batch.mkdir()
    (batch / "good.docx").write_bytes(good)
    (batch / "badxml.docx").write_bytes(bad)
    r = cli(["figures", batch / "badxml.docx"])
    assert r.returncode == 1 and "badxml.docx" in r.stderr and "damaged XML" in r.stderr
    _no_traceback(r)
    p = _project(tmp_path)
    r = cli(["add", batch, "--year", "2023", "--root", p.root])
    assert r.returncode == 1, r.stderr
    assert "1 added, 0 skipped as duplicate, 1 refused" in r.stderr
    assert "badxml.docx: not a readable Word .docx file" in r.stderr
    shutil.copyfile(batch / "badxml.docx", p.reports_raw / "005_bad.docx")
    _add_to_manifest(p, "005", "005_bad.docx")
    from ruralstudy.build.build import BuildOptions, build

    rep = build(p, BuildOptions(until="extract", keep_going=True, jobs=1))
    (prob,) = [x for x in rep.problems if x.doc_id == "005"]
    assert prob.line == 5 and "damaged XML" in prob.reason
    r = cli(["build", "--root", p.root])  # without --keep-going: named, one a line, nothing built
    assert r.returncode == 1 and "1 input(s) cannot be read" in r.stderr
    assert "\n  data/raw/reports/005_bad.docx (document 005, data/raw/manifest.csv line 5): " \
        "not a readable Word .docx file (damaged XML" in r.stderr
    _no_traceback(r)


def test_I2_unknown_marked_section_is_skipped_not_a_crash(tmp_path):
    f = tmp_path / "html_ms_bogus.html"
    f.write_text(_page(f"<p>{ARTICLE}</p><![bogus[ x ]]><p>{INCOME}</p>"), encoding="utf-8")
    r = cli(["figures", f])
    assert r.returncode == 0, r.stderr
    raws = pd.read_csv(io.StringIO(r.stdout))["raw"].tolist()
    assert {"218个", "38.6%", "386万元", "24.7万元"} <= set(raws)


def test_I3_billion_laughs_docx_is_refused_in_a_sentence(tmp_path):
    good = _docx_bytes([ARTICLE])
    ents = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>').encode()
    f = tmp_path / "laughs.docx"
    f.write_bytes(_replace_member(good, "word/document.xml", xml))
    r = cli(["figures", f])
    assert r.returncode == 1 and "laughs.docx: not a readable Word .docx file" in r.stderr
    _no_traceback(r)


def test_I4_zip_bomb_docx_is_refused_from_its_directory(tmp_path, monkeypatch):
    good = _docx_bytes([ARTICLE])
    xml = zipfile.ZipFile(io.BytesIO(good)).read("word/document.xml")
    padded = xml.replace(b"<w:body>", b"<w:body>" + b" " * (3 << 20))  # 3 MB of blanks
    f = tmp_path / "bomb.docx"
    f.write_bytes(_replace_member(good, "word/document.xml", padded))
    assert f.stat().st_size < 100_000
    monkeypatch.setenv("RURALSTUDY_MAX_UNZIPPED_BYTES", "1MB")
    with pytest.raises(limits.LimitError) as e:
        read_report(f)
    msg = str(e.value)
    assert "bomb.docx" in msg and "unpacked" in msg and "RURALSTUDY_MAX_UNZIPPED_BYTES" in msg


# --- sheets: far cells, many rows, long cells, mixed encodings --------------------------------

def _xlsx(path: Path, rows: list[list[str]], far: str | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if far:
        ws[far] = "x"
    wb.save(path)
    return path


HEADER = SHEET_HEADER.strip().split(",")
ROW = SHEET_ROW.strip().split(",")


def test_I7_far_cell_does_not_make_a_grid(tmp_path):
    # the report's cell was XFD1048576 (over 9 GB); a nearer one shows the same grid being built
    f = _xlsx(tmp_path / "t_farcell.xlsx", [HEADER, ROW], far="CV3000")
    t = time.monotonic()
    df = read_sheet_frame(f)
    assert time.monotonic() - t < 20
    assert len(df) == 1 and list(df.columns) == HEADER  # no blank rows, no 100 columns
    assert df.attrs["lines"] == [2]
    f = _xlsx(tmp_path / "t_farcell2.xlsx", [HEADER, ROW], far="XFD1048576")  # the report's
    t = time.monotonic()
    assert len(read_sheet_frame(f)) == 1
    assert time.monotonic() - t < 20  # read-only, bounded by max_col; rows the file skips skipped


def test_I8_stray_cell_in_a_far_row_is_one_reject_with_its_line(tmp_path):
    _xlsx(tmp_path / "t_farrow.xlsx", [HEADER, ROW], far="H1048576")
    res = load_sheets(tmp_path)
    assert len(res.rows) == 1 and res.rows.iloc[0]["line"] == 2
    assert res.rejects["line"].tolist() == [1048576]  # not 1,048,575 "region is empty" rejects
    assert res.rejects.iloc[0]["reason"] == "region is empty"


def test_I24_cell_over_the_field_limit_is_refused_with_its_line_and_site_csv_copes(tmp_path,
                                                                                    monkeypatch):
    (tmp_path / "longcell.csv").write_text(
        SHEET_HEADER + SHEET_ROW + SHEET_ROW.replace("村党组织书记平均年龄", "长" * 140_000),
        encoding="utf-8")
    with pytest.raises(SheetError) as e:
        read_sheet_frame(tmp_path / "longcell.csv")
    assert e.value.line == 3 and "one cell" in str(e.value) and "RURALSTUDY_MAX_FIELD_CHARS" in str(e.value)
    # a report line of 180,000 characters with no sentence end: refused, its line named
    (tmp_path / "longline.txt").write_text(ARTICLE + "\n" + "村干部平均年龄41岁，" * 18_000 + "\n",
                                           encoding="utf-8")
    with pytest.raises(limits.LimitError) as e:
        read_report(tmp_path / "longline.txt")
    assert e.value.line == 2 and "RURALSTUDY_MAX_LINE_CHARS" in str(e.value)
    # a long processed cell (a sentence under the limit) no longer kills the site step
    from ruralstudy.site.site import neutralise_csv

    data = ("a,b\n=1," + "长" * 200_000 + "\n").encode()
    assert neutralise_csv(data).startswith(b"a,b\n'=1,")


def test_I25_sheet_over_the_row_limit_is_refused_quickly(tmp_path, monkeypatch):
    monkeypatch.setenv("RURALSTUDY_MAX_SHEET_ROWS", "100")
    (tmp_path / "big.csv").write_text(SHEET_HEADER + "\n" + SHEET_ROW * 500, encoding="utf-8")
    with pytest.raises(SheetError) as e:
        read_sheet_frame(tmp_path / "big.csv")
    assert e.value.line == 103  # the 101st non-blank row (a blank line 2 is skipped)
    assert "RURALSTUDY_MAX_SHEET_ROWS" in str(e.value)
    res = load_sheets(tmp_path)
    assert res.rows.empty and len(res.rejects) == 1 and "non-blank rows" in res.rejects.iloc[0]["reason"]
    monkeypatch.setenv("RURALSTUDY_MAX_SHEET_ROWS", "500")  # raised: read whole
    df = read_sheet_frame(tmp_path / "big.csv")
    assert len(df) == 500 and df.attrs["lines"][:2] == [3, 4]


def test_I26_sheet_mixing_gbk_and_utf8_rows_is_refused_with_the_first_bad_line(tmp_path):
    gbk_row = SHEET_ROW.encode("gb18030")
    utf8_row = "全国,全国,national,2022,cadre_structure,两委妇女成员占比,28.1%,https://e.org\n".encode()
    (tmp_path / "mixed.csv").write_bytes(SHEET_HEADER.encode() + gbk_row + utf8_row)
    with pytest.raises(SheetError) as e:
        read_sheet_frame(tmp_path / "mixed.csv")
    assert e.value.line == 3 and "mixes encodings" in str(e.value)
    (tmp_path / "mixed.csv").write_bytes(b"\xef\xbb\xbf" + SHEET_HEADER.encode() + utf8_row + gbk_row)
    with pytest.raises(SheetError) as e:
        read_sheet_frame(tmp_path / "mixed.csv")
    assert e.value.line == 3 and "byte-order mark" in str(e.value)
    (tmp_path / "mixed.csv").write_bytes(SHEET_HEADER.encode() + gbk_row * 2)  # all GBK: read
    assert read_sheet_frame(tmp_path / "mixed.csv")["region"].tolist() == ["普定县"] * 2


# --- resources: PDFs, big pages, big files, YAML ----------------------------------------------

def _pdf(ops: bytes) -> bytes:
    """A one-page PDF whose (Flate) content stream is ``ops``, with a correct xref."""
    stream = zlib.compress(ops)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream +
            b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_I10_pdf_operator_bomb_is_refused_before_layout(tmp_path, monkeypatch):
    ops = b"BT /F1 1 Tf " + b"".join(b"1 0 0 1 %d %d Tm (a) Tj " % (i % 500, i // 500)
                                     for i in range(5000)) + b"ET"
    f = tmp_path / "opbomb.pdf"
    f.write_bytes(_pdf(ops))
    monkeypatch.setenv("RURALSTUDY_MAX_PDF_PAGE_OPERATORS", "1000")
    with pytest.raises(limits.LimitError) as e:
        read_report(f)
    msg = str(e.value)
    assert "opbomb.pdf" in msg and "page 1" in msg and "5,000" in msg
    assert "RURALSTUDY_MAX_PDF_PAGE_OPERATORS" in msg
    monkeypatch.setenv("RURALSTUDY_MAX_PDF_PAGE_OPERATORS", "10000")  # raised: read
    assert read_report(f).raw.text.count("a") >= 4000


def test_I17_page_over_the_size_limit_is_refused_and_the_map_is_compact(tmp_path, monkeypatch):
    f = tmp_path / "big.html"
    f.write_text(_page("".join(f"<p>第{i}镇{ARTICLE}</p>" for i in range(2000))), encoding="utf-8")
    monkeypatch.setenv("RURALSTUDY_MAX_FILE_BYTES", "100KB")
    r = cli(["figures", f])
    assert r.returncode == 1 and "big.html: the file's size is" in r.stderr
    assert "over the limit of 100 KB" in r.stderr and "RURALSTUDY_MAX_FILE_BYTES" in r.stderr
    monkeypatch.delenv("RURALSTUDY_MAX_FILE_BYTES")
    rep = read_report(f)
    from array import array

    assert isinstance(rep.extracted.locs.a, array)  # 8 bytes a character, not a tuple each
    assert len(rep.extracted.locs) == len(rep.raw.text)
    i = rep.raw.text.index("38.6%")
    src, _ = decode_html(f.read_bytes(), "x")
    assert src[rep.extracted.locs[i][1]] == "3"


def test_I18_one_cell_of_many_figures_costs_linear_time(monkeypatch):
    """Counted in comparisons, not seconds (no test depends on the machine's speed): the
    pairwise count made n^2 / 2 = 18 million comparisons for these 6,000 values."""
    from ruralstudy.tables import indicators as I
    from ruralstudy.site.site import _marked_paragraphs

    n = 6000
    ind = pd.DataFrame({"region": "仁寿县", "indicator_id": "villages", "year": 2023,
                        "value": [218.0 + (i % 3) for i in range(n)], "kind": "level",
                        "qualifier": "exact", "source_type": "report", "unit": "个",
                        "indicator_zh": "行政村数", "source_id": [f"s{i:05d}" for i in range(n)]})
    ind["source_key"] = ind["source_id"]
    for c in ("value_high", "value_before", "confidence"):
        ind[c] = 0.0
    for c in ("region_code", "province", "admin_level", "url", "rule", "audit", "source_ref",
              "raw", "period", "round", "status", "ref_date"):
        ind[c] = ""
    calls = 0
    real = I.disagree

    def counted(a, b):
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(I, "disagree", counted)
    keys = I.source_keys(ind)
    assert keys.nunique() == 1  # 218 ~ 219 ~ 220 chain: every release joined, as pairwise did
    try:
        I.panel_table(ind.assign(source_key=keys))
    except KeyError:  # a column this test does not fill: the ranking already ran
        pass
    conflicts = I.conflicts_table(ind)
    assert len(conflicts) == 1 and conflicts["between"].iloc[0] == "independent releases"
    assert calls < 20 * n, f"{calls} comparisons for {n} values"
    text = "".join(f"第{i}村有村民{i}人。" for i in range(n))
    spans = [(m.start(), m.end(), f"s{k}", "tip", True)
             for k, m in enumerate(re.finditer(r"\d+人", text))]
    html = _marked_paragraphs(text, spans)
    assert html.count("<mark") == n


def test_I23_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    f = tmp_path / "sparse.txt"
    with open(f, "wb") as fh:
        fh.truncate(250 << 20)  # 250 MB, sparse: nothing on disk
    t = time.monotonic()
    with pytest.raises(limits.LimitError) as e:
        read_report(f)
    assert time.monotonic() - t < 2
    assert "250 MB" in str(e.value) and "RURALSTUDY_MAX_FILE_BYTES" in str(e.value)


def test_M4_citation_with_yaml_aliases_is_refused_not_expanded():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for c in "bcdef":
        bomb += f"{c}: &{c} [" + ",".join(["*" + prev] * 10) + "]\n"
        prev = c
    bomb += "title: *f\n"
    with pytest.raises(limits.LimitError) as e:
        limits.load_yaml(bomb, "CITATION.cff")
    assert "CITATION.cff" in str(e.value) and "RURALSTUDY_MAX_YAML_NODES" in str(e.value)
    from ruralstudy.site.site import citation_apa, citation_bibtex

    assert len(citation_bibtex(bomb)) < 1000 and len(citation_apa(bomb)) < 1000
    from ruralstudy.site.site import citation_html

    assert "CITATION.cff: the size of the YAML document" in citation_html(bomb)
    assert limits.load_yaml("a: &x [1, 2]\nb: *x\n", "c.cff") == {"a": [1, 2], "b": [1, 2]}


# --- silent wrong data ------------------------------------------------------------------------

def test_I15_deep_nesting_is_read_whole_or_refused(tmp_path):
    font = tmp_path / "unclosed_font300.html"
    font.write_text(_page("".join(f"<p><font size=3>村党组织{n}个，平均年龄41.2岁。" for n in range(300))),
                    encoding="utf-8")
    text = read_report(font).raw.text
    assert "村党组织0个" in text and "村党组织299个" in text  # all 300 paragraphs
    deep = tmp_path / "deep300.html"
    deep.write_text(_page("<div>" * 300 + f"<p>{ARTICLE}</p>" + "</div>" * 300), encoding="utf-8")
    assert "38.6%" in read_report(deep).raw.text
    deeper = tmp_path / "deep3000.html"
    deeper.write_text(_page("<div>" * 3000 + f"<p>{ARTICLE}</p>" + "</div>" * 3000),
                      encoding="utf-8")
    with pytest.raises(limits.LimitError) as e:
        read_report(deeper)
    assert "nesting depth" in str(e.value) and "deep3000.html" in str(e.value)


def test_I16_lying_charset_is_checked_against_the_bytes(tmp_path):
    import format_fixtures as F

    page = F.gov_page("windows-1252").encode("gb18030")
    f = tmp_path / "lie_windows-1252.html"
    f.write_bytes(page)
    rep = read_report(f)
    assert rep.meta["title"].startswith("仁寿县：村级组织建设稳步推进")
    assert "declared windows-1252" in rep.raw.encoding and "gb18030" in rep.raw.encoding
    (tmp_path / "lie_iso.html").write_bytes(F.gov_page("iso-8859-1").encode("gb18030"))
    (tmp_path / "honest.html").write_bytes(F.gov_page("gb2312").encode("gb18030"))
    r = cli(["figures", tmp_path / "lie_iso.html"])
    assert r.returncode == 0 and "238.6" not in r.stdout
    honest = cli(["figures", tmp_path / "honest.html"]).stdout
    cols = ["raw", "value", "start", "end"]
    assert pd.read_csv(io.StringIO(r.stdout))[cols].equals(pd.read_csv(io.StringIO(honest))[cols])
    trad = _page(f"<p>{'全縣共有村黨組織218個，村幹部平均年齡45.6歲，大專以上學歷佔比38.6%。' * 3}</p>",
                 head="<meta charset='gb2312'><title>仁壽縣</title>")
    (tmp_path / "big5_as_gb.html").write_bytes(trad.encode("big5"))
    text, enc = decode_html((tmp_path / "big5_as_gb.html").read_bytes(), "x")
    assert "村黨組織218個" in text and enc.startswith("big5")
    # an honest declaration is kept
    assert decode_html(F.gov_page("gb2312").encode("gb18030"), "x")[1] == "gb18030"


def test_I19_truncated_utf8_page_is_named_as_cut_short(tmp_path):
    data = _page(f"<p>{ARTICLE}</p>").encode("utf-8")
    cut = data[:data.index("村党组织".encode()) + 1]
    (tmp_path / "cut.html").write_bytes(cut)
    with pytest.raises(CorpusError) as e:
        read_report(tmp_path / "cut.html")
    assert "cut short" in str(e.value) and "no encoding" not in str(e.value)
    (tmp_path / "cut.txt").write_bytes(ARTICLE.encode()[:-1])
    with pytest.raises(CorpusError, match="cut short"):
        read_report(tmp_path / "cut.txt")
    r = cli(["figures", tmp_path / "cut.txt"])  # read piece by piece: the same reason
    assert r.returncode == 1 and "cut.txt: the file ends in the middle of a UTF-8" in r.stderr


def test_D2_same_article_as_txt_html_and_docx_is_one_document(tmp_path):
    p = _project(tmp_path)
    text = TINY_REPORTS["000_tiny.txt"]
    paras = [s + "。" for s in text.strip().split("。") if s]
    html_f = tmp_path / "dup_000.html"
    html_f.write_text(_page("".join(f"<p>{s}</p>" for s in paras)), encoding="utf-8")
    docx_f = tmp_path / "dup_000.docx"
    docx_f.write_bytes(_docx_bytes(paras))
    # the .txt with blank lines and indentation the other readers drop
    (p.reports_raw / "000_tiny.txt").write_text("\n\n".join("　　" + s for s in paras) + "\n",
                                                encoding="utf-8")
    r = cli(["add", html_f, docx_f, "--year", "2023", "--root", p.root])
    assert r.returncode == 1 and "0 added, 2 skipped as duplicate" in r.stderr, r.stderr
    shutil.copyfile(html_f, p.reports_raw / "005_dup.html")
    _add_to_manifest(p, "005", "005_dup.html")
    items = list(read_documents(read_manifest(p.manifest), p.reports_raw))
    (dup,) = [i for i in items if isinstance(i, CorpusProblem)]
    assert dup.doc_id == "005" and "duplicate of document 000" in dup.reason
    assert sum(isinstance(i, Document) for i in items) == 2
    from ruralstudy.texts.corpus import normalised_digest

    wide = text.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"})  # １ for 1
    assert normalised_digest(wide) == normalised_digest(text)
    assert normalised_digest(text.replace("86", "87")) != normalised_digest(text)
    # the build keeps each text's normalised digest by raw file and reader: read again with
    # them, the same documents and the same duplicate, without normalising any text again
    known: dict[str, str] = {}
    first = list(read_documents(read_manifest(p.manifest), p.reports_raw, known))
    assert len(known) == 3 and all(":" in k for k in known)
    import ruralstudy.texts.corpus as corpus

    def must_not_run(text):
        raise AssertionError("normalised again")

    orig = corpus.normalised_digest
    corpus.normalised_digest = must_not_run
    try:
        again = list(read_documents(read_manifest(p.manifest), p.reports_raw, dict(known)))
    finally:
        corpus.normalised_digest = orig
    assert [type(i) for i in again] == [type(i) for i in first]
    (dup2,) = [i for i in again if isinstance(i, CorpusProblem)]
    assert dup2.reason == dup.reason


def test_I31_no_date_is_invented_for_a_page_without_one(tmp_path):
    f = tmp_path / "small_nodate.html"
    f.write_text(_page(f"<p>2023年，{ARTICLE}</p><p>{ARTICLE}</p>"), encoding="utf-8")
    assert read_report(f).meta["published"] == ""
    stated = tmp_path / "stated.html"
    stated.write_text(_page(f"<div class='info'>发布时间：2024年3月5日</div><p>{ARTICLE}</p>"),
                      encoding="utf-8")
    assert read_report(stated).meta["published"] == "2024-03-05"


def test_E5_published_must_be_a_date(tmp_path):
    p = _project(tmp_path)
    f = tmp_path / "new.txt"
    f.write_text("测试县2023年全县共有行政村81个，村“两委”干部平均年龄41.2岁。", encoding="utf-8")
    args = ["add", f, "--region", "测试县", "--province", "某省", "--level", "county",
            "--root", p.root]
    r = cli(args + ["--published", "notadate"])
    assert r.returncode == 1 and "published 'notadate' is not a date" in r.stderr
    assert "notadate" not in p.manifest.read_text(encoding="utf-8")
    r = cli(args + ["--published", "2023-02-30"])
    assert r.returncode == 1 and "is not a date" in r.stderr
    r = cli(args + ["--published", "2023-05-01"])
    assert r.returncode == 0, r.stderr


def test_D10_add_keeps_the_manifest_encoding_and_line_ends(tmp_path):
    p = _project(tmp_path)
    text = p.manifest.read_text(encoding="utf-8")
    p.manifest.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    f = tmp_path / "new.txt"
    f.write_text("测试县2023年全县共有行政村81个，村“两委”干部平均年龄41.2岁。", encoding="utf-8")
    r = cli(["add", f, "--region", "测试县", "--province", "某省", "--level", "county",
             "--root", p.root])
    assert r.returncode == 0, r.stderr
    data = p.manifest.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    after = data.decode("gb18030")
    assert "测试县" in after and after.count("\r\n") == after.count("\n") == 4
    for codec, bom in (("utf-16", b"\xff\xfe"), ("utf-8-sig", b"\xef\xbb\xbf")):
        p.manifest.write_bytes(text.encode(codec))
        f.write_text(f"测试{codec}县2023年全县共有行政村82个，村干部平均年龄42.2岁。", encoding="utf-8")
        assert cli(["add", f, "--region", "测试县", "--province", "某省", "--level", "county",
                    "--root", p.root]).returncode == 0
        assert p.manifest.read_bytes().startswith(bom)


def test_I30_dollar_in_a_region_name_is_text_not_mathtext():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ruralstudy.findings.charts import configure_matplotlib

    configure_matplotlib()
    fig, ax = plt.subplots()
    ax.set_title("普定$\\frac{县$")
    ax.bar(["安顺$x^2$县"], [1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    assert buf.getvalue().startswith(b"\x89PNG")


def test_I32_two_chinese_named_sheets_get_two_pages():
    from ruralstudy.findings.links import sheet_slug, source_href

    assert sheet_slug("村干部.csv") != sheet_slug("集体收入.csv")
    assert sheet_slug("gathered_2026-11.csv") == "sheet-gathered_2026-11"
    assert sheet_slug("a b.csv") != sheet_slug("a-b.csv")
    assert re.fullmatch(r"sheet-[A-Za-z0-9_-]+", sheet_slug("村干部.csv"))
    assert source_href("sheet:村干部.csv:2") != source_href("sheet:集体收入.csv:2")


def test_M2_bibtex_escapes_latex():
    from ruralstudy.site.site import citation_bibtex

    bib = citation_bibtex('title: "Rural \\\\input{/etc/passwd} 50% & co_op #1"\n'
                          'authors:\n  - name: "A & B"\n')
    assert "\\input{" not in bib and "\\textbackslash{}input\\{/etc/passwd\\}" in bib
    assert "50\\% \\& co\\_op \\#1" in bib and "{{A \\& B}}" in bib
    from ruralstudy.site.site import dataset_citation_bibtex

    data = dataset_citation_bibtex('title: "Rural \\\\input{/etc/passwd}: x"\n',
                                   {"date": "2026-12-01", "commit": "abc"})
    assert "\\input{" not in data and "\\textbackslash{}input\\{/etc/passwd\\}" in data


def test_M3_audit_shows_numbers_not_numpy_reprs():
    import numpy as np

    from ruralstudy.measures.overrides import Override, apply_overrides

    obs = pd.DataFrame({"source_id": ["sheet:a.csv:2"], "value": [np.float64(44.0)],
                        "audit": [""], "region": ["甲县"]})
    o = Override("sheet:a.csv:2", "correct_value", "", 45.0, "", "typo", "rev", 2)
    out = apply_overrides(obs, [o], codebook=None)
    assert out.loc[0, "audit"] == "override line 2 by rev: correct_value 44.0 -> 45.0 (typo)"


# --- the command line: every error a sentence -------------------------------------------------

def test_E1_E2_E3_run_with_a_missing_or_broken_notebook_or_parameter(tmp_path):
    p = _project(tmp_path)
    r = cli(["run", tmp_path / "nope.ipynb", "--root", p.root])
    assert r.returncode == 1 and "nope.ipynb: notebook not found" in r.stderr
    _no_traceback(r)
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [\n', encoding="utf-8")
    r = cli(["run", bad, "--root", p.root])
    assert r.returncode == 1 and "bad.ipynb: not a Jupyter notebook" in r.stderr
    r = cli(["run", p.notebooks / "04_links.ipynb", "-p", "=5", "--root", p.root])
    assert r.returncode == 1 and "give a parameter as name=value" in r.stderr
    r = cli(["run", p.notebooks / "04_links.ipynb", "-p", "x;import os=5", "--root", p.root])
    assert r.returncode == 1 and "Python identifier" in r.stderr


@pytest.mark.parametrize("value", ["-5", "0", "0.001", "nan"])
def test_F17_timeout_must_be_at_least_a_second(tmp_path, value):
    p = _project(tmp_path)
    r = cli(["build", "--timeout", value, "--root", p.root])
    assert r.returncode == 1 and "--timeout" in r.stderr and "at least 1" in r.stderr
    assert not p.site.exists()


def test_F18b_scheduler_address_is_checked(tmp_path):
    p = _project(tmp_path)
    r = cli(["build", "--scheduler", "not a url", "--root", p.root])
    assert r.returncode == 1 and "is not a scheduler address" in r.stderr
    _no_traceback(r)
    from ruralstudy.cli import option_problem

    assert option_problem(scheduler="tcp://127.0.0.1:8786") == ""
    assert option_problem(scheduler="127.0.0.1:8786") == ""
    assert option_problem(scheduler="tcp://host") != ""


def test_I20_file_names_are_printed_escaped(tmp_path):
    p = _project(tmp_path)
    d = tmp_path / "names"
    d.mkdir()
    names = ["\x1b[31mRED\x1b[0m\x1b]0;title\x07.txt", "line1\nadded 999 -> etc-passwd.txt",
             "[red]rich.txt", "\u202etxt.exe.txt"]
    for n, name in enumerate(names):
        (d / name).write_text(f"测试{n}县2023年全县共有行政村8{n}个，村干部平均年龄4{n}.2岁。",
                              encoding="utf-8")
    r = cli(["add", d, "--year", "2023", "--root", p.root])
    assert "4 added" in r.stderr, r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr and "\u202e" not in r.stderr
    assert not any(line.startswith("added 999") for line in r.stderr.splitlines())
    assert "\\x1b[31mRED" in r.stderr and "line1\\nadded 999" in r.stderr
    assert "names/[red]rich.txt; utf-8)" in r.stderr and "\\[red]" not in r.stderr
    bad = d / "x\nadded 999 -> etc-passwd.txt"
    bad.write_bytes(b"\x00\x01 binary")
    r = cli(["figures", bad])
    assert r.returncode == 1 and "x\\nadded 999 -> etc-passwd.txt: file is binary" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_I22_fifo_and_device_are_refused_by_what_they_are(tmp_path):
    d = tmp_path / "links"
    d.mkdir()
    os.mkfifo(d / "fifo.txt")
    os.symlink("/dev/zero", d / "zero.txt")
    (d / "ok.txt").write_text("测试县2023年全县共有行政村81个，村干部平均年龄41.2岁。", encoding="utf-8")
    r = cli(["figures", d / "fifo.txt"])
    assert r.returncode == 1 and "named pipe (FIFO)" in r.stderr and "does not exist" not in r.stderr
    r = cli(["figures", d])
    assert r.returncode == 1 and "is a folder" in r.stderr
    p = _project(tmp_path)
    r = cli(["add", d, "--year", "2023", "--root", p.root])
    assert "fifo.txt: not a regular file (a FIFO)" in r.stderr, r.stderr  # folder mode: listed, not skipped
    assert "zero.txt: " in r.stderr and "1 added" in r.stderr


def test_limits_are_listed_with_how_to_raise_them(monkeypatch):
    text = cli(["limits"]).stdout
    for lim in limits.ALL:
        assert lim.env in text and lim.what in text
    monkeypatch.setenv("RURALSTUDY_MAX_SHEET_ROWS", "lots")
    with pytest.raises(Exception, match="RURALSTUDY_MAX_SHEET_ROWS='lots' is not a positive number"):
        limits.SHEET_ROWS.value
    monkeypatch.setenv("RURALSTUDY_MAX_FILE_BYTES", "1.5GB")
    assert limits.FILE_BYTES.value == 1.5 * (1 << 30)


def _limit_inputs(tmp_path: Path) -> dict[str, tuple[str, Path]]:
    txt = tmp_path / "long.txt"
    txt.write_text(ARTICLE * 50, encoding="utf-8")
    page = tmp_path / "slow.html"
    page.write_text(_page(f"<p>{ARTICLE}</p>"), encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(HEADER + [f"c{i}" for i in range(4)]) + "\n" + SHEET_ROW,
                    encoding="utf-8")
    pdf = tmp_path / "heavy.pdf"
    pdf.write_bytes(_pdf(b"BT /F1 9 Tf 10 10 Td (abc) Tj ET " + b"0 0 m 1 1 l S " * 20000))
    return {"RURALSTUDY_MAX_REPORT_CHARS": ("1000", txt),
            "RURALSTUDY_MAX_SECONDS_PER_FILE": ("0.000001", page),
            "RURALSTUDY_MAX_SHEET_COLUMNS": ("10", wide),
            "RURALSTUDY_MAX_PDF_PAGE_BYTES": ("100KB", pdf)}


@pytest.mark.parametrize("env", ["RURALSTUDY_MAX_REPORT_CHARS", "RURALSTUDY_MAX_SECONDS_PER_FILE",
                                 "RURALSTUDY_MAX_SHEET_COLUMNS", "RURALSTUDY_MAX_PDF_PAGE_BYTES"])
def test_every_limit_refuses_naming_the_file_the_limit_and_its_variable(tmp_path, monkeypatch, env):
    value, f = _limit_inputs(tmp_path)[env]
    monkeypatch.setenv(env, value)
    read = read_sheet_frame if f.suffix == ".csv" else read_report
    with pytest.raises((limits.LimitError, SheetError)) as e:
        read(f)
    assert f.name in str(e.value) and "over the limit of" in str(e.value) and env in str(e.value)
    monkeypatch.delenv(env)
    assert len(read(f).raw.text if f.suffix != ".csv" else read(f)) > 0  # default: read


def test_I18_linear_release_checks_agree_with_the_pairwise_definition():
    """The n log n versions give what comparing every pair gives, on random cells."""
    import random

    from ruralstudy.tables import indicators as I

    rng = random.Random(7)
    for _ in range(400):
        n = rng.randint(2, 12)
        vals = [rng.choice([100.0, 100.3, 100.6, 101.0, 0.0, -5.0, 250.0]) for _ in range(n)]
        keys = [rng.choice("abcd") for _ in range(n)]
        pairwise = any(keys[i] != keys[j] and I.disagree(vals[i], vals[j])
                       for i in range(n) for j in range(i + 1, n))
        assert I._independent_disagreement(vals, keys) == pairwise, (vals, keys)
        agree = [len({keys[j] for j in range(n) if keys[j] != keys[i]
                      and not I.disagree(vals[i], vals[j])}) for i in range(n)]
        assert I._agreeing_releases(vals, keys) == agree, (vals, keys)
