"""What a figure measures: entity, property, conditions, scope and statement, read from running
text and from figure-sheet labels. Cases are written from the sentences, in the seeds' styles and
in others, covering the kinds of misreading issue 9 lists (subset, other body, flow for stock,
people for organisations, rule or threshold for value)."""

from __future__ import annotations

import pytest

from ruralstudy.measures.measure import Measurement, find_place, income_bands, measure_label, measure_text


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


# --- issue 19: the structure of the prose, one test per shape (sentences written for the tests) ---

from ruralstudy.measures.codebook import load_codebook  # noqa: E402
from ruralstudy.measures.mapping import map_measurement  # noqa: E402


def ind(sentence: str, raw: str, unit: str, kind: str = "level", lead: str = "",
        region: str = "某县", value: float = 1.0, role: str = "") -> tuple[str, Measurement, str]:
    """The indicator a figure maps to ('' when unmapped), its measurement and the reason."""
    m = measure_text(sentence, sentence.index(raw), len(raw), unit, kind, raw, role=role,
                     region=region, lead=lead)
    r = map_measurement(load_codebook(), m, unit, kind, value, region)
    return r.indicator_id, m, r.reason


def test_a_subject_stated_once_is_carried_to_each_item_of_its_list():
    s = "全县村集体经济收入不足5万元的村12个,占10.5%;5万元至10万元的40个,占35.1%;10万元以上的62个,占54.4%。"
    assert ind(s, "12个", "个")[0] == "villages_income_under_5w"
    assert ind(s, "40个", "个")[0] == "villages_income_5w_10w"
    assert ind(s, "35.1%", "%")[0] == "villages_income_5w_10w_share"
    assert ind(s, "62个", "个")[0] == "villages_income_over_10w"
    assert ind(s, "54.4%", "%")[0] == "villages_income_over_10w_share"
    # the subject of a list stated in an earlier sentence of the paragraph
    lead = "新一届村“两委”成员共2136名,平均年龄44.2岁。"
    i, m, _ = ind("大专及以上学历的512名,占24.0%。", "512名", "名", lead=lead)
    assert i == "cadre_college_count" and "subject_carried" in m.flags


def test_the_scope_comes_only_from_the_figures_clause_or_its_subject():
    s = "去年全县村级集体收入达6230万元,村均18.2万元,“空白村”全部清零。"
    assert ind(s, "6230万元", "元", value=6.23e7)[0] == "collective_income_total"
    assert ind(s, "18.2万元", "元", value=1.82e5)[0] == "collective_income_per_village"


def test_fenbie_pairs_items_with_figures_in_order():
    s = "100万元以上、50万元以上、10万元以上的村分别占8.3%、22.6%、71.4%。"
    got = [ind(s, raw, "%")[0] for raw in ("8.3%", "22.6%", "71.4%")]
    assert got == ["villages_income_over_100w_share", "villages_income_over_50w_share",
                   "villages_income_over_10w_share"]
    assert "fenbie_paired" in ind(s, "22.6%", "%")[1].flags


def test_an_unknown_word_is_reported_never_a_condition_and_known_words_flip_nothing():
    s = "全县村集体经济收入达2.1亿元,同比增长12.7%。"
    assert ind(s, "同比增长12.7%", "%", kind="growth")[0] == "collective_income_growth"
    i, m, _ = ind("全区58个村经营性收入达3920万元。", "3920万元", "元", value=3.92e7)
    assert m.statement == "observed" and i == "collective_income_operating"
    i, m, reason = ind("全县开展联户走访党员2155名。", "2155名", "名")
    assert i == "" and m.unknown and "unknown word" in reason and "other" not in m.conditions


def test_a_part_never_stands_for_the_whole():
    # a named village, quoted speech, a 其中 count of the same body, villages of one kind
    assert ind("文井镇者孟村村集体年收入超过30万元。", "超过30万元", "元")[0] == ""
    s = "“今年村里集体收入有了三十多万元,还给脱贫户分了红。”村支书说。"
    i, m, _ = ind(s, "三十多万元", "元")
    assert i == "" and m.scope != "region" and "quoted" in m.flags
    s = "全县共有农民专业合作社25个,其中村级合作社17个。"
    assert ind(s, "25个", "个")[0] == "cooperatives" and ind(s, "17个", "个")[0] == ""
    assert ind("26个示范村村均集体收入达到48.6万元。", "48.6万元", "元")[0] == ""


def test_another_body_or_base_is_another_indicator():
    lead = "新一届村“两委”成员平均年龄43.2岁。"
    assert ind("女主任占3.1%。", "3.1%", "%", lead=lead)[0] != "cadre_women_share"
    assert ind("全县女党员1.9万名。", "1.9万名", "名")[0] != "party_members"
    assert ind("全县村(社区)“两委”成员平均年龄42.1岁。", "42.1岁", "岁", value=42.1)[0] == \
        "cadre_mean_age_vc"
    assert ind("全县村“两委”成员平均年龄42.1岁。", "42.1岁", "岁", value=42.1)[0] == "cadre_mean_age"


@pytest.mark.parametrize("sentence,raw,period", [
    ("截至目前,全市村集体经济收入达到3.2亿元。", "3.2亿元", "year_to_date"),
    ("上半年,全市村集体经济收入完成1.6亿元。", "1.6亿元", "part_year"),
    ("近年来,全县新建党支部300余个。", "300余个", "several_years"),
    ("2022年,全县村集体经济收入达到3186.4万元。", "3186.4万元", "year"),
    ("截至目前,全县共有行政村213个。", "213个", ""),  # a stock at the report's date
])
def test_the_period_is_a_field_and_only_a_whole_year_maps(sentence, raw, period):
    unit = "元" if "元" in raw else "个"
    i, m, reason = ind(sentence, raw, unit, value=1e7 if unit == "元" else 300)
    assert m.period == period
    assert bool(i) == (period in ("", "year")), reason


def test_codebook_gaps_of_real_reports():
    lead = "新一届村“两委”成员平均年龄41.8岁。"
    assert ind("较上届下降3.6岁。", "较上届下降3.6岁", "岁", kind="growth", lead=lead,
               value=-3.6)[0] == "cadre_mean_age_change"
    assert ind("村干部平均年龄从43.89岁降至40.64岁。", "从43.89岁降至40.64岁", "岁", kind="change",
               value=40.64)[0] == "village_cadre_mean_age"
    assert ind("村委会选举参选率达94.7%。", "94.7%", "%")[0] == "election_turnout"
    assert ind("扣除经营支出后,全县村集体经济收益合计2214万元。", "2214万元", "元",
               value=2.214e7)[0] == "collective_income_net"
    s = "全县358名村党组织书记中,书记、主任“一肩挑”的有351名,占98.0%。"
    assert ind(s, "351名", "名")[0] == "one_shoulder_count"
    assert ind(s, "98.0%", "%")[0] == "one_shoulder_share"


def test_a_cue_opening_another_clause_does_not_make_a_target():
    s = "确保农村党组织定有标尺、干有方向、评有依据,农村基层党组织标准化达标率达98%。"
    i, m, _ = ind(s, "98%", "%", value=98)
    assert m.statement == "observed" and i == "branches_standardised_share"
    assert ind("力争到2025年,村级集体经济收入全部达到20万元以上。", "20万元以上", "元")[1].statement \
        == "target"


def test_english_and_traditional_text_are_read_by_the_same_reader():
    from ruralstudy.language.vocab import normalise_with_offsets

    line = "The average age of village Party secretaries fell to 45.6 years."
    s, offs = normalise_with_offsets(line)
    assert "村党组织书记平均年龄为45.6岁" in s and len(offs) == len(s)
    assert ind(s, "45.6岁", "岁", value=45.6)[0] == "secretary_mean_age"
    span = line[offs[s.index("45.6")]:offs[s.index("岁")] + 1]
    assert span.startswith("45.6") and span.endswith("years")
    trad, _ = normalise_with_offsets("全縣村集體經濟總收入達28.6億(yì)元。")
    assert ind(trad, "28.6亿元", "元", value=2.86e9)[0] == "collective_income_total"


@pytest.mark.parametrize("line,raw,unit,kind,value,expected", [
    ("The average age of members of the two committees was 42.3 years, 5.1 years younger than in "
     "the previous round.", "42.3岁", "岁", "level", 42.3, "cadre_mean_age"),
    ("The average age of members of the two committees was 42.3 years, 5.1 years younger than in "
     "the previous round.", "较上届下降5.1岁", "岁", "growth", -5.1, "cadre_mean_age_change"),
    ("Total collective income rose 18 percent year on year to 1.25 billion yuan, or 312,000 yuan "
     "per village.", "村均31.2万元", "元", "level", 312000, "collective_income_per_village"),
    ("A total of 4,321 administrative villages completed elections; 96.1 percent of village Party "
     "secretaries also head the villagers committee.", "96.1%", "%", "level", 96.1,
     "one_shoulder_share"),
])
def test_english_wording_beyond_one_text(line, raw, unit, kind, value, expected):
    from ruralstudy.language.vocab import normalise_with_offsets

    s = normalise_with_offsets(line)[0]
    if raw.startswith("村均"):
        raw = raw[2:]
    assert ind(s, raw, unit, kind=kind, value=value)[0] == expected, s
