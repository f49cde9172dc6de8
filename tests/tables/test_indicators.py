"""Indicators, panel, conflicts, cross-checks, overrides and validation."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.errors import OverrideError, ValidationError
from ruralstudy.tables.indicators import CHOICE_RULE, disagree
from ruralstudy.build.build import run_extract, run_indicators


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
    lps = ind[(ind.region == "六盘水市") & (ind.indicator_id == "cadre_mean_age")].iloc[0]
    assert lps.value == 37.63 and lps.source_id == "000-000858"
    assert "report 000, characters" in lps.source_ref
    # 六盘水's 截至目前 income in a September article is not the 2022 annual figure
    ytd = res.observations.set_index("source_id").loc["000-003020"]
    assert ytd.period == "year_to_date" and ytd.status != "mapped"
    assert "000-003020" not in set(res.panel.source_id)
    sheet = ind[ind.source_type == "sheet"].iloc[0]
    assert sheet.source_ref.startswith("sheet ") and " line " in sheet.source_ref and "http" in sheet.source_ref


def test_panel_rule_latest_year_then_report(indicator_build):
    _, res = indicator_build
    p = res.panel
    assert not p.duplicated(["region", "round", "indicator_id", "income_concept"]).any()
    assert (p["choice_rule"] == CHOICE_RULE).all()
    assert set(p["round"]) <= {"", "2014-16", "2017-18", "2020-21", "2024-26"}
    assert {"2017-18", "2020-21"} <= set(p["round"])
    assert set(p["period"]) <= {"", "year"}  # only whole periods enter the panel
    nat = p[(p.region == "全国") & (p.indicator_id == "secretary_mean_age")].set_index("round")
    # the 2022 official figure is the 2020-21 round's, however many pages repeat it
    assert nat.loc["2020-21", "value"] == 45.4 and nat.loc["2020-21", "year"] == 2022
    assert nat.loc["2020-21", "n_copies"] == 2 and nat.loc["2020-21", "n_sources"] == 1
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
            "audit": "", "period": "", "published": "", "round": "2020-21", "round_basis": "",
            "source": "", "income_concept": ""}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["year"] = df["year"].astype("Int64")
    df["ref_date"] = [f"{y}-12-31" for y in df["year"]]
    if "source_key" not in df:
        df["source_key"] = df["source_id"]
    return df


def test_panel_choice_rule_on_its_own_terms():
    from ruralstudy.tables.indicators import conflicts_table, panel_table

    ind = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "sheet", "source_id": "s1"},
        {"year": 2018, "value": 44.0, "qualifier": "exact", "source_type": "report", "source_id": "r1"},
        {"year": 2021, "value": 40.0, "qualifier": "about", "source_type": "report", "source_id": "r2"},
    ])
    p = panel_table(ind)
    assert p.iloc[0]["source_id"] == "s1" and p.iloc[0]["n_sources"] == 3  # latest, exact
    assert p.iloc[0]["n_copies"] == 3
    ind2 = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "report", "source_id": "a"},
        {"year": 2021, "value": 39.0, "qualifier": "exact", "source_type": "sheet", "source_id": "b"},
        {"year": 2021, "value": 39.0, "qualifier": "exact", "source_type": "sheet", "source_id": "c"},
    ])
    assert panel_table(ind2).iloc[0]["value"] == 39.0  # the value two sources agree on
    c = conflicts_table(ind2)
    assert len(c) == 1 and "41" in c.iloc[0]["values"] and "39" in c.iloc[0]["values"]
    assert c.iloc[0]["between"] == "independent releases"


def test_reprints_count_once_and_conflicts_are_between_independent_releases():
    from ruralstudy.tables.indicators import conflicts_table, panel_table, source_keys

    ind = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "sheet", "source_id": "s1",
         "source_key": "pub:农民日报 2021-03-18"},
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "sheet", "source_id": "s2",
         "source_key": "url:mirror.example/a"},  # the same figure on another site: a copy
        {"year": 2021, "value": 39.0, "qualifier": "exact", "source_type": "report", "source_id": "r1",
         "source_key": "report:007"},
    ])
    ind["source_key"] = source_keys(ind)
    assert ind.loc[0, "source_key"] == ind.loc[1, "source_key"] != ind.loc[2, "source_key"]
    p = panel_table(ind).iloc[0]
    assert p["n_sources"] == 2 and p["n_copies"] == 3  # two releases, three copies
    c = conflicts_table(ind).iloc[0]
    assert c["n_sources"] == 2 and c["between"] == "independent releases"
    # a disagreement inside one release is not a conflict between sources
    one = _ind([{"year": 2021, "value": v, "qualifier": "exact", "source_type": "sheet",
                 "source_id": f"s{v}", "source_key": "url:x/y"} for v in (41.0, 30.0)])
    assert conflicts_table(one).iloc[0]["between"] == "one release"


def test_panel_takes_whole_periods_and_keeps_rounds_apart():
    from ruralstudy.tables.indicators import panel_table

    ind = _ind([
        {"year": 2021, "value": 41.0, "qualifier": "exact", "source_type": "sheet", "source_id": "a"},
        {"year": 2018, "value": 45.0, "qualifier": "exact", "source_type": "sheet", "source_id": "b",
         "round": "2017-18"},
        {"year": 2022, "value": 40.0, "qualifier": "exact", "source_type": "sheet", "source_id": "c",
         "period": "year_to_date"},
    ])
    p = panel_table(ind).set_index("round")
    assert list(p.index) == ["2017-18", "2020-21"]  # one cell per round, the part period left out
    assert p.loc["2020-21", "source_id"] == "a" and p.loc["2017-18", "source_id"] == "b"


def test_county_sheet_values_carry_round_source_and_key(indicator_build):
    _, res = indicator_build
    ind = res.indicators
    c = ind[ind.source_id.str.startswith("sheet:counties_2026-12.csv:")]
    assert len(c) >= 60 and c.region.nunique() >= 30
    assert set(c.status) == {"reviewed"}  # below the publishing threshold: each one reviewed
    # 阜新's 两委 mean age: rejected on its label (the page also counts 8 社区), then accepted
    # on the page, which states it for the 381 villages alone (data/manual/PAGE_CHECKS.md);
    # 新会's 98% "百万村" was rejected on the page: its 100万 counts village plus group income
    age = c[(c.region == "阜新蒙古族自治县") & (c.indicator_id == "cadre_mean_age")]
    assert len(age) == 1 and age.iloc[0].value == 42 and age.iloc[0].year == 2021
    assert c[(c.region == "新会区") & (c.indicator_id == "villages_income_over_100w_share")].empty
    fx = c[(c.region == "阜新蒙古族自治县") & (c.indicator_id == "villages")].iloc[0]
    # a stock dated 2021-03-05, before Liaoning's 2020-21 election was over by the calendar, but
    # the same release gives the 新一届 results: the county had voted, so it is the new round
    assert fx.value == 381 and fx["round"] == "2020-21" and "same release" in fx.round_basis
    assert fx.source == "阜新日报 2021-03-05" and fx.source_key == "pub:阜新日报 2021-03-05"
    no_url = c[c.url == ""]
    assert len(no_url) and no_url.source_ref.str.contains("source: ").all()


def test_crosschecks():
    """Total income / income per village should be about the number of villages."""
    from ruralstudy.tables.indicators import crosscheck_table

    ind = _ind([
        {"year": 2022, "value": 146_000_000.0, "indicator_id": "collective_income_total",
         "unit": "元", "qualifier": "exact", "source_type": "report", "source_id": "t"},
        {"year": 2022, "value": 158_400.0, "indicator_id": "collective_income_per_village",
         "unit": "元", "qualifier": "exact", "source_type": "report", "source_id": "p"},
        {"year": 2022, "value": 922.0, "indicator_id": "villages", "unit": "个",
         "qualifier": "exact", "source_type": "report", "source_id": "v"}])
    x = crosscheck_table(ind).iloc[0]
    assert abs(x.implied - 921.7) < 0.1 and x.observed == 922 and x.ok and x.sources == "t; p; v"


def test_disagree_tolerates_rounding():
    assert not disagree(921.7, 922) and disagree(32.4, 45.5) and not disagree(0, 0)


def test_overrides_applied_and_audited(indicator_build):
    _, res = indicator_build
    o = res.observations.set_index("source_id")
    assert o.loc["002-002446", "status"] == "rejected" and "reviewer" in o.loc["002-002446", "reason"]
    assert o.loc["004-001741", "status"] == "rejected" and o.loc["004-001741", "indicator_id"] == ""
    assert "override line 4 by ruralstudy-dev" in o.loc["004-001741", "audit"]
    # a sheet row whose page counts villages and communities together: the machine read the
    # village-base id, the override reassigns it to the 村(社区) id
    row = o.loc["sheet:gathered_2026-11.csv:72"]
    assert row["auto_indicator_id"] == "cadre_mean_age"
    assert row["status"] == "reviewed" and row["indicator_id"] == "cadre_mean_age_vc"
    assert "override line" in row["audit"]


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
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.tables.indicators import observe_sheets
    from ruralstudy.tables.sheets import clean_sheet

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
    from ruralstudy.site.site import peer_comparison

    panel = pd.read_parquet(built.processed / "panel.parquet")
    html = peer_comparison("乐山市市中区", panel)
    assert "一肩挑" in html and "1 of 2 values" in html  # vs 德昌县, same indicator, same round
    html = peer_comparison("六盘水市", panel)
    assert "村集体经济总收入" not in html  # a total is not ranked across regions


def test_peers_follow_the_comparability_rule():
    """A peer is of the same admin level, round and indicator; a value of another round (镇赉
    2015 against 东乌珠穆沁 2019) or level, or of an unknown round, is nobody's peer."""
    from ruralstudy.site.site import peer_comparison

    def row(region, level, rnd, value):
        return {"region": region, "admin_level": level, "round": rnd, "period": "",
                "indicator_id": "villages_income_over_10w_share", "indicator_zh": "10万以上占比",
                "indicator_en": "", "value": value, "unit": "%", "year": 2019,
                "source_id": f"sheet:s.csv:{value:g}"}

    panel = pd.DataFrame([row("镇赉县", "county", "2014-16", 30.0),
                          row("东乌珠穆沁旗", "county", "2017-18", 68.8),
                          row("甲县", "county", "2017-18", 50.0),
                          row("乙市", "prefecture", "2017-18", 40.0),
                          row("丙县", "county", "", 45.0)])
    html = peer_comparison("东乌珠穆沁旗", panel)
    assert "1 of 1 values" in html and "甲县" in html
    assert "镇赉县" not in html and "乙市" not in html and "丙县" not in html
    assert "0 of 1 values" in peer_comparison("镇赉县", panel)
    assert "round unknown" in peer_comparison("丙县", panel)


# --- periods and rounds through the whole reader, on sentences written here -----------------------

def _through_the_reader(tmp_path, docs):
    """Each (doc id, text, publication date, province, region) through extraction, the reader,
    the indicators table and the panel: (observations, indicators, panel)."""
    from ruralstudy.build.pipeline import extract_files
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.tables.indicators import (combine_observations, indicators_table,
                                              observe_figures, panel_table)

    cb = load_codebook()
    parts = []
    for doc, text, published, province, region in docs:
        f = tmp_path / f"{doc}.txt"
        f.write_text(text, encoding="utf-8")
        regions = pd.DataFrame([{"doc": doc, "region": region, "province": province,
                                 "admin_level": "county", "year": None}])
        parts.append(observe_figures(extract_files([f], regions), cb, published={doc: published}))
    obs = combine_observations(*parts)
    ind = indicators_table(obs, cb)
    return obs, ind, panel_table(ind)


def test_periods_are_read_and_only_whole_periods_enter_the_panel(tmp_path):
    """A September article's income 'so far' is not the year's income, and a several-year count
    of new branches is not one year's: each keeps its period, and only whole periods (a year, or
    a stock at the report's date) reach the panel."""
    docs = [
        ("ytd", "截至目前，全县村集体经济总收入达到1.26亿元，村均收入32.5万元。", "2023-09-20"),
        ("ytd2", "全县村集体经济收入今年以来已达到1.52亿元，同比增长12%。", "2023-09-20"),
        ("sev", "近年来，全市在非公企业和社会组织中新建党支部876个。", "2021-08-12"),
        ("half", "上半年，全县村集体经营性收入共计4600万元。", "2023-07-15"),
        ("three", "近三年，全县村集体经济总收入累计达5.6亿元。", "2023-03-01"),
        ("plan13", "十三五以来，全区共整顿软弱涣散村党组织112个。", "2021-01-20"),
        ("whole", "2022年，全县村集体经济总收入1.8亿元，村均收入40.1万元。", "2023-02-01"),
    ]
    obs, ind, panel = _through_the_reader(
        tmp_path, [(d, t, pub, "甘肃省", f"{d}县") for d, t, pub in docs])
    period = {r["raw"]: r["period"] for r in obs.to_dict("records")}
    assert period["1.26亿元"] == period["32.5万元"] == "year_to_date"  # 截至目前
    assert period["1.52亿元"] == "year_to_date"  # 今年以来
    assert period["876个"] == "several_years"  # 近年来, not the article's year
    assert period["4600万元"] == "part_year"  # 上半年
    assert period["5.6亿元"] == "several_years"  # 近三年 … 累计
    assert period["112个"] == "several_years"  # 十三五以来
    assert period["1.8亿元"] == period["40.1万元"] == "year"
    whole = obs[obs.raw.isin(["1.8亿元", "40.1万元"])]
    assert set(whole.source_id) <= set(panel.source_id)  # the whole year's income is in
    assert set(panel.period) <= {"", "year"}
    assert set(panel.region) == {"whole县"}  # nothing else: no part period stands for a year
    assert int(panel.set_index("indicator_id").loc["collective_income_total", "year"]) == 2022


def test_a_reviewer_cannot_bring_a_part_period_into_the_panel():
    """Even a value mapped by hand (a reviewer's reassignment) stays out of the panel when its
    period is not whole: a year-to-date total does not replace the year's total, however late."""
    from ruralstudy.tables.indicators import panel_table

    rows = [{"year": 2022, "value": 1.8e8, "qualifier": "exact", "source_type": "report",
             "source_id": "annual", "period": "year", "indicator_id": "collective_income_total",
             "unit": "元"}]
    for i, per in enumerate(["year_to_date", "part_year", "several_years"]):
        rows.append({"year": 2023, "value": 1.0e8 + i, "qualifier": "exact",
                     "source_type": "report", "source_id": per, "period": per,
                     "indicator_id": "collective_income_total", "unit": "元"})
    p = panel_table(_ind(rows))
    assert list(p.source_id) == ["annual"] and list(p.period) == ["year"]


def test_bare_muqian_income_in_a_mid_year_article_is_not_whole(tmp_path):
    obs, _, panel = _through_the_reader(tmp_path, [(
        "now", "今年以来，我县持续发力壮大集体经济。目前，全县村集体经济总收入达2.3亿元。",
        "2023-09-20", "甘肃省", "某县")])
    assert obs.set_index("raw").loc["2.3亿元", "period"] == "year_to_date"
    assert panel.empty


def test_panel_carries_rounds_from_text_cues_and_the_calendar(tmp_path):
    """The round of a value comes from its words (新一届, 换届后, 较上届) and the province's
    election calendar, never from the calendar year: a value dated before the province's
    election was over, with no cue, belongs to the earlier round. Shandong's row dates its
    2020-21 election 2020-12 to 2021-03; Gansu has none (the national window, to 2021-12)."""
    from ruralstudy.tables.comparability import province_windows

    sd = {w.round: w for w in province_windows("山东")}["2020-21"]
    assert (sd.start.isoformat(), sd.end.isoformat()) == ("2020-12-01", "2021-03-31")
    docs = [
        ("new", "新一届村“两委”成员平均年龄43.2岁，村党组织书记平均年龄较上届下降5.3岁。",
         "2021-02-10", "山东省", "甲县"),
        ("during", "全县村“两委”成员平均年龄49.6岁。", "2021-02-10", "山东省", "乙县"),
        ("after", "全县村“两委”成员平均年龄44.1岁。", "2021-05-10", "山东省", "丙县"),
        ("national", "全县村“两委”成员平均年龄44.8岁。", "2021-05-10", "甘肃省", "丁县"),
        ("cued", "换届后，全县村“两委”成员平均年龄42.7岁。", "2021-05-10", "甘肃省", "戊县"),
    ]
    _, ind, panel = _through_the_reader(tmp_path, docs)
    rnd = {(r.region, r.indicator_id): r.round for r in panel.itertuples()}
    assert rnd[("甲县", "cadre_mean_age")] == "2020-21"  # 新一届, during the election
    assert rnd[("甲县", "secretary_mean_age_change")] == "2020-21"  # 较上届: a change is in the panel
    assert rnd[("乙县", "cadre_mean_age")] == "2017-18"  # same date, no cue: the earlier round
    assert rnd[("丙县", "cadre_mean_age")] == "2020-21"  # after Shandong's election was over
    assert rnd[("丁县", "cadre_mean_age")] == "2017-18"  # Gansu: the national round still on
    assert rnd[("戊县", "cadre_mean_age")] == "2020-21"  # 换届后
    ch = panel[panel.indicator_id == "secretary_mean_age_change"].iloc[0]
    assert ch.value == -5.3
    basis = ind.set_index("region").loc["乙县", "round_basis"]
    assert "before the 2020-21 election in the province was over (2021-03)" in basis
    assert set(panel["round"]) <= {"2017-18", "2020-21"} and panel["round"].ne("").all()


def test_operating_and_total_income_bands_are_separate_panel_cells():
    """A band of villages by operating income is another cell than the same band by total
    income: neither replaces the other, and they never share a comparability key."""
    from ruralstudy.tables.comparability import comparability_key
    from ruralstudy.tables.indicators import conflicts_table, panel_table

    band = "villages_income_over_10w_share"
    ind = _ind([
        {"year": 2022, "value": 62.0, "qualifier": "exact", "source_type": "report",
         "source_id": "total", "indicator_id": band, "unit": "%", "income_concept": "total"},
        {"year": 2022, "value": 18.0, "qualifier": "exact", "source_type": "report",
         "source_id": "operating", "indicator_id": band, "unit": "%",
         "income_concept": "operating"},
    ])
    p = panel_table(ind).set_index("source_id")
    assert set(p.index) == {"total", "operating"}  # two cells, neither chosen over the other
    assert (p["n_sources"] == 1).all()
    assert p.loc["operating", "income_concept"] == "operating"
    k = comparability_key(p.reset_index())
    assert k[0] != k[1] and "" not in set(k)
    assert conflicts_table(ind).empty  # 62% and 18% are not a conflict: different concepts


def test_a_release_that_reports_the_new_round_dates_its_other_stocks_in_it(tmp_path):
    """A page that gives the new round's results (新一届) shows its region had voted by the
    page's date, so a stock on the same page with no cue of its own is of the new round too —
    but a past year's figure on that page keeps its own year's round, and another region (or
    another page) of the same date does not inherit the cue."""
    docs = [("one", "新一届村“两委”成员平均年龄43.2岁。全县村“两委”成员中女性占比21.5%。"
                    "2020年全县村集体经济总收入1.2亿元。", "2021-02-10", "山东省", "甲县"),
            ("two", "全县村“两委”成员中女性占比19.0%。", "2021-02-10", "山东省", "乙县")]
    _, ind, panel = _through_the_reader(tmp_path, docs)
    rnd = {(r.region, r.indicator_id): r.round for r in panel.itertuples()}
    assert rnd[("甲县", "cadre_mean_age")] == "2020-21"
    assert rnd[("甲县", "cadre_women_share")] == "2020-21"  # same page: the new round
    assert rnd[("甲县", "collective_income_total")] == "2017-18"  # 2020's income: the old cadres
    assert rnd[("乙县", "cadre_women_share")] == "2017-18"  # another page, no cue: before the end
    basis = ind.set_index(["region", "indicator_id"]).loc[("甲县", "cadre_women_share"), "round_basis"]
    assert "same release" in basis
