"""Division codes: one region at a time, and many in one cpca call (the build's path)."""

from ruralstudy.language.regions import division_code, division_codes

CASES = {
    ("达拉特旗", "内蒙古", "county"): "150621",
    ("六盘水市", "贵州", "prefecture"): "520200",
    ("南通市", "江苏", "prefecture"): "320600",
    ("乐山市市中区", "四川", "county"): "511102",
    ("睢宁县", "江苏", "county"): "320324",
    ("四川省", "四川", "province"): "510000",
    ("全国", "", "national"): "",
    ("", "", "county"): "",
    ("安宁平县", "测试省", "county"): "",  # not a real county: no code
    ("六盘水市", "贵州", "county"): "",  # a prefecture asked for as a county
}


def test_division_code_known_regions():
    assert {r: division_code(*r) for r in CASES} == CASES


def test_division_codes_in_one_call_equal_one_by_one():
    # the same regions in another order, with repeats: the batch keys every distinct region
    regions = list(reversed(CASES)) + list(CASES)
    assert division_codes(regions) == CASES


def test_division_codes_empty_and_codeless_only():
    assert division_codes([]) == {}
    assert division_codes([("全国", "", "national")]) == {("全国", "", "national"): ""}
