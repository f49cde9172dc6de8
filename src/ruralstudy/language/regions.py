"""Region names: variants, nicknames and normalisation to a canonical name.

Reports and hand-gathered sheets write the same place several ways: with or without its
suffix (六盘水 / 六盘水市), with its prefecture in front (乐山市市中区 / 市中区), in traditional
characters, or by a nickname (凉都 for 六盘水市).
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Iterable
from typing import Any

#: Nicknames and informal names seen in reports -> canonical name.
NICKNAMES: dict[str, str] = {
    "凉都": "六盘水市", "中国凉都": "六盘水市", "江海": "南通市", "嘉州": "乐山市",
    "达旗": "达拉特旗", "鹤城": "怀化市", "港城": "连云港市",
}
_SUFFIXES = ("特别行政区", "维吾尔自治区", "回族自治区", "壮族自治区", "自治区", "自治州", "自治县",
             "地区", "省", "市", "县", "区", "旗", "盟", "州")
#: Prefecture-level prefixes that reports drop in front of a district name.
_PREFECTURE_PREFIX = re.compile(r"^(.{2,4}?(市|州|盟))(?=.{2,}(区|县|旗|市)$)")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC  # opencc-python-reimplemented: traditional -> simplified

    return OpenCC("t2s")  # loading its dictionaries takes 5 ms: once per process


@lru_cache(maxsize=4096)
def _t2s(text: str) -> str:
    return _converter().convert(text)


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (OpenCC t2s)."""
    return _t2s(text) if text else text


def strip_suffix(name: str) -> str:
    """六盘水市 -> 六盘水; names of two characters keep their suffix (e.g. 莘县)."""
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def name_variants(name: str) -> list[str]:
    """Ways a text may mention a region: full name, name without prefecture, short form, nicknames."""
    variants = {name}
    m = _PREFECTURE_PREFIX.match(name)
    if m:
        variants.add(name[m.end():])
    variants.update(v for v in list(variants) if v)
    variants.add(strip_suffix(name))
    variants.update(nick for nick, canon in NICKNAMES.items() if canon == name)
    return sorted(v for v in variants if len(v) >= 2)


def canonical_name(name: str) -> str:
    """Normalise a region name as written to a canonical form (simplified, no spaces, nickname resolved)."""
    s = to_simplified(re.sub(r"\s+", "", name or ""))
    s = NICKNAMES.get(s, s)
    return s


def _code_query(name: str, province: str, level: str) -> str | None:
    """What cpca is asked for a region (None: the region has no code to look up)."""
    if not name or level == "national" or name in ("全国", "中国"):
        return None
    return name if name.startswith(province) or not province or province == "全国" \
        else province + name


def _code_of_row(name: str, level: str, row: Any) -> str:
    """The division code cpca's row gives for ``name`` at ``level``, or '' if the row does not
    name the region itself at that level."""
    code = str(row.get("adcode") or "")
    matched = {str(row.get(k) or "") for k in ("省", "市", "区")}
    matched.add(str(row.get("市") or "") + str(row.get("区") or ""))  # 乐山市市中区
    if not code or not any(m and (m == name or strip_suffix(m) == strip_suffix(name))
                           for m in matched):
        return ""
    # the code must be at the level asked for: provinces end in 0000, prefectures in 00
    if level == "province" and not code.endswith("0000"):
        return ""
    if level == "prefecture" and not code.endswith("00"):
        return ""
    if level == "county" and code.endswith("00"):
        return ""
    return code


@lru_cache(maxsize=4096)
def division_code(name: str, province: str, level: str) -> str:
    """Official administrative division code (GB/T 2260, via cpca's table), or '' if not unique.

    National figures and unnamed regions get ''. The match must name the region itself, not
    only its province or prefecture, so a county cpca cannot place stays without a code.
    Many regions at once: :func:`division_codes` (one cpca call for all of them).
    """
    query = _code_query(name, province, level)
    if query is None:
        return ""
    try:
        import cpca  # Chinese province/city/area table with adcodes
    except ImportError:  # pragma: no cover - cpca is a declared dependency
        return ""
    return _code_of_row(name, level, cpca.transform([query]).iloc[0])


def division_codes(regions: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """:func:`division_code` of each (name, province, level), the same codes, with one call to
    cpca for all of them: cpca's transform costs about 2 ms a call however short its list, so
    1,000 regions one by one took 1.4 s of every build, and 20 ms in one call."""
    todo = list(dict.fromkeys(regions))
    queries = {r: _code_query(*r) for r in todo}
    ask = [r for r in todo if queries[r] is not None]
    out = {r: "" for r in todo}
    if not ask:
        return out
    try:
        import cpca
    except ImportError:  # pragma: no cover - cpca is a declared dependency
        return out
    rows = cpca.transform([queries[r] for r in ask])
    # records, not iterrows: a Series per row cost 0.4 s at 1,000 regions
    for r, row in zip(ask, rows.to_dict("records")):
        out[r] = _code_of_row(r[0], r[2], row)
    return out


# --- one name per province, one code vintage -------------------------------------------------

#: Where the division codes come from: cpca's adcode table (GB/T 2260 codes; its table predates
#: the 2017 renaming of 许昌县 to 建安区, so codes are of about 2016). Kept beside every code so
#: that a researcher joining other data knows which vintage to match.
CODE_VINTAGE = "GB/T 2260 via cpca 0.5.5 (about 2016)"


@lru_cache(maxsize=1)
def _provinces() -> dict[str, str]:
    """Short name (四川, 内蒙古, 广西) -> official name (四川省, 内蒙古自治区, 广西壮族自治区),
    from cpca's table of provinces (12-digit codes ending in ten zeros)."""
    try:
        from importlib import resources

        import pandas as pd

        with resources.files("cpca").joinpath("resources/adcodes.csv").open("rb") as f:
            table = pd.read_csv(f, dtype=str, usecols=["adcode", "name"])
    except (ImportError, OSError, ValueError):  # pragma: no cover - cpca is a declared dependency
        return {}
    out = {}
    for name in table.loc[table["adcode"].str.endswith("0000000000"), "name"]:
        short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", name)
        out[short] = name
        out[name] = name
    return out


def province_name(name: str) -> str:
    """One official name per province, however it was written (四川 / 四川省 / 四川 省 / 內蒙古):
    ``四川省``, ``内蒙古自治区``. ``全国`` and names that are not provinces are kept as written
    (canonicalised), never guessed."""
    s = canonical_name(name)
    if not s or s in ("全国", "中国"):
        return s
    table = _provinces()
    if s in table:
        return table[s]
    short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", s)
    return table.get(short, s)
