"""One name and one code (with its vintage) per region in every table (issue 22, item 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.build.pipeline import identified
from ruralstudy.language.regions import CODE_VINTAGE, province_name


def test_every_way_of_writing_a_province_gives_its_official_name():
    assert {province_name(n) for n in ("四川", "四川省", " 四川 省", "四川省")} == {"四川省"}
    assert {province_name(n) for n in ("内蒙古", "内蒙古自治区", "內蒙古自治區")} == {"内蒙古自治区"}
    assert province_name("广西") == "广西壮族自治区" and province_name("重庆") == "重庆市"
    assert province_name("全国") == "全国" and province_name("") == ""
    assert province_name("某某省") == "某某省"  # not a province: kept, never guessed


def test_tables_carry_one_province_name_and_the_code_vintage():
    df = pd.DataFrame({"region": ["达拉特旗", "全国", "乐山市市中区"],
                       "province": ["内蒙古", "全国", "四川"],
                       "region_code": ["150621", "", "511102"], "value": [1.0, 2.0, 3.0]})
    out = identified(df)
    assert list(out["province"]) == ["内蒙古自治区", "全国", "四川省"]
    assert list(out["code_vintage"]) == [CODE_VINTAGE, "", CODE_VINTAGE]
    assert list(out.columns).index("code_vintage") == list(out.columns).index("region_code") + 1
    assert identified(out).equals(out)  # idempotent
    assert list(df["province"]) == ["内蒙古", "全国", "四川"]  # the input is not changed


@pytest.mark.slow  # reads the seed build
def test_processed_tables_use_one_name_per_province(built):
    from ruralstudy.tables.tables import Tables

    t = Tables.read(built)
    for name in ("mapping", "indicators", "panel", "figures"):
        provinces = set(getattr(t, name)["province"].fillna(""))
        assert provinces == {province_name(p) for p in provinces}, name
    assert (t.panel["code_vintage"] == t.panel["region_code"].ne("").map({True: CODE_VINTAGE,
                                                                         False: ""})).all()
