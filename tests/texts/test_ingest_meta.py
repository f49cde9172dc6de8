"""``ruralstudy add --meta``: the level words researchers write (district, banner, county-level
city -> county; city -> prefecture, and the Chinese words) and a source whose figures span
several years (issue 19, item 6)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import cli
from ruralstudy.texts.ingest import normalise_level, normalise_year


@pytest.mark.parametrize("word,level", [
    ("district", "county"), ("Banner", "county"), ("county-level city", "county"),
    ("county", "county"), ("区", "county"), ("旗", "county"), ("县级市", "county"),
    ("city", "prefecture"), ("市", "prefecture"), ("地区", "prefecture"), ("州", "prefecture"),
    ("盟", "prefecture"), ("province", "province"), ("自治区", "province"),
])
def test_level_words(word, level):
    assert normalise_level(word) == level


def test_an_unknown_level_word_is_kept_for_the_refusal():
    assert normalise_level("galaxy") == "galaxy"


@pytest.mark.parametrize("year,kept", [("2021", "2021"), ("2019-2023", ""), ("2019—2023年", ""),
                                       ("several", ""), ("", "")])
def test_a_source_spanning_several_years_leaves_the_year_to_the_text(year, kept):
    assert normalise_year(year)[0] == kept


def test_add_meta_accepts_level_words_and_a_year_span(project, tmp_path):
    a = tmp_path / "district.txt"
    a.write_text("某区2022年共有村党组织56个。", encoding="utf-8")
    b = tmp_path / "yearbook.txt"
    b.write_text("某市2019年至2023年村集体经济总收入由1.2亿元增长到2.3亿元。", encoding="utf-8")
    meta = tmp_path / "meta.csv"
    meta.write_text("file,region,province,level,year\n"
                    "district.txt,某区,某省,district,2022\n"
                    "yearbook.txt,某市,某省,市,2019-2023\n", encoding="utf-8")
    r = cli(["add", str(a), str(b), "--meta", str(meta), "--root", str(project.root)])
    assert r.returncode == 0, r.stderr
    m = pd.read_csv(project.manifest, dtype=str, keep_default_na=False).tail(2)
    assert list(m["admin_levels"]) == ["county", "prefecture"]
    assert list(m["year"]) == ["2022", ""] and "several years" in m.iloc[1]["notes"]
