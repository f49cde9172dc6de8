"""One parser for Chinese numeric expressions, used for report text and figure sheets alike.

``parse_number("1.46亿元")`` returns a frozen :class:`ParsedNumber` (value 146000000.0, unit
``元``). The grammar is written by hand: no maintained library parses the mix of Arabic and
Chinese numerals, magnitudes, qualifiers, ranges, change and growth phrasing that these
reports use (``cn2an`` converts bare numerals only, and would still need all of this around
it), and the extractor reuses the same regular expressions to find figures in running text.
All functions here are pure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from dataclasses import asdict, dataclass
from typing import Any

from .errors import NumberParseError

# --- vocabulary -----------------------------------------------------------------------------

#: Traditional forms that occur in numeric expressions; mapped character by character so that
#: offsets are preserved. Labels and region names go through OpenCC in ``sheets``.
TRAD_TO_SIMP = str.maketrans({
    "萬": "万", "億": "亿", "個": "个", "約": "约", "點": "点", "餘": "余", "歲": "岁",
    "戶": "户", "畝": "亩", "項": "项", "場": "场", "處": "处", "條": "条", "頭": "头",
    "種": "种", "類": "类", "間": "间", "過": "过", "長": "长", "屆": "届", "較": "较",
    "於": "于", "達": "达", "為": "为", "兩": "两", "與": "与",
    "圓": "元", "幾": "几", "對": "对",
})

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MAGNITUDES = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3}

#: Units, longest first so that 人次 wins over 人. Money is reported in base unit 元.
UNITS = sorted([
    "元", "个百分点", "百分点", "%", "‰", "个", "名", "人次", "人", "户", "亩", "平方公里",
    "平方米", "公里", "米", "岁", "周岁", "场次", "件次", "件", "支", "期", "家", "起", "条", "处",
    "项", "枚", "套", "次", "场", "所", "头", "种", "类", "位", "批", "篇", "座", "吨", "辆",
    "本", "张", "天", "倍", "间", "栋", "块", "余次", "份", "组", "队", "户次", "平方千米",
    "个村", "个嘎查",
], key=len, reverse=True)
UNIT_ALIASES = {"个百分点": "pp", "百分点": "pp", "周岁": "岁", "平方千米": "平方公里",
                "个村": "个", "个嘎查": "个"}

QUALIFIER_MORE = "more_than"
QUALIFIER_LESS = "less_than"
QUALIFIER_AT_LEAST = "at_least"
QUALIFIER_AT_MOST = "at_most"
QUALIFIER_ABOUT = "about"
QUALIFIER_EXACT = "exact"
QUALIFIERS = (QUALIFIER_EXACT, QUALIFIER_MORE, QUALIFIER_LESS, QUALIFIER_AT_LEAST,
              QUALIFIER_AT_MOST, QUALIFIER_ABOUT)

PREFIX_QUALIFIERS = {
    "不低于": QUALIFIER_AT_LEAST, "不少于": QUALIFIER_AT_LEAST, "至少": QUALIFIER_AT_LEAST,
    "不超过": QUALIFIER_AT_MOST, "最多": QUALIFIER_AT_MOST,
    "超过": QUALIFIER_MORE, "突破": QUALIFIER_MORE, "多达": QUALIFIER_MORE, "超": QUALIFIER_MORE,
    "逾": QUALIFIER_MORE, "高于": QUALIFIER_MORE,
    "近": QUALIFIER_LESS, "不足": QUALIFIER_LESS, "不到": QUALIFIER_LESS, "少于": QUALIFIER_LESS,
    "低于": QUALIFIER_LESS, "将近": QUALIFIER_LESS,
    "约": QUALIFIER_ABOUT, "大约": QUALIFIER_ABOUT,
}
SUFFIX_QUALIFIERS = {
    "及以上": QUALIFIER_AT_LEAST, "以上": QUALIFIER_MORE, "及以下": QUALIFIER_AT_MOST,
    "以下": QUALIFIER_AT_MOST, "以内": QUALIFIER_AT_MOST, "左右": QUALIFIER_ABOUT,
    "多": QUALIFIER_MORE, "余": QUALIFIER_MORE,
}
#: Words that introduce a value without qualifying it (均达100%).
FILLERS = ("均达到", "均达", "达到", "均为", "达", "为", "共", "计", "合计", "累计")

GROWTH_UP = ("增长", "增加", "提高", "提升", "上升", "增幅", "增收", "扩大", "高")
GROWTH_DOWN = ("降低", "下降", "减少", "减幅", "降幅", "缩小", "低")
GROWTH_BASES = ("较上一年度", "较上年度", "比上一届", "比上一年", "较上一年", "较上届",
                "比上届", "较上年", "比上年", "同比", "环比", "较去年", "比去年", "年均")

# --- regular expressions shared with the extractor ------------------------------------------

_NUM_AR = r"\d+(?:\.\d+)?"
_CN_CHARS = "零〇一二两三四五六七八九十百千"
_MAG = r"(?:万亿|千万|百万|万|亿|千)"
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
#: In running text a figure's unit stops before its noun (655个村集体收入 -> 655个).
_TEXT_UNIT_RE = "|".join(re.escape(u) for u in UNITS if u not in ("个村", "个嘎查"))
_RANGE_SEP = r"[—–\-~～至到]{1,2}"

#: One Arabic-numeral amount as it appears in text: 9.3万余名, 150余件次, 98.31%, 200余万亩.
AMOUNT_AR = rf"{_NUM_AR}(?:{_MAG})?(?:余|多)?(?:{_MAG})?(?:{_TEXT_UNIT_RE})?"
RANGE_AR = rf"{AMOUNT_AR}(?:{_RANGE_SEP}{AMOUNT_AR})?"
_PREFIX_RE = "|".join(re.escape(p) for p in sorted(PREFIX_QUALIFIERS, key=len, reverse=True))
_SUFFIX_RE = "|".join(re.escape(p) for p in sorted(SUFFIX_QUALIFIERS, key=len, reverse=True))

_AMOUNT_PARTS = re.compile(
    rf"^(?P<num>{_NUM_AR}|[{_CN_CHARS}万亿]+)(?P<mag1>{_MAG})?(?P<q1>余|多)?(?P<mag2>{_MAG})?"
    rf"(?P<unit>{_UNIT_RE})?(?P<q2>{_SUFFIX_RE})?$"
)
_CHANGE_RE = re.compile(
    r"^(?:从|由)(?P<a>.+?)(?:调整为|调整到|降至|降到|降低到|降低至|下降到|下降至|减少到|减少为|减少至|"
    r"增加到|增加至|增加为|扩大到|扩大至|提高到|提高至|提升到|提升至|升至|上升到|上升至|增至|增长到|增长至|"
    r"到|至|为|变为)(?P<b>.+?)(?P<rest>(?:再到.+?)*)$"
)
_GROWTH_RE = re.compile(
    rf"^(?P<base>(?:{'|'.join(GROWTH_BASES)})?)(?:平均)?(?P<verb>{'|'.join(sorted(GROWTH_UP + GROWTH_DOWN, key=len, reverse=True))})"
    r"(?:了)?(?:为|达到|达)?(?P<rest>.+)$"
)
_SEPARATORS = re.compile(r"(?<=\d)[,,\s\u00a0\u2009\u202f](?=\d{3}(?!\d))")
_PINYIN = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü\s]+\)")


@dataclass(frozen=True)
class ParsedNumber:
    """The parse of one numeric expression.

    ``value`` is in the base ``unit`` (元 for money, % for shares, pp for percentage points).
    ``kind`` is ``level``, ``change`` (``value_before`` → ``value``) or ``growth`` (signed).
    """

    raw: str
    value: float
    value_high: float | None
    unit: str
    qualifier: str
    kind: str = "level"
    value_before: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the parse as a plain dict (for JSON and DataFrames)."""
        return asdict(self)


def normalise(text: str) -> str:
    """Normalise full-width forms, traditional characters and pinyin glosses; drop separators."""
    s = unicodedata.normalize("NFKC", text)
    s = s.translate(TRAD_TO_SIMP)
    s = _PINYIN.sub("", s)
    s = s.replace("“", "").replace("”", "").replace('"', "")
    s = _SEPARATORS.sub("", s)
    return re.sub(r"\s+", "", s)


def parse_cn_numeral(text: str) -> float:
    """Parse a Chinese numeral such as 十二, 两千, 一百零五, 三万五千 (no qualifiers)."""
    if not text or any(c not in CN_DIGITS and c not in CN_SMALL_UNITS and c not in CN_BIG_UNITS
                       for c in text):
        raise NumberParseError("not a Chinese numeral", raw=text)
    total, section, digit = 0.0, 0.0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            total = (total + section) * CN_BIG_UNITS[ch]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def _to_float(num: str) -> float:
    if re.fullmatch(_NUM_AR, num):
        return float(num)
    return parse_cn_numeral(num)


def _scale(num: str, factor: float) -> float:
    """Multiply a written number by a magnitude in decimal, so 185.36万 is exactly 1853600."""
    if factor == 1.0:
        return _to_float(num)
    if re.fullmatch(_NUM_AR, num):
        return float(Decimal(num) * Decimal(int(factor)))
    return _to_float(num) * factor


def _unit_of(unit: str | None) -> str:
    if not unit:
        return ""
    return UNIT_ALIASES.get(unit, unit)


def _parse_amount(text: str, raw: str) -> tuple[float, str, str, float]:
    """Parse one amount; return (value, unit, suffix qualifier, magnitude factor)."""
    m = _AMOUNT_PARTS.match(text)
    if not m:
        raise NumberParseError("not a numeric expression", raw=raw)
    factor = 1.0
    for mag in (m["mag1"], m["mag2"]):
        if mag:
            factor *= MAGNITUDES[mag]
    value = _scale(m["num"], factor)
    qual = ""
    if m["q1"]:
        qual = QUALIFIER_MORE
    if m["q2"]:
        qual = SUFFIX_QUALIFIERS[m["q2"]]
    return value, _unit_of(m["unit"]), qual, factor


def _parse_special(s: str) -> tuple[float, float | None, str] | None:
    """百分之五十, 三成, 三分之一, 2/3 -> value in %; None if the form does not apply."""
    m = re.fullmatch(rf"百分之([{_CN_CHARS}\d.]+)(?:{_RANGE_SEP}(?:百分之)?([{_CN_CHARS}\d.]+))?", s)
    if m:
        hi = _to_float(m[2]) if m[2] else None
        return _to_float(m[1]), hi, "%"
    m = re.fullmatch(rf"([{_CN_CHARS}\d.]+)成", s)
    if m:
        return _to_float(m[1]) * 10, None, "%"
    m = re.fullmatch(rf"([{_CN_CHARS}\d]+)分之([{_CN_CHARS}\d.]+)", s)
    if m:
        den, num = _to_float(m[1]), _to_float(m[2])
        if den == 0:
            raise NumberParseError("fraction with zero denominator", raw=s)
        return num / den * 100, None, "%"
    m = re.fullmatch(r"(\d+)/(\d+)", s)
    if m:
        den = float(m[2])
        if den == 0:
            raise NumberParseError("fraction with zero denominator", raw=s)
        return float(m[1]) / den * 100, None, "%"
    return None


def _split_range(s: str) -> tuple[str, str] | None:
    m = re.fullmatch(rf"(.*?\d(?:{_MAG})?(?:{_UNIT_RE})?|[{_CN_CHARS}]+(?:{_UNIT_RE})?)"
                     rf"{_RANGE_SEP}(.+)", s)
    if m and re.search(rf"[\d{_CN_CHARS}]", m[2]):
        return m[1], m[2]
    return None


def parse_quantity(s: str, raw: str) -> tuple[float, float | None, str, str]:
    """Parse a level expression (already normalised); return (value, value_high, unit, qualifier)."""
    qualifier = ""
    for filler in FILLERS:
        if s.startswith(filler) and len(s) > len(filler):
            s = s[len(filler):]
            break
    for prefix in sorted(PREFIX_QUALIFIERS, key=len, reverse=True):
        if s.startswith(prefix) and len(s) > len(prefix):
            qualifier = PREFIX_QUALIFIERS[prefix]
            s = s[len(prefix):]
            break
    for suffix in ("及以上", "及以下", "以上", "以下", "以内", "左右"):
        if s.endswith(suffix) and len(s) > len(suffix):
            qualifier = qualifier or SUFFIX_QUALIFIERS[suffix]
            s = s[: -len(suffix)]
            break
    if not s:
        raise NumberParseError("empty numeric expression", raw=raw)
    special = _parse_special(s)
    if special is not None:
        value, high, unit = special
        return value, high, unit, qualifier or QUALIFIER_EXACT
    parts = _split_range(s)
    if parts:
        lo, lo_unit, lo_q, lo_mag = _parse_amount(parts[0], raw)
        hi, hi_unit, hi_q, hi_mag = _parse_amount(parts[1], raw)
        if lo_mag == 1.0 and hi_mag != 1.0 and not lo_unit:
            lo *= hi_mag  # 10-20万元: the magnitude written once applies to both ends.
        unit = hi_unit or lo_unit
        if lo > hi:
            raise NumberParseError("range whose lower end exceeds its upper end", raw=raw)
        return lo, hi, unit, qualifier or lo_q or hi_q or QUALIFIER_EXACT
    value, unit, suffix_q, _ = _parse_amount(s, raw)
    return value, None, unit, qualifier or suffix_q or QUALIFIER_EXACT


def parse_number(raw: str) -> ParsedNumber:
    """Parse one numeric expression (a figure as written) into a :class:`ParsedNumber`.

    Raises :class:`NumberParseError` naming the string when it is not a number.
    """
    if not isinstance(raw, str):
        raise NumberParseError("expected a string", raw=repr(raw))
    s = normalise(raw)
    if not s or not re.search(rf"[\d{_CN_CHARS}]", s):
        raise NumberParseError("no number in string", raw=raw)
    m = _CHANGE_RE.match(s)
    if m:
        before, _, unit_a, _ = parse_quantity(m["a"], raw)
        steps = [m["b"]] + [p for p in m["rest"].split("再到") if p]
        after, high, unit_b, qual = parse_quantity(steps[-1], raw)
        if unit_a and unit_b and unit_a != unit_b:
            raise NumberParseError(f"change between different units {unit_a} and {unit_b}", raw=raw)
        return ParsedNumber(raw, after, high, unit_b or unit_a, qual, "change", before)
    m = _GROWTH_RE.match(s)
    if m and re.match(rf"[\d{_CN_CHARS}近约超不]", m["rest"]):
        value, high, unit, qual = parse_quantity(m["rest"], raw)
        sign = -1.0 if m["verb"] in GROWTH_DOWN else 1.0
        if high is not None:
            value, high = sign * value, sign * high
            if value > high:
                value, high = high, value
        else:
            value = sign * value
        return ParsedNumber(raw, value, high, unit, qual, "growth")
    value, high, unit, qual = parse_quantity(s, raw)
    if not math.isfinite(value):
        raise NumberParseError("value is not finite", raw=raw)
    return ParsedNumber(raw, value, high, unit, qual, "level")
