"""Extracting figures from cleaned report text, with provenance.

A figure is a numeric expression written with Arabic digits (or 百分之…/…分之…) that carries a
unit, a percent sign or a magnitude. Not figures: dates and durations (2022年, 7月, 3年以上),
ordinals (第1期), bare numbers without a unit, and set phrases in short quotes
("2168"标准体系, "520"专项激励计划, "6个100%"). Chinese-numeral phrases in running text (两委,
一肩挑, 五个一, 三会一课) are names, not figures, and are not extracted; the number parser
still understands Chinese numerals where a figure sheet writes them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass

import pandas as pd

from .corpus import Document, Region
from .errors import NumberParseError
from .numparse import (AMOUNT_AR, GROWTH_BASES, PREFIX_QUALIFIERS, parse_number)

FIGURE_COLUMNS = ["figure_id", "doc_id", "region", "province", "admin_level", "year", "start",
                  "end", "line", "raw", "value", "value_high", "value_before", "unit",
                  "qualifier", "kind", "sentence", "sent_offset"]

_PREFIX = "|".join(sorted((re.escape(p) for p in PREFIX_QUALIFIERS), key=len, reverse=True))
_SUFFIX = r"及以上|及以下|以上|以下|以内|左右"
_SEP = r"[—–\-~～至到]"
_AMOUNT = rf"(?:{AMOUNT_AR})"
_RANGE = rf"{_AMOUNT}(?:{_SEP}{_AMOUNT})?"
_CN = "零〇一二两三四五六七八九十百千"
_SPECIAL = rf"百分之[{_CN}\d.]+|[{_CN}]+分之[{_CN}]+|\d+/\d+"
_BASES = "|".join(GROWTH_BASES)
_GROWTH = (rf"(?:(?:{_BASES})(?:平均)?(?:增长|增加|提高|提升|上升|降低|下降|减少|低|高)|"
           r"(?:平均)?(?:增长|提高|提升|上升|降低|下降|减少|增幅|减幅|降幅|增收|增加))(?:了)?(?:为|达到|达)?")
_CHANGE_VERBS = (r"调整为|调整到|降至|降到|下降到|下降至|减少到|减少为|增加到|增加至|扩大到|扩大至|"
                 r"提高到|提高至|提升到|提升至|升至|上升到|增至|到|为")

CHANGE_RE = re.compile(
    rf"(?:从|由)(?:{_PREFIX})?{_AMOUNT}(?:{_CHANGE_VERBS})(?:{_PREFIX})?{_AMOUNT}"
    rf"(?:再到{_AMOUNT})*")
LEVEL_RE = re.compile(
    rf"(?P<growth>{_GROWTH})?(?P<pre>{_PREFIX})?(?<![\d.A-Za-z])(?<!\d,)(?<!\d/)"
    rf"(?P<body>{_SPECIAL}|{_RANGE})(?!\d|/\d)(?P<post>{_SUFFIX})?")
_BARE = re.compile(r"^[\d.,]+(?:[—–\-~～至到][\d.,]+)?$")
_QUOTE_OPEN = "“\"「『"
_QUOTE_CLOSE = "”\"」』"
_SENTENCE_END = "。!?;\n"


@dataclass(frozen=True)
class Figure:
    """One figure found in a document, with its provenance (raw span, line and sentence)."""

    figure_id: str
    doc_id: str
    region: str
    province: str
    admin_level: str
    year: int | None
    start: int
    end: int
    line: int
    raw: str
    value: float
    value_high: float | None
    value_before: float | None
    unit: str
    qualifier: str
    kind: str
    sentence: str
    sent_offset: int


def _in_short_quote(text: str, start: int, end: int, limit: int = 12) -> bool:
    """True when [start, end) sits inside a short quoted set phrase such as “2168”."""
    left = max((text.rfind(q, max(0, start - limit), start) for q in _QUOTE_OPEN), default=-1)
    if left < 0:
        return False
    close = [text.find(q, end, end + limit) for q in _QUOTE_CLOSE]
    close = [c for c in close if c >= 0]
    if not close:
        return False
    inner = text[left + 1:min(close)]
    return len(inner) <= limit and not any(c in inner for c in _QUOTE_OPEN + _QUOTE_CLOSE)


def _is_figure_body(body: str, text: str, start: int, end: int) -> bool:
    if _BARE.match(body):  # no unit, no percent, no magnitude: dates, years, codes
        return False
    if start > 0 and text[start - 1] == "第":
        return False
    if re.search(r"岁$", body) and re.match(r"(及)?(以下|以上)", text[end:end + 3]):
        return False  # an age threshold that is part of a label (35岁以下的占46.37%)
    return not _in_short_quote(text, start, end)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the cleaned-text bounds of the sentence containing [start, end)."""
    a = max(text.rfind(c, 0, start) for c in _SENTENCE_END) + 1
    ends = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i >= 0]
    b = min(ends) + 1 if ends else len(text)
    return a, b


def find_figure_spans(text: str) -> list[tuple[int, int]]:
    """Return cleaned-text spans of candidate figures, change phrases first, no overlaps."""
    spans: list[tuple[int, int]] = []
    taken = [False] * (len(text) + 1)
    for m in CHANGE_RE.finditer(text):
        spans.append((m.start(), m.end()))
        for k in range(m.start(), m.end()):
            taken[k] = True
    for m in LEVEL_RE.finditer(text):
        b0, b1 = m.span("body")
        if any(taken[b0:b1]):
            continue
        if not _is_figure_body(m["body"], text, b0, b1):
            continue
        start = m.start("growth") if m["growth"] else (m.start("pre") if m["pre"] else b0)
        end = m.end("post") if m["post"] else b1
        if m["post"] and re.search(r"岁$", m["body"]):
            continue  # age thresholds: see _is_figure_body
        # an age or a year threshold (35岁以下的, 45岁以下村干部) is part of a label, still a figure
        spans.append((start, end))
    spans.sort()
    return spans


def attribute_region(regions: tuple[Region, ...], text: str, pos: int,
                     mentions: list[tuple[int, int]]) -> Region | None:
    """The region whose latest mention precedes ``pos`` (the first region if none does)."""
    if not regions:
        return None
    i = bisect.bisect_right(mentions, (pos, len(regions))) - 1
    return regions[mentions[i][1]] if i >= 0 else regions[0]


def region_mentions(regions: tuple[Region, ...], text: str) -> list[tuple[int, int]]:
    """Positions where each region (by full name or its name without the prefecture) appears."""
    from .regions import name_variants

    found: list[tuple[int, int]] = []
    for idx, reg in enumerate(regions):
        for variant in name_variants(reg.name):
            for m in re.finditer(re.escape(variant), text):
                found.append((m.start(), idx))
    return sorted(set(found))


def extract_figures(doc: Document) -> list[Figure]:
    """Extract every figure of a document, in text order, each with its raw span and region."""
    text = doc.clean.text
    raw = doc.raw.text
    entry = doc.entry
    mentions = region_mentions(entry.regions, text)
    line_starts = [0] + [i + 1 for i, c in enumerate(raw) if c == "\n"]
    figures: list[Figure] = []
    for cs, ce in find_figure_spans(text):
        rs, re_ = doc.clean.raw_span(cs, ce)
        raw_str = raw[rs:re_]
        try:
            parsed = parse_number(text[cs:ce])
        except NumberParseError:
            continue  # candidate the grammar rejects (counted as not-a-figure)
        sa, sb = sentence_bounds(text, cs, ce)
        region = attribute_region(entry.regions, text, cs, mentions)
        figures.append(Figure(
            figure_id=f"{entry.doc_id}-{rs:06d}", doc_id=entry.doc_id,
            region=region.name if region else "", province=region.province if region else "",
            admin_level=region.level if region else "", year=entry.year,
            start=rs, end=re_, line=bisect.bisect_right(line_starts, rs), raw=raw_str,
            value=parsed.value, value_high=parsed.value_high, value_before=parsed.value_before,
            unit=parsed.unit, qualifier=parsed.qualifier, kind=parsed.kind,
            sentence=text[sa:sb].strip(),
            sent_offset=cs - sa - (len(text[sa:sb]) - len(text[sa:sb].lstrip()))))
    return figures


def figures_frame(figures: list[Figure]) -> pd.DataFrame:
    """Tidy frame of figures with :data:`FIGURE_COLUMNS`, sorted by document and offset."""
    df = pd.DataFrame([asdict(f) for f in figures], columns=FIGURE_COLUMNS)
    df = df.sort_values(["doc_id", "start"], kind="mergesort").reset_index(drop=True)
    df["year"] = df["year"].astype("Int64")
    for col in ("value", "value_high", "value_before"):
        df[col] = df[col].astype("float64")
    for col in ("start", "end", "line", "sent_offset"):
        df[col] = df[col].astype("int64")
    return df
