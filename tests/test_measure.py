"""What a figure measures: entity, property, conditions, scope and statement, read from running
text and from figure-sheet labels. Cases are written from the sentences, in the seeds' styles and
in others, covering the kinds of misreading issue 9 lists (subset, other body, flow for stock,
people for organisations, rule or threshold for value)."""

from __future__ import annotations

import pytest

from ruralstudy.measure import Measurement, find_place, income_bands, measure_label, measure_text


def text(sentence: str, raw: str, unit: str, kind: str = "level", region: str = "某县",
         role: str = "") -> Measurement:
    return measure_text(sentence, sentence.index(raw), len(raw), unit, kind, raw, role=role,
                        region=region)


@pytest.mark.parametrize("sentence,raw,unit,entity,prop,conds", [
    ("全面完成922个农村党支部标准化规范化建设。", "922个", "个", "village_party_org", "count",
     ("standardised",)),
    ("累计培育合作社4160个。", "4160个", "个", "cooperative", "count", ()),
    ("村“两委”干部平均年龄达37.63岁,35岁以下的占46.37%。", "37.63岁", "岁",
     "two_committees_member", "mean_age", ()),
    ("村“两委”干部平均年龄达37.63岁,35岁以下的占46.37%。", "46.37%", "%",
     "two_committees_member", "share", ("under35",)),
    ("全市村党组织书记、村委会主任“一肩挑”比例达到98.31%。", "98.31%", "%", "branch_secretary",
     "share", ("one_shoulder",)),
    ("全县共有行政村213个。", "213个", "个", "admin_village", "count", ()),
    ("全县村级集体经济总收入1.2亿元,村均56.3万元。", "56.3万元", "元", "collective",
     "income_per_village", ()),
    ("全县村级集体经济总收入1.2亿元,村均56.3万元。", "1.2亿元", "元", "collective",
     "income_total", ()),
    ("集体经济收入10万元以上的村达到128个。", "128个", "个", "admin_village", "count",
     ("income_over10w",)),
])
def test_measurement_from_text(sentence, raw, unit, entity, prop, conds):
    m = text(sentence, raw, unit)
    assert (m.entity, m.property, tuple(c for c in m.conditions if c != "new_round")) == \
        (entity, prop, conds), m.evidence
    assert m.scope == "region" and m.statement == "observed"


@pytest.mark.parametrize("sentence,raw,unit,why", [
    # people are not organisations: 200 star secretaries are not 200 star branches
    ("先后命名表彰200个“五星级”村党组织和200名明星村书记。", "200名", "名", "people"),
    # a count of people who did something is not the stock of those people
    ("2155名村居党员联户交心。", "2155名", "名", "subset"),
    ("设置党员环境整治责任示范区1000余个。", "1000余个", "个", "other noun"),
    # a satisfaction rate is not a rectification share
    ("软弱涣散村党组织集中整顿满意度达96%。", "96%", "%", "satisfaction"),
])
def test_subsets_and_other_nouns_never_pass_for_the_indicator(sentence, raw, unit, why):
    m = text(sentence, raw, unit)
    bad = {("village_party_org", "count", ("star",)), ("party_member", "count", ()),
           ("village_party_org", "share", ("rectified", "weak"))}
    assert (m.entity, m.property, tuple(sorted(m.conditions))) not in bad, (why, m)


@pytest.mark.parametrize("sentence,raw,unit,statement", [
    ("力争到2025年,村级集体经济收入全部达到20万元以上。", "20万元以上", "元", "target"),
    ("计划用三年时间培养村级后备力量600名。", "600名", "名", "target"),
    ("每村至少配备1名女性委员。", "1名", "名", "rule"),
    ("村“两委”成员中35岁以下的比例原则上不低于20%。", "20%", "%", "rule"),
    ("655个村集体收入超过10万元。", "超过10万元", "元", "threshold"),
    ("全县48个村集体经营性收入5万元以下。", "5万元以下", "元", "threshold"),
    ("按5万元/村的标准奖补。", "5万元", "元", "rule"),
    ("全县有村干部1200名。", "1200名", "名", "observed"),
])
def test_statement_type(sentence, raw, unit, statement):
    assert text(sentence, raw, unit).statement == statement


def test_extractor_role_decides_the_statement():
    s = "35岁以下年轻干部共685人。"
    assert text(s, "685人", "人", role="observed").statement == "observed"
    assert text(s, "35岁以下", "岁", role="condition").statement == "threshold"


@pytest.mark.parametrize("sentence,raw,unit,place", [
    ("王爱召镇将全镇20个村的资源项目有效整合。", "20个", "个", "王爱召镇"),
    ("展旦召苏木梁外地区赛乌素村、查干沟村等7个村联合发展物流服务业。", "7个", "个", None),
])
def test_a_township_or_village_figure_is_not_the_regions(sentence, raw, unit, place):
    m = text(sentence, raw, unit, region="达拉特旗")
    assert m.scope != "region"
    if place:
        assert m.scope == place


def test_the_region_itself_is_not_a_sub_scope():
    m = text("达拉特旗共有嘎查村133个。", "133个", "个", region="达拉特旗")
    assert m.scope == "region"


@pytest.mark.parametrize("s,place", [("白泥井镇共有12个村", "白泥井镇"), ("全县各乡镇", ""),
                                     ("乡村振兴工作队", ""), ("推进城乡融合", "")])
def test_find_place(s, place):
    assert find_place(s) == place


@pytest.mark.parametrize("s,bands", [
    ("集体收入10万元以上的村", {"income_over10w"}), ("收入50万元以上", {"income_over50w"}),
    ("集体收入5万元以下村数", {"income_under5w"}), ("集体收入5-10万元村数", {"income_5_10w"}),
    ("收入超过30万元", {"income_over30w"}), ("收入超过40万元", {"other"}),
    ("5万元至10万元的村", {"income_5_10w"}), ("收入100万元以上", {"income_over100w"}),
])
def test_income_bands(s, bands):
    assert income_bands(s) == bands


@pytest.mark.parametrize("label,unit,entity,prop,conds,scope,statement", [
    ("村委会成员平均年龄", "岁", "village_committee_member", "mean_age", (), "region", "observed"),
    ("村“两委”成员平均年龄", "岁", "two_committees_member", "mean_age", (), "region", "observed"),
    ("村党组织班子平均年龄", "岁", "branch_committee_member", "mean_age", (), "region", "observed"),
    ("村居数", "个", "village_or_community", "count", (), "region", "observed"),
    ("行政村数", "个", "admin_village", "count", (), "region", "observed"),
    ("已消除薄弱村数", "个", "admin_village", "count", ("eliminated", "weak_village"), "region",
     "observed"),
    ("村均集体收入", "元", "collective", "income_per_village", (), "region", "observed"),
    ("村集体经营性总收入", "元", "collective", "income_operating", (), "region", "observed"),
    ("集体收入10万元以上村占比", "%", "admin_village", "share", ("income_over10w",), "region",
     "observed"),
    ("目标:村均集体经营性收入", "元", "collective", "income_operating_per_village", (), "region",
     "target"),
    ("书记大专及以上占比(CRRS)", "%", "branch_secretary", "share", ("college",), "sample",
     "observed"),
])
def test_measurement_from_sheet_label(label, unit, entity, prop, conds, scope, statement):
    m = measure_label(label, unit, "level", "某县")
    assert (m.entity, m.property, m.conditions, m.scope, m.statement) == \
        (entity, prop, conds, scope, statement), m.evidence


@pytest.mark.parametrize("label", ["入社群众人数", "党员网格包户人数", "农牧渔民党员数",
                                   "大学生村官当选两委人数"])
def test_unrecognised_words_in_a_label_mark_a_subset(label):
    assert "other" in measure_label(label, "人", "level").conditions
