"""Table-driven and property tests for the Chinese number parser."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralstudy.errors import NumberParseError
from ruralstudy.language.numparse import parse_cn_numeral, parse_number

CASES = [
    # raw, value, value_high, unit, qualifier, kind, value_before
    ("922个", 922, None, "个", "exact", "level", None),
    ("98.31%", 98.31, None, "%", "exact", "level", None),
    ("37.63岁", 37.63, None, "岁", "exact", "level", None),
    ("1.46亿元", 146_000_000, None, "元", "exact", "level", None),
    ("15.84万元", 158_400, None, "元", "exact", "level", None),
    ("近10万元", 100_000, None, "元", "less_than", "level", None),
    ("150余件次", 150, None, "件次", "more_than", "level", None),
    ("9.3万余名", 93_000, None, "名", "more_than", "level", None),
    ("200余万亩", 2_000_000, None, "亩", "more_than", "level", None),
    ("185.36万人", 1_853_600, None, "人", "exact", "level", None),
    ("2.55亿元", 255_000_000, None, "元", "exact", "level", None),
    ("4—5名", 4, 5, "名", "exact", "level", None),
    ("3至5个", 3, 5, "个", "exact", "level", None),
    ("10-20万元", 100_000, 200_000, "元", "exact", "level", None),
    ("500万-1000万元", 5_000_000, 10_000_000, "元", "exact", "level", None),
    ("5%—10%", 5, 10, "%", "exact", "level", None),
    ("300至800平方米", 300, 800, "平方米", "exact", "level", None),
    ("2/3", 200 / 3, None, "%", "exact", "level", None),
    ("三分之一", 100 / 3, None, "%", "exact", "level", None),
    ("四分之一", 25, None, "%", "exact", "level", None),
    ("三成", 30, None, "%", "exact", "level", None),
    ("百分之五十", 50, None, "%", "exact", "level", None),
    ("百分之12.5", 12.5, None, "%", "exact", "level", None),
    ("十二", 12, None, "", "exact", "level", None),
    ("两千余", 2000, None, "", "more_than", "level", None),
    ("一百零五", 105, None, "", "exact", "level", None),
    ("三万五千人", 35_000, None, "人", "exact", "level", None),
    ("突破2800万元", 28_000_000, None, "元", "more_than", "level", None),
    ("超过10万元", 100_000, None, "元", "more_than", "level", None),
    ("不低于35万元", 350_000, None, "元", "at_least", "level", None),
    ("不足5万元", 50_000, None, "元", "less_than", "level", None),
    ("不到10万元", 100_000, None, "元", "less_than", "level", None),
    ("至少3个", 3, None, "个", "at_least", "level", None),
    ("約60萬個", 600_000, None, "个", "about", "level", None),
    ("99%以上", 99, None, "%", "more_than", "level", None),
    ("120平方米以上", 120, None, "平方米", "more_than", "level", None),
    ("35岁及以下", 35, None, "岁", "at_most", "level", None),
    ("1400多個", 1400, None, "个", "more_than", "level", None),
    ("61.6萬(wàn)元", 616_000, None, "元", "exact", "level", None),
    ("2 853 个", 2853, None, "个", "exact", "level", None),
    ("33,388個", 33388, None, "个", "exact", "level", None),
    ("6 684.9亿元", 668_490_000_000, None, "元", "exact", "level", None),
    ("１２３个", 123, None, "个", "exact", "level", None),
    ("18亿", 1_800_000_000, None, "", "exact", "level", None),
    ("3163432", 3163432, None, "", "exact", "level", None),
    ("均达100%", 100, None, "%", "exact", "level", None),
    ("从196个调整为124个", 124, None, "个", "exact", "change", 196),
    ("由43.89岁降至40.64岁", 40.64, None, "岁", "exact", "change", 43.89),
    ("由1403人增加到2089人", 2089, None, "人", "exact", "change", 1403),
    ("从34个到160个再到204个", 204, None, "个", "exact", "change", 34),
    ("增长17.4%", 17.4, None, "%", "exact", "growth", None),
    ("较上届提高8.5%", 8.5, None, "%", "exact", "growth", None),
    ("较上届降低4岁", -4, None, "岁", "exact", "growth", None),
    ("比上届下降5.1岁", -5.1, None, "岁", "exact", "growth", None),
    ("比上一屆降低1.6歲", -1.6, None, "岁", "exact", "growth", None),
    ("提高12个百分点", 12, None, "pp", "exact", "growth", None),
    ("上升10.4個(gè)百分點(diǎn)", 10.4, None, "pp", "exact", "growth", None),
    ("同比增長(zhǎng)19.1%", 19.1, None, "%", "exact", "growth", None),
    ("减幅为36.73%", -36.73, None, "%", "exact", "growth", None),
    ("平均增幅近30%", 30, None, "%", "less_than", "growth", None),
    ("比上年增加15个", 15, None, "个", "exact", "growth", None),
]


@pytest.mark.parametrize("raw,value,high,unit,qual,kind,before", CASES, ids=[c[0] for c in CASES])
def test_parse_table(raw, value, high, unit, qual, kind, before):
    p = parse_number(raw)
    assert p.value == pytest.approx(value, rel=1e-12)
    assert (p.value_high is None) if high is None else p.value_high == pytest.approx(high)
    assert (p.value_before is None) if before is None else p.value_before == pytest.approx(before)
    assert (p.unit, p.qualifier, p.kind) == (unit, qual, kind)
    assert p.raw == raw


@pytest.mark.parametrize("raw", ["", "   ", "abc", "全部消除", "全部实现“一肩挑”", "女12人",
                                 "12abc", "5-3个", "1/0"])
def test_parse_rejects_non_numbers(raw):
    with pytest.raises(NumberParseError) as info:
        parse_number(raw)
    assert repr(raw) in str(info.value)  # the error names the string


def test_magnitudes_are_exact_in_decimal():
    assert parse_number("8.05亿元").value == 805_000_000
    assert parse_number("2.3亿元").value == 230_000_000


@pytest.mark.parametrize("cn,val", [("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105),
                                    ("两千", 2000), ("一万零一", 10001), ("三亿", 3e8)])
def test_cn_numerals(cn, val):
    assert parse_cn_numeral(cn) == val


def _fmt_cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"
    out, zero = "", False
    for unit_val, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit_val % 10
        if d:
            if zero:
                out += "零"
            out += digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


MAGS = {"": 1, "万": 1e4, "亿": 1e8}
UNITS = ["个", "名", "人次", "户", "亩", "岁", "元", "%", "场次", "件"]
QUALS = {"": "exact", "近": "less_than", "超过": "more_than", "不低于": "at_least", "约": "about"}


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999), st.integers(min_value=0, max_value=2),
       st.sampled_from(list(MAGS)), st.sampled_from(UNITS), st.sampled_from(list(QUALS)),
       st.booleans(), st.booleans())
def test_roundtrip_report_formats(n, decimals, mag, unit, qual, fullwidth, thousands):
    """Format a random value the way reports do, parse it back."""
    value = n / (10 ** decimals)
    if unit == "%":
        mag = ""
    body = f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    if fullwidth:
        body = body.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))
    raw = f"{qual}{body}{mag}{unit}"
    p = parse_number(raw)
    assert math.isclose(p.value, value * MAGS[mag], rel_tol=1e-9)
    assert p.unit == unit and p.qualifier == QUALS[qual] and p.kind == "level"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["余", "多"]),
       st.sampled_from(["个", "名", "人"]))
def test_roundtrip_chinese_numerals(n, q, unit):
    p = parse_number(f"{_fmt_cn(n)}{q}{unit}")
    assert p.value == n and p.qualifier == "more_than" and p.unit == unit


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=500))
def test_roundtrip_ranges_and_changes(a, b):
    lo, hi = sorted((a, b))
    r = parse_number(f"{lo}—{hi}名") if lo != hi else parse_number(f"{lo}名")
    assert r.value == lo and (r.value_high == hi if lo != hi else r.value_high is None)
    c = parse_number(f"从{a}个调整为{b}个")
    assert (c.kind, c.value_before, c.value) == ("change", a, b)


# --- the issue-10 grammar: colloquial, capitals, mixed, negatives, 点, 成, peers' suites -------

NEW_CASES = [
    ("四百五", 450, None, "", "exact", "level", None),
    ("两千四百五", 2450, None, "", "exact", "level", None),
    ("三万五", 35000, None, "", "exact", "level", None),
    ("壹佰伍拾", 150, None, "", "exact", "level", None),
    ("肆佰陸拾", 460, None, "", "exact", "level", None),
    ("5万4千6百", 54600, None, "", "exact", "level", None),
    ("7 万5 千4 百", 75400, None, "", "exact", "level", None),
    ("负三十二", -32, None, "", "exact", "level", None),
    ("-10000", -10000, None, "", "exact", "level", None),
    ("百分之六十二点五", 62.5, None, "%", "exact", "level", None),
    ("三点五", 3.5, None, "", "exact", "level", None),
    ("九成以上", 90, None, "%", "more_than", "level", None),
    ("近三成", 30, None, "%", "less_than", "level", None),
    ("近万名", 10000, None, "名", "less_than", "level", None),
    ("两千余名", 2000, None, "名", "more_than", "level", None),
    ("一千二百余件", 1200, None, "件", "more_than", "level", None),
    ("二百一十名", 210, None, "名", "exact", "level", None),
    ("1 586名", 1586, None, "名", "exact", "level", None),
    ("1,246名", 1246, None, "名", "exact", "level", None),
    ("13.65 万元", 136500, None, "元", "exact", "level", None),
    ("20个工作日", 20, None, "天", "exact", "level", None),
    ("3千米", 3, None, "公里", "exact", "level", None),
    ("120公顷", 120, None, "公顷", "exact", "level", None),
    ("3.8億元", 380_000_000, None, "元", "exact", "level", None),
    ("不得超过20%", 20, None, "%", "at_most", "level", None),
    ("从5万元增长到12万元", 120000, None, "元", "exact", "change", 50000),
    ("由12个缩小到8个", 8, None, "个", "exact", "change", 12),
    ("缩小5%", -5, None, "%", "exact", "growth", None),
    ("同比下降3.2个百分点", -3.2, None, "pp", "exact", "growth", None),
]


@pytest.mark.parametrize("raw,value,high,unit,qual,kind,before", NEW_CASES,
                         ids=[c[0] for c in NEW_CASES])
def test_parse_new_forms(raw, value, high, unit, qual, kind, before):
    test_parse_table(raw, value, high, unit, qual, kind, before)


@pytest.mark.parametrize("raw", ["高5%", "低2岁"])
def test_bare_high_low_need_a_base(raw):
    """高/低 are growth verbs only after a base (较上届低2岁): alone they are not numbers."""
    with pytest.raises(NumberParseError):
        parse_number(raw)


def test_peer_specs_pass_rate():
    """Peers' own whole-expression cases (tests/data/README.md): at least 90% read right."""
    import json
    from pathlib import Path

    cases = json.loads((Path(__file__).resolve().parents[1] / "data" / "peer_number_cases.json")
                       .read_text(encoding="utf-8"))
    assert len(cases) >= 150
    ok = 0
    for c in cases:
        try:
            p = parse_number(c["input"])
        except NumberParseError:
            continue
        exp = c["expected"]
        if c["kind"] == "percent":
            ok += p.unit in ("%", "pp", "") and math.isclose(p.value, exp, rel_tol=1e-6)
        else:
            ok += (math.isclose(p.value, exp, rel_tol=1e-6, abs_tol=1e-12)
                   or (p.unit == "%" and math.isclose(p.value / 100, exp, rel_tol=1e-6,
                                                      abs_tol=1e-12)))
    assert ok / len(cases) >= 0.90, ok / len(cases)
