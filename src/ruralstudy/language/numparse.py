"""One parser for Chinese numeric expressions, used for report text and figure sheets alike.

``parse_number("1.46亿元")`` returns a frozen :class:`ParsedNumber` (value 146000000.0, unit
``元``). The grammar is written by hand: no maintained library parses the mix of Arabic and
Chinese numerals, magnitudes, qualifiers, ranges, change and growth phrasing that these
reports use. ``cn2an`` was not wrapped: it converts bare numerals only, would still need all
of this around it, and on peers' whole-expression test cases this parser now does better
(98.3% on the Recognizers-Text and cn2an suites; see ``benchmarks/peer_specs.py``). Every word
list comes from :mod:`ruralstudy.language.vocab`, and the extractor builds its running-text patterns
from the same pieces (``AMOUNT_AR``, ``AR_NUM``, ``CN_NUM_RE``). All functions here are pure.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from dataclasses import asdict, dataclass
from typing import Any, SupportsFloat

from ..errors import NumberParseError

# --- vocabulary (re-exported from :mod:`ruralstudy.language.vocab`, the one source) --------------------

from .vocab import (CHANGE_CHAINS, CHANGE_OPENERS, CHANGE_VERBS, CN_BIG_UNITS, CN_DIGITS,  # noqa: E402
                    CN_SMALL_UNITS, CN_TENS, FILLERS, GROWTH_BASES, GROWTH_DOWN, GROWTH_FILLERS,
                    GROWTH_PARTICLE,
                    GROWTH_NEEDS_BASE, GROWTH_UP, MAGNITUDES, NEGATIVE_SIGNS, PREFIX_QUALIFIERS,
                    QUALIFIER_ABOUT, QUALIFIER_AT_LEAST, QUALIFIER_AT_MOST, QUALIFIER_EXACT,
                    QUALIFIER_LESS, QUALIFIER_MORE, QUALIFIERS, RANGE_SEPARATORS,
                    TEXT_EXCLUDED_UNITS, CN_UNKNOWN_DIGIT,
                    SUFFIX_QUALIFIERS, TRAILING_SUFFIXES, UNIT_BY_SURFACE, UNIT_SURFACES,
                    YEAR_UNIT, alternation, normalise_text)

__all__ = ["ParsedNumber", "parse_number", "parse_cn_numeral", "parse_numeral", "normalise",
           "parse_quantity", "QUALIFIERS", "AMOUNT_AR", "CN_NUM_RE", "NUMERAL_RE"]

#: Every unit the parser accepts (the text units plus 年, which the extractor takes only after
#: a duration cue), longest first.
UNITS = tuple(sorted(UNIT_SURFACES + (YEAR_UNIT.surface,), key=len, reverse=True))

# --- regular expressions shared with the extractor ------------------------------------------

_CN_DIGIT_CHARS = "".join(CN_DIGITS)
_CN_CHARS = _CN_DIGIT_CHARS + "".join(CN_SMALL_UNITS) + "".join(CN_TENS)
#: Arabic number with an optional thousands grouping (1,246 / 1 586) and decimals.
AR_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?!\d)|\d+)(?:\.\d+)?(?!\d)"
_NUM_AR = r"\d+(?:\.\d+)?"
#: Arabic number as the parser accepts it alone: also .5 and 2e5, 12.32e+14.
_NUM_AR_FULL = r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
#: One numeral token in a normalised, separator-free string: digits, Chinese digits and units,
#: magnitudes, the Chinese decimal point. 千/百 stop before 千米/千克 and 百分.
_NUM_TOKEN = (rf"(?:{_NUM_AR_FULL}|[{_CN_DIGIT_CHARS}十拾佰仟廿卅万亿兆几]|千(?![米克瓦])|百(?!分)"
              rf"|点(?=[\d{_CN_DIGIT_CHARS}])|(?<=\d)k)")
NUMERAL_RE = rf"(?:[-负−]?{_NUM_TOKEN}+)"
_MAG = r"(?:万亿|千万|百万|万|亿|千(?![米克瓦]))"
_UNIT_RE = alternation(list(UNITS))
_RANGE_SEP = rf"(?:{alternation(list(RANGE_SEPARATORS))}){{1,2}}"
_SUFFIX_RE = alternation(list(SUFFIX_QUALIFIERS))
_TEXT_UNIT_RE = alternation([u for u in UNIT_SURFACES if u not in TEXT_EXCLUDED_UNITS])
#: A magnitude inside an Arabic amount in running text (13.65 万元, 5万4千6百); 千/百 stop
#: before 千米/千克/百分.
_TEXT_MAG = r"(?:万亿|千万|百万|万|亿|千(?![米克瓦])|百(?![分万亿]))"
#: One Arabic-numeral amount as it appears in text: 9.3万余名, 150余件次, 98.31%, 200余万亩,
#: 1,246名, 1 586名, 13.65 万元, 5万4千6百.
AMOUNT_AR = (rf"(?:-(?=\d))?{AR_NUM}(?: ?{_TEXT_MAG}(?: ?\d+ ?{_TEXT_MAG})*)?(?:余|多)?"
             rf"(?:{_MAG})?(?:{_TEXT_UNIT_RE})?")
#: A Chinese numeral in running text: starts with a digit or 十 (never a bare 百/千/万), may
#: carry a 点 decimal part.
CN_NUM_RE = (rf"(?:负)?[{''.join(c for c in _CN_DIGIT_CHARS if c not in '零〇幺')}十拾廿卅]"
             rf"[{_CN_CHARS}万亿]*(?:点[{_CN_DIGIT_CHARS}]+(?:万亿|亿|万)?)?")
RANGE_AR = rf"{AMOUNT_AR}(?:{_RANGE_SEP}{AMOUNT_AR})?"
_PREFIX_RE = alternation(list(PREFIX_QUALIFIERS))

_AMOUNT_PARTS = re.compile(
    rf"^(?P<num>{NUMERAL_RE})(?P<q1>余|多)?(?P<mag2>{_MAG})?"
    rf"(?P<unit>{_UNIT_RE})?(?P<q2>{_SUFFIX_RE})?$"
)
_CHANGE_RE = re.compile(
    rf"^(?:{alternation(list(CHANGE_OPENERS))})(?P<a>.+?)(?:{alternation(list(CHANGE_VERBS))})"
    rf"(?P<b>.+?)(?P<rest>(?:(?:{alternation(list(CHANGE_CHAINS))}).+?)*)$"
)
_CHAIN_SPLIT = re.compile(alternation(list(CHANGE_CHAINS)))
_GROWTH_RE = re.compile(
    rf"^(?P<base>(?:{alternation(list(GROWTH_BASES))})?)(?:平均)?"
    rf"(?P<verb>{alternation(list(GROWTH_UP + GROWTH_DOWN))})"
    rf"(?:{GROWTH_PARTICLE})?(?:{alternation(list(GROWTH_FILLERS))})?(?P<rest>.+)$"
)
_SEPARATORS = re.compile(r"(?<=\d)[,\s](?=\d{3}(?!\d))")
_SPACE_BEFORE_MAG = re.compile(r"(?<=\d)\s+(?=[万亿千百])")


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
    """Normalise an expression for parsing: full-width forms, traditional script, pinyin
    glosses (萬(wàn)), quotes, thousands separators and spaces (13.65 万元, 7 万5 千)."""
    s = normalise_text(text)
    s = s.replace("“", "").replace("”", "").replace('"', "")
    s = _SEPARATORS.sub("", s)
    s = _WHITESPACE.sub("", s)
    # a trailing gloss in brackets names the counted thing: 26个省(区、市), 34350个村(社区)
    return _TRAILING_GLOSS.sub("", s)


def _digit_string(s: str) -> Decimal | None:
    """一二三 / 二〇〇二 / 一七二零: digits read one by one; None if ``s`` is not such a string."""
    if len(s) < 2 or any(c not in CN_DIGITS for c in s):
        return None
    return Decimal("".join(str(CN_DIGITS[c]) for c in s))


def _integer_part(s: str, raw: str) -> Decimal:
    """Value of the integer part of a numeral (digits, Chinese digits, units, magnitudes).

    Sections are summed under 万/亿 (一亿五千万零六千), 万万 multiplies (四万万), a bare 万
    is 10000 (近万名), and a single Chinese digit after a unit without 零 is the colloquial
    abbreviation of the next place (四百五 = 450, 三万五 = 35000, 两千六 = 2600).
    """
    seq = _digit_string(s)
    if seq is not None:
        return seq
    tokens = _RE_TOKENS.findall(s)
    total = section = Decimal(0)
    cur: Decimal | None = None
    cur_cn = False
    last_unit = 0
    max_big = 0
    zero = prev_big = False
    for tok in tokens:
        if tok == "k" and cur is not None:
            cur *= 1000  # 40k
            continue
        if tok == CN_UNKNOWN_DIGIT:
            tok = "零" if cur is None and last_unit == 0 else tok
            if cur is not None:
                raise NumberParseError("two numbers in a row", raw=raw)
            cur, cur_cn = Decimal(0), False
            continue
        if tok[0].isdigit() or tok[0] == ".":
            if cur is not None:
                raise NumberParseError("two numbers in a row", raw=raw)
            cur, cur_cn = Decimal(tok), False
        elif tok in CN_DIGITS and CN_DIGITS[tok] == 0:
            if cur is not None:
                raise NumberParseError("misplaced 零", raw=raw)
            zero = True
        elif tok in CN_DIGITS:
            if cur is not None:
                raise NumberParseError("two numbers in a row", raw=raw)
            cur, cur_cn = Decimal(CN_DIGITS[tok]), True
        elif tok in CN_TENS:
            if cur is not None:
                raise NumberParseError("two numbers in a row", raw=raw)
            section += CN_TENS[tok]
            last_unit, zero, prev_big = 10, False, False
        elif tok in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[tok]
            section += (cur if cur is not None else 1) * unit
            cur, last_unit, zero, prev_big = None, unit, False, False
        elif tok in CN_BIG_UNITS:
            big = CN_BIG_UNITS[tok]
            if cur is not None:
                section += cur
            if section == 0 and prev_big:
                total *= big  # 四万万
            elif section == 0 and total == 0:
                total = Decimal(big)  # 万 alone: 近万名
            elif big > max_big:
                total = (total + section) * big
            else:
                total += section * big
            max_big = max(max_big, big)
            section, cur, last_unit, zero, prev_big = Decimal(0), None, big, False, True
        else:
            raise NumberParseError(f"unexpected character {tok!r} in a numeral", raw=raw)
    if cur is not None:
        if cur_cn and last_unit >= 10 and not zero:
            cur *= Decimal(last_unit) / 10  # colloquial: 四百五, 三万五
        section += cur
    return total + section


def parse_numeral(text: str, raw: str | None = None) -> Decimal:
    """Parse a bare numeral of any style into an exact Decimal.

    Arabic (1.46), Chinese (一百零五, 两千四百五), financial capitals (壹佰伍拾), mixed
    (5万4千6百, 1万600, 100万三千), digit strings (一二三), 点 decimals (三点五, 一百点123) and
    negatives (负三十二, -10000). Raises :class:`NumberParseError` otherwise.
    """
    raw = text if raw is None else raw
    s = text
    sign = Decimal(1)
    for neg in NEGATIVE_SIGNS:
        if s.startswith(neg):
            sign, s = Decimal(-1), s[len(neg):]
            break
    if not s:
        raise NumberParseError("empty numeral", raw=raw)
    if _RE_NUM_AR_FULL.fullmatch(s):
        return sign * Decimal(s)
    if s == "半百":
        return sign * 50
    whole, point, frac = s.partition("点")
    scale = Decimal(1)
    if point:
        for mag, factor in (("万亿", Decimal(10) ** 12), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
            if frac.endswith(mag) and len(frac) > len(mag) and not re.search("[万亿]", whole):
                frac, scale = frac[:-len(mag)], factor  # 三点六亿, 三十点五万: the magnitude after the decimals
                break
        if not whole or not frac or "点" in frac:
            raise NumberParseError("misplaced 点", raw=raw)
        if frac.isdigit():
            digits = frac
        elif all(c in CN_DIGITS for c in frac):
            digits = "".join(str(CN_DIGITS[c]) for c in frac)
        else:
            raise NumberParseError("decimal part is not digits", raw=raw)
        return sign * (_integer_part(whole, raw) + Decimal("0." + digits)) * scale
    return sign * _integer_part(s, raw)


def parse_cn_numeral(text: str) -> float:
    """Parse a Chinese numeral such as 十二, 两千, 一百零五, 三万五千, 四百五 (no qualifiers)."""
    if not text or not _RE_NUMERAL.fullmatch(text):
        raise NumberParseError("not a Chinese numeral", raw=text)
    return float(parse_numeral(text))


def _to_float(num: str) -> float:
    return float(parse_numeral(num))


def _unit_of(unit: str | None) -> str:
    if not unit:
        return ""
    return UNIT_BY_SURFACE[unit].base


def _parse_amount(text: str, raw: str) -> tuple[float, str, str, float]:
    """Parse one amount; return (value, unit, suffix qualifier, magnitude factor)."""
    m = _AMOUNT_PARTS.match(text)
    if not m:
        raise NumberParseError("not a numeric expression", raw=raw)
    value = parse_numeral(m["num"], raw)
    factor = 1
    for mag in _MAGS_LONGEST_FIRST:
        if m["num"].endswith(mag) and not _RE_BARE_MAG.fullmatch(m["num"]):
            factor = MAGNITUDES[mag]
            break
    if m["mag2"]:
        value *= MAGNITUDES[m["mag2"]]
        factor *= MAGNITUDES[m["mag2"]]
    unit = UNIT_BY_SURFACE[m["unit"]] if m["unit"] else None
    if unit is not None and unit.factor != 1:
        value *= Decimal(str(unit.factor))
    qual = ""
    if m["q1"]:
        qual = QUALIFIER_MORE
    if m["q2"]:
        qual = SUFFIX_QUALIFIERS[m["q2"]]
    if m["unit"] == "日内":
        qual = qual or QUALIFIER_AT_MOST  # 30日内: within 30 days
    return float(value), _unit_of(m["unit"]), qual, float(factor)


_NUMERAL_CHARS = rf"[{_CN_CHARS}万亿\d.点]"


_RE_BAIFENZHI = re.compile(
    rf"百分之({_NUMERAL_CHARS}+)(?:{_RANGE_SEP}(?:百分之)?({_NUMERAL_CHARS}+))?")
_RE_CHENG = re.compile(rf"(半|{_NUMERAL_CHARS}+)成([{''.join(CN_DIGITS)}半])?")
_RE_ZHE = re.compile(rf"(半|{_NUMERAL_CHARS}+)折")
_RE_MONEY_WORDS = re.compile(rf"({_NUMERAL_CHARS}+)(?:元|圆)(?:([{_CN_DIGIT_CHARS}\d])角)?"
                             rf"(?:([{_CN_DIGIT_CHARS}\d])分)?(?:整|正)?")
_RE_FRACTION = re.compile(
    rf"(?:({_NUMERAL_CHARS}+)又)?({_NUMERAL_CHARS}+)分之({_NUMERAL_CHARS}+)")
_RE_RANGE = re.compile(rf"(.*?[\d{_CN_CHARS}万亿](?:{_MAG})?(?:{_UNIT_RE})?){_RANGE_SEP}(.+)")
_RE_HAS_DIGIT = re.compile(rf"[\d{_CN_CHARS}]")
_RE_ANY_NUMERAL = re.compile(rf"[\d{_CN_CHARS}万亿兆半]")
_RE_GROWTH_REST = re.compile(rf"[\d{_CN_CHARS}近约超不逾]")
_RE_TOKENS = re.compile(rf"{_NUM_AR_FULL}|.")


_WHITESPACE = re.compile(r"\s+")
_TRAILING_GLOSS = re.compile(r"(?<=[个村省])\([^()\d]{1,6}\)$")
_MAGS_LONGEST_FIRST = tuple(sorted(MAGNITUDES, key=len, reverse=True))
_PREFIXES_LONGEST_FIRST = tuple(sorted(PREFIX_QUALIFIERS, key=len, reverse=True))
_RE_BARE_MAG = re.compile(r"[万亿千]+")
_RE_NUM_AR_FULL = re.compile(_NUM_AR_FULL)
_RE_NUMERAL = re.compile(NUMERAL_RE)
_RE_SLASH = re.compile(r"(\d+)/(\d+)")
_RE_DATED_BASE = re.compile(rf"^[^的]{{1,10}}的(?=[\d{_CN_CHARS}近约超不逾])")


def _parse_special(s: str) -> tuple[float, float | None, str] | None:
    """百分之五十, 三成, 七成六, 半成, 八折, 三分之一, 2/3, 三百五十又三分之一 -> (value, high,
    unit); shares are in %. None if no special form applies."""
    if s == "一半":
        return 50.0, None, "%"
    m = _RE_BAIFENZHI.fullmatch(s)
    if m:
        hi = _to_float(m[2]) if m[2] else None
        return _to_float(m[1]), hi, "%"
    m = _RE_CHENG.fullmatch(s)
    if m:
        tenths = 0.5 if m[1] == "半" else _to_float(m[1])
        extra = 0.0 if not m[2] else (0.5 if m[2] == "半" else CN_DIGITS[m[2]] / 10)
        return (tenths + extra) * 10, None, "%"
    m = _RE_ZHE.fullmatch(s)
    if m:
        v = 5.0 if m[1] == "半" else _to_float(m[1])
        return (v * 10 if v < 10 else v), None, "%"
    m = _RE_MONEY_WORDS.fullmatch(s)
    if m and (m[2] or m[3] or s[-1] in "整正"):  # 壹拾壹元壹角壹分: money written out
        jiao = _to_float(m[2]) / 10 if m[2] else 0.0
        fen = _to_float(m[3]) / 100 if m[3] else 0.0
        return round(_to_float(m[1]) + jiao + fen, 2), None, "元"
    sign = 1.0
    if s[:1] in NEGATIVE_SIGNS and ("分之" in s or "/" in s):
        sign, s = -1.0, s[1:]
    m = _RE_FRACTION.fullmatch(s)
    if m:
        den, num = _to_float(m[2]), _to_float(m[3])
        if den == 0:
            raise NumberParseError("fraction with zero denominator", raw=s)
        if m[1]:
            return sign * (_to_float(m[1]) + num / den), None, ""
        return sign * num / den * 100, None, "%"
    m = _RE_SLASH.fullmatch(s)
    if m:
        den = float(m[2])
        if den == 0:
            raise NumberParseError("fraction with zero denominator", raw=s)
        return sign * float(m[1]) / den * 100, None, "%"
    return None


def _split_range(s: str) -> tuple[str, str] | None:
    m = _RE_RANGE.fullmatch(s)
    if m and _RE_HAS_DIGIT.search(m[2]) and m[2][:1] not in "-负−":
        return m[1], m[2]
    return None


def _strip_prefix(s: str) -> tuple[str, str]:
    for filler in FILLERS:
        if s.startswith(filler) and len(s) > len(filler):
            s = s[len(filler):]
            break
    for prefix in _PREFIXES_LONGEST_FIRST:
        if s.startswith(prefix) and len(s) > len(prefix):
            return s[len(prefix):], PREFIX_QUALIFIERS[prefix]
    return s, ""


def parse_quantity(s: str, raw: str) -> tuple[float, float | None, str, str]:
    """Parse a level expression (already normalised); return (value, value_high, unit, qualifier)."""
    s, qualifier = _strip_prefix(s)
    for suffix in TRAILING_SUFFIXES:
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
        hi_s, hi_prefix_q = _strip_prefix(parts[1])
        hi, hi_unit, hi_q, hi_mag = _parse_amount(hi_s, raw)
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

    Levels (1.46亿元, 两千余名, 三成), changes (从5万元增长到12万元: ``value_before`` →
    ``value``) and growth (缩小5%: signed). Raises :class:`NumberParseError` naming the string
    when it is not a number.
    """
    if not isinstance(raw, str):
        raise NumberParseError("expected a string", raw=repr(raw))
    s = normalise(raw)
    if not s or not _RE_ANY_NUMERAL.search(s):
        raise NumberParseError("no number in string", raw=raw)
    m = _CHANGE_RE.match(s)
    if m:
        # 由2020年底的3862个 / 由上年的41个: the date or base before 的 is not a value
        a = _RE_DATED_BASE.sub("", m["a"])
        before, _, unit_a, _ = parse_quantity(a, raw)
        steps = [_RE_DATED_BASE.sub("", m["b"])] + [p for p in _CHAIN_SPLIT.split(m["rest"]) if p]
        after, high, unit_b, qual = parse_quantity(steps[-1], raw)
        if unit_a and unit_b and unit_a != unit_b:
            raise NumberParseError(f"change between different units {unit_a} and {unit_b}", raw=raw)
        return ParsedNumber(raw, after, high, unit_b or unit_a, qual, "change", before)
    m = _GROWTH_RE.match(s)
    if (m and _RE_GROWTH_REST.match(m["rest"])
            and (m["base"] or m["verb"] not in GROWTH_NEEDS_BASE)):
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


# --- writing numbers --------------------------------------------------------------------------

def human_number(v: SupportsFloat | str) -> str:
    """A number as people read it (site pages, tables, findings), never in e-notation:
    25937000 -> '25,937,000', 158400.5 -> '158,400.5', 98.314 -> '98.31', 0.00012 -> '0.00012'."""
    x = float(v)
    if x != x:  # NaN
        return ""
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"
    if x.is_integer():
        return f"{int(x):,}"
    if abs(x) >= 1:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    digits = 4 - 1 - int(math.floor(math.log10(abs(x))))
    return f"{x:.{max(digits, 2)}f}".rstrip("0").rstrip(".")
