"""The codebook: indicators grouped into constructs, with units, valid ranges and their
definition over the measurement fields (entity, property, conditions) of :mod:`ruralstudy.measures.measure`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from ..errors import CodebookError
from .measure import CONDITION_ORDER, ENTITIES, PROPERTIES, sort_conditions

#: The body an indicator counts, by entity, when the codebook does not state it.
BODIES = {"village_party_org": "村党组织", "party_org": "基层党组织", "branch_secretary": "村党组织书记",
          "two_committees_member": "村“两委”成员", "village_committee_member": "村委会成员",
          "village_committee_chair": "村委会主任", "branch_committee_member": "村党组织班子成员",
          "village_cadre": "村干部(未说明班子)", "party_member": "党员", "admin_village": "行政村",
          "village_or_community": "村(社区)", "community": "社区", "village_committee": "村委会",
          "collective": "村集体经济", "cooperative": "合作社", "first_secretary": "第一书记",
          "work_team": "驻村工作队", "reserve_cadre": "后备干部", "service_centre": "党群服务中心",
          "population": "人口"}
CONSTRUCTS = ("branch_strength", "cadre_structure", "collective_income", "context")
MEASURES = ("count", "share", "mean", "money", "rate", "area")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the codebook."""

    id: str
    label_zh: str
    label_en: str
    construct: str
    measure: str
    unit: str
    units: tuple[str, ...]
    range: tuple[float, float]
    entity: str
    property: str
    conditions: tuple[str, ...]
    order: int
    #: Who or what is counted (村党组织书记, 村“两委”成员, 行政村 …) and the base of villages it
    #: is counted over: ``村`` (villages only) or ``村(社区)`` (villages and communities
    #: together). Values of different bases are different indicators, never compared.
    body: str = ""
    base: str = "村"

    @property
    def definition(self) -> str:
        """The definition as one readable string: entity · property · conditions."""
        return " · ".join([self.entity, self.property] + ([";".join(self.conditions)]
                                                          if self.conditions else []))

    def fits_unit(self, unit: str | None, kind: str = "level") -> bool:
        """Does a figure's unit fit this indicator (growth may also be in % or pp)?

        ``unit=None`` (a bare number in a sheet) fits any indicator."""
        if unit is None:
            return True
        return unit in self.units

    @property
    def scale_free(self) -> bool:
        """Can regions of different size be compared on it (shares, means, rates, per-village
        values) rather than totals and counts that grow with the region?"""
        return self.measure in ("share", "mean", "rate") or self.property in (
            "income_per_village", "income_operating_per_village", "pay", "per_capita_income")

    def in_range(self, value: float) -> bool:
        """Is a level value inside the indicator's valid range?"""
        return self.range[0] <= value <= self.range[1]


@dataclass(frozen=True)
class Codebook:
    """All indicators, in codebook order, and the codebook version."""

    version: str
    indicators: tuple[Indicator, ...]
    constructs: dict[str, dict[str, str]]

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def __contains__(self, indicator_id: object) -> bool:
        return any(ind.id == indicator_id for ind in self.indicators)

    def frame(self) -> pd.DataFrame:
        """The codebook as a table (for the site's Data page and notebooks)."""
        return pd.DataFrame([{
            "indicator_id": i.id, "label_zh": i.label_zh, "label_en": i.label_en,
            "construct": i.construct, "measure": i.measure, "unit": i.unit,
            "range_min": i.range[0], "range_max": i.range[1], "scale_free": i.scale_free,
            "entity": i.entity, "property": i.property, "conditions": ";".join(i.conditions),
            "body": i.body, "base": i.base}
            for i in self.indicators])

    def primary(self) -> dict[str, str]:
        """Each construct's primary indicator (the ``primary`` key of its codebook entry), in
        codebook order; constructs without one (context) are left out."""
        return {name: str(spec["primary"]) for name, spec in self.constructs.items()
                if spec and spec.get("primary")}

    def primary_candidates(self) -> dict[str, list[str]]:
        """Each construct's candidate indicators for the primary rule (its ``candidates``
        list), in tie-break order."""
        return {name: [str(c) for c in spec["candidates"]]
                for name, spec in self.constructs.items() if spec and spec.get("candidates")}

    def find(self, entity: str, prop: str, conditions: frozenset[str]) -> Indicator | None:
        """The indicator defined by exactly this entity, property and set of conditions."""
        for ind in self.indicators:
            if ind.entity == entity and ind.property == prop and \
                    frozenset(ind.conditions) == conditions:
                return ind
        return None


def parse_codebook(data: dict, source: str) -> Codebook:
    """Validate and build a codebook from its parsed YAML."""
    try:
        measures = data["measures"]
        raw = data["indicators"]
    except (KeyError, TypeError) as exc:
        raise CodebookError(f"codebook lacks section {exc}", file=source) from None
    seen: set[str] = set()
    out = []
    for i, d in enumerate(raw):
        where = f"indicator #{i + 1} ({d.get('id', '?')})"
        for key in ("id", "label_zh", "label_en", "construct", "measure", "range", "entity",
                    "property"):
            if key not in d:
                raise CodebookError(f"{where} lacks {key}", file=source)
        if d["id"] in seen:
            raise CodebookError(f"duplicate indicator id {d['id']}", file=source)
        seen.add(d["id"])
        if d["construct"] not in CONSTRUCTS:
            raise CodebookError(f"{where}: unknown construct", file=source, raw=d["construct"])
        if d["measure"] not in measures:
            raise CodebookError(f"{where}: unknown measure", file=source, raw=d["measure"])
        units = tuple(d.get("units") or measures[d["measure"]]["units"])
        lo, hi = d["range"]
        conds = tuple(d.get("conditions") or ())
        unknown = [c for c in conds if c not in CONDITION_ORDER]
        if unknown:
            raise CodebookError(f"{where}: unknown condition(s) {unknown}", file=source)
        if d["entity"] not in ENTITIES:
            raise CodebookError(f"{where}: unknown entity", file=source, raw=d["entity"])
        if d["property"] not in PROPERTIES:
            raise CodebookError(f"{where}: unknown property", file=source, raw=d["property"])
        out.append(Indicator(id=d["id"], label_zh=d["label_zh"], label_en=d["label_en"],
                             construct=d["construct"], measure=d["measure"],
                             unit=d.get("unit", units[0]), units=units, range=(float(lo), float(hi)),
                             entity=d["entity"], property=d["property"],
                             conditions=sort_conditions(set(conds)), order=i,
                             body=str(d.get("body") or BODIES.get(d["entity"], d["entity"])),
                             base=str(d.get("base") or ("村(社区)" if "with_communities" in conds
                                                        else "村"))))
    defs = [(i.entity, i.property, frozenset(i.conditions)) for i in out]
    for i, key in enumerate(defs):
        if key in defs[:i]:
            raise CodebookError(f"{out[i].id} has the same definition as "
                                f"{out[defs.index(key)].id}", file=source)
    constructs = data.get("constructs", {})
    for name, spec in constructs.items():
        for candidate in (spec or {}).get("candidates") or ():
            if candidate not in seen:
                raise CodebookError(f"construct {name}: candidate indicator is not in the "
                                    "codebook", file=source, raw=candidate)
        primary = (spec or {}).get("primary")
        if primary is None:
            continue
        if primary not in seen:
            raise CodebookError(f"construct {name}: primary indicator is not in the codebook",
                                file=source, raw=primary)
        if next(i for i in out if i.id == primary).construct != name:
            raise CodebookError(f"construct {name}: primary indicator belongs to another construct",
                                file=source, raw=primary)
    return Codebook(version=str(data.get("version", "")), indicators=tuple(out),
                    constructs=constructs)


def codebook_text() -> str:
    """The packaged codebook's YAML text."""
    return resources.files("ruralstudy.measures").joinpath("codebook.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_codebook(path: str | None = None) -> Codebook:
    """Load the packaged codebook (or one at ``path``)."""
    text = Path(path).read_text(encoding="utf-8") if path else codebook_text()
    return parse_codebook(safe_load_yaml(text), path or "ruralstudy/measures/codebook.yaml")


def safe_load_yaml(text: str) -> object:
    """``yaml.safe_load`` with libyaml's parser when PyYAML was built with it (about 8 times
    faster on the codebook; the same safe constructor, so the same result)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
