"""Issue 19, second round: one test per KIND of misreading found on the spent unseen3 holdout,
each on sentences written here in new wording (never the holdout's sentences). Every case runs
the whole reader (extractor -> measurement -> codebook) on a small text and checks which
indicator each figure is published as, or that it stays unmapped."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.measures.codebook import load_codebook
from ruralstudy.tables.indicators import observe_figures
from ruralstudy.build.pipeline import extract_files


def read(tmp_path, text: str, region: str = "某某县", level: str = "county",
         year: int = 2021) -> dict[str, tuple[str, float, str]]:
    """raw figure -> (indicator id or '', value, reason) for every figure of ``text``."""
    f = tmp_path / "doc.txt"
    f.write_text(text, encoding="utf-8")
    regions = pd.DataFrame([{"doc": "doc", "region": region, "province": "某某省",
                             "admin_level": level, "year": year}])
    found = extract_files([f], regions)
    obs = observe_figures(found, load_codebook())
    out: dict[str, tuple[str, float, str]] = {}
    for r in obs.to_dict("records"):
        out.setdefault(str(r["raw"]), (str(r["auto_indicator_id"] or ""), float(r["value"]),
                                       str(r.get("reason", "") or "")))
    return out


def ids(got: dict[str, tuple[str, float, str]]) -> dict[str, str]:
    return {k: v[0] for k, v in got.items()}


# --- kind 8b: a table flattened into text with the unit in a column of its own -------------------

def test_table_with_a_unit_column(tmp_path):
    text = ("表3　全区农村基层组织情况（2018—2020年）\n"
            "项目　计量单位　2018年　2019年　2020年\n"
            "行政村数　个　301　298　290\n"
            "村集体经济总收入　万元　5120　6033.5　7010\n"
            "村均集体经济收入　万元　17.0　20.2　24.2\n"
            "集体经济收入10万元以上村数　个　150　188　243\n")
    got = read(tmp_path, text)
    assert got["298"][:2] == ("villages", 298.0)
    assert got["6033.5"][:2] == ("collective_income_total", 60335000.0)
    assert got["24.2"][0] == "collective_income_per_village"
    assert got["243"][0] == "villages_income_over_10w"


def test_a_unit_column_needs_a_header_of_years(tmp_path):
    # two numbers after a word and a unit, with no header row: not a table
    got = read(tmp_path, "今年新建党支部　个　12　15\n")
    assert not any(v[0] for v in got.values())


# --- kind 10 (new): a bracketed note that leaves communities out names the base, not a body -----

@pytest.mark.parametrize("text,raw,expected", [
    ("本次换届选出村“两委”成员（不含社区）共1206名。", "1206名", "cadres_total"),
    ("全县新当选村党组织书记（不包括城市社区）平均年龄44.8岁。", "44.8岁", "secretary_mean_age"),
    ("换届后，村“两委”干部（不含社区）中35岁以下的有231名。", "231名", "cadre_under35_count"),
    ("新一届村“两委”成员（除城市社区外）中，大专及以上学历的占35.2%。", "35.2%",
     "cadre_college_share"),
])
def test_a_note_leaving_communities_out_keeps_the_village_base(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


# --- kind 9b: villages and communities listed together as the base of cadres --------------------

@pytest.mark.parametrize("text,raw,expected", [
    ("全县203个行政村、17个社区的“两委”成员平均年龄43.1岁，较上届下降3.3岁。", "43.1岁",
     "cadre_mean_age_vc"),
    ("全县203个行政村、17个社区的“两委”成员平均年龄43.1岁，较上届下降3.3岁。", "较上届下降3.3岁",
     "cadre_mean_age_vc_change"),
    ("换届后，全区村和社区“两委”班子中，女性成员占24.8%。", "24.8%", "cadre_women_share_vc"),
    ("全市村、社区党组织书记中大专以上学历的占61.5%。", "61.5%", "secretary_college_share_vc"),
])
def test_villages_and_communities_listed_together_are_the_vc_base(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


def test_a_list_of_villages_and_communities_does_not_touch_village_counts(tmp_path):
    got = ids(read(tmp_path, "全县共有行政村186个、社区12个，村党组织186个。"))
    assert got["186个"] == "villages"


# --- kind 3b: a second 分别 that continues the first one's list -----------------------------------

def test_second_fenbie_pairs_with_the_first_ones_items(tmp_path):
    text = ("全县集体经济收入5万元至10万元、10万元至20万元、20万元以上的村分别有38个、61个、27个，"
            "分别占30.2%、48.4%、21.4%。")
    got = ids(read(tmp_path, text))
    assert got["38个"] == "villages_income_5w_10w"
    assert got["61个"] == "villages_income_10w_20w"
    assert got["27个"] == "villages_income_over_20w"
    assert got["30.2%"] == "villages_income_5w_10w_share"
    assert got["48.4%"] == "villages_income_10w_20w_share"
    assert got["21.4%"] == "villages_income_over_20w_share"


def test_second_fenbie_with_two_items(tmp_path):
    text = "全市集体经营性收入30万元以上、100万元以上的村分别达到85个和12个，分别占全市的40.1%和5.7%。"
    got = ids(read(tmp_path, text))
    assert got["12个"] == "villages_income_over_100w"
    assert got["40.1%"] == "villages_income_over_30w_share"
    assert got["5.7%"] == "villages_income_over_100w_share"


def test_second_fenbie_without_a_first_list_stays_unmapped(tmp_path):
    got = read(tmp_path, "全县村集体经济总收入稳步增长，分别占12.1%、33.0%。")
    assert not any(v[0] for v in got.values())


# --- kind 6b: another body (a level of schooling, not "or above") --------------------------------

@pytest.mark.parametrize("text,raw", [
    ("新一届村“两委”成员中，初中、高中（中专）、大专及以上学历的分别占22.0%、40.3%、37.7%。", "40.3%"),
    ("村党组织书记中高中学历的占38.5%。", "38.5%"),
    ("两委成员中中专学历的142名。", "142名"),
])
def test_one_level_of_schooling_is_not_that_level_or_above(tmp_path, text, raw):
    got = ids(read(tmp_path, text))
    assert got[raw] == "", got


def test_highschool_or_above_still_maps(tmp_path):
    got = ids(read(tmp_path, "村“两委”成员中高中（中专）及以上学历的占81.6%。"))
    assert got["81.6%"] == "cadre_highschool_share"


# --- kind 8c: English-language reports, general phrasing -----------------------------------------

def test_english_members_across_villages_and_communities(tmp_path):
    text = ("After the elections, the 1,874 members of the new \"two committees\" in the city's "
            "villages and communities are on average 42.9 years old, 3.8 years younger than their "
            "predecessors. Women account for 25.1 percent of the members.\n")
    got = ids(read(tmp_path, text, region="某某市", level="prefecture"))
    got = {k.split()[0]: v for k, v in got.items()}
    assert got["1,874"] == "cadres_total_vc"
    assert got["42.9"] == "cadre_mean_age_vc"
    assert got["3.8"] == "cadre_mean_age_vc_change"
    assert got["25.1"] == "cadre_women_share_vc"


def test_english_secretaries_who_also_chair_and_women_counted_in_words(tmp_path):
    text = ("Among the 215 village Party secretaries, 209 were also elected head of the villagers' "
            "committee. Twelve of the secretaries are women.\n")
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[209.0] == "one_shoulder_count"
    assert by_value[12.0] == "secretary_women_count"


def test_english_band_counts_in_the_present_tense(tmp_path):
    text = "In 2020, 64 villages earn more than 300,000 yuan a year, the county said.\n"
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[64.0] == "villages_income_over_30w"


@pytest.mark.parametrize("text", [
    "In the first half of this year, collective income across the county reached 95 million yuan.\n",
    "So far this year, collective income in the county's villages has reached 87 million yuan.\n",
    "In recent years, collective income in the district rose to 140 million yuan, officials said.\n",
])
def test_english_periods_keep_part_years_out(tmp_path, text):
    got = read(tmp_path, text)
    assert not any(v[0] == "collective_income_total" for v in got.values()), got


def test_english_quoted_secretary_is_one_village(tmp_path):
    text = ("\"Three years ago we had nothing. Last year our village earned 650,000 yuan from the "
            "orchards,\" said Li Ming, Party secretary of Shanxia village.\n")
    got = read(tmp_path, text)
    assert not any(v[0] for v in got.values()), got


# --- kind 9c: 一肩挑 written out, and counts against the previous round ----------------------------

@pytest.mark.parametrize("text,raw", [
    ("全区118名村党组织书记中，依法兼任村委会主任的115名。", "115名"),
    ("在新当选的203名村党组织书记中，同时当选村委会主任的198名。", "198名"),
])
def test_secretaries_who_also_chair_the_committee_are_a_one_shoulder_count(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == "one_shoulder_count"


def test_a_chair_named_as_a_predicate_does_not_become_the_subject(tmp_path):
    text = "全县村党组织书记中，兼任村委会主任的有176名，平均年龄45.2岁。"
    assert ids(read(tmp_path, text))["45.2岁"] == "secretary_mean_age"


@pytest.mark.parametrize("text,raw,expected", [
    ("换届后，全县村“两委”成员共1130名，比上届减少58名。", "比上届减少58名", "cadres_total_change"),
    ("新一届村（社区）“两委”成员2214人，较上届增加41人。", "较上届增加41人", "cadres_total_vc_change"),
    ("全县村“两委”成员1130名，比上年减少12名。", "比上年减少12名", ""),
])
def test_change_of_a_count_against_the_previous_round(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


# --- kind 5b: a part stands for the whole (villages by what they do, villages of one kind, a
# sentence framed by one group of villages) ------------------------------------------------------

@pytest.mark.parametrize("text,raw", [
    ("全县87个村通过土地流转、资产租赁等方式增加集体收入2140万元。", "87个"),
    ("全区46个行政村依托光伏电站实现稳定增收。", "46个"),
    ("全旗63个嘎查村采取“党支部+合作社”模式发展特色产业。", "63个"),
])
def test_villages_counted_by_what_they_do_are_not_the_number_of_villages(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == ""


def test_villages_counted_with_a_predicate_of_all_still_map(tmp_path):
    got = ids(read(tmp_path, "全县共有行政村214个，全部完成村“两委”换届。"))
    assert got["214个"] == "villages"


@pytest.mark.parametrize("text,raw", [
    ("全市32个乡村振兴示范嘎查村，村均集体经济收入达到87万元。", "87万元"),
    ("今年确定的15个重点帮扶村，集体经济总收入达到310万元。", "310万元"),
    ("全县试点社区的村均集体收入为42万元。", "42万元"),
])
def test_income_of_villages_of_one_kind_is_a_part(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == ""


@pytest.mark.parametrize("text,raw", [
    ("对排查出的23个软弱涣散村党组织，县里选派第一书记23名、驻村工作队23支。", "23支"),
    ("针对17个集体经济薄弱村，全县安排帮扶资金850万元、派驻工作队17支。", "17支"),
    ("为9个偏远村，县里配备第一书记9名。", "9名"),
])
def test_a_sentence_framed_by_one_group_of_villages_speaks_of_that_group(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == ""


def test_a_floor_reached_by_every_village_is_not_a_value(tmp_path):
    for text, raw in (("全县实现村级集体经营性收入10万元以上全覆盖。", "10万元以上"),
                      ("到年底，全区村集体经济收入全部达到5万元以上。", "5万元以上")):
        assert ids(read(tmp_path, text)).get(raw, "") == "", text


def test_villages_and_communities_all_above_a_floor_are_a_count_not_a_band(tmp_path):
    got = ids(read(tmp_path, "全市268个村（社区）集体经济收入均超过10万元。"))
    assert got["268个"] == "villages_and_communities"


# --- kind 4b: a short word for "over" in a band (超百万元, 超50万元) ---------------------------------

@pytest.mark.parametrize("text,raw,expected", [
    ("全县集体经营性收入30万元以上的村41个，其中超百万元的村9个。", "9个", "villages_income_over_100w"),
    ("全区村集体收入超50万元的村有36个。", "36个", "villages_income_over_50w"),
])
def test_short_over_word_in_a_band(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


# --- sheet labels (the county sheet's kinds, in new wording) --------------------------------------

from ruralstudy.measures.measure import measure_label  # noqa: E402


@pytest.mark.parametrize("label,unit,kind,expected", [
    ("村党组织书记平均年龄比上届变化", "岁", "growth", ("branch_secretary", "mean_age_change", ())),
    ("新一届村“两委”成员平均年龄较上届变化", "岁", "growth",
     ("two_committees_member", "mean_age_change", ("new_round",))),
    ("村(社区)党组织书记、主任“一肩挑”比例", "%", "level",
     ("branch_secretary", "share", ("one_shoulder", "with_communities"))),
])
def test_labels_of_changes_and_bases(label, unit, kind, expected):
    m = measure_label(label, unit, kind, "某县")
    assert (m.entity, m.property, m.conditions) == expected, m.evidence


@pytest.mark.parametrize("label,unit", [
    ("示范村数", "个"), ("48个重点村集体经济收入总额", "元"), ("脱贫村村均集体收入", "元"),
])
def test_labels_of_villages_of_one_kind_are_parts(label, unit):
    assert "other" in measure_label(label, unit, "level", "某县").conditions


@pytest.mark.parametrize("label,unit,period", [
    ("截至9月底:集体收入20万元以上村数", "个", "year_to_date"),
    ("一季度村集体经营性收入", "元", "part_year"),
    ("近五年累计村集体经济收入", "元", "several_years"),
    ("村“两委”成员数(截至6月)", "名", ""),  # a stock: no period
])
def test_labels_carry_their_period(label, unit, period):
    assert measure_label(label, unit, "level", "某县").period == period


# --- kind 1b: 村均 takes the income its clause before names --------------------------------------

@pytest.mark.parametrize("text,raw,expected", [
    ("全县村集体经济总收入8600万元。其中，经营性收入3120万元，村均19.5万元。", "19.5万元",
     "collective_income_operating_per_village"),
    ("全县村集体经营性收入3120万元，村均19.5万元。", "19.5万元", "collective_income_operating_per_village"),
    ("全县村集体经济总收入8600万元，村均53.8万元。", "53.8万元", "collective_income_per_village"),
    ("全县村集体经济纯收入5400万元，村均33.8万元。", "33.8万元", ""),  # net per village: no id
    ("扣除支出后，全市村级集体经济净收入9120万元，平均每村46.5万元。", "46.5万元", ""),
])
def test_per_village_takes_the_income_of_the_clause_before(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


# --- kind 6c: 农村党员 are not the region's party members (English too) ----------------------------

def test_rural_party_members_in_english_are_not_party_members(tmp_path):
    got = read(tmp_path, "The county has 31,200 Party members, and 9,460 rural Party members "
                         "live in its villages.\n")
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[31200.0] == "party_members"
    assert by_value[9460.0] == ""


def test_english_new_committees_serve_as_heads_and_floors_of_every_village(tmp_path):
    text = ("In its 198 villages, the new committees have 1,047 members with an average age of "
            "44.6 years. Of the 198 village Party secretaries, 190 also serve as heads of the "
            "villagers' committees, or 96 percent. No village earned less than 150,000 yuan, and "
            "each village now earns at least 100,000 yuan.\n")
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[1047.0] == "cadres_total"
    assert by_value[44.6] == "cadre_mean_age"
    assert by_value[190.0] == "one_shoulder_count"
    assert by_value[96.0] == "one_shoulder_share"
    assert by_value[150000.0] == "" and by_value[100000.0] == ""


# --- kind 1c: a list's subject carries through a long paragraph until a new subject ---------------

def test_subject_carries_to_the_end_of_a_long_list(tmp_path):
    text = ("新一届村“两委”成员共1326名，比上届减少42名。从年龄结构看，平均年龄42.5岁，比上届下降3.9岁；"
            "35岁以下的241名，占18.2%，较上届提高6.1个百分点。从文化程度看，高中（中专）、大专及以上的"
            "分别占45.0%、36.3%，大专及以上比例较上届提高10.4个百分点。从性别结构看，女性成员287名，"
            "占21.6%。")
    got = ids(read(tmp_path, text))
    assert got["287名"] == "cadre_women_count"
    assert got["21.6%"] == "cadre_women_share"
    assert got["45.0%"] == ""  # one level of schooling
    assert got["36.3%"] == "cadre_college_share"


# --- kind 4c: a norm the action follows is a modifier, not the figure's statement ----------------

@pytest.mark.parametrize("text,raw,expected", [
    ("全县按照每村不少于2名的标准储备村级后备力量415名。", "415名", "reserve_cadres"),
    ("全区依照每个村至少3人的要求，储备后备干部562人。", "562人", "reserve_cadres"),
    ("全市按每村不少于2名的标准储备后备干部。", "不少于2名", ""),  # the norm itself
    ("每村后备干部原则上不少于2名。", "不少于2名", ""),
])
def test_a_norm_the_action_follows_is_not_the_figures_statement(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


# --- kind 4d: villages with what is said of them before 的 (N个集体经济相对薄弱的村) --------------------

@pytest.mark.parametrize("text,raw,expected", [
    ("全县共有27个集体经济相对薄弱的行政村。", "27个", "weak_villages"),
    ("全旗摸排出集体经济薄弱的嘎查村19个。", "19个", "weak_villages"),
    ("全市有88个集体经营性收入超过30万元的村。", "88个", "villages_income_over_30w"),
    ("全县有35个交通不便的村。", "35个", ""),  # a modifier the vocabulary does not know
])
def test_villages_with_a_modifier_before_de(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


def test_one_shoulder_count_keeps_the_vc_base_of_its_sentence(tmp_path):
    text = "全县村（社区）党组织书记和村（居）委会主任“一肩挑”的有211名，占97.7%。"
    got = ids(read(tmp_path, text))
    assert got["211名"] == "one_shoulder_count_vc"
    assert got["97.7%"] == "one_shoulder_share_vc"


# --- English: bands with their share put in between, villages defined by income, named places -----

def test_english_band_with_its_share_in_between_and_villages_defined_by_income(tmp_path):
    text = ("Some 386 villages, or 41.3 percent of the total, earned more than 300,000 yuan last "
            "year, and villages with annual collective income below 50,000 yuan have been "
            "eliminated.\n")
    got = read(tmp_path, text, region="某某市", level="prefecture")
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[386.0] == "villages_income_over_30w"
    assert by_value[41.3] == "villages_income_over_30w_share"
    assert by_value[50000.0] == ""


def test_english_named_county_inside_the_region_is_a_part(tmp_path):
    text = ("In Longde county, the collective income of all 118 villages exceeded 200,000 yuan. "
            "Collective income in the city totalled 940 million yuan.\n")
    got = read(tmp_path, text, region="固原市", level="prefecture")
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[118.0] == "" and by_value[200000.0] == ""
    assert by_value[940000000.0] == "collective_income_total"


def test_english_name_of_the_region_itself_is_not_a_part(tmp_path):
    text = "In Xiji county, collective income reached 86 million yuan in 2022.\n"
    got = read(tmp_path, text, region="西吉县")
    assert {v[1]: v[0] for v in got.values()}[86000000.0] == "collective_income_total"


# --- kind 5c: 该镇 earlier in the sentence: the sentence is about a town inside the region ---------

@pytest.mark.parametrize("text,raw", [
    ("来到青龙镇采访，该镇14个村今年集体经济收入全部超过20万元，总收入达到860万元。", "860万元"),
    ("该乡去年村集体经济总收入达到420万元，村均35万元。", "420万元"),
])
def test_a_town_named_by_gai_is_a_part(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == ""


def test_jian_quan_is_not_a_township(tmp_path):
    got = ids(read(tmp_path, "健全乡村振兴驻村工作机制，全县选派驻村工作队118支。"))
    assert got["118支"] == "work_teams"


def test_a_table_column_that_is_no_year_is_not_a_value_of_the_row(tmp_path):
    text = ("表5　村级集体经济\n"
            "指标　2022年　2023年　比上年增长（%）\n"
            "村集体经济总收入（万元）　8320　9150　10.0\n"
            "村均集体经济收入（万元）　41.6　45.8　10.1\n")
    got = read(tmp_path, text)
    assert got["9150"][:2] == ("collective_income_total", 91500000.0)
    assert got["45.8"][0] == "collective_income_per_village"
    assert "10.0" not in got or got["10.0"][0] == ""
    assert "10.1" not in got or got["10.1"][0] == ""


def test_english_newly_elected_members_and_age_groups(tmp_path):
    text = ("The newly elected members have an average age of 40.6 years, 5.3 years lower than "
            "that of the previous term. Members aged 35 or under account for 27.1 percent. "
            "A total of 2,310 village Party secretaries were elected.\n")
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[40.6] == "cadre_mean_age"
    assert by_value[-5.3] == "cadre_mean_age_change"
    assert by_value[35.0] == ""  # an age group, never a mean age
    assert by_value[27.1] == "cadre_under35_share"


@pytest.mark.parametrize("text,raw", [
    ("对集体经济收入同比增长30%以上的村给予奖励。", "增长30%以上"),
    ("经营性收入占比50%以上的村达到42个。", "50%以上"),
])
def test_a_bound_that_defines_a_group_of_villages_is_a_threshold(tmp_path, text, raw):
    assert ids(read(tmp_path, text)).get(raw, "") == ""


def test_english_had_earned_and_end_of_a_month(tmp_path):
    got = read(tmp_path, "In 2021, 64 villages had earned more than 300,000 yuan, officials said. "
                         "By the end of August this year, 41 villages had earned more than "
                         "500,000 yuan.\n")
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[64.0] == "villages_income_over_30w"
    assert by_value[41.0] == ""  # year to date


@pytest.mark.parametrize("text,raw,expected", [
    ("全市超过150个村集体经营性收入达到30万元以上。", "超过150个", "villages_income_over_30w"),
    ("全县近80个村集体收入超过50万元。", "近80个", "villages_income_over_50w"),
])
def test_a_bound_on_a_count_of_villages_is_the_count_not_a_condition(tmp_path, text, raw, expected):
    assert ids(read(tmp_path, text))[raw] == expected


def test_english_bound_on_the_count_and_an_elliptical_second_band(tmp_path):
    text = ("Nearly 220 villages earned at least 200,000 yuan last year, and 38 earned over "
            "1 million yuan.\n")
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[220.0] == "villages_income_over_20w"
    assert by_value[38.0] == "villages_income_over_100w"
    assert by_value[200000.0] == "" and by_value[1000000.0] == ""


def test_english_n_of_the_regions_m_villages_earn(tmp_path):
    text = "Now 97 of the district's 214 villages earn more than 500,000 yuan a year.\n"
    got = read(tmp_path, text)
    by_value = {v[1]: v[0] for v in got.values()}
    assert by_value[97.0] == "villages_income_over_50w"
    assert by_value[214.0] in ("villages", "")


@pytest.mark.parametrize("text,raw", [
    ("换届后，全旗88个嘎查村、9个社区“两委”班子成员平均年龄42.6岁。", "9个"),
    ("全县64个村党组织书记平均年龄45.1岁。", "64个"),
])
def test_ge_before_a_body_of_people_counts_neither_the_people_nor_the_region(tmp_path, text, raw):
    assert ids(read(tmp_path, text))[raw] == ""


# === issue 19, third round: kinds of the spent unseen4 holdout (sentences written here) ==========

# --- kind 8d: a table of election rounds (本届 上届 增减), the body in its caption ---------------

def test_table_of_rounds_reads_levels_changes_and_the_previous_round(tmp_path):
    text = ("表2　村“两委”班子结构对照（上一届为2017年选举产生）\n"
            "指标　本届　上届　增减\n"
            "平均年龄（岁）　41.2　47.9　-6.7\n"
            "大专以上学历比例（%）　33.5　12.8　20.7\n"
            "35岁以下比例（%）　17.0　6.2　10.8\n")
    got = read(tmp_path, text)
    assert got["41.2"][:2] == ("cadre_mean_age", 41.2)
    assert got["47.9"][:2] == ("cadre_mean_age", 47.9)
    assert got["-6.7"][:2] == ("cadre_mean_age_change", -6.7)
    assert got["20.7"][:2] == ("cadre_college_share_change", 20.7)
    assert got["10.8"][0] == "cadre_under35_share_change"


def test_table_of_rounds_year_of_previous_round_and_unknown_year(tmp_path):
    f = tmp_path / "doc.txt"
    f.write_text("村党组织书记情况对照（上届为2018年数据）\n项目　换届后　换届前　变化\n"
                 "平均年龄（岁）　45.1　51.0　-5.9\n", encoding="utf-8")
    regions = pd.DataFrame([{"doc": "doc", "region": "某某县", "province": "某某省",
                             "admin_level": "county", "year": 2021}])
    obs = observe_figures(extract_files([f], regions), load_codebook())
    by = {r["raw"]: r for r in obs.to_dict("records")}
    assert by["51.0"]["auto_indicator_id"] == "secretary_mean_age" and int(by["51.0"]["year"]) == 2018
    assert by["-5.9"]["auto_indicator_id"] == "secretary_mean_age_change"
    # no year of the previous round: its column is not read as the text's year
    got = read(tmp_path, "村党组织书记情况对照\n项目　换届后　换届前　变化\n平均年龄（岁）　45.1　51.0　-5.9\n")
    assert got.get("51.0", ("",))[0] == ""
    assert got["45.1"][0] == "secretary_mean_age"


# --- kind 4c: a money bound said of a count of villages in Chinese numerals (一百多个村…不到5万元) ---

@pytest.mark.parametrize("text,raw", [
    ("2016年，全市还有二百多个村集体经济年收入不足3万元。", "不足3万元"),
    ("三年前，全区尚有六十余个村集体收入低于5万元，如今已全部清零。", "低于5万元"),
    ("那时全旗有近百个嘎查村集体收入不到十万元。", "不到十万元"),
])
def test_money_bound_after_villages_counted_in_chinese_numerals_is_a_threshold(tmp_path, text, raw):
    got = read(tmp_path, text)
    assert got[raw][0] == ""


def test_a_sum_over_villages_counted_in_chinese_numerals_is_no_threshold(tmp_path):
    got = read(tmp_path, "去年，全县三百二十个行政村集体经济纯收入总量突破九千万元。")
    assert got["突破九千万元"][0] == "collective_income_net"


# --- kind 9d: 其中 names the villages, so the whole before counts communities as well ------------

@pytest.mark.parametrize("text,whole,part,part_id", [
    ("全区村级党组织236个，其中行政村党组织211个。", "236个", "211个", "village_party_orgs"),
    ("全市村“两委”成员5120名，其中行政村“两委”成员4630名。", "5120名", "4630名", "cadres_total"),
    ("全旗共有村党组织180个，其中嘎查村党组织151个，城镇社区党组织29个。", "180个", "151个", None),
])
def test_a_qizhong_naming_villages_makes_the_whole_a_wider_base(tmp_path, text, whole, part, part_id):
    got = read(tmp_path, text)
    assert got[whole][0] == ""
    if part_id:
        assert got[part][0] == part_id


# --- kind 7b: a part of the year after the counted villages; a flow of the year so far -----------

@pytest.mark.parametrize("text,raw", [
    ("全县有5个村一季度集体收入超过50万元。", "5个"),
    ("已有12个村前三季度经营性收入达到20万元以上。", "12个"),
    ("今年以来，共排查出后进村党组织9个。", "9个"),
    ("截至目前，新排查软弱涣散村党组织6个，已全部整顿到位。", "6个"),
])
def test_periods_after_the_subject_and_flows_of_the_year_so_far(tmp_path, text, raw):
    assert read(tmp_path, text)[raw][0] == ""


def test_a_whole_year_flow_still_maps(tmp_path):
    got = read(tmp_path, "2021年，全县排查软弱涣散村党组织14个，全部完成整顿。")
    assert got["14个"][0] == "weak_branches_identified"


# --- kind 4d: mean annual growth (年均增长) is no year's growth ---------------------------------

@pytest.mark.parametrize("text", [
    "“十三五”期间，全县村集体经济总收入年均增长23.5%。",
    "五年来村集体收入年平均增长16.2%，2020年达到1.2亿元。",
    "全市村集体经济总收入由2016年的2.1亿元增至4.4亿元，年均增长20.3%。",
])
def test_mean_annual_growth_is_not_income_growth(tmp_path, text):
    got = read(tmp_path, text)
    assert not any(v[0] == "collective_income_growth" for v in got.values())


# --- kind 7c: a deadline after the report's year earlier in the sentence (到二〇二六年，…) --------

def test_deadline_in_chinese_numerals_makes_later_clauses_targets(tmp_path):
    got = read(tmp_path, "县委提出，今年要力争集体经济总收入突破2亿元；到二〇二六年，村均收入达到60万元，"
                         "三十万元以上的村占比达到百分之四十以上。", year=2021)
    assert got["60万元"][0] == ""
    assert got["百分之四十以上"][0] == ""


def test_a_past_year_at_the_head_stays_observed(tmp_path):
    got = read(tmp_path, "2019年，全区村集体经济总收入达到1.5亿元；2020年，村均收入达到30万元。", year=2020)
    assert got["1.5亿元"][0] == "collective_income_total"
    assert got["30万元"][0] == "collective_income_per_village"


# --- kind 8e: English: a share of villages by income with the villages unsaid; branch-led coops ---

def test_english_share_earning_more_than_and_branch_led_cooperatives(tmp_path):
    got = read(tmp_path, "Across the county, 412 villages earned more than 200,000 yuan last year, "
                         "and 38.5 percent earned more than 500,000 yuan. In all, 1,120 cooperatives "
                         "are now run by village Party branches.")
    assert got["38.5"][:2] == ("villages_income_over_50w_share", 38.5)
    led = [v for k, v in got.items() if k.startswith("1,120")]
    assert led and led[0][0] == "cooperatives_branch_led"
    assert not any(v[0] == "collective_income_total" for v in got.values())


# --- kind 1c / known gap: income bands in Chinese numerals (五十万元以上的村…, …以上的有…个) -------

@pytest.mark.parametrize("text,raw,expected", [
    ("五十万元以上的村二百二十一个，占百分之十二点七。", "二百二十一个", "villages_income_over_50w"),
    ("五十万元以上的村二百二十一个，占百分之十二点七。", "百分之十二点七", "villages_income_over_50w_share"),
    ("全县集体收入二十万元以上的有八十六个，占三成。", "八十六个", "villages_income_over_20w"),
    ("集体经济收入十万元以上的村有一百三十个。", "一百三十个", "villages_income_over_10w"),
])
def test_bands_in_chinese_numerals(tmp_path, text, raw, expected):
    assert read(tmp_path, text)[raw][0] == expected


# --- kind 8f: Chinese-numeral decimals before a magnitude (三点六亿元, 三十點五萬元) ----------------

def test_chinese_decimal_before_a_magnitude(tmp_path):
    got = read(tmp_path, "去年，全市一千二百个行政村集体经济总收入达到三点六亿元，村均三十点五万元。")
    assert got["三点六亿元"][:2] == ("collective_income_total", 360000000.0)
    assert got["三十点五万元"][:2] == ("collective_income_per_village", 305000.0)
    # decimals with adjacent digits are no approximation (一点四二亿 is not 四二 = 四五个)
    got = read(tmp_path, "全县村集体经济总收入达到一点四二亿元，村均七十六点三万元。")
    assert got["一点四二亿元"][:2] == ("collective_income_total", 142000000.0)
    assert got["七十六点三万元"][0] == "collective_income_per_village"


# --- kind 4e: words that do not change what is counted (在岗, 排查整顿, 后备力量库, 总收入仅) --------

@pytest.mark.parametrize("text,raw,expected", [
    ("目前全县在岗驻村第一书记96名。", "96名", "first_secretaries"),
    ("全县共建立村级后备力量库860人。", "860人", "reserve_cadres"),
    ("全县排查整顿软弱涣散村党组织11个。", "11个", "weak_branches_identified"),
    ("当年全县村集体经济总收入仅2150万元。", "2150万元", "collective_income_total"),
])
def test_words_that_do_not_change_what_is_counted(tmp_path, text, raw, expected):
    assert read(tmp_path, text)[raw][0] == expected


def test_only_one_item_of_the_income_stays_a_part(tmp_path):
    got = read(tmp_path, "其中仅租赁收入一项就达到860万元。")
    assert got["860万元"][0] == ""


# --- known gap: 分别 before its items (女性成员分别占村、社区“两委”成员的…) -----------------------

def test_fenbie_with_items_after_it(tmp_path):
    got = read(tmp_path, "换届后，全县女性成员分别占村、社区“两委”成员的22.5%和41.3%。")
    assert got["22.5%"][0] == "cadre_women_share"
    assert got["41.3%"][0] == ""


# --- known gap: English "up from X a year earlier" is the earlier year's level ------------------

def test_english_up_from_a_year_earlier_is_not_this_years_value(tmp_path):
    got = read(tmp_path, "Collective income per village reached 265,000 yuan, up from 231,000 yuan "
                         "a year earlier.")
    assert got["265,000 yuan"][0] == "collective_income_per_village"
    assert [v[0] for k, v in got.items() if k.startswith("231,000")] == [""]


# --- known gap: 嘎查村均 (the mean per 嘎查村) ------------------------------------------------------

@pytest.mark.parametrize("text,raw", [
    ("全旗156个嘎查村集体经济收入达到2870万元，嘎查村均18.4万元。", "18.4万元"),
    ("全旗嘎查村均收入18.6万元。", "18.6万元"),
])
def test_gacha_village_mean(tmp_path, text, raw):
    assert read(tmp_path, text)[raw][0] == "collective_income_per_village"


# --- kind 8g: English 换届 news on the villages-and-communities base -----------------------------

def test_english_members_elected_to_village_and_community_committees(tmp_path):
    got = read(tmp_path, "Officials said the vote was held in 3,412 villages and communities. "
                         "The 21,070 members elected to village and community \"two committees\" have "
                         "an average age of 42.6 years, 4.8 years younger than the previous team. "
                         "In 97.1 percent of villages and communities, the same person now serves as "
                         "Party branch secretary and committee head.", level="prefecture")
    by = {k.split()[0]: v[0] for k, v in got.items()}
    assert by["3,412"] == "villages_and_communities"
    assert by["21,070"] == "cadres_total_vc"
    assert by["42.6"] == "cadre_mean_age_vc"
    assert by["4.8"] == "cadre_mean_age_vc_change"
    assert by["97.1"] == "one_shoulder_share_vc"


# --- kind 5b: quoted speech that names the whole region (an official speaking for it) ------------

@pytest.mark.parametrize("text,raw,expected", [
    ("书记：“我们全县有18个乡镇、306个村（社区），其中行政村281个。”", "306个", "villages_and_communities"),
    ("书记：“我们全县有18个乡镇、306个村（社区），其中行政村281个。”", "281个", "villages"),
    ("局长介绍：“去年全县村集体经济总收入达到1.2亿元。”", "1.2亿元", "collective_income_total"),
    # one speaker's own village, or a town, stays a part
    ("村支书老李说：“我们村去年集体收入有了40万元。”", "40万元", ""),
    ("镇长说：“全镇12个村集体收入都超过了10万元，总收入达到420万元。”", "420万元", ""),
])
def test_quoted_speech_naming_the_whole_region(tmp_path, text, raw, expected):
    assert read(tmp_path, text)[raw][0] == expected


# --- kind 6c: 年轻/年长 against the previous round carry their sign -------------------------------

def test_younger_than_the_previous_round_is_negative(tmp_path):
    got = read(tmp_path, "换届后，全县村“两委”成员平均年龄42.3岁，比上一届年轻了4.1岁。")
    assert got["比上一届年轻了4.1岁"][:2] == ("cadre_mean_age_change", -4.1)


# --- kind 3c: 分别 over a range or list of years: each figure in its own year --------------------

def _years(tmp_path, text):
    f = tmp_path / "doc.txt"
    f.write_text(text, encoding="utf-8")
    regions = pd.DataFrame([{"doc": "doc", "region": "某某县", "province": "某某省",
                             "admin_level": "county", "year": 2023}])
    obs = observe_figures(extract_files([f], regions), load_codebook())
    return {r["raw"]: (str(r["auto_indicator_id"] or ""), r["year"]) for r in obs.to_dict("records")}


def test_fenbie_over_a_range_of_years(tmp_path):
    got = _years(tmp_path, "2019—2021年，全县村集体经济总收入分别为1.62亿元、1.88亿元和2.05亿元；"
                           "村均收入分别为40.5万元、47.0万元和51.3万元。")
    assert got["1.62亿元"] == ("collective_income_total", 2019)
    assert got["2.05亿元"] == ("collective_income_total", 2021)
    assert got["47.0万元"] == ("collective_income_per_village", 2020)


def test_fenbie_over_a_list_of_years_and_not_over_items(tmp_path):
    got = _years(tmp_path, "2021年、2022年和2023年，全旗嘎查村集体经济经营性收入分别为3120万元、3650万元、4210万元。")
    assert got["3650万元"] == ("collective_income_operating", 2022)
    # more figures than years: no pairing, nothing published
    got = _years(tmp_path, "2021—2022年，全县村集体经济总收入分别为1.1亿元、1.3亿元和1.6亿元。")
    assert all(v[0] == "" for v in got.values())


# --- kinds 8d (count rows), 1d, 5b: 人数 rows of a rounds table; 全部完成换届 said of all; 一共是 -----

def test_count_rows_of_a_rounds_table_take_the_captions_body(tmp_path):
    got = read(tmp_path, "表3 村“两委”成员结构（上届为2018年）\n项目 本届 上届 增减\n"
                         "大专以上学历人数（人） 712 305 407\n女性成员人数（人） 388 290 98\n")
    assert got["712"][0] == "cadre_college_count"
    assert got["290"][0] == "cadre_women_count"
    assert got["407"][0] == ""  # a count's change against the last round: no id asserted


@pytest.mark.parametrize("text,raw,expected", [
    ("全县326个行政村党组织全部按期完成换届选举。", "326个", "village_party_orgs"),
    ("全县四十个软弱涣散村党组织全部完成整顿转化。", "四十个", "weak_branches_rectified"),
    ("全市村（社区）“两委”干部一共是5210名。", "5210名", "cadres_total_vc"),
])
def test_predicates_of_all_and_count_gaps(tmp_path, text, raw, expected):
    assert read(tmp_path, text)[raw][0] == expected


# --- kind 7d: a year at the head of the figure's clause files it under that year -----------------

def test_a_clause_opening_with_an_earlier_year_files_its_figures_there(tmp_path):
    got = _years(tmp_path, "2016年，全县村集体经济总收入只有2870万元，村均9.4万元；2022年，"
                           "全县村集体经济总收入达到1.31亿元。")
    assert got["2870万元"] == ("collective_income_total", 2016)
    assert got["9.4万元"] == ("collective_income_per_village", 2016)
    assert got["1.31亿元"] == ("collective_income_total", 2022)


def test_last_year_counts_back_from_the_reports_year():
    from ruralstudy.measures.measure import measure_text
    s = "上年，全旗嘎查村集体经济总收入达到8600万元，比前年增长11%。"
    m = measure_text(s, s.index("8600万元"), 6, "元", "level", "8600万元", region="某某旗", year=2024)
    assert (m.property, m.year) == ("income_total", 2023)
    s = "2020年以来，全县新建村党组织15个；全县村集体经济总收入较2019年增加3200万元。"
    m = measure_text(s, s.index("15个"), 3, "个", "level", "15个", region="某某县", year=2023)
    assert m.year is None


# --- fresh-text kinds found after the holdout's: dated ends of a change, English band counts with
# --- a place between, the nearest base word --------------------------------------------------------

def test_change_with_a_year_before_each_end(tmp_path):
    got = read(tmp_path, "全市集体经济收入10万元以下的村由2020年的318个减少到2023年的27个。")
    (k, v), = [(k, v) for k, v in got.items() if k.startswith("由2020年")]
    assert v[:2] == ("villages_income_under_10w", 27.0)


def test_english_villages_in_the_county_earned_more_than(tmp_path):
    got = read(tmp_path, "A total of 412 villages in the county earned more than 100,000 yuan in 2023.")
    assert got["412"][0] == "villages_income_over_10w"
    assert not any(v[0] == "villages" for v in got.values())


def test_the_nearest_base_word_decides_the_one_shoulder_base(tmp_path):
    got = read(tmp_path, "换届后，全市村（社区）党组织书记平均年龄44.8岁；行政村党组织书记中，"
                         "“一肩挑”的有1090名，占98.4%。", region="某某市", level="prefecture")
    assert got["44.8岁"][0] == "secretary_mean_age_vc"
    assert got["1090名"][0] == "one_shoulder_count"
    assert got["98.4%"][0] == "one_shoulder_share"


def test_change_from_the_year_before_last(tmp_path):
    got = read(tmp_path, "收入不足5万元的村从前年的88个减少到12个。")
    (v,) = [v for k, v in got.items() if k.startswith("从前年")]
    assert v[:2] == ("villages_income_under_5w", 12.0)


def test_english_made_up_n_percent_is_a_share_not_growth(tmp_path):
    got = read(tmp_path, "Village collective income reached 268 million yuan last year. "
                         "Operating income made up 61 percent of the total.")
    assert not any(v[0] == "collective_income_growth" for v in got.values())
