"""The codebook and the mapper: structure, rules, and the score against hand-checked mappings."""

from __future__ import annotations

import pytest
import yaml

from ruralstudy.codebook import CONSTRUCTS, codebook_text, load_codebook, parse_codebook
from ruralstudy.errors import CodebookError
from ruralstudy.mapping import clause_windows, map_figure
from ruralstudy.pipeline import mapping_score, run_indicators_frames

ACCURACY_MIN = 0.90


def test_codebook_covers_every_construct_with_labels_units_ranges_and_cues():
    cb = load_codebook()
    assert {i.construct for i in cb.indicators} == set(CONSTRUCTS)
    for ind in cb.indicators:
        assert ind.label_zh and ind.label_en and ind.cues and ind.units
        assert ind.range[0] < ind.range[1]
    for needed in ("cadre_mean_age", "one_shoulder_share", "collective_income_total",
                   "collective_income_per_village", "villages_income_over_10w", "weak_villages",
                   "branches_standardised", "weak_branches_identified", "first_secretaries",
                   "villages", "population"):
        assert needed in cb


def test_bad_codebook_is_rejected():
    data = yaml.safe_load(codebook_text())
    data["indicators"][0]["construct"] = "vibes"
    with pytest.raises(CodebookError, match="unknown construct"):
        parse_codebook(data, "x.yaml")
    data = yaml.safe_load(codebook_text())
    data["indicators"].append(dict(data["indicators"][0]))
    with pytest.raises(CodebookError, match="duplicate"):
        parse_codebook(data, "x.yaml")


@pytest.mark.parametrize("sentence,raw,unit,kind,expected", [
    ("全市村党组织书记、村委会主任“一肩挑”比例达到98.31%", "98.31%", "%", "level", "one_shoulder_share"),
    ("村“两委”干部平均年龄达37.63岁", "37.63岁", "岁", "level", "cadre_mean_age"),
    ("其中党组织书记平均年龄48.4岁", "48.4岁", "岁", "level", "secretary_mean_age"),
    ("收入达1.46亿元、村均15.84万元", "15.84万元", "元", "level", "collective_income_per_village"),
    ("655个村集体收入超过10万元", "655个", "个", "level", "villages_income_over_10w"),
    ("新一届两委成员平均年龄为44.5岁,较上届降低4岁", "较上届降低4岁", "岁", "growth", "cadre_mean_age"),
    ("稳妥推进书记主任“一肩挑”,比例达到85.48%", "85.48%", "%", "level", "one_shoulder_share"),
    ("召开群众会7200余场次", "7200余场次", "场次", "level", ""),
    ("“一肩挑”每人每年4.65万元", "4.65万元", "元", "level", ""),  # unit does not fit a share
])
def test_map_in_context(sentence, raw, unit, kind, expected):
    cb = load_codebook()
    own, prev = clause_windows(sentence, sentence.index(raw), len(raw))
    m = map_figure(cb, own, prev, unit, kind, 1.0 if unit != "岁" else 40.0)
    assert m.indicator_id == expected
    if expected:
        assert expected in m.rule and 0 < m.confidence <= 1
    else:
        assert m.reason and m.confidence == 0


def test_out_of_range_value_is_unmapped_with_reason():
    cb = load_codebook()
    m = map_figure(cb, "两委平均年龄", "", "岁", "level", 140.0, label=True)
    assert not m.mapped and "outside the valid range" in m.reason


def test_every_figure_has_a_result(project):
    res = run_indicators_frames(project)
    o = res.observations
    assert set(o["status"]) <= {"mapped", "unmapped", "rejected"}
    assert (o.loc[o.status == "mapped", "indicator_id"] != "").all()
    assert (o.loc[o.status != "mapped", "reason"] != "").all()
    assert (o.loc[o.status == "mapped", "rule"] != "").all()
    assert len(o[o.source_type == "report"]) == 274  # 272 + two conditions (issue 10)


def test_mapping_score_meets_target(project):
    s = mapping_score(project)
    print(s)
    assert s["n"] >= 50
    assert s["accuracy"] >= ACCURACY_MIN


def test_mapping_score_can_fail(project):
    import pandas as pd

    g = pd.read_csv(project.annotations / "gold_mapping.csv", dtype=str, keep_default_na=False)
    mapped = g["indicator_id"] != ""
    g.loc[mapped, "indicator_id"] = "villages"  # a deliberately wrong hand mapping
    g.to_csv(project.annotations / "gold_mapping.csv", index=False)
    assert mapping_score(project)["accuracy"] < 0.2
