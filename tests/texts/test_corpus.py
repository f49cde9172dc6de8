"""Manifest validation, reading the corpus, and cleaning with an offset map."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from ruralstudy import iorw
from ruralstudy.texts.corpus import clean_text, load_corpus, read_manifest
from ruralstudy.errors import ManifestError


def test_manifest_has_five_seeds_with_regions(root):
    entries = read_manifest(root / "data/raw/manifest.csv")
    assert [e.doc_id for e in entries] == ["000", "001", "002", "003", "004"]
    by_id = {e.doc_id: e for e in entries}
    assert [r.name for r in by_id["002"].regions] == ["乐山市市中区", "德昌县"]
    assert by_id["001"].regions == () and by_id["001"].year is None
    assert by_id["004"].regions[0].level == "county"


def test_raw_reports_are_the_seeds_unchanged(root):
    shared = root.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.fail("../shared/seeds is expected beside the project (CI provides it)")
    for f in sorted(shared.glob("0*.txt")):
        assert (root / "data/raw/reports" / f.name).read_bytes() == f.read_bytes()


def _write_manifest(path, rows):
    cols = ["doc_id", "file", "title", "source", "published", "year", "regions", "provinces",
            "admin_levels", "notes"]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)


def test_bad_manifest_row_names_line(tmp_path):
    m = tmp_path / "manifest.csv"
    _write_manifest(m, [["a", "a.txt", "", "", "", "2020", "甲县", "乙省", "county", ""],
                        ["b", "b.txt", "", "", "", "20x0", "甲县", "乙省", "county", ""]])
    with pytest.raises(ManifestError) as info:
        read_manifest(m)
    assert info.value.line == 3 and "manifest.csv:3" in str(info.value) and "20x0" in str(info.value)


def test_mismatched_region_lists_rejected(tmp_path):
    m = tmp_path / "manifest.csv"
    _write_manifest(m, [["a", "a.txt", "", "", "", "", "甲县;乙县", "丙省", "county", ""]])
    with pytest.raises(ManifestError, match="same number"):
        read_manifest(m)


def test_duplicate_doc_id_rejected(tmp_path):
    m = tmp_path / "manifest.csv"
    row = ["a", "a.txt", "", "", "", "", "", "", "", ""]
    _write_manifest(m, [row, row])
    with pytest.raises(ManifestError, match="duplicate doc_id"):
        read_manifest(m)


def test_missing_and_duplicate_documents_do_not_stop_the_rest(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.txt").write_text("建成党支部12个。", encoding="utf-8")
    (reports / "c.txt").write_text("建成党支部12个。", encoding="utf-8")  # same content as a
    (reports / "d.txt").write_bytes("培训干部300名。".encode("gb18030"))
    (reports / "e.txt").write_bytes(b"")
    m = tmp_path / "manifest.csv"
    _write_manifest(m, [[d, f, "", "", "", "", "", "", "", ""] for d, f in
                        [("a", "a.txt"), ("b", "missing.txt"), ("c", "c.txt"), ("d", "d.txt"),
                         ("e", "e.txt")]])
    with pytest.warns(UserWarning):
        corpus = load_corpus(m, reports)
    assert [d.doc_id for d in corpus.documents] == ["a", "d"]
    problems = {p.doc_id: p for p in corpus.problems}
    assert "does not exist" in problems["b"].reason and "missing.txt" in problems["b"].file
    assert "duplicate of document a" in problems["c"].reason and problems["c"].severity == "warning"
    assert "empty" in problems["e"].reason


def test_cleaning_drops_debris_and_keeps_offsets():
    raw = ("全国党建网站联盟\n中和西镇\n恩格贝镇\n昭君镇\n\n"
           "正文:建成党支部１２个,覆盖率98%。\n\n"
           "图片说明。(资料图)\n\n  图片说明。(资料图)\n\n"
           "发布时间:2022-05-27 17:03\n【编辑:杨茜 】关闭本页\n")
    clean = clean_text(raw)
    assert "全国党建网站联盟" not in clean.text and "关闭本页" not in clean.text
    assert "发布时间" not in clean.text
    assert clean.text.count("图片说明") == 1
    assert "12个" in clean.text  # full-width digits normalised
    i = clean.text.index("12个")
    a, b = clean.raw_span(i, i + 3)
    assert raw[a:b] == "１２个"
    for k, ch in enumerate(clean.text):  # every cleaned character maps back to its raw source
        if ch != "\n":
            assert unicodedata.normalize("NFKC", raw[clean.offsets[k]]).startswith(ch) or ch == " "


def test_seed_cleaning_strips_known_debris(root):
    raw = iorw.read_raw_text(root / "data/raw/reports/004_c57ee54164801b7a.txt").text
    clean = clean_text(raw).text
    assert "北疆先锋订阅二维码" not in clean and "今日天气" not in clean
    assert "2021年达拉特旗农村牧区基层党建工作综述" in clean
    raw0 = iorw.read_raw_text(root / "data/raw/reports/000_9d22fa4331bb6d63.txt").text
    c0 = clean_text(raw0).text
    assert c0.count("钟山区大河镇大桥村。(资料图)") == 1 and "编辑" not in c0
