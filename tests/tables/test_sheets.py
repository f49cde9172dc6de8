"""Figure sheets: reading CSV and XLSX, cleaning values, regions, rejects with file and line."""

from __future__ import annotations


import pandas as pd
import pytest

from ruralstudy.errors import SheetError
from ruralstudy.language.regions import canonical_name, division_code, name_variants
from ruralstudy.tables.sheets import clean_sheet, load_sheets, read_sheet_frame

COLS = ["region", "province", "admin_level", "year", "construct", "indicator_label_zh",
        "raw_value", "url"]


def _sheet(rows):
    return pd.DataFrame(rows, columns=COLS)


def test_clean_values_regions_and_rejects():
    df = _sheet([
        ["凉都", "贵州", "prefecture", "2022", "collective_income", "村均集体收入", "15.84萬(wàn)元", "u1"],
        ["宁阳县", "山东", "county", "2022", "context", "村居数", "565個(gè)", "u2"],
        ["莘县", "山东", "county", "2023", "collective_income", "集体收入10万元以上村", "全部突破10萬元", "u3"],
        ["某县", "某省", "county", "二〇二二", "context", "村数", "12个", "u4"],
        ["某县", "某省", "town", "2022", "context", "村数", "12个", "u5"],
        ["全国", "全国", "national", "", "context", "已建党组织行政村数", "545189个", "u6"],
        ["邗江区", "江苏", "county", "2023", "collective_income", "目标:村均集体经营性收入", "超過(guò)250萬(wàn)元", "u7"],
        ["某县", "某省", "county", "2020", "context", "村数", "不详", "u8"],
    ])
    res = clean_sheet(df, "s.csv")
    rows = res.rows.set_index("line")
    assert rows.loc[2, "region"] == "六盘水市" and rows.loc[2, "value"] == 158400
    assert rows.loc[2, "region_code"] == "520200"
    assert rows.loc[3, "value"] == 565 and rows.loc[3, "unit"] == "个"
    assert pd.isna(rows.loc[7, "year"]) and rows.loc[7, "region_code"] == ""
    assert bool(rows.loc[8, "is_target"]) and rows.loc[8, "qualifier"] == "more_than"
    # "all villages over 10万" under a label counting villages over that line: 100%
    assert rows.loc[4, "value"] == 100 and rows.loc[4, "unit"] == "%"
    rej = res.rejects.set_index("line")
    assert set(rej.index) == {5, 6, 9}
    assert "year" in rej.loc[5, "reason"] and "admin_level" in rej.loc[6, "reason"]
    assert rej.loc[9, "raw"] == "不详" and (rej["file"] == "s.csv").all()
    assert len(res.rows) + len(res.rejects) == len(df)  # nothing is lost


def test_reads_xlsx_and_gb18030_csv(tmp_path):
    df = _sheet([["南通市", "江苏", "prefecture", "2021", "branch_strength", "标准化达标率", "98%", "u"]])
    df.to_excel(tmp_path / "a.xlsx", index=False)
    (tmp_path / "b.csv").write_bytes(df.to_csv(index=False).encode("gb18030"))
    res = load_sheets(tmp_path)
    assert list(res.rows["file"]) == ["a.xlsx", "b.csv"] and (res.rows["value"] == 98).all()
    assert res.rejects.empty


def test_sheet_missing_columns_is_one_reject_naming_file(tmp_path):
    (tmp_path / "bad.csv").write_text("region,value\n甲县,3个\n", encoding="utf-8")
    with pytest.raises(SheetError, match="bad.csv"):
        read_sheet_frame(tmp_path / "bad.csv")
    res = load_sheets(tmp_path)
    assert res.rows.empty and res.rejects.iloc[0]["file"] == "bad.csv"
    assert "lacks columns" in res.rejects.iloc[0]["reason"]


def test_shared_sheets_all_accounted_for(root):
    res = load_sheets(root / "data/raw/sheets")
    # gathered + provinces_national + counties
    assert len(res.rows) + len(res.rejects) == 259 + 87 + 397
    counties = res.rows[res.rows.file == "counties_2026-12.csv"]
    assert len(counties) + int((res.rejects.file == "counties_2026-12.csv").sum()) == 397
    assert counties.region.nunique() == 48
    assert len(res.rejects) <= 28
    assert (res.rejects["reason"] != "").all()


def test_county_sheet_is_the_shared_file_unchanged(root):
    shared = root.parent / "shared" / "figure_sheets" / "counties_2026-12.csv"
    if not shared.exists():
        pytest.fail("../shared/figure_sheets is expected beside the project (CI provides it)")
    assert (root / "data/raw/sheets/counties_2026-12.csv").read_bytes() == shared.read_bytes()


def test_source_column_kept_empty_url_allowed_and_dated():
    df = pd.DataFrame([
        ["嘉祥县", "山东", "county", "2021", "cadre_structure", "村“两委”成员平均年龄", "47.86歲",
         "农民日报 2021-03-18", ""],
        ["乾县", "陕西", "county", "", "branch_strength", "驻村第一书记数", "75名", "陕西党建网 2024-02-29",
         "http://example.org/a.html"],
        ["睢宁县", "江苏", "county", "2018", "collective_income", "村均集体收入", "28.8万元",
         "epaper.jzrb.com", "http://epaper.jzrb.com/rb/html/2019-04/09/content_532809.htm"],
    ], columns=COLS[:7] + ["source", "url"])
    rows = clean_sheet(df, "c.csv").rows.set_index("line")
    assert rows.loc[2, "source"] == "农民日报 2021-03-18" and rows.loc[2, "url"] == ""
    assert rows.loc[2, "published"] == "2021-03-18"
    assert rows.loc[3, "region"] == "乾县"  # not 干县: the county's own name is kept
    assert rows.loc[3, "published"] == "2024-02-29"
    assert rows.loc[4, "published"] == "2019-04-09"  # from the URL when the source has no date


@pytest.mark.parametrize("label, raw, value", [
    ("总收入10万元以上行政村占比", "全部达到10万元以上", 100.0),
    ("年经营性收入20万元以上村", "全部達到20萬元以上", 100.0),
    ("集体收入10万元以上村(全部198个)", "全部实现了集体收入超10万元", 100.0),
    ("集体经济薄弱村", "全面消除", 0.0),
    ("集体收入10万元以下经济薄弱村", "全面清零", 0.0)])
def test_whole_statements_read_as_the_number_they_state(label, raw, value):
    from ruralstudy.tables.sheets import whole_statement

    p = whole_statement(raw, label)
    assert p is not None and p.value == value and p.qualifier == "exact"


@pytest.mark.parametrize("label, raw", [
    ("设立便民服务大厅的行政村", "全部设立"),  # no number stated
    ("集体收入50万元以上村", "全部达到10万元以上"),  # another line than the label's
    ("软弱涣散村党组织", "实现动态清零"),  # a campaign's rolling target, not zero
    ("目标:5万元及以下收入村", "基本消除")])  # "basically": not zero
def test_whole_statements_that_do_not_say_a_number_stay_qualitative(label, raw):
    from ruralstudy.tables.sheets import whole_statement

    assert whole_statement(raw, label) is None


def test_region_names():
    assert canonical_name("凉都") == "六盘水市"
    assert canonical_name(" 襄陽市 ") == "襄阳市"
    assert "市中区" in name_variants("乐山市市中区")
    assert "六盘水" in name_variants("六盘水市") and "凉都" in name_variants("六盘水市")
    assert division_code("达拉特旗", "内蒙古自治区", "county") == "150621"
    assert division_code("乐山市市中区", "四川省", "county") == "511102"
    assert division_code("全国", "全国", "national") == ""
