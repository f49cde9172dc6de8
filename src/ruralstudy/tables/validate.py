"""Schemas (pandera) for every processed table, plus the codebook's range and unit rules.

Checked on every build; a failure raises :class:`ValidationError` naming the failing source.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..measures.codebook import Codebook
from .comparability import PERIODS, WHOLE_PERIODS, calendar
from ..errors import ValidationError
from ..language.numparse import QUALIFIERS
from ..language.vocab import ROLES

KINDS = ["level", "change", "growth"]
ROUND_IDS = [r["id"] for r in calendar()["rounds"]]

FIGURES_SCHEMA = pa.DataFrameSchema({
    "figure_id": pa.Column(str, unique=True),
    "doc_id": pa.Column(str),
    "start": pa.Column("int64", pa.Check.ge(0)),
    "end": pa.Column("int64"),
    "raw": pa.Column(str, pa.Check.str_length(min_value=1)),
    "value": pa.Column(float),
    "unit": pa.Column(str, nullable=True),
    "qualifier": pa.Column(str, pa.Check.isin(list(QUALIFIERS))),
    "kind": pa.Column(str, pa.Check.isin(KINDS)),
    "sentence": pa.Column(str),
    "place": pa.Column(str),
    "role": pa.Column(str, pa.Check.isin(list(ROLES))),
}, checks=[pa.Check(lambda d: (d["end"] > d["start"]).all(), error="end must exceed start")],
    strict=False)

OBS_SCHEMA = pa.DataFrameSchema({
    "source_id": pa.Column(str, unique=True),
    "source_type": pa.Column(str, pa.Check.isin(["report", "sheet"])),
    "status": pa.Column(str, pa.Check.isin(["published", "waiting", "reviewed", "unmapped",
                                            "rejected"])),
    "value": pa.Column(float),
    "kind": pa.Column(str, pa.Check.isin(KINDS)),
    "qualifier": pa.Column(str, pa.Check.isin(list(QUALIFIERS))),
}, checks=[
    pa.Check(lambda d: (~d["status"].isin(["published", "waiting", "reviewed"]) |
                        (d["indicator_id"] != "")).all(),
             error="a mapped figure needs an indicator"),
    pa.Check(lambda d: (d["status"].isin(["published", "reviewed"]) | (d["reason"] != "")).all(),
             error="an unmapped, rejected or waiting figure needs a reason"),
], strict=False)

INDICATORS_SCHEMA = pa.DataFrameSchema({
    "region": pa.Column(str, pa.Check.str_length(min_value=1)),
    "indicator_id": pa.Column(str),
    "construct": pa.Column(str, pa.Check.isin(["branch_strength", "cadre_structure",
                                               "collective_income", "context"])),
    "value": pa.Column(float),
    "unit": pa.Column(str),
    "source_type": pa.Column(str, pa.Check.isin(["report", "sheet"])),
    "source_ref": pa.Column(str, pa.Check.str_length(min_value=1)),
    "year": pa.Column("Int64", nullable=True),
    "period": pa.Column(str, pa.Check.isin(PERIODS)),
    "round": pa.Column(str, pa.Check.isin(["", *ROUND_IDS])),
    "source_key": pa.Column(str, pa.Check.str_length(min_value=1)),
}, strict=False)

PANEL_SCHEMA = pa.DataFrameSchema({
    "region": pa.Column(str),
    "round": pa.Column(str, pa.Check.isin(["", *ROUND_IDS])),
    "indicator_id": pa.Column(str),
    "value": pa.Column(float),
    "period": pa.Column(str, pa.Check.isin(list(WHOLE_PERIODS))),
    "n_sources": pa.Column("int64", pa.Check.ge(1)),
    "n_copies": pa.Column("int64", pa.Check.ge(1)),
}, unique=["region", "round", "indicator_id", "income_concept"], strict=False,
    checks=[pa.Check(lambda d: (d["n_copies"] >= d["n_sources"]).all(),
                     error="a cell cannot have more releases than values")])


def check_schema(df: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    """Validate a frame; raise ValidationError naming the table and failing rows."""
    try:
        return schema.validate(df, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        detail = cases.head(5).to_string() if cases is not None else str(exc)
        raise ValidationError(f"{name} fails its schema:\n{detail}", file=name) from None


def check_ranges_and_units(ind: pd.DataFrame, codebook: Codebook) -> None:
    """Every level value lies in its indicator's range and every unit fits; else name the source."""
    bad = []
    for r in ind.to_dict("records"):
        spec = codebook.get(r["indicator_id"])
        if not spec.fits_unit(r["unit"], r["kind"]):
            bad.append(f"{r['source_ref']} ({r['source_id']}): unit {r['unit']!r} does not fit "
                       f"{spec.id} (allowed: {', '.join(u or 'none' for u in spec.units)})")
        elif r["kind"] != "growth" and not spec.in_range(r["value"]):
            bad.append(f"{r['source_ref']} ({r['source_id']}): value {r['value']:g} outside "
                       f"{spec.id}'s valid range {spec.range[0]:g}-{spec.range[1]:g}")
    if bad:
        raise ValidationError("indicator values fail the codebook's rules:\n" + "\n".join(bad),
                              file="indicators")
