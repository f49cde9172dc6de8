"""Indicators, panel, conflicts, cross-checks, overrides and validation."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.errors import OverrideError, ValidationError
from ruralstudy.indicators import CHOICE_RULE, disagree
from ruralstudy.pipeline import run_extract, run_indicators


@pytest.fixture()
def indicator_build(project):
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
    lps = ind[(ind.region == "六盘水市") & (ind.indicator_id == "collective_income_total")].iloc[0]
    assert lps.value == 146_000_000 and lps.source_id == "000-003020"
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
    ls = p[(p.region == "乐山市市中区") & (p.indicator_id == "cadre_mean_age")].iloc[0]
    assert ls.value == 40.64


def test_conflicts_and_crosschecks(indicator_build):
    _, res = indicator_build
    c = res.conflicts
    dl = c[(c.region == "达拉特旗") & (c.indicator_id == "cadre_college_share")]
    assert len(dl) == 1 and "32.4" in dl.iloc[0]["values"] and "45.5" in dl.iloc[0]["values"]
    x = res.crosschecks
    lps = x[x.region == "六盘水市"].iloc[0]
    assert abs(lps.implied - 921.7) < 0.1 and lps.observed == 922 and lps.ok


def test_disagree_tolerates_rounding():
    assert not disagree(921.7, 922) and disagree(32.4, 45.5) and not disagree(0, 0)


def test_overrides_applied_and_audited(indicator_build):
    _, res = indicator_build
    o = res.observations.set_index("source_id")
    assert o.loc["002-002446", "status"] == "rejected" and "reviewer" in o.loc["002-002446", "reason"]
    assert o.loc["004-001741", "indicator_id"] == "service_centres"
    assert "override line 4 by ruralstudy-dev" in o.loc["004-001741", "audit"]
    assert o.loc["004-001741", "auto_indicator_id"] == ""


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


def test_bare_sheet_numbers_take_the_indicator_unit(indicator_build):
    _, res = indicator_build
    o = res.observations
    row = o[(o.source_type == "sheet") & (o.raw == "16.9")].iloc[0]
    assert row.indicator_id == "cadre_women_share" and row.unit == "%"
    assert row.unit_source.startswith("indicator")


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
    html = peer_comparison("六盘水市", panel)
    assert "村均集体经济收入" in html and "2 of 2" in html  # per-village income vs 安庆市
    assert "村集体经济总收入" not in html  # a total is not ranked across regions
