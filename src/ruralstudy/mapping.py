"""Mapping figures to codebook indicators. Pure functions on strings and frozen dataclasses.

A figure maps to the indicator whose cue matches the clause around it (report text) or the
label a researcher wrote (figure sheets), whose unit fits the figure's unit and whose valid
range holds the value. Ties go to the cue found closest, then the longest cue, then codebook
order. Every figure gets a result: an indicator with the rule that fired and a confidence, or
no indicator and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .codebook import Codebook, Indicator

CLAUSE_DELIMS = ",;:、。!?\n;,:"
CONF_OWN = 0.9
CONF_PREV_GROWTH = 0.8
CONF_PREV = 0.6
CONF_LABEL = 0.95
FIGURE_MARK = "〔N〕"


@dataclass(frozen=True)
class Mapping:
    """The mapping of one figure: indicator ('' when unmapped), rule, confidence, reason."""

    indicator_id: str
    rule: str
    confidence: float
    reason: str = ""

    @property
    def mapped(self) -> bool:
        return bool(self.indicator_id)


def clause_windows(sentence: str, offset: int, length: int) -> tuple[str, str]:
    """The figure's own clause (text between delimiters around it, the figure itself replaced by
    :data:`FIGURE_MARK` so cues can say where it stands) and the clause before it."""
    a = offset
    while a > 0 and sentence[a - 1] not in CLAUSE_DELIMS:
        a -= 1
    b = offset + length
    while b < len(sentence) and sentence[b] not in CLAUSE_DELIMS:
        b += 1
    p = a - 1
    while p > 0 and sentence[p - 1] not in CLAUSE_DELIMS:
        p -= 1
    prev = sentence[max(p, 0):max(a - 1, 0)] if a > 0 else ""
    own = sentence[a:offset] + FIGURE_MARK + sentence[offset + length:b]
    return own, prev


_FILLER = re.compile(r"〔N〕|比例|达到|达|为|占比|占|其中|分别|共|约|的|是|了|已|均|\s|[\d.%—\-]|"
                     r"[个名人支处家户万亿元岁余多以上下近超过突破不低于]")


def own_is_bare(own: str) -> bool:
    """True when a clause holds only the figure and filler words (比例达到85.48%), so its subject
    is in the clause before."""
    return not _FILLER.sub("", own)


def _best_cue(ind: Indicator, text: str) -> re.Match[str] | None:
    if any(x.search(text) for x in ind.excludes):
        return None
    if not all(r.search(text) for r in ind.requires):
        return None
    best = None
    for cue in ind.cues:
        m = cue.search(text)
        if m and (best is None or len(m.group(0)) > len(best.group(0))):
            best = m
    return best


def map_figure(codebook: Codebook, own: str, prev: str, unit: str, kind: str, value: float,
               *, label: bool = False) -> Mapping:
    """Map one figure given its own clause (or sheet label) and the clause before it."""
    candidates: list[tuple[float, int, int, Indicator, str]] = []
    cued_other_unit: list[str] = []
    out_of_range: list[str] = []
    windows = [(own, CONF_LABEL if label else CONF_OWN, "label" if label else "clause")]
    if prev and not label and (kind == "growth" or own_is_bare(own)):
        windows.append((prev, CONF_PREV_GROWTH if kind == "growth" else CONF_PREV, "previous clause"))
    for text, conf, where in windows:
        for ind in codebook.indicators:
            m = _best_cue(ind, text)
            if not m:
                continue
            if not ind.fits_unit(unit, kind):
                cued_other_unit.append(ind.id)
                continue
            if kind != "growth" and not ind.in_range(value):
                out_of_range.append(ind.id)
                continue
            candidates.append((conf, len(m.group(0)), -ind.order, ind,
                               f"{ind.id}: cue /{m.re.pattern}/ matched '{m.group(0)}' in {where}"))
        if candidates:
            break
    if candidates:
        conf, _, _, ind, rule = max(candidates, key=lambda c: (c[0], c[1], c[2]))
        if kind == "growth" and ind.growth_to and ind.growth_to in codebook:
            target = codebook.get(ind.growth_to)
            if target.fits_unit(unit, kind):
                return Mapping(target.id, f"{rule}; growth of {ind.id} -> {target.id}", conf)
        return Mapping(ind.id, rule, conf)
    if out_of_range:
        return Mapping("", "", 0.0, f"value {value:g} outside the valid range of "
                                    f"{', '.join(sorted(set(out_of_range)))}")
    if cued_other_unit:
        return Mapping("", "", 0.0, f"unit '{unit or 'none'}' does not fit the cued indicator(s) "
                                    f"{', '.join(sorted(set(cued_other_unit)))}")
    return Mapping("", "", 0.0, "no codebook cue in the " + ("label" if label else "clause"))
