"""The downloads described from the tables' declarations: a Frictionless Data Package and
Stata files, and the Data page's column documentation.

Every column of every processed table is declared once, in its table's pandera declaration
(:mod:`ruralstudy.tables.schemas`): its meaning, Chinese label, unit or base and what an empty
cell means. From these declarations come the Data page's column documentation
(:func:`column_docs`), the ``datapackage.json`` that the ``frictionless`` validator checks
(types, keys between tables, missing values, licence, sources) and the variable labels of
``panel.dta`` and ``indicators.dta`` (Stata 14+, format 118, Unicode labels). The Data Package
and the Stata files are written by well-kept libraries' conventions (Frictionless Data Package
v1 descriptor; ``pandas.DataFrame.to_stata``); what is by hand here is only the descriptor's
assembly, which no library derives from a pandas frame with our descriptions.

Pure functions: frames and bytes in, bytes out. Deterministic: same tables, same bytes.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from ..registry import ProcessedTable, table as _registered
from .schemas import Meaning, UndeclaredColumn, UndescribedColumn, declaration, meaning

__all__ = ["UndeclaredColumn", "UndescribedColumn", "column", "column_docs", "datapackage",
           "stamp_datetime", "stata_bytes", "stata_labels", "table_schema"]


def _meta(name: str) -> dict[str, Any]:
    """What a table is, its primary key and its keys into other tables: from its one
    registry entry (:data:`ruralstudy.registry.TABLES`)."""
    t: ProcessedTable | None = _registered(name)
    if t is None:
        return {}
    return {"title": t.title, "primaryKey": list(t.primary_key),
            "foreignKeys": list(t.foreign_keys)}


def __getattr__(name: str) -> dict[str, dict[str, Any]]:  # TABLES as before, from the registry
    if name == "TABLES":
        from ..registry import TABLES as REG

        return {t.name: _meta(t.name) for t in REG if t.download}
    raise AttributeError(name)


def column(table: str, name: str) -> Meaning:
    """What one column of one table means, from the table's declaration;
    :class:`UndeclaredColumn` when the declaration does not list it."""
    return meaning(table, name)


def column_docs(table: str, columns: list[str] | None = None) -> dict[str, str]:
    """Column -> one line of documentation (description, unit, what empty means), for every
    column of the table's declaration in its order (or for ``columns``)."""
    out = {}
    for c in (list(declaration(table).columns) if columns is None else columns):
        spec = column(table, c)
        text = spec.description
        if spec.unit:
            text += f" [unit: {spec.unit}]"
        if spec.missing:
            text += f" ({spec.missing})"
        out[c] = text
    return out


def _field_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def table_schema(table: str, df: pd.DataFrame, tables: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A Frictionless Table Schema for one table, from its frame and the declarations; foreign
    keys only into the ``tables`` published beside it."""
    fields = []
    for c in df.columns:
        spec = column(table, c)
        f = {"name": c, "type": _field_type(df[c].dtype), "description": spec.description}
        if spec.label_zh:
            f["title"] = spec.label_zh
        if spec.unit:
            f["unit"] = spec.unit  # a custom property: Frictionless keeps unknown properties
        if spec.missing:
            f["missing"] = spec.missing
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    meta = _meta(table)
    if meta.get("primaryKey") and all(k in df.columns for k in meta["primaryKey"]):
        schema["primaryKey"] = list(meta["primaryKey"])
    fks = [{"fields": f, "reference": {"resource": r, "fields": rf}}
           for f, r, rf in meta.get("foreignKeys", []) if f in df.columns and r in tables]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def datapackage(frames: dict[str, pd.DataFrame], *, version: str, created: str,
                licence_title: str = "CC BY 4.0", sources: list[dict[str, Any]] | None = None) -> bytes:
    """``datapackage.json`` for the CSV downloads (UTF-8 with BOM), as JSON bytes.

    ``frames`` maps a table name to the frame written as ``<name>.csv``; ``created`` is the
    build's own date (never the clock), so two builds of one commit give the same bytes."""
    resources = []
    for name in sorted(frames):
        meta = _meta(name)
        resources.append({
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "title": meta.get("title", name), "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": table_schema(name, frames[name], frozenset(frames))})
    pkg = {
        "profile": "tabular-data-package", "name": "ruralstudy-data",
        "title": "ruralstudy: figures on village Party branches, cadres and collective income",
        "version": version, "created": created,
        "licenses": [{"name": "CC-BY-4.0", "title": licence_title,
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": sources or [{"title": "Chinese county, prefecture and provincial Party "
                                         "organisation reports and public pages; see each "
                                         "figure's source_ref and url"}],
        "resources": resources,
    }
    return (json.dumps(pkg, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


# --- Stata ---------------------------------------------------------------------------------

def _stata_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy Stata can hold: nullable integers as floats (Stata's missing), text as str."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.astype("int8")
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[c] = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif pd.api.types.is_float_dtype(s.dtype):
            out[c] = s.astype("float64")
        else:
            out[c] = s.astype(object).where(s.notna(), "").astype(str)
    return out.reset_index(drop=True)


def stata_labels(table: str, columns: list[str]) -> dict[str, str]:
    """Variable labels (at most 80 characters, Stata's limit): Chinese label, then English."""
    out = {}
    for c in columns:
        spec = column(table, c)
        text = f"{spec.label_zh} / {spec.description}" if spec.label_zh else spec.description
        out[c] = text[:80]
    return out


def stata_bytes(table: str, df: pd.DataFrame, *, stamp: datetime, data_label: str = "") -> bytes:
    """A Stata 118 file (``.dta``) of one table, with Chinese and English variable labels and
    value labels for the categorical columns. ``stamp`` is written as the file's time stamp
    (the build's date, never the clock)."""
    frame = _stata_frame(df)
    for c in ("construct", "admin_level", "source_type", "measure", "kind", "qualifier"):
        if c in frame.columns and len(frame):  # value labels: Stata keeps these as labelled
            # integers (an empty table, every value waiting for review, has none)
            frame[c] = pd.Categorical(frame[c], categories=sorted(frame[c].unique()))
    strl = [c for c in frame.columns
            if frame[c].dtype == object and
            (frame[c].map(lambda v: len(v.encode("utf-8"))) > 2000).any()]  # empty: none
    buf = io.BytesIO()
    frame.to_stata(buf, write_index=False, version=118, variable_labels=stata_labels(table, list(df.columns)),
                   data_label=data_label[:80] or None, time_stamp=stamp.replace(tzinfo=None),
                   convert_strl=strl or None)
    return buf.getvalue()


def stamp_datetime(date: str) -> datetime:
    """The build stamp's date ('YYYY-MM-DD HH:MM UTC' or ISO) as a datetime in UTC."""
    text = date.replace(" UTC", "").strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return datetime(2026, 1, 1, tzinfo=timezone.utc)


R_SNIPPET = """\
# R: read the downloads (base R; the CSV files are UTF-8 with a byte-order mark)
panel <- read.csv("panel.csv", fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
str(panel)
# or with labels, from the Stata file (package haven):
# panel <- haven::read_dta("panel.dta"); labelled::var_label(panel)
"""

STATA_SNIPPET = """\
* Stata 14 or newer: Chinese variable and value labels are kept
use "panel.dta", clear
describe
tabulate indicator_id
"""
