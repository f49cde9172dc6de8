"""Like with like: village election rounds, periods, and the one comparability rule.

Two values may be set against each other (ranked, correlated, shown as peers, differenced)
only when the rule says so. The rule is written once, in :func:`_parts`; every page of the
site and every notebook reads it through :func:`comparability_key` (two rows are comparable
exactly when their keys are equal and not empty), :func:`comparable` (the same verdict for two
values, with the reason), :func:`group_key` (level and round, for pairs of indicators),
:func:`compared_as` (the indicator with its income concept: a panel cell, a column) or
:func:`mixed_parts` (does a frame hold one group?).

The rule: **same admin level, same election round, same indicator** — and an indicator fixes
the body (村“两委” vs 村委会 vs secretaries), the base (行政村 vs 村(社区)), the property and
its conditions, and for money the income concept (total / operating / net) — **and a whole
period** (a year, or a stock at the report's date; never a part year, a year to date or a
several-year total).

Rounds come from each province's election calendar (``election_calendar.yaml``) and the cues
in the figure's own text (换届后, 新一届, 较上届 ...), never from the calendar year alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import pandas as pd

#: The panel's three rounds (the calendar also knows the earlier 2014-16 round).
PANEL_ROUNDS = ("2017-18", "2020-21", "2024-26")
#: Periods whose values enter the panel: a whole year, or a stock at the report's date ('').
WHOLE_PERIODS = ("year", "")
PERIODS = ("year", "year_to_date", "part_year", "several_years", "")

RULE_TEXT = ("Two values are compared only when they are of the same admin level, the same "
             "village election round and the same indicator — which fixes the body (村“两委”, "
             "村委会, secretaries), the base (行政村 or 村(社区)), the property with its conditions "
             "and, for money, the income concept (total, operating or net) — and both describe a "
             "whole period (a year, or a stock at the report's date). Counts and totals, which "
             "grow with a region's size, are listed but never ranked.")

# --- periods ---------------------------------------------------------------------------------

_PERIOD_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("several_years", re.compile(r"近年来|近[一二两三四五六七八九十\d]+年|多年来|以来累计|累计|"
                                 r"十[二三四]五(以来|期间)|党的十[八九]大以来|[\d一二三四五]+年来")),
    ("part_year", re.compile(r"上半年|下半年|[一二三四1-4]季度|前三季度|\d{1,2}[-—至到]\d{1,2}月")),
    ("year_to_date", re.compile(r"截[至止]目前|截[至止]\d{1,2}月|截[至止][一二三四五六七八九十]+月|"
                                r"今年以来|年初以来|目前为止")),
)


def period_of(text: str) -> str:
    """The period a figure's text names (see the ``period`` field of the codebook): one of
    ``several_years``, ``part_year``, ``year_to_date``, else ``''`` (a year or a stock).

    Used when the measurement carries no ``period`` of its own."""
    t = text or ""
    for name, pat in _PERIOD_CUES:
        if pat.search(t):
            return name
    return ""


# --- election rounds -------------------------------------------------------------------------

#: Text that says a figure is the result of an election (the new round).
NEW_ROUND_CUES = re.compile(r"换届后|换届以后|新一届|新当选|新选出|新进|本次换届|此次换届|本届|"
                            r"换届选举(后|中)|[较比与]上[一]?届|选优配强后|已完成.{0,4}换届")
#: Text that says a figure describes the previous round.
OLD_ROUND_CUES = re.compile(r"换届前|上[一]?届(?!相比)(?![^，,。；;]{0,6}(下降|提高|增加|减少|降低|提升))")


#: Literal text every match of NEW_ROUND_CUES contains one of (each of its alternatives holds
#: one; tests/tables check it): text with none of them cannot say a figure is a new round's.
NEW_CUE_KEYS = ("届", "新当选", "新选出", "新进", "选优配强后")


def may_cue_new(text: str) -> bool:
    """False when ``text`` cannot match :data:`NEW_ROUND_CUES` (holds none of
    :data:`NEW_CUE_KEYS`): a substring test, some 20 times cheaper than the expression, run
    first by :func:`round_cue` (the indicators table asks it of every figure's sentence: the
    expression alone took 0.3 s at 1,000 reports)."""
    return isinstance(text, str) and any(k in text for k in NEW_CUE_KEYS)


def round_cue(text: str) -> str:
    """'new' when the text says the figure is an election's result (换届后, 新一届, 较上届),
    'old' when it describes the previous round (换届前, 上届 as a value), else ''."""
    t = text or ""
    if may_cue_new(t) and NEW_ROUND_CUES.search(t):  # the expression only where it can match
        return "new"
    if OLD_ROUND_CUES.search(t):
        return "old"
    return ""


@dataclass(frozen=True)
class Window:
    """One province's election of one round: from the first month of ``start`` to the last
    of ``end``."""

    round: str
    start: date
    end: date
    source: str
    url: str = ""
    checked: bool = False
    note: str = ""


def _month(s: str, last: bool = False) -> date:
    y, m = (int(x) for x in str(s).split("-")[:2])
    if not last:
        return date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@lru_cache(maxsize=1)
def calendar() -> dict[str, Any]:
    """The election calendar (``election_calendar.yaml``), parsed and checked once (see
    :func:`check_calendar`)."""
    import yaml

    text = resources.files("ruralstudy.tables").joinpath("election_calendar.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    check_calendar(data)
    return data


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_calendar(data: dict[str, Any]) -> None:
    """Refuse a calendar whose windows do not say where they come from: every window (each
    round's ``default`` and each province row) needs ``start`` <= ``end`` (YYYY-MM), a
    ``source``, a ``url`` ('' or an http(s) address) and ``checked`` (true or false); a
    checked window needs its page (``url``), an unchecked one a ``note`` saying what is not
    confirmed. Raises :class:`ruralstudy.errors.ValidationError` naming the window."""
    from ..errors import ValidationError

    bad = []
    ids = []
    for r in data.get("rounds") or []:
        rid = str(r.get("id", ""))
        ids.append(rid)
        if not rid or not str(r.get("source", "")).strip():
            bad.append(f"round {rid or '?'}: needs an id and a source")
        rows = [("default", r.get("default"))] + list((r.get("provinces") or {}).items())
        for name, w in rows:
            where = f"round {rid}, {name}"
            if not isinstance(w, dict):
                bad.append(f"{where}: no window")
                continue
            start, end = str(w.get("start", "")), str(w.get("end", ""))
            if not (_MONTH.fullmatch(start) and _MONTH.fullmatch(end)):
                bad.append(f"{where}: start and end must be months (YYYY-MM), not {start!r}, {end!r}")
            elif start > end:
                bad.append(f"{where}: starts ({start}) after it ends ({end})")
            if not str(w.get("source", "") or "").strip():
                bad.append(f"{where}: no source")
            url = w.get("url")
            if not isinstance(url, str) or (url and not re.match(r"https?://", url)):
                bad.append(f"{where}: url must be '' or an http(s) address, not {url!r}")
            checked = w.get("checked")
            if not isinstance(checked, bool):
                bad.append(f"{where}: checked must be true or false, not {checked!r}")
            elif checked and not url:
                bad.append(f"{where}: checked without the page (url) that confirms it")
            elif not checked and not str(w.get("note", "") or "").strip():
                bad.append(f"{where}: not checked, and no note saying what is unconfirmed")
    if len(set(ids)) != len(ids) or not ids:
        bad.append(f"round ids must be present and distinct: {ids}")
    if bad:
        raise ValidationError("election_calendar.yaml: " + "; ".join(bad),
                              file="election_calendar.yaml")


def calendar_windows() -> list[dict[str, Any]]:
    """Every window of the calendar as a flat row (round, province or '' for the default,
    start, end, source, url, checked, note), for the site and the data package."""
    out = []
    for r in calendar()["rounds"]:
        rows = [("", r["default"])] + list((r.get("provinces") or {}).items())
        for prov, w in rows:
            out.append({"round": r["id"], "province": prov, "start": w["start"], "end": w["end"],
                        "source": str(w["source"]).strip(), "url": w["url"],
                        "checked": w["checked"], "note": str(w.get("note", "") or "").strip()})
    return out


def province_windows(province: str) -> tuple[Window, ...]:
    """Each round's election window in a province (its own row, else the round's default),
    oldest first. ``province`` in any spelling (辽宁 / 辽宁省)."""
    return _windows(_province_key(province))


@lru_cache(maxsize=256)
def _windows(key: str) -> tuple[Window, ...]:
    out = []
    for r in calendar()["rounds"]:
        own = (r.get("provinces") or {}).get(key)
        row = own or r["default"]
        src = str(row["source"]).strip() if own else f"national default: {str(row['source']).strip()}"
        out.append(Window(r["id"], _month(row["start"]), _month(row["end"], last=True), src,
                          row["url"], row["checked"], str(row.get("note", "") or "").strip()))
    return tuple(sorted(out, key=lambda w: w.start))


def _province_key(name: object) -> str:
    return province_key(name)


def province_key(name: object) -> str:
    """One key per province however it is written: 内蒙古 and 内蒙古自治区 -> 内蒙古;
    广西壮族自治区 -> 广西; traditional characters are read as simplified. '' for no province."""
    from ..language.regions import strip_suffix, to_simplified

    if name is None or (not isinstance(name, str) and pd.isna(cast(Any, name))):
        return ""
    n = to_simplified(str(name).strip())
    if not n:
        return ""
    for suffix in ("维吾尔自治区", "回族自治区", "壮族自治区", "特别行政区", "自治区", "省", "市"):
        if n.endswith(suffix) and len(n) - len(suffix) >= 2:
            return n[: -len(suffix)]
    return strip_suffix(n)


def parse_date(text: object) -> date | None:
    """'2021-03-18' -> that day; '2021-03' -> the 1st; '2021' -> None (a year is not a date)."""
    if text is None or (not isinstance(text, str) and pd.isna(cast(Any, text))):
        return None
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*", str(text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None


def reference_date(year: object, period: str, published: object) -> tuple[date | None, str]:
    """The date a value describes, and how it was decided.

    A whole year's figure describes the year's end; a stock (period '') the report's date when
    the report is of that year or names no year, else the end of the year it names; a figure
    with neither a year nor a publication date has no date."""
    pub = parse_date(published)
    y = None if year is None or pd.isna(cast(Any, year)) else int(cast(Any, year))
    if y is None:
        if pub is None:
            return None, "no year and no publication date"
        return pub, f"publication date {pub.isoformat()} (the text names no year)"
    if period == "" and pub is not None and pub.year == y:
        return pub, f"publication date {pub.isoformat()} (a stock in the year it names)"
    return date(y, 12, 31), f"end of {y}, the year it describes"


def assign_round(ref: date | None, province: str, cue: str = "") -> tuple[str, str]:
    """The election round a value dated ``ref`` belongs to in ``province``, and why.

    Without a cue, a value belongs to the latest round whose election in the province was over
    by its date (a value dated during or before an election belongs to the earlier round). With
    a 'new' cue (换届后, 新一届, 较上届) it is that election's result: the latest round whose
    election had begun. With an 'old' cue, the round before that. ('', reason) when there is
    no date or the date precedes every round in the calendar."""
    if ref is None:
        return "", "no date: round unknown"
    wins = province_windows(province)
    begun = [w for w in wins if w.start <= ref]
    over = [w for w in wins if w.end <= ref]
    if cue == "new":
        if not begun:
            return "", f"{ref.isoformat()} precedes every round in the calendar"
        w = begun[-1]
        return w.round, (f"the text says it is the election's result (换届后/新一届/较上届), dated "
                         f"{ref.isoformat()}, after the {w.round} election began "
                         f"({w.start:%Y-%m}; {w.source})")
    if cue == "old":
        if len(begun) < 2:
            return "", f"the text names the previous round of {ref.isoformat()}: before the calendar"
        w = begun[-2]
        return w.round, f"the text names the previous round (换届前/上届): {w.round}"
    if not over:
        return "", f"{ref.isoformat()} precedes every round in the calendar"
    w = over[-1]
    during = [x for x in wins if x.start <= ref < x.end and x.round != w.round]
    why = (f"dated {ref.isoformat()}, before the {during[0].round} election in the province was "
           f"over ({during[0].end:%Y-%m}), and the text does not say it is its result: "
           f"the earlier round" if during else
           f"dated {ref.isoformat()}, after the {w.round} election ({w.end:%Y-%m}; {w.source})")
    return w.round, why


def round_of(year: object, period: str, published: object, province: str,
             text: str = "", release_cue: str = "") -> tuple[str, str]:
    """(round, basis) of one value: :func:`reference_date` then :func:`assign_round` with the
    cue of its text. ``release_cue`` is 'new' when another figure of the same release and
    region says it is an election's result (换届后, 新一届, 较上届): a value of that release
    dated at its publication, with no cue of its own, then describes the new round too (the
    release shows the region's election was over by that date). A value dated earlier (a past
    year's income) keeps its own date's round."""
    ref, how = reference_date(year, period, published)
    cue = round_cue(text)
    if not cue and release_cue == "new" and ref is not None and ref == parse_date(published):
        rnd, why = assign_round(ref, province, "new")
        return rnd, (f"{how}; another figure of the same release and region is the election's "
                     f"result (换届后/新一届/较上届), so the region had voted by then; {why}")
    rnd, why = assign_round(ref, province, cue)
    return rnd, f"{how}; {why}"


# --- the comparability rule ------------------------------------------------------------------

_OPERATING = re.compile(r"经营性|經營性|\boperating\b", re.I)
_NET = re.compile(r"纯收入|净收入|收益|純收入|淨收入|\bnet\b", re.I)


def income_concept(indicator_id: str, text: str = "") -> str:
    """'operating', 'net', 'total' or '' (not about collective income).

    The collective income indicators fix it by their id; an income band (villages over or
    under a line, no income, weak villages) is about whichever income its label or sentence
    names: 经营性收入 (operating), 纯收入/净收入/收益 (net), else total."""
    i = str(indicator_id)
    if i.startswith("collective_income"):
        return "operating" if "operating" in i else "net" if "net" in i else "total"
    if i.startswith(("villages_income", "villages_no_income", "weak_villages")):
        t = str(text or "")
        return "operating" if _OPERATING.search(t) else "net" if _NET.search(t) else "total"
    return ""


_CONCEPT_WORDS = {"operating": ("集体经营性收入", "collective operating income"),
                  "net": ("集体纯收入", "collective net income")}


def concept_labels(indicator_id: str, label_zh: str, label_en: str, concept: str) -> tuple[str, str]:
    """An income band's labels with its income concept written in, so that a reader never
    takes a band by operating (or net) income for the band by total income:
    集体收入50万元以上村数 → 集体经营性收入50万元以上村数. Other indicators keep their labels
    (collective_income_* ids name their concept already)."""
    if not str(indicator_id).startswith("villages_income") or concept not in _CONCEPT_WORDS:
        return label_zh, label_en
    zh, en = _CONCEPT_WORDS[concept]
    return (re.sub(r"集体(?:经济)?收入", zh, label_zh, count=1),
            re.sub(r"collective income", en, label_en, count=1))


def _blank(v: object) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(cast(Any, v))) or str(v).strip() == ""


#: What the rule compares, in the order its reasons are given. Every decision about what may be
#: set side by side reads these parts through :func:`_rule_parts`, and nothing else.
RULE_FIELDS = ("admin_level", "round", "indicator_id", "income_concept", "period")


def _text(v: object) -> str:
    return "" if _blank(v) else str(v).strip()


def _parts(row: Any) -> dict[str, Any]:
    """THE comparability rule, once, for one value (a mapping): its admin level, round,
    indicator, income concept (the given one, else what the indicator id implies), period, and
    ``ok`` — False when the level or round is unknown or the period is not whole. Two values
    are comparable exactly when both are ok and their :func:`_key` is equal. Every function
    below reads values through it."""
    get = row.get if hasattr(row, "get") else (lambda _k, _d=None: _d)
    level, rnd = _text(get("admin_level")), _text(get("round"))
    ind, period = _text(get("indicator_id")), _text(get("period"))
    concept = _text(get("income_concept")) or income_concept(ind)
    whole = period in WHOLE_PERIODS
    return {"admin_level": level, "round": rnd, "indicator_id": ind, "income_concept": concept,
            "period": period, "whole": whole, "ok": bool(level and rnd and whole)}


def _key(p: dict[str, Any]) -> str:
    return f"{p['admin_level']}|{p['round']}|{p['indicator_id']}|{p['income_concept']}" if p["ok"] else ""


def _rule_parts(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`_parts` of every row of ``df`` (columns it lacks count as blank)."""
    cols = [c for c in RULE_FIELDS if c in df]
    parts = [_parts(r) for r in df[cols].to_dict("records")]
    return pd.DataFrame(parts, index=df.index,
                        columns=[*RULE_FIELDS, "whole", "ok"]).astype({"whole": bool, "ok": bool})


def comparability_key(df: pd.DataFrame) -> pd.Series:
    """The rule as one key per row (admin level | round | indicator | income concept): two
    rows are comparable exactly when their keys are equal and non-empty. Rows with an unknown
    level or round, or a period that is not whole, get ''."""
    cols = [c for c in RULE_FIELDS if c in df]
    return pd.Series([_key(_parts(r)) for r in df[cols].to_dict("records")], index=df.index,
                     dtype=object)


def comparable(a: dict[str, Any] | pd.Series, b: dict[str, Any] | pd.Series) -> tuple[bool, str]:
    """May two values be compared? (True, '') or (False, the first reason they may not).

    Each is a mapping with ``admin_level``, ``round``, ``indicator_id`` and optionally
    ``period`` (a missing period counts as whole) and ``income_concept`` (else read from the
    indicator id). The verdict is the keys' (:func:`_parts`, :func:`_key`: the same as
    :func:`comparability_key`); the reason names the first part that differs. See
    :data:`RULE_TEXT`."""
    x, y = _parts(a), _parts(b)
    if x["ok"] and _key(x) == _key(y):
        return True, ""
    for side in (x, y):
        if not side["admin_level"]:
            return False, "admin level unknown"
        if not side["round"]:
            return False, "election round unknown"
        if not side["whole"]:
            return False, f"period {side['period']}: not a whole year or a stock"
    if x["admin_level"] != y["admin_level"]:
        return False, f"different admin levels ({x['admin_level']} and {y['admin_level']})"
    if x["round"] != y["round"]:
        return False, f"different election rounds ({x['round']} and {y['round']})"
    ca, cb = x["income_concept"], y["income_concept"]
    if ca != cb and (ca and cb or x["indicator_id"] == y["indicator_id"]):
        return False, f"different income concepts ({ca} and {cb})"
    return False, (f"different indicators ({x['indicator_id']} and {y['indicator_id']}): "
                   "another body, base, property or condition")


def compared_as(df: pd.DataFrame) -> pd.Series:
    """The indicator as the rule compares it: the indicator id, with the income concept
    appended (``villages_income_over_10w_share[operating]``) when a row's concept is not the
    one its id implies — so an operating-income band is never a column, cell or peer of the
    total-income band of the same id. The panel's cell and a wide table's column use it."""
    p = _rule_parts(df)
    implied = p["indicator_id"].map(income_concept)
    return p["indicator_id"].where(p["income_concept"] == implied,
                                   p["indicator_id"] + "[" + p["income_concept"] + "]")


def mixed_parts(df: pd.DataFrame) -> list[str]:
    """The parts of the rule (:data:`RULE_FIELDS`) on which the rows of ``df`` differ, among
    the columns ``df`` has (a chart of rows of one group returns []); a period that is not
    whole is reported as 'period'. Used where a frame must be one comparable group."""
    p = _rule_parts(df)
    out = [c for c in RULE_FIELDS if c in df and c != "period" and p[c].nunique() > 1]
    if "income_concept" not in out and "indicator_id" in df and p["income_concept"].nunique() > 1:
        out.append("income_concept")
    if "period" in df and not p["whole"].all():
        out.append("period")  # a year and a stock are both whole: only a part period is mixed in
    return out


def group_key(df: pd.DataFrame) -> pd.Series:
    """Admin level | round of each row ('' when either is unknown or the period is not whole):
    the groups within which regions may be set side by side across indicators (e.g. a
    correlation of two indicators; each indicator as :func:`compared_as` names it)."""
    p = _rule_parts(df)
    return (p["admin_level"] + "|" + p["round"]).where(p["ok"], "")


def round_label(rnd: object) -> str:
    """'2020-21 round' or 'round unknown'."""
    return "round unknown" if _blank(rnd) else f"{rnd} round"
