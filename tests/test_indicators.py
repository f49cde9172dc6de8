"""Indicators, panel, conflicts, cross-checks, overrides and validation."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.errors import OverrideError, ValidationError
from ruralstudy.indicators import CHOICE_RULE, disagree
from ruralstudy.pipeline import run_extract, run_indicators


@pytest.fixture(scope="module")
def indicator_build(tmp_path_factory):
    """Extraction and indicators on a copy of the data, once for the tests that only read them."""
    from conftest import copy_data

    project = copy_data(tmp_path_factory.mktemp("indicators"))
    run_extract(project)
    return project, run_indicators(project)


def test_outputs_written_and_deterministic(indicator_build):
    project, _ = indicator_build
    names = ["mapping.csv", "indicators.csv", "indicators.parquet", "panel.csv", "panel.parquet",
             "conflicts.csv", "crosschecks.csv", "rejects.csv", "codebook.csv"]
    first = {n: (project.processed / n).read_bytes() for n in names}
    run_indicators(project)
    assert first == {n: (project.processed / n).read_bytes() for n in names}


def test_indicator_rows_carry_sources(indicator_build):
    _, res = indicator_build
    ind = res.indicators
    assert set(ind["source_type"]) == {"report", "sheet"}
    # 六盘水市's 截至目前 income (1.46亿元, 000-003020) is a flow over the year so far: read with
    # period year_to_date, it is no whole year's collective_income_total and stays out
    o = res.observations.set_index("source_id")
    assert o.loc["000-003020", "period"] == "year_to_date"
    assert o.loc["000-003020", "indicator_id"] == "" and "year_to_date" in o.loc["000-003020", "reason"]
    assert ind[(ind.region == "六盘水市") & (ind.indicator_id == "collective_income_total")].empty
    # a stock of the same sentence (集体经济积累达8.05亿元) is the report's value, with its source
    lps = ind[(ind.region == "六盘水市") & (ind.indicator_id == "collective_assets")].iloc[0]
    assert lps.value == 805_000_000 and lps.source_id == "000-003010"
    assert "report 000, characters" in lps.source_ref
    sheet = ind[ind.source_type == "sheet"].iloc[0]
    assert sheet.source_ref.startswith("sheet gathered_2026-11.csv line ") and "http" in sheet.source_ref


def test_panel_rule_latest_year_then_report(indicator_build):
    _, res = indicator_build
    p = res.panel
    assert not p.duplicated(["region", "indicator_id"]).any()
    assert (p["choice_rule"] == CHOICE_RULE).all()
    nat = p[(p.region == "全国") & (p.indicator_id == "secretary_mean_age")].iloc[0]
    assert nat.value == 45.4 and nat.year == 2022  # 2022 beats the 2019 survey
    dl = p[(p.region == "达拉特旗") & (p.indicator_id == "cadre_mean_age")].iloc[0]
    assert dl.value == 44.5
    # 村干部 (an unspecified body) never stands for 两委: 乐山市市中区 has no 两委 mean age
    assert p[(p.region == "乐山市市中区") & (p.indicator_id == "cadre_mean_age")].empty


def _ind(rows):
    base = {"region": "甲县", "province": "", "admin_level": "county", "region_code": "",
            "indicator_id": "cadre_mean_age", "indicator_zh": "", "indicator_en": "",
            "construct": "cadre_structure", "measure": "mean", "entity": "", "property": "",
            "conditions": "", "value_high": None, "value_before": None, "unit": "岁",
            "kind": "level", "source_ref": "x", "url": "", "rule": "", "confidence": 0.9,
            "audit": ""}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["year"] = df["year"].astype("Int64")
    return df


def test_panel_choice_rule_on_its_own_terms():
    from ruralstudy.indicators import conflicts_table, panel_table

    ind = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "sheet", "source_id": "s1"},
        {"year": 2018, "value": 44.0, "qualifier": "exact", "source_type": "report", "source_id": "r1"},
        {"year": 2021, "value": 40.0, "qualifier": "about", "source_type": "report", "source_id": "r2"},
    ])
    p = panel_table(ind)
    assert p.iloc[0]["source_id"] == "s1" and p.iloc[0]["n_sources"] == 3  # latest, exact
    ind2 = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "report", "source_id": "a"},
        {"year": 2021, "value": 39.0, "qualifier": "exact", "source_type": "sheet", "source_id": "b"},
        {"year": 2021, "value": 39.0, "qualifier": "exact", "source_type": "sheet", "source_id": "c"},
    ])
    assert panel_table(ind2).iloc[0]["value"] == 39.0  # the value two sources agree on
    c = conflicts_table(ind2)
    assert len(c) == 1 and "41" in c.iloc[0]["values"] and "39" in c.iloc[0]["values"]


def test_crosschecks(indicator_build):
    _, res = indicator_build
    from ruralstudy.indicators import crosscheck_table

    x = res.crosschecks
    # 六盘水市's total and per-village income are year to date (截至目前): no check is made on them
    assert x[x.region == "六盘水市"].empty
    # the check on whole-year values of one source: 1.46亿元 / 村均15.84万元 ≈ 922 villages
    ind = _ind([
        {"indicator_id": i, "value": v, "unit": u, "year": 2022, "qualifier": "exact",
         "source_type": "report", "source_id": f"r{k}"}
        for k, (i, v, u) in enumerate((("collective_income_total", 146_000_000.0, "元"),
                                       ("collective_income_per_village", 158_400.0, "元"),
                                       ("branches_standardised", 922.0, "个")))])
    chk = crosscheck_table(ind).iloc[0]
    assert abs(chk.implied - 921.7) < 0.1 and chk.observed == 922 and chk.ok
    assert chk.observed_indicator == "branches_standardised" and chk.year == 2022


def test_disagree_tolerates_rounding():
    assert not disagree(921.7, 922) and disagree(32.4, 45.5) and not disagree(0, 0)


def test_overrides_applied_and_audited(indicator_build):
    _, res = indicator_build
    o = res.observations.set_index("source_id")
    assert o.loc["002-002446", "status"] == "rejected" and "reviewer" in o.loc["002-002446", "reason"]
    assert o.loc["004-001741", "status"] == "rejected" and o.loc["004-001741", "indicator_id"] == ""
    assert "override line 4 by ruralstudy-dev" in o.loc["004-001741", "audit"]
    # a reviewed sheet row whose page counts villages and communities together
    assert o.loc["sheet:gathered_2026-11.csv:72", "status"] == "rejected"
    assert o.loc["sheet:gathered_2026-11.csv:72", "auto_indicator_id"] == "cadre_mean_age"


@pytest.mark.parametrize("row,needle", [
    ("999-000001,reject,,,,typo,me", "figure that does not exist"),
    ("000-003020,reassign,no_such_indicator,,,typo,me", "indicator that does not exist"),
    ("000-003020,explode,,,,typo,me", "action must be one of"),
    ("000-003020,reject,,,,,", "reason and a reviewer"),
])
def test_bad_override_names_the_row(project, row, needle):
    run_extract(project)
    with open(project.overrides, "a", encoding="utf-8") as fh:
        fh.write(row + "\n")
    n_lines = len(project.overrides.read_text(encoding="utf-8").splitlines())
    with pytest.raises(OverrideError) as info:
        run_indicators(project)
    assert needle in str(info.value) and f"overrides.csv:{n_lines}" in str(info.value)


def test_value_outside_range_fails_validation_naming_source(project):
    run_extract(project)
    with open(project.overrides, "a", encoding="utf-8") as fh:
        fh.write("000-000858,correct_value,,370,,typo test,me\n")  # mean age 370 years
    with pytest.raises(ValidationError) as info:
        run_indicators(project)
    assert "000-000858" in str(info.value) and "cadre_mean_age" in str(info.value)


def test_bare_sheet_numbers_take_the_indicator_unit():
    from ruralstudy.codebook import load_codebook
    from ruralstudy.indicators import observe_sheets
    from ruralstudy.sheets import clean_sheet

    df = pd.DataFrame([{"region": "甲县", "province": "乙省", "admin_level": "county", "year": "2021",
                        "indicator_label_zh": "村“两委”成员平均年龄", "raw_value": "42.5", "url": ""},
                       {"region": "甲县", "province": "乙省", "admin_level": "county", "year": "2021",
                        "indicator_label_zh": "女村干部比重", "raw_value": "16.9", "url": ""}])
    o = observe_sheets(clean_sheet(df, "t.csv").rows, load_codebook())
    assert o.iloc[0].indicator_id == "cadre_mean_age" and o.iloc[0].unit == "岁"
    assert o.iloc[0].unit_source.startswith("indicator")
    assert o.iloc[1].indicator_id == "" and o.iloc[1].entity == "village_cadre"  # not 两委


def test_unit_that_does_not_fit_fails_validation_naming_source(project):
    run_extract(project)
    with open(project.overrides, "a", encoding="utf-8") as fh:
        fh.write("000-000858,reassign,one_shoulder_share,,,wrong on purpose,me\n")  # 岁 into a share
    with pytest.raises(ValidationError) as info:
        run_indicators(project)
    assert "000-000858" in str(info.value) and "unit '岁' does not fit one_shoulder_share" in str(info.value)


def test_peer_comparison_uses_scale_free_indicators_only(built):
    from ruralstudy.site import peer_comparison

    panel = pd.read_parquet(built.processed / "panel.parquet")
    html = peer_comparison("乐山市市中区", panel)
    assert "一肩挑" in html and "2 of 2" in html  # vs 德昌县, same indicator, same round
    html = peer_comparison("六盘水市", panel)
    assert "村集体经济总收入" not in html  # a total is not ranked across regions
