"""The checks of the processed tables: each table against its declaration (a pandera schema,
:mod:`ruralstudy.tables.schemas`, checked on every build through
:func:`ruralstudy.registry.check`), and the indicator values against the codebook's range and
unit rules. A failure raises :class:`ValidationError` naming the failing table or source.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import ValidationError
from ..measures.codebook import Codebook


def check_schema(df: pd.DataFrame, schema: pa.DataFrameSchema, name: str) -> pd.DataFrame:
    """Validate a frame; raise ValidationError naming the table and failing rows."""
    try:
        return schema.validate(df, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        detail = cases.head(5).to_string() if cases is not None else str(exc)
        raise ValidationError(f"{name} fails its schema:\n{detail}", file=name) from None


def check_schema_in_part(df: pd.DataFrame, schema: pa.DataFrameSchema, name: str,
                         rows: pd.Series) -> pd.DataFrame:
    """Validate the ``rows`` of a frame (a boolean mask) against the declaration, and the
    declaration's uniqueness (each column declared unique, the table's unique column set) over
    every row: for a table whose other rows were validated when they were made."""
    check_schema(df[rows], schema, name)
    keys = [[c] for c, col in schema.columns.items() if col.unique]
    if schema.unique:
        keys.append(list(schema.unique))
    for cols in keys:
        dup = df.duplicated(subset=cols)
        if dup.any():
            first = df.loc[dup, cols].iloc[0].tolist()
            raise ValidationError(f"{name} fails its schema: {', '.join(cols)} not unique "
                                  f"(e.g. {first})", file=name, raw=str(first))
    return df


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
