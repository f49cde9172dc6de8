"""Election rounds, periods and the one comparability rule."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ruralstudy.tables.comparability import (assign_round, calendar, comparability_key, comparable,
                                             income_concept, period_of, province_windows,
                                             reference_date, round_cue, round_of)


@pytest.mark.parametrize("text, period", [
    ("近年来新建党支部1425个", "several_years"), ("近三年累计投入", "several_years"),
    ("十三五以来", "several_years"), ("上半年村集体经济收入", "part_year"),
    ("一季度", "part_year"), ("截至目前村集体经济收入", "year_to_date"),
    ("截至6月,集体收入5万元以上", "year_to_date"), ("今年以来", "year_to_date"),
    ("2021年村集体经济总收入", ""), ("村“两委”成员平均年龄", "")])
def test_period_of_label_or_sentence(text, period):
    assert period_of(text) == period


@pytest.mark.parametrize("text, cue", [
    ("新一届村“两委”成员平均年龄", "new"), ("换届后进入村级班子的致富能手", "new"),
    ("村“两委”成员平均年龄较上届下降3.44岁", "new"), ("比上届提高20.4%", "new"),
    ("换届前村党组织书记平均年龄", "old"), ("村“两委”成员平均年龄", "")])
def test_round_cue(text, cue):
    assert round_cue(text) == cue


def test_values_before_an_election_belong_to_the_earlier_round():
    # default calendar: the 2020-21 round voted from 2020-11 to 2021-06
    assert assign_round(date(2020, 12, 31), "甘肃")[0] == "2017-18"  # a 2020 annual figure
    assert assign_round(date(2021, 3, 1), "甘肃")[0] == "2017-18"  # during, no cue
    assert assign_round(date(2021, 3, 1), "甘肃", "new")[0] == "2020-21"  # 新一届: its result
    assert assign_round(date(2021, 12, 31), "甘肃")[0] == "2020-21"
    assert assign_round(date(2024, 6, 1), "甘肃")[0] == "2020-21"  # until the 2026 election
    assert assign_round(date(2026, 12, 31), "甘肃")[0] == "2024-26"
    rnd, why = assign_round(date(2021, 3, 1), "甘肃")
    assert "before the 2020-21 election" in why and "earlier round" in why
    assert assign_round(None, "甘肃") == ("", "no date: round unknown")
    assert assign_round(date(2010, 1, 1), "甘肃")[0] == ""  # before the calendar


def test_each_province_has_its_own_calendar_with_a_source():
    zj = {w.round: w for w in province_windows("浙江省")}  # either spelling
    assert zj["2017-18"].end == date(2017, 5, 31) and "浙江" in zj["2017-18"].source
    assert assign_round(date(2017, 6, 30), "浙江")[0] == "2017-18"  # Zhejiang had voted
    assert assign_round(date(2017, 6, 30), "甘肃")[0] == "2014-16"  # Gansu had not
    for r in calendar()["rounds"]:
        assert r["source"].strip()
        for row in (r.get("provinces") or {}).values():
            assert row["source"].strip()


def test_reference_date_and_round_of_a_value():
    assert reference_date(2021, "", "2021-03-18")[0] == date(2021, 3, 18)  # a stock, dated
    assert reference_date(2021, "year", "2022-02-07")[0] == date(2021, 12, 31)
    assert reference_date(None, "", "2024-03")[0] == date(2024, 3, 1)
    assert reference_date(None, "", "")[0] is None
    # 嘉祥县: 农民日报 2021-03-18, results of the new round (Shandong voted from 2020-12)
    assert round_of(2021, "", "2021-03-18", "山东", "新一届村党组织班子成员数")[0] == "2020-21"
    # the same date without a cue, in a province still voting, is the earlier round
    assert round_of(2021, "", "2021-03-18", "甘肃", "村“两委”成员数")[0] == "2017-18"


def _row(level="county", rnd="2020-21", ind="cadre_mean_age", period=""):
    return {"admin_level": level, "round": rnd, "indicator_id": ind, "period": period}


def test_comparable_names_the_first_reason():
    assert comparable(_row(), _row()) == (True, "")
    assert comparable(_row(), _row(level="province"))[1].startswith("different admin levels")
    assert comparable(_row(), _row(rnd="2017-18"))[1].startswith("different election rounds")
    assert comparable(_row(), _row(ind="cadre_mean_age_vc"))[1].startswith("different indicators")
    ok, why = comparable(_row(ind="collective_income_total"), _row(ind="collective_income_operating"))
    assert not ok and "income concepts (total and operating)" in why
    assert comparable(_row(), _row(rnd=""))[1] == "election round unknown"
    assert comparable(_row(level=""), _row())[1] == "admin level unknown"
    assert "not a whole year" in comparable(_row(period="part_year"), _row())[1]
    assert income_concept("collective_income_net") == "net" and income_concept("villages") == ""
    # an income band is about the income its label names: operating bands are not total bands
    band = "villages_income_over_20w_share"
    assert income_concept(band, "年经营性收入20万元以上村") == "operating"
    assert income_concept(band, "集体收益5万元以上村") == "net"
    assert income_concept(band, "集体收入20万元以上村占比") == "total"
    ok, why = comparable({**_row(ind=band), "income_concept": "operating"},
                         {**_row(ind=band), "income_concept": "total"})
    assert not ok and why == "different income concepts (operating and total)"


def test_vectorised_key_decides_exactly_as_comparable():
    levels, rounds = ["county", "prefecture", ""], ["2017-18", "2020-21", ""]
    inds, periods = ["cadre_mean_age", "collective_income_operating"], ["", "year", "part_year"]
    df = pd.DataFrame([_row(*v) for v in itertools.product(levels, rounds, inds, periods)])
    band = pd.DataFrame([{**_row(ind="villages_income_over_20w_share"), "income_concept": c}
                         for c in ("operating", "total", "total")])
    df = pd.concat([df.assign(income_concept=df.indicator_id.map(income_concept)), band],
                   ignore_index=True)
    key = comparability_key(df)
    recs = df.to_dict("records")
    for i, j in itertools.combinations(range(len(recs)), 2):
        assert comparable(recs[i], recs[j])[0] == (key[i] != "" and key[i] == key[j]), (recs[i], recs[j])


def test_no_other_definition_of_comparable_in_the_code():
    """One rule: no module but comparability.py defines what may be compared (the old
    comparable_years / ELECTION_ROUNDS / comparable_groups are gone)."""
    src = Path(__file__).resolve().parents[2] / "src" / "ruralstudy"
    pat = re.compile(r"def (comparable|comparable_years|comparable_groups|comparability_key|"
                     r"election_round|round_label)\b|ELECTION_ROUNDS\s*[:=]")
    for f in src.glob("*.py"):
        if f.name == "comparability.py":
            continue
        assert not pat.search(f.read_text(encoding="utf-8")), f.name
