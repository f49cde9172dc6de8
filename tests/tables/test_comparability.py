"""Election rounds, periods and the one comparability rule."""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ruralstudy.errors import ValidationError
from ruralstudy.tables.comparability import (assign_round, calendar, calendar_windows,
                                             check_calendar, comparability_key, comparable,
                                             compared_as, group_key, income_concept, mixed_parts,
                                             may_cue_new, period_of, province_windows,
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
    assert may_cue_new(text) or cue != "new"  # the prefilter never hides a new round's cue


def test_every_alternative_of_the_new_round_cues_holds_a_prefilter_key():
    """may_cue_new is a necessary condition of NEW_ROUND_CUES matching: each top-level
    alternative of the expression holds one of NEW_CUE_KEYS literally."""
    import re

    from ruralstudy.tables.comparability import NEW_CUE_KEYS, NEW_ROUND_CUES

    alternatives, depth, cur = [], 0, ""
    for ch in NEW_ROUND_CUES.pattern:  # split on "|" outside groups and classes
        depth += ch in "([" and 1 or (ch in ")]" and -1 or 0)
        if ch == "|" and depth == 0:
            alternatives.append(cur)
            cur = ""
        else:
            cur += ch
    alternatives.append(cur)
    assert len(alternatives) >= 10
    for alt in alternatives:
        literal = re.sub(r"\[[^\]]*\]\??|\.\{[^}]*\}|\([^)]*\)|\?", "", alt)
        assert any(k in literal for k in NEW_CUE_KEYS), alt
    assert not may_cue_new("村“两委”成员平均年龄") and not may_cue_new(None)


def test_values_before_an_election_belong_to_the_earlier_round():
    # default calendar: the 2020-21 round voted from 2020-11 to 2021-12 (the ministry, 2021-11-05)
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
    """One rule: no module but comparability.py, and no notebook, defines what may be compared
    (the old comparable_years / ELECTION_ROUNDS / comparable_groups are gone, and nothing
    re-implements the key, its parts or the list of fields it compares). Searches every module
    of the package, in every subpackage, and the notebooks' code."""
    root = Path(__file__).resolve().parents[2]
    pat = re.compile(r"def (comparable|comparable_years|comparable_groups|comparability_key|"
                     r"_rule_parts|compared_as|mixed_parts|group_key|election_round|round_label|"
                     r"same_round|same_level)\b|(ELECTION_ROUNDS|RULE_FIELDS|WHOLE_PERIODS)\s*[:=]")
    files = [f for f in (root / "src" / "ruralstudy").rglob("*.py") if f.name != "comparability.py"]
    assert len(files) > 40  # every subpackage, not only the top level
    for f in files:
        m = pat.search(f.read_text(encoding="utf-8"))
        assert not m, f"{f.relative_to(root)} defines {m.group(0)!r}"
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        m = pat.search(code)
        assert not m, f"{nb.name} defines {m.group(0)!r}"


def test_calendar_windows_say_where_they_come_from():
    """Every window of the election calendar names its source and page and says whether the
    page confirms it; the loader refuses one that does not."""
    wins = calendar_windows()
    assert len(wins) == 10 and all(w["source"] for w in wins)
    for w in wins:
        assert isinstance(w["checked"], bool)
        assert w["url"] == "" or w["url"].startswith("http")
        assert w["checked"] or w["note"], w  # an unconfirmed window says why
        assert not w["checked"] or w["url"], w
    national = {w["round"]: w for w in wins if not w["province"]}
    # corrected by the ministry's briefing of 2021-11-05: five provinces and the Corps were
    # still voting in November 2021, so the national round did not end in June
    assert national["2020-21"]["end"] == "2021-12" and "2021-11-05" in national["2020-21"]["source"]
    assert national["2024-26"]["start"].startswith("2026")  # five-year terms from 2021
    # the window a value is filed by carries its page and status
    ln = {w.round: w for w in province_windows("辽宁")}["2020-21"]
    assert ln.url.startswith("http") and ln.checked is False and ln.note


@pytest.mark.parametrize("change, needle", [
    (lambda r: r["default"].pop("checked"), "checked must be true or false"),
    (lambda r: r["default"].update(checked=True, url=""), "checked without the page"),
    (lambda r: r["default"].update(note=""), "no note"),
    (lambda r: r["default"].update(url="www.example.com"), "url must be"),
    (lambda r: r["default"].update(start="2022-01"), "starts (2022-01) after it ends"),
    (lambda r: r["default"].update(end="2021-13"), "must be months"),
    (lambda r: r["default"].pop("source"), "no source"),
])
def test_calendar_loader_refuses_an_unsourced_window(change, needle):
    data = copy.deepcopy(calendar())
    change(next(r for r in data["rounds"] if r["id"] == "2020-21"))
    with pytest.raises(ValidationError) as info:
        check_calendar(data)
    assert needle in str(info.value) and "round 2020-21, default" in str(info.value)


# --- every caller of the rule forms the same groups ----------------------------------------------

_BAND = "villages_income_over_10w_share"


def _random_panel(seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for k in range(14):
        level = rng.choice(["county", "county", "prefecture", ""])
        for _ in range(rng.randint(1, 4)):
            ind = rng.choice(["cadre_mean_age", "cadre_mean_age_vc", _BAND, _BAND])
            concept = rng.choice(["total", "total", "operating"]) if ind == _BAND else ""
            rows.append({"region": f"县{k:02d}", "admin_level": level,
                         "round": rng.choice(["2017-18", "2020-21", "2020-21", ""]),
                         "indicator_id": ind, "income_concept": concept,
                         "period": rng.choice(["", "year", "year", "year_to_date"]),
                         "value": float(rng.randint(1, 99)), "unit": "%", "year": 2021,
                         "indicator_zh": ind, "indicator_en": ind})
    df = pd.DataFrame(rows)
    # one row per region, round and indicator as compared (the panel's cell)
    df = df.drop_duplicates(["region", "round", "indicator_id", "income_concept"])
    return df.reset_index(drop=True).assign(source_id=lambda d: [f"s{i}" for i in d.index])


def _groups_by_comparable(df: pd.DataFrame) -> set[frozenset]:
    """Groups of row indices, from the pairwise verdict of comparable() alone."""
    recs = df.to_dict("records")
    out = set()
    for i in range(len(recs)):
        g = frozenset(j for j in range(len(recs)) if comparable(recs[i], recs[j])[0])
        if g:
            out.add(g)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_every_caller_forms_the_groups_comparable_forms(seed):
    """Peers on the region pages, the comparable sets of the front page, the wide table of the
    links notebook and the charts' guard all give exactly the groups the pairwise rule gives —
    so a second rule anywhere would show here. Includes operating- vs total-income bands, parts
    of years and unknown levels or rounds."""
    from ruralstudy.findings import analysis as A
    from ruralstudy.findings import charts as C
    from ruralstudy.site.site import PeerIndex

    df = _random_panel(seed)
    groups = _groups_by_comparable(df)
    key = comparability_key(df)
    assert groups == {frozenset(g.index) for _, g in df[key != ""].groupby(key[key != ""])}
    # operating and total bands never meet
    for g in groups:
        assert df.loc[list(g), "income_concept"].nunique() == 1
        assert df.loc[list(g), "period"].isin(["", "year"]).all()
    # region pages: each value's peers are the other regions of its group
    peers = PeerIndex(df)
    for i, r in df.iterrows():
        ck = peers.own[r.region].set_index("source_id").loc[r.source_id, "ckey"]
        got = set(peers.peers(ck, r.region)["source_id"])
        want = {df.loc[j, "source_id"] for g in groups if i in g for j in g} - {r.source_id}
        assert got == want, (r.to_dict(), got, want)
    # front page: every set of two or more regions is one group
    sets = A.comparable_sets(df, scale_free={"cadre_mean_age", "cadre_mean_age_vc", _BAND})
    want_sets = {frozenset(df.loc[list(g), "source_id"]) for g in groups
                 if df.loc[list(g), "region"].nunique() >= 2}
    assert {frozenset(s.split("; ")) for s in sets.source_id} == want_sets
    # links notebook: a pair's regions sit side by side only within a group, and a band column
    # holds total-income bands only
    w = A.wide_panel(df, ["cadre_mean_age", _BAND])
    for r in w.itertuples():
        for col in ("cadre_mean_age", _BAND):
            v = getattr(r, col)
            if pd.notna(v):
                src = df[(df.region == r.region) & (df.indicator_id == col) &
                         (df.income_concept.isin(["", "total"])) & (df.value == v)]
                assert len(src) and (group_key(src) == r.group).all()
    # charts: a group is drawable, two rows of different groups are not
    for g in groups:
        C.one_comparable_group(df.loc[list(g)])
    recs = list(df.index)
    for i, j in itertools.combinations(recs, 2):
        if not any(i in g and j in g for g in groups) and key[i] and key[j]:
            with pytest.raises(ValueError):
                C.one_comparable_group(df.loc[[i, j]])


def test_period_and_income_concept_decide_comparability():
    band = {**_row(ind=_BAND), "income_concept": "total"}
    assert comparable(band, dict(band))[0]
    assert comparable(band, {**band, "income_concept": "operating"}) == (
        False, "different income concepts (total and operating)")
    assert comparable(band, {**band, "income_concept": "net"})[1].startswith("different income")
    # a blank concept is what the id implies: a band is about total income unless it says not
    assert comparable(band, {**band, "income_concept": ""})[0]
    for per in ("year_to_date", "part_year", "several_years"):
        ok, why = comparable(band, {**band, "period": per})
        assert not ok and why == f"period {per}: not a whole year or a stock"
    assert comparable({**band, "period": "year"}, {**band, "period": ""})[0]  # both whole
    assert compared_as(pd.DataFrame([band, {**band, "income_concept": "operating"},
                                     _row(ind="collective_income_operating")])).tolist() == [
        _BAND, f"{_BAND}[operating]", "collective_income_operating"]
    assert mixed_parts(pd.DataFrame([band, {**band, "income_concept": "operating"}])) == [
        "income_concept"]
    assert mixed_parts(pd.DataFrame([band, {**band, "period": "part_year"}])) == ["period"]
    assert mixed_parts(pd.DataFrame([band, {**band, "period": "year"}])) == []


@pytest.mark.parametrize("text, concept", [
    ("集体经营性收入50万元以上的村", "operating"),
    ("經營性收入超過100萬元的村", "operating"),
    ("villages w/ operating income > 1m yuan", "operating"),
    ("share of 百万村 (operating)", "operating"),
    ("villages with net income over 100,000 yuan", "net"),
    ("集体经济纯收入10万元以上的村", "net"),
    ("集体收入10万元以上的村", "total"),
    ("villages earning over 100,000 yuan (Internet sales)", "total"),
])
def test_income_concept_of_a_band_in_chinese_traditional_and_english(text, concept):
    from ruralstudy.tables.comparability import income_concept

    assert income_concept("villages_income_over_10w", text) == concept


def test_a_band_by_operating_or_net_income_says_so_in_its_labels():
    from ruralstudy.tables.comparability import concept_labels

    zh, en = concept_labels("villages_income_over_50w", "集体收入50万元以上村数",
                            "Villages with collective income above 500,000 yuan", "operating")
    assert zh == "集体经营性收入50万元以上村数"
    assert en == "Villages with collective operating income above 500,000 yuan"
    zh, en = concept_labels("villages_income_over_100w_share", "集体经济收入100万元以上的村占比",
                            "Share of villages with collective income of 1,000,000 yuan or more", "net")
    assert zh.startswith("集体纯收入100万元") and "collective net income" in en
    same = ("集体收入10万元以上村数", "Villages with collective income above 100,000 yuan")
    assert concept_labels("villages_income_over_10w", *same, "total") == same
    assert concept_labels("collective_income_operating", "村集体经营性收入", "Operating income",
                          "operating") == ("村集体经营性收入", "Operating income")

