"""Mapping a figure's measurement to a codebook indicator, exactly, or refusing with the reason.

A figure is a value of an indicator only when the measured entity, the property and the set of
conditions are exactly the indicator's definition, the scope is the whole region, the statement
is an observed value (not a target, rule or threshold), the unit fits and the value lies in the
indicator's valid range. Anything else stays unmapped with a reason a researcher can read
("entity village_committee_member, cadre_mean_age needs two_committees_member"). An empty cell is
better than a wrong one. Pure functions on frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codebook import Codebook
from .measure import Measurement

CONF_LABEL = 0.95
CONF_TEXT = 0.9
CONF_PREV = 0.7
#: The rule's raw score lowered by each flag of the reader's structure (a subject carried from
#: another sentence is weaker evidence than one in the figure's clause). Not calibrated: the
#: review helper fits a calibrated confidence on top of it.
FLAG_PENALTY = {"subject_carried": 0.1, "subject_other_sentence": 0.1, "fenbie_paired": 0.05,
                "qizhong_subset": 0.05, "bare_share": 0.05, "band_from_subject": 0.05}
#: Periods whose values are values of an indicator. A flow over part of a year (上半年), the
#: year so far (截至目前 in a September article) or several years (近年来, 近三年累计) is not a
#: year's value: it stays unmapped with its period as the reason (it keeps its period in the
#: mapping table), so that no consumer of the indicators table has to filter it out, and no
#: half-year income or three-year total is ever compared with a year's (issue 19, kind 7).
#: The panel keeps only these periods too (:func:`ruralstudy.tables.indicators.panel_table`).
PANEL_PERIODS = ("", "year")
PERIOD_WORDS = {"part_year": "part of a year", "year_to_date": "the year so far",
                "several_years": "several years"}
#: Properties no indicator measures (a change lives in value_before of its level).
NON_INDICATOR_PROPERTIES = ("amount", "change", "other")
#: Entities that are organisations or places, never counted in people (200名明星村书记).
ORGANISATIONS = frozenset({"village_party_org", "party_org", "village_community_party_org",
                           "service_centre", "cooperative", "work_team", "admin_village",
                           "village_or_community", "village_committee", "community"})


#: Entities that are people, never counted in households (5002户党员).
PEOPLE = frozenset({"party_member", "branch_secretary", "two_committees_member",
                    "village_committee_member", "village_cadre", "first_secretary",
                    "reserve_cadre", "population"})


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


def _near_misses(codebook: Codebook, m: Measurement) -> str:
    """Say which field keeps a figure from the indicators it almost matches (two of three)."""
    conds = m.matching_conditions()
    out = []
    for ind in codebook.indicators:
        same = [ind.entity == m.entity, ind.property == m.property,
                frozenset(ind.conditions) == conds]
        if sum(same) != 2:
            continue
        if not same[0]:
            out.append(f"entity {m.entity}, {ind.id} needs {ind.entity}")
        elif not same[1]:
            out.append(f"property {m.property}, {ind.id} needs {ind.property}")
        else:
            have = ";".join(sorted(conds)) or "none"
            out.append(f"conditions {have}, {ind.id} needs {';'.join(ind.conditions) or 'none'}")
    return "; ".join(out[:3])


def map_measurement(codebook: Codebook, m: Measurement, unit: str | None, kind: str,
                    value: float, region: str = "", *, label: bool = False) -> Mapping:
    """Map one figure, given what it measures, to the indicator defined by exactly that."""
    what = f"entity {m.entity or '?'} · property {m.property or '?'} · conditions " \
           f"{m.conditions_str or 'none'}"
    if m.statement != "observed":
        return Mapping("", "", 0.0, f"statement: {m.statement}, not an observed value ({what})")
    if not m.entity:
        return Mapping("", "", 0.0, "the text names no measured entity")
    if not m.property:
        return Mapping("", "", 0.0, f"the property measured is not stated ({what})")
    if m.property in NON_INDICATOR_PROPERTIES:
        return Mapping("", "", 0.0, f"property {m.property}: no indicator measures it ({what})")
    if m.unknown:
        return Mapping("", "", 0.0, f"unknown word {m.unknown!r} before the figure: what it "
                                    f"restricts is not known ({what})")
    ind = codebook.find(m.entity, m.property, m.matching_conditions())
    if ind is None:
        near = _near_misses(codebook, m)
        return Mapping("", "", 0.0, f"no indicator is defined as {what}" +
                       (f" ({near})" if near else ""))
    if m.scope != "region":
        return Mapping("", "", 0.0, f"scope {m.scope}, region {region or '?'}: a part of the "
                                    f"region, not the region's {ind.id}")
    if ind.entity in ORGANISATIONS and ind.property == "count" and unit in ("人", "名"):
        return Mapping("", "", 0.0, f"unit '{unit}' counts people, {ind.id} counts "
                                    f"organisations")
    if ind.entity in PEOPLE and ind.property == "count" and unit == "户":
        return Mapping("", "", 0.0, f"unit '户' counts households, {ind.id} counts people")
    if m.period not in PANEL_PERIODS:
        return Mapping("", "", 0.0, f"period {m.period}: a flow over "
                                    f"{PERIOD_WORDS.get(m.period, m.period)} is not {ind.id} "
                                    f"(a whole year's value, or a stock at the report's date)")
    if kind == "growth" and ind.property not in ("income_growth", "mean_age_change",
                                                   "share_change", "count_change"):
        return Mapping("", "", 0.0, f"a growth figure, {ind.id} holds levels")
    if not ind.fits_unit(unit):
        return Mapping("", "", 0.0, f"unit '{unit or 'none'}' does not fit {ind.id} "
                                    f"({', '.join(u or 'none' for u in ind.units)})")
    if kind != "growth" and not ind.in_range(value):
        return Mapping("", "", 0.0, f"value {value:g} outside the valid range of {ind.id}")
    if label:
        conf = CONF_LABEL
    else:
        conf = CONF_TEXT - sum(FLAG_PENALTY.get(f, 0.0) for f in m.flags)
    period = f" · period {m.period}" if m.period else ""
    return Mapping(ind.id, f"{ind.id} = {what}{period}; {m.evidence}", conf)
