"""Write unseen6's held-out figure sheet and its gold (rows written by hand below).

Each region block lists the sheet rows in sheet order, with the gold beside each row:
(construct, label, raw_value, indicator_id, value, gold_year, period, note).
Stdlib only; does not import the project. Run: python3 tools/build.py
"""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
SOURCE = "holdout6 test data (invented values, never published)"

B, C, I, X = "branch_strength", "cadre_structure", "collective_income", "context"

# (region, province, admin_level, sheet year) -> rows
BLOCKS = []


def region(name, prov, level, year, rows):
    BLOCKS.append(((name, prov, level, year), rows))


# ---------------------------------------------------------------- units in brackets, bare cells
region("海安市", "江苏", "county", "2022", [
    (X, "行政村（个）", "196", "villages", 196, 2022, "", "unit in the label, bare cell"),
    (I, "集体经济总收入（万元）", "21756", "collective_income_total", 217560000, 2022, "year", "unit 万元 in the label"),
    (I, "集体经济收入100万元以上村（个）", "98", "villages_income_over_100w", 98, 2022, "year", ""),
    (I, "100万元以上村占比（%）", "50.0", "villages_income_over_100w_share", 50.0, 2022, "year", "98/196; % in the label"),
])

# ---------------------------------------------------------------- English / mixed labels
region("桐乡市", "浙江", "county", "2023", [
    (I, "total collective income (10k yuan)", "38,410", "collective_income_total", 384100000, 2023, "year", "English label; unit 10k yuan = 万元 in the label"),
    (I, "villages w/ operating income > 1m yuan", "97个", "villages_income_over_100w", 97, 2023, "year", "operating-income band, the only 100万 band of the region: band id (unseen5 rule)"),
    (I, "share of 百万村 (operating)", "68.3%", "villages_income_over_100w_share", 68.3, 2023, "year", "97/142; operating-income band as above"),
])

# ---------------------------------------------------------------- 换届 with a period in the label, change signs in the label
region("仙居县", "浙江", "county", "2021", [
    (C, "2021年换届后村“两委”平均年龄", "43.6岁", "cadre_mean_age", 43.6, 2021, "", "period in the label (the 2021 round)"),
    (C, "两委平均年龄较上届下降（岁）", "4.9", "cadre_mean_age_change", -4.9, 2021, "", "sign from 下降 in the label; unit in the label"),
    (C, "两委大专以上占比", "38.2%", "cadre_college_share", 38.2, 2021, "", "terse label"),
    (C, "书记平均年龄", "46.8岁", "secretary_mean_age", 46.8, 2021, "", "terse label: 书记 = village Party secretary"),
    (C, "一肩挑", "289个", "one_shoulder_count", 289, 2021, "", "villages where one person holds both posts"),
])

# ---------------------------------------------------------------- bands, money written in yuan
region("舒城县", "安徽", "county", "2022", [
    (I, "村集体经济总收入", "15,640万元", "collective_income_total", 156400000, 2022, "year", "thousands separator"),
    (I, "村均集体经济收入", "400,000元", "collective_income_per_village", 400000, 2022, "year", "15640/391 = 40.0万; written in 元"),
    (I, "集体经济收入50万—100万元的村", "71个", "villages_income_50w_100w", 71, 2022, "year", ""),
    (I, "百万元以上村", "21个", "villages_income_over_100w", 21, 2022, "year", "92-71"),
])

# ---------------------------------------------------------------- long descriptive labels, 村（社区） base
region("太和县", "安徽", "county", "2021", [
    (C, "村（社区）“两委”成员中女性成员人数", "812名", "cadre_women_count_vc", 812, 2021, "", "base 村（社区）; long label"),
    (C, "村（社区）“两委”成员中女性占比", "27.7%", "cadre_women_share_vc", 27.7, 2021, "", "812/2934 (2,934 members in all)"),
    (C, "35岁以下成员占比", "17.2%", "cadre_under35_share_vc", 17.2, 2021, "", "506/2934; body and base carried from the row above (unseen5 rule)"),
    (C, "村级后备干部", "1,204人", "reserve_cadres", 1204, 2021, "", ""),
])

# ---------------------------------------------------------------- stocks at a date, a past year in the label
region("古田县", "福建", "county", "2023", [
    (B, "截至6月底 在岗驻村第一书记", "64名", "first_secretaries", 64, 2023, "", "stock at a date (截至6月底): mapped, year of the date (unseen5 rule)"),
    (B, "驻村工作队", "58支", "work_teams", 58, 2023, "", ""),
    (I, "截至6月底 村集体经营性收入", "3,270万元", "", 32700000, 2023, "year_to_date", "income to the end of June: not the annual total"),
    (I, "2022年村集体经济总收入", "0.82亿", "collective_income_total", 82000000, 2022, "year", "year 2022 from the label (sheet year 2023)"),
    (I, "2022年村均", "38.1万元", "collective_income_per_village", 381000, 2022, "year", "82000000/215 = 381395; label cut short; year from the label"),
])

# ---------------------------------------------------------------- 村（社区） secretaries, 比上届提高 x 个百分点
region("瑞金市", "江西", "county", "2021", [
    (C, "村（社区）党组织书记平均年龄", "44.3岁", "secretary_mean_age_vc", 44.3, 2021, "", "base 村（社区）"),
    (C, "村（社区）书记大专及以上学历占比", "约六成", "secretary_college_share_vc", 60.0, 2021, "", "about (约六成 = 60%)"),
    (C, "村（社区）书记大专及以上学历占比比上届提高", "21.6个百分点", "secretary_college_share_vc_change", 21.6, 2021, "", "pp; change against the previous round"),
    (C, "村委会选举参选率", "96.8%", "election_turnout", 96.8, 2021, "", ""),
])

# ---------------------------------------------------------------- a full set of bands, 村干部 with no body named
region("万年县", "江西", "county", "2022", [
    (I, "集体收入10万～20万元（含10万）村", "37个", "villages_income_10w_20w", 37, 2022, "year", "band written with ～ and (含10万)"),
    (I, "20万至50万元村", "61个", "villages_income_20w_50w", 61, 2022, "year", ""),
    (I, "50万—100万元村数", "19个", "villages_income_50w_100w", 19, 2022, "year", ""),
    (I, "100万元以上村", "9个", "villages_income_over_100w", 9, 2022, "year", "bands sum to 126"),
    (C, "村干部平均年龄", "44.8岁", "village_cadre_mean_age", 44.8, 2022, "", "村干部: body not named -> village_cadre_*"),
    (C, "村干部大专以上学历占比", "29.5%", "village_cadre_college_share", 29.5, 2022, "", "村干部: body not named"),
])

# ---------------------------------------------------------------- cooperatives, standardised and weak branches
region("莒南县", "山东", "county", "2022", [
    (B, "领办合作社的村党组织", "276个", "branches_leading_cooperatives", 276, 2022, "", "branches (个)"),
    (B, "领办合作社村占比", "96.2%", "", 96.2, 2022, "", "share of branches leading a cooperative: no id in the codebook"),
    (B, "标准化规范化建设达标村党组织", "271个", "branches_standardised", 271, 2022, "", ""),
    (B, "达标率", "94.4%", "branches_standardised_share", 94.4, 2022, "", "271/287; label cut short, body from the row above"),
    (B, "软弱涣散村党组织整顿转化", "9个", "weak_branches_rectified", 9, 2022, "year", ""),
])

# ---------------------------------------------------------------- targets and period labels
region("诸城市", "山东", "county", "2023", [
    (I, "目标:2025年村集体经营性收入30万元以上村占比", "80%", "", 80.0, 2025, "year", "target, not an achieved value"),
    (I, "近三年累计村集体经济收入增长", "52%", "", 52.0, "", "several_years", "growth over three years: not the annual growth"),
    (B, "今年以来新发展党员", "268名", "", 268, 2023, "year_to_date", "flow since January: not the year's count"),
    (X, "全市党员", "5.1万名", "party_members", 51000, 2023, "", ""),
])

# ---------------------------------------------------------------- 村委会 vs 两委
region("林州市", "河南", "county", "2021", [
    (C, "村委会成员平均年龄", "45.1岁", "vc_member_mean_age", 45.1, 2021, "", "村委会 only, not 两委"),
    (C, "村委会成员中女性占比", "19.6%", "vc_member_women_share", 19.6, 2021, "", "村委会 only"),
    (C, "村委会成员大专以上占比较上届", "提高9.3个百分点", "vc_member_college_share_change", 9.3, 2021, "", "村委会 only; pp"),
    (C, "村党组织书记平均年龄较上届下降", "3.7岁", "secretary_mean_age_change", -3.7, 2021, "", "sign from 下降 in the label"),
])

# ---------------------------------------------------------------- party members vs secretaries
region("枣阳市", "湖北", "county", "2022", [
    (C, "农村党员平均年龄", "56.3岁", "", 56.3, 2022, "", "mean age of rural Party members: no id (not secretaries, not 两委)"),
    (C, "村党组织书记中大专以上学历", "四成", "secretary_college_share", 40.0, 2022, "", "四成 = 40%"),
    (C, "女性村党组织书记", "31名", "secretary_women_count", 31, 2022, "", ""),
    (C, "女性书记占比", "6.4%", "secretary_women_share", 6.4, 2022, "", "31/482"),
    (B, "农村党员", "2.37万名", "", 23700, 2022, "", "rural Party members only: not party_members (all members of the county)"),
])

# ---------------------------------------------------------------- money in several forms, one village and one town
region("高州市", "广东", "county", "2022", [
    (I, "村均集体经营性收入", "412,000元", "collective_income_operating_per_village", 412000, 2022, "year", ""),
    (I, "村集体经营性总收入", "约1.8亿元", "collective_income_operating", 180000000, 2022, "year", "about; 412000*437 = 1.80亿"),
    (I, "村集体经济收入超20万元的村", "全部", "villages_income_over_20w_share", 100.0, 2022, "year", "全部 = every village: share 100 (unseen5 rule)"),
    (I, "柏桥村集体经济收入", "386万元", "", 3860000, 2022, "year", "one village: not the county"),
])

# ---------------------------------------------------------------- English labels on cadres
region("新兴县", "广东", "county", "2021", [
    (C, "avg age of village secretaries", "43.9 yrs", "secretary_mean_age", 43.9, 2021, "", "English label"),
    (C, "avg age of village secretaries vs last term", "-5.6 yrs", "secretary_mean_age_change", -5.6, 2021, "", "change against the previous round (last term)"),
    (C, "share of 两委 members with college degree", "41.3%", "cadre_college_share", 41.3, 2021, "", "mixed label"),
    (C, "one-shoulder (secretary = committee chair) rate", "100%", "one_shoulder_share", 100.0, 2021, "", "一肩挑 in English"),
])

# ---------------------------------------------------------------- operating band with 超, weak villages cleared
region("容县", "广西", "county", "2022", [
    (I, "村集体经济收入10万元以上村占比", "100%", "villages_income_over_10w_share", 100.0, 2022, "year", ""),
    (I, "经营性收入超20万元的村", "74个", "villages_income_over_20w", 74, 2022, "year", "operating-income band, the only 20万 band of the region: band id (unseen5 rule)"),
    (I, "集体收入30万元以上村占比", "22.2%", "villages_income_over_30w_share", 22.2, 2022, "year", "41/185"),
    (I, "集体经济薄弱村", "清零", "weak_villages", 0, 2022, "", "清零 = 0 villages (薄弱村 has the weak_villages id; 空壳村 would not be mapped)"),
])

# ---------------------------------------------------------------- part-year flows, last year's totals, a range
region("平果市", "广西", "county", "2023", [
    (I, "一季度村集体经济收入", "1,146万元", "", 11460000, 2023, "part_year", "one quarter"),
    (I, "上半年集体经营性收入", "2,310万元", "", 23100000, 2023, "part_year", "上半年"),
    (I, "2022年全年村集体经济收入", "5,920万元", "collective_income_total", 59200000, 2022, "year", "year from the label"),
    (I, "2022年村均", "33.6万元", "collective_income_per_village", 336000, 2022, "year", "5920/176 = 33.64"),
    (I, "村均经营性收入", "20万—30万元", "", 200000, 2023, "year", "a range is not one value: not mapped (new in unseen6)"),
])

# ---------------------------------------------------------------- long labels with body and base, one-shoulder count on 村（社区）
region("简阳市", "四川", "county", "2021", [
    (C, "村（社区）“两委”成员中大专及以上学历占比", "34.7%", "cadre_college_share_vc", 34.7, 2021, "", "1581/4556"),
    (C, "村（社区）“两委”成员平均年龄较上届下降", "6.1岁", "cadre_mean_age_vc_change", -6.1, 2021, "", "sign from 下降 in the label"),
    (C, "村（社区）书记、主任“一肩挑”", "520人", "one_shoulder_count_vc", 520, 2021, "", "base 村（社区）"),
    (C, "村（社区）“一肩挑”比例", "97.2%", "one_shoulder_share_vc", 97.2, 2021, "", "520/535"),
])

# ---------------------------------------------------------------- net income, assets, 空壳村, a town
region("仁寿县", "四川", "county", "2022", [
    (I, "集体经济纯收入", "8,760万元", "collective_income_net", 87600000, 2022, "year", "纯收入 = net"),
    (I, "村集体资产", "28.5亿元", "collective_assets", 2850000000, 2022, "", ""),
    (I, "空壳村", "清零", "", 0, 2022, "year", "空壳村 has no single definition: not mapped (unseen5 rule)"),
    (I, "龙正镇集体经济收入", "2,150万元", "", 21500000, 2022, "year", "one town: not the county"),
])

# ---------------------------------------------------------------- a district: 村（社区） band, community secretaries
region("綦江区", "重庆", "county", "2023", [
    (I, "村级集体经济收入（亿元）", "1.94", "collective_income_total", 194000000, 2023, "year", "unit 亿元 in the label"),
    (I, "集体经济收入50万元以上村（社区）", "63个", "", 63, 2023, "year", "base 村（社区）: the band ids count administrative villages (unseen5 rule)"),
    (B, "驻村第一书记和工作队员", "612人", "first_secretaries", 612, 2023, "", "first_secretaries includes work-team cadres (codebook: 第一书记(及驻村干部))"),
    (C, "社区党组织书记平均年龄", "42.1岁", "", 42.1, 2023, "", "urban communities only: no id"),
])

# ---------------------------------------------------------------- weak and star branches
region("余庆县", "贵州", "county", "2022", [
    (B, "软弱涣散村党组织排查", "7个", "weak_branches_identified", 7, 2022, "year", ""),
    (B, "整顿转化率", "100%", "weak_branches_rectified_share", 100.0, 2022, "year", "body carried from the row above"),
    (B, "五星级村党组织", "12个", "star_branches", 12, 2022, "", ""),
    (B, "五星级村党组织占比", "17.9%", "star_branches_share", 17.9, 2022, "", "12/67"),
])

# ---------------------------------------------------------------- words and fractions as values
region("弥渡县", "云南", "county", "2023", [
    (I, "集体收入5万元以上村", "全部超过5万元", "villages_income_over_5w_share", 100.0, 2023, "year", "全部 = every village: share 100"),
    (I, "村集体经济收入10万元以上村占比", "三分之一", "villages_income_over_10w_share", 33.3333, 2023, "year", "三分之一 = 33.3333% (unseen convention for fractions)"),
    (I, "红岩镇各村集体经济收入", "全部超过10万元", "", 100.0, 2023, "year", "one town: not the county"),
])

# ---------------------------------------------------------------- pay, 0.32亿
region("宜君县", "陕西", "county", "2022", [
    (I, "集体经济收入", "0.32亿", "collective_income_total", 32000000, 2022, "year", "0.32亿 = 3200万"),
    (I, "村均集体经济收入", "46.4万元", "collective_income_per_village", 464000, 2022, "year", "3200/69 = 46.38"),
    (I, "集体经济收入5万元以下村占比", "5%以下", "villages_income_under_5w_share", 5.0, 2022, "year", "bound (以下), mapped as unseen3-5 map bounds"),
    (C, "村党组织书记年报酬", "3.2万元", "secretary_annual_pay", 32000, 2022, "year", ""),
])

# ---------------------------------------------------------------- secretaries' age, high-school share, unknown concept
region("临洮县", "甘肃", "county", "2021", [
    (C, "书记平均年龄较上届", "下降3.1岁", "secretary_mean_age_change", -3.1, 2021, "", ""),
    (C, "35岁以下两委成员占比", "约四分之一", "cadre_under35_share", 25.0, 2021, "", "about; 四分之一 = 25%"),
    (C, "两委成员高中（中专）及以上学历占比", "78.4%", "cadre_highschool_share", 78.4, 2021, "", ""),
    (C, "村“两委”成员交叉任职比例", "62.5%", "", 62.5, 2021, "", "cross-holding of posts: no id"),
    (I, "村均经营性收入", "32000元", "collective_income_operating_per_village", 32000, 2021, "year", ""),
])

# ---------------------------------------------------------------- villages without operating income
region("湟中区", "青海", "county", "2022", [
    (I, "村集体经济收入（万元）", "7,220", "collective_income_total", 72200000, 2022, "year", "unit in the label"),
    (I, "无集体经营性收入村", "清零", "villages_no_income", 0, 2022, "year", "清零 = 0 villages"),
    (I, "集体收入10万元以上的村占比", "82.1%", "villages_income_over_10w_share", 82.1, 2022, "year", "312/380"),
])

# ---------------------------------------------------------------- rows with an empty year
region("青铜峡市", "宁夏", "county", "", [
    (X, "行政村数", "91个", "villages", 91, "", "", "year not given in the sheet"),
    (B, "党组织领办合作社", "67家", "cooperatives_branch_led", 67, "", "", "year not given in the sheet"),
])
region("青铜峡市", "宁夏", "county", "2023", [
    (I, "经营性收入20万元以上村占比", "68.1%", "villages_income_over_20w_share", 68.1, 2023, "year", "62/91"),
])

# ---------------------------------------------------------------- 村（社区） base in Xinjiang, unknown concepts, rule
region("伊宁县", "新疆", "county", "2021", [
    (C, "村（社区）“两委”班子成员平均年龄", "38.9岁", "cadre_mean_age_vc", 38.9, 2021, "", "base 村（社区）; 班子成员 = members"),
    (C, "村“两委”成员较上届减少", "118人", "cadres_total_change", -118, 2021, "", "sign from 减少 in the label"),
    (C, "每个村（社区）储备后备力量", "3名以上", "", 3, 2021, "", "a per-village rule, not a count"),
])

# ---------------------------------------------------------------- about, all, share, target
region("榆树市", "吉林", "county", "2022", [
    (I, "村集体经济收入", "约1.1亿元", "collective_income_total", 110000000, 2022, "year", "about"),
    (I, "集体经济收入10万元以上村", "全部", "villages_income_over_10w_share", 100.0, 2022, "year", "全部 = every village: share 100"),
    (I, "目标:2023年村均", "35万元", "", 350000, 2023, "year", "target, not an achieved value"),
])

region("五常市", "黑龙江", "county", "2022", [
    (I, "村均", "41.7万元", "collective_income_per_village", 417000, 2022, "year", "10600/254 = 41.73"),
    (I, "增幅", "12.3%", "collective_income_growth", 12.3, 2022, "year", "label cut short; income growth (the only 增幅 in the block)"),
    (I, "集体经济收入超过50万元的村占比", "29.9%", "villages_income_over_50w_share", 29.9, 2022, "year", "76/254"),
])

# ---------------------------------------------------------------- secretaries: count of secretaries has no id
region("新民市", "辽宁", "county", "2021", [
    (C, "村党组织书记", "326名", "", 326, 2021, "", "number of secretaries: no id"),
    (C, "村党组织书记中“一肩挑”", "319名", "one_shoulder_count", 319, 2021, "", ""),
    (C, "“一肩挑”比例", "97.9%", "one_shoulder_share", 97.9, 2021, "", "319/326"),
    (C, "致富带头人型书记", "184名", "", 184, 2021, "", "wealth-leader secretaries: no id"),
])

# ---------------------------------------------------------------- a duplicate row
region("正定县", "河北", "county", "2023", [
    (I, "村集体经济总收入", "2.61亿元", "collective_income_total", 261000000, 2023, "year", ""),
    (I, "村集体经济总收入", "2.61亿元", "collective_income_total", 261000000, 2023, "year", "duplicate row: the same value said again, mapped (unseen5 rule)"),
    (I, "村均", "150万元", "collective_income_per_village", 1500000, 2023, "year", "26100/174 = 150.0"),
])

region("平遥县", "山西", "county", "2022", [
    (I, "集体经济收入5万元以下", "18个", "villages_income_under_5w", 18, 2022, "year", ""),
    (I, "5万至10万元村", "134个", "villages_income_5w_10w", 134, 2022, "year", ""),
    (I, "集体经济收入10万元以上", "102个", "villages_income_over_10w", 102, 2022, "year", "18+134+102 = 254"),
    (I, "村集体经济收入10万元以上村占比", "约40%", "villages_income_over_10w_share", 40.0, 2022, "year", "about (102/254 = 40.2)"),
])

region("准格尔旗", "内蒙古", "county", "2022", [
    (X, "嘎查村数", "145个", "villages", 145, 2022, "", "嘎查村 = administrative villages"),
    (I, "集体经济收入100万元以上嘎查村", "79个", "villages_income_over_100w", 79, 2022, "year", ""),
    (I, "占比", "54.5%", "villages_income_over_100w_share", 54.5, 2022, "year", "79/145; label 占比 alone, band carried from the row above"),
])

region("密云区", "北京", "county", "2023", [
    (I, "村集体经济收益", "1.7亿元", "collective_income_net", 170000000, 2023, "year", "收益 = net (COORD.md)"),
    (I, "村集体资产总额", "92.4亿元", "collective_assets", 9240000000, 2023, "", ""),
    (I, "溪翁庄镇村均集体经济收入", "236万元", "", 2360000, 2023, "year", "one town: not the district"),
])

region("琼海市", "海南", "county", "2022", [
    (I, "村级集体经济收入达到10万元以上的村", "199个", "villages_income_over_10w", 199, 2022, "year", "all 199 villages"),
    (B, "驻村第一书记", "167名", "first_secretaries", 167, 2022, "", ""),
])

# ---------------------------------------------------------------- several years; a threshold the codebook has no id for
region("德清县", "浙江", "county", "2023", [
    (I, "近三年累计新增经营性收入", "1.86亿元", "", 186000000, "", "several_years", "several years; an increase"),
    (I, "集体经济年经营性收入80万元以上村", "全部", "", 100.0, 2023, "year", "80万 band: no id (thresholds 5/10/15/20/30/50/100 only)"),
    (I, "2023年村集体经济总收入", "5.92亿元", "collective_income_total", 592000000, 2023, "year", ""),
])

# ---------------------------------------------------------------- prefectures
region("衢州市", "浙江", "prefecture", "2022", [
    (I, "年收入30万元以上且经营性收入15万元以上村占比", "100%", "", 100.0, 2022, "year", "two conditions at once: no id"),
    (I, "经营性收入50万元以上村", "517个", "villages_income_over_50w", 517, 2022, "year", "operating-income band, the only 50万 band: band id"),
    (I, "经营性收入50万元以上村占比", "34.9%", "villages_income_over_50w_share", 34.9, 2022, "year", "517/1482"),
    (I, "柯城区村均集体经济收入", "118万元", "", 1180000, 2022, "year", "one county of the prefecture: not the region"),
])

region("临沂市", "山东", "prefecture", "2021", [
    (C, "村“两委”成员", "3.9万人", "cadres_total", 39000, 2021, "", ""),
    (C, "村“两委”成员较上届减少（人）", "4,200", "cadres_total_change", -4200, 2021, "", "sign from 减少; unit in the label"),
    (C, "村党组织书记大专以上学历占比较上届", "提高14.8个百分点", "secretary_college_share_change", 14.8, 2021, "", "pp"),
    (C, "村党组织班子成员平均年龄", "45.2岁", "", 45.2, 2021, "", "Party committee of the village only (not 两委, not secretaries): no id"),
])

region("宜宾市", "四川", "prefecture", "2023", [
    (I, "村集体经济总收入", "16.8亿元", "collective_income_total", 1680000000, 2023, "year", ""),
    (I, "集体经济收入50万元以上村占比", "三成以上", "villages_income_over_50w_share", 30.0, 2023, "year", "bound (三成以上), mapped as unseen3-5 map bounds"),
    (I, "翠屏区集体经济收入", "2.4亿元", "", 240000000, 2023, "year", "one county of the prefecture"),
    (I, "目标:2025年村均收入", "50万元", "", 500000, 2025, "year", "target"),
])

region("天水市", "甘肃", "prefecture", "2022", [
    (I, "村集体经济收入10万元以上村", "1,204个", "villages_income_over_10w", 1204, 2022, "year", ""),
    (I, "集体经济年收入10万元以上村占比", "48.5%", "villages_income_over_10w_share", 48.5, 2022, "year", "1204/2483"),
    (I, "集体经济收入5万元以下的村", "清零", "villages_income_under_5w", 0, 2022, "year", "清零 = 0 villages"),
    (B, "驻村工作队", "1,132支", "work_teams", 1132, 2022, "", ""),
])

# ---------------------------------------------------------------- provinces
region("贵州省", "贵州", "province", "2021", [
    (C, "村（社区）“两委”成员平均年龄", "41.3岁", "cadre_mean_age_vc", 41.3, 2021, "", "base 村（社区）"),
    (C, "村（社区）书记平均年龄比上届下降", "5.0岁", "secretary_mean_age_vc_change", -5.0, 2021, "", "sign from 下降 in the label"),
    (C, "村（社区）“两委”女性成员占比", "约三成", "cadre_women_share_vc", 30.0, 2021, "", "about (约三成 = 30%)"),
    (C, "村（社区）“两委”35岁以下成员占比比上届", "提高7.9个百分点", "cadre_under35_share_vc_change", 7.9, 2021, "", "pp"),
])

region("青海省", "青海", "province", "2022", [
    (I, "村集体经济收入", "9.8亿元", "collective_income_total", 980000000, 2022, "year", ""),
    (I, "村集体经济收入", "9.8亿元", "collective_income_total", 980000000, 2022, "year", "duplicate row: the same value said again, mapped (unseen5 rule)"),
    (I, "集体经济收入20万元以上村占比", "45.2%", "villages_income_over_20w_share", 45.2, 2022, "year", "1874/4146"),
    (I, "目标:2025年集体经济收入10万元以上村", "全覆盖", "", 100.0, 2025, "year", "target"),
])


def fmt(v):
    if v == "" or v is None:
        return ""
    if isinstance(v, float):
        s = ("%.4f" % v).rstrip("0").rstrip(".")
        return s
    return str(v)


def main():
    sheet = [["region", "province", "admin_level", "year", "construct", "indicator_label_zh",
              "raw_value", "source", "url"]]
    gold = [["line", "indicator_id", "value", "year", "period", "note"]]
    for (name, prov, level, year), rows in BLOCKS:
        for construct, label, raw, ind, value, gyear, period, note in rows:
            sheet.append([name, prov, level, year, construct, label, raw, SOURCE, ""])
            gold.append([len(sheet), ind, fmt(value), fmt(gyear), period, note])
    for fname, table in (("sheet_holdout.csv", sheet), ("sheet_holdout_gold.csv", gold)):
        with open(os.path.join(OUT, fname), "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(table)
    print("rows:", len(sheet) - 1, "mapped:", sum(1 for g in gold[1:] if g[1]),
          "regions:", len({r[0] for r in sheet[1:]}))


if __name__ == "__main__":
    main()
