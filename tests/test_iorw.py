"""Reading raw files in every encoding the corpus meets, and atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy import iorw
from ruralstudy.errors import CorpusError

TEXT = "全市村党组织书记“一肩挑”比例达到98.31%。"


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                             ("gb18030", b""), ("gbk", b"")])
def test_reads_all_encodings(tmp_path, encoding, prefix):
    p = tmp_path / "r.txt"
    p.write_bytes(prefix + TEXT.encode(encoding))
    raw = iorw.read_raw_text(p)
    assert raw.text == TEXT
    assert raw.encoding in ("utf-8", "utf-8-sig", "gb18030")


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"), (b"  \n\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("<!DOCTYPE html><html><body><p>党建</p></body></html>".encode(), "HTML"),
    (bytes(range(128, 256)) * 4, "neither UTF-8"),
])
def test_bad_files_name_the_file(tmp_path, content, needle):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(CorpusError) as info:
        iorw.read_raw_text(p)
    assert needle in str(info.value) and "bad.txt" in str(info.value)


def test_html_page_without_doctype_is_refused_but_a_quoted_tag_is_text(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("".join(f"<div><p>段落{i}</p></div>" for i in range(6)), encoding="utf-8")
    with pytest.raises(CorpusError, match="HTML"):
        iorw.read_raw_text(page)
    quoted = tmp_path / "quoted.txt"
    quoted.write_text("报告正文<script>alert(1)</script>建成党支部12个。", encoding="utf-8")
    assert "<script>" in iorw.read_raw_text(quoted).text


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        iorw.read_raw_text(tmp_path / "nope.txt")


def test_atomic_write_leaves_old_file_on_crash(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with iorw.atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temp file left behind


def test_table_writes_are_deterministic(tmp_path):
    df = pd.DataFrame({"a": [1.5, 2.0], "b": ["甲", "乙"]})
    iorw.write_table(tmp_path / "x", df)
    first = [(tmp_path / n).read_bytes() for n in ("x.csv", "x.parquet")]
    iorw.write_table(tmp_path / "x", df)
    assert first == [(tmp_path / n).read_bytes() for n in ("x.csv", "x.parquet")]
