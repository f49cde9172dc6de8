"""The codebook and the mapper: definitions over measurement fields, exact matching, reasons
for refusing, and the score against the hand-checked measurement gold."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from ruralstudy.measures.codebook import (CONSTRUCTS, codebook_text, load_codebook, parse_codebook,
                                          safe_load_yaml)
from ruralstudy.errors import CodebookError
from ruralstudy.measures.mapping import map_measurement
from ruralstudy.measures.measure import Measurement
from ruralstudy.build.pipeline import mapping_score, run_indicators_frames

#: A wrong value shown is the costly error: values on the site (after reviewed overrides) must be
#: at least this precise against the gold, and the machine alone on report text too.
PRECISION_MIN = 0.97
RECALL_MIN = 0.65


def test_codebook_defines_every_indicator_over_measurement_fields():
    cb = load_codebook()
    assert {i.construct for i in cb.indicators} == set(CONSTRUCTS)
    for ind in cb.indicators:
        assert ind.label_zh and ind.label_en and ind.units and ind.entity and ind.property
        assert ind.range[0] < ind.range[1]
    # different bodies stay different indicators
    assert cb.find("two_committees_member", "mean_age", frozenset()).id == "cadre_mean_age"
    assert cb.find("village_committee_member", "mean_age", frozenset()).id == "vc_member_mean_age"
    assert cb.find("branch_secretary", "mean_age", frozenset()).id == "secretary_mean_age"
    assert cb.find("branch_committee_member", "mean_age", frozenset()) is None
    # flows are not stocks; bands are separate
    assert cb.find("admin_village", "count", frozenset({"weak_village"})).id == "weak_villages"
    assert cb.find("admin_village", "count", frozenset({"weak_village", "eliminated"})).id == \
        "weak_villages_eliminated"
    assert cb.find("admin_village", "share", frozenset({"income_over50w"})).id != \
        cb.find("admin_village", "share", frozenset({"income_over10w"})).id


def test_bad_codebook_is_rejected():
    data = safe_load_yaml(codebook_text())
    data["indicators"][0]["construct"] = "vibes"
    with pytest.raises(CodebookError, match="unknown construct"):
        parse_codebook(data, "x.yaml")
    data = safe_load_yaml(codebook_text())
    data["indicators"].append(dict(data["indicators"][0]))
    with pytest.raises(CodebookError, match="duplicate"):
        parse_codebook(data, "x.yaml")
    data = safe_load_yaml(codebook_text())
    data["indicators"][1]["id"] = "copy"
    data["indicators"][1].update(entity=data["indicators"][0]["entity"],
                                 property=data["indicators"][0]["property"],
                                 conditions=data["indicators"][0].get("conditions", []))
    with pytest.raises(CodebookError, match="same definition"):
        parse_codebook(data, "x.yaml")
    data = safe_load_yaml(codebook_text())
    data["indicators"][0]["conditions"] = ["vibes"]
    with pytest.raises(CodebookError, match="unknown condition"):
        parse_codebook(data, "x.yaml")


def test_primary_indicators_live_in_the_codebook():
    """The primary pairs are pre-registered in codebook.yaml, one per construct, and belong to
    that construct; the analysis reads them from there, not from a list of its own."""
    from ruralstudy.findings import analysis

    cb = load_codebook()
    primary = cb.primary()
    assert set(primary) == {"branch_strength", "cadre_structure", "collective_income"}
    for construct, indicator_id in primary.items():
        assert cb.get(indicator_id).construct == construct
        assert indicator_id in cb.primary_candidates()[construct]
    assert analysis.PRIMARY_INDICATORS == primary
    assert analysis.DEFAULT_CONSTRUCTS == cb.primary_candidates()


def test_bad_primary_indicator_is_rejected():
    data = safe_load_yaml(codebook_text())
    data["constructs"]["cadre_structure"]["primary"] = "no_such_indicator"
    with pytest.raises(CodebookError, match="primary indicator is not in the codebook"):
        parse_codebook(data, "x.yaml")
    data = safe_load_yaml(codebook_text())
    data["constructs"]["cadre_structure"]["primary"] = "branches_standardised_share"
    with pytest.raises(CodebookError, match="belongs to another construct"):
        parse_codebook(data, "x.yaml")
    data = safe_load_yaml(codebook_text())
    data["constructs"]["collective_income"]["candidates"].append("vibes")
    with pytest.raises(CodebookError, match="candidate indicator is not in the codebook"):
        parse_codebook(data, "x.yaml")


def M(entity, prop, conds=(), scope="region", statement="observed"):
    return Measurement(entity, prop, tuple(conds), scope, statement, "test")


@pytest.mark.parametrize("m,unit,value,expected,reason", [
    (M("two_committees_member", "mean_age"), "岁", 42.5, "cadre_mean_age", ""),
    (M("two_committees_member", "mean_age", ["new_round"]), "岁", 42.5, "cadre_mean_age", ""),
    (M("village_committee_member", "mean_age"), "岁", 43.8, "vc_member_mean_age", ""),
    (M("branch_committee_member", "mean_age"), "岁", 43.8, "",
     "entity branch_committee_member"),
    (M("two_committees_member", "mean_age", scope="王爱召镇"), "岁", 40.0, "", "scope 王爱召镇"),
    (M("admin_village", "count", ["weak_village", "eliminated"]), "个", 83, "weak_villages_eliminated",
     ""),
    (M("two_committees_member", "count", ["women"], statement="rule"), "名", 1, "",
     "statement: rule"),
    (M("collective", "income_total", statement="threshold"), "元", 5e4, "", "statement: threshold"),
    (M("village_party_org", "count", ["star"]), "名", 200, "", "counts people"),
    (M("two_committees_member", "mean_age"), "岁", 140.0, "", "outside the valid range"),
    (M("", "count"), "个", 3, "", "no measured entity"),
    (M("collective", "amount"), "元", 3e6, "", "property amount"),
])
def test_map_measurement(m, unit, value, expected, reason):
    r = map_measurement(load_codebook(), m, unit, "level", value, "达拉特旗")
    assert r.indicator_id == expected
    if expected:
        assert expected in r.rule and 0 < r.confidence <= 1 and not r.reason
    else:
        assert reason in r.reason and r.confidence == 0


def test_every_figure_and_sheet_row_has_a_result(project):
    o = run_indicators_frames(project).observations
    # mapped values are published, waiting (calibrated confidence below the threshold) or
    # reviewed (see ruralstudy.measures.calibrate)
    is_mapped = o.status.isin(["published", "waiting", "reviewed"])
    assert set(o["status"]) <= {"published", "waiting", "reviewed", "unmapped", "rejected"}
    assert (o.loc[is_mapped, "indicator_id"] != "").all()
    assert (o.loc[~o.status.isin(["published", "reviewed"]), "reason"] != "").all()
    assert (o.loc[is_mapped, "rule"] != "").all()
    assert (o["statement"] != "").all() and (o["scope"] != "").all()
    mapped = o[is_mapped]
    assert (mapped["scope"] == "region").all() and (mapped["statement"] == "observed").all()
    assert len(o[o.source_type == "report"]) == 274  # 272 + two conditions (issue 10)


def test_mapping_meets_precision_and_recall_against_the_gold(project):
    obs = run_indicators_frames(project).observations  # built once, scored on both columns
    shown = mapping_score(project, obs, column="indicator_id")
    machine = mapping_score(project, obs)
    print({k: v.as_row() for k, v in shown.items()}, {k: v.as_row() for k, v in machine.items()})
    assert shown["all"].n_rows == 620  # every report figure and every sheet row is in the gold
    assert shown["all"].precision >= PRECISION_MIN
    assert machine["reports"].precision >= PRECISION_MIN
    assert shown["all"].recall >= RECALL_MIN


def test_mapping_score_can_fail(project):
    for f in ("gold_measurements_reports.csv", "gold_measurements_sheets.csv"):
        g = pd.read_csv(project.annotations / f, dtype=str, keep_default_na=False)
        g.loc[g["indicator_id"] != "", "indicator_id"] = "villages"  # deliberately wrong
        g.to_csv(project.annotations / f, index=False)
    assert mapping_score(project, column="indicator_id")["all"].precision < 0.3


def test_mapping_on_unseen_styles(root):
    """Texts in styles the seeds do not have, with measurement gold written before the mapper
    saw them. The mapper was tuned on dev, then on the first holdout once it had been scored
    (0.714 at first sight); holdout2 was written afterwards and scored 0.839 at first sight
    before its errors were read and their kinds fixed."""
    from ruralstudy.paths import Paths
    from ruralstudy.build.pipeline import unseen_mapping_scores

    scores = unseen_mapping_scores(Paths(root))
    print({k: v.as_row() for k, v in scores.items()})
    assert scores["unseen-dev"].precision >= 0.95 and scores["unseen-dev"].n_machine_mapped >= 40
    assert scores["unseen-holdout"].precision >= 0.90
    assert scores["unseen-holdout2"].precision >= 0.97 and scores["unseen-holdout2"].n_machine_mapped >= 40


def test_codebook_yaml_reads_the_same_with_libyaml_and_pure_python():
    """The fast loader (libyaml) gives what yaml.safe_load gives, on the codebook and on a
    document with the values where YAML parsers differ most (dates, octal-looking ids)."""
    text = codebook_text()
    assert safe_load_yaml(text) == yaml.safe_load(text)
    tricky = "date-released: 2026-11-27\nid: 0123\nname: 村集体\nempty:\nflag: yes\n"
    assert safe_load_yaml(tricky) == yaml.safe_load(tricky)


def test_indicator_values_on_the_issue_19_sets(root):
    """unseen3 (issue 19): an independent gold of indicator values (indicator, value, year,
    period). dev was tuned on after its first sight (0.808 / 0.406); holdout was scored once,
    at first sight, after the last tuning change: precision 0.851, recall 0.460 (SCORES.md).
    These floors guard against regressions; they are not estimates."""
    from ruralstudy.paths import Paths
    from ruralstudy.build.pipeline import unseen3_evaluation

    _, scores = unseen3_evaluation(Paths(root))
    print({k: v.as_row() for k, v in scores.items()})
    assert scores["unseen3-dev"].precision >= 0.97 and scores["unseen3-dev"].recall >= 0.9
    if "unseen3-holdout" in scores:
        assert scores["unseen3-holdout"].precision >= 0.85
        assert scores["unseen3-holdout"].n_correct >= 74
