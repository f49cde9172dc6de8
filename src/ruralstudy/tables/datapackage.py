"""The processed tables described once: column declarations, a Frictionless Data Package and
Stata files, all generated from the same declarations.

Every column of every download table is declared here once (:data:`COLUMNS`, with
table-specific wording in :data:`TABLE_COLUMNS` where a name means something narrower in one
table): its meaning, its unit or base and what an empty cell means. From these declarations come
the Data page's column documentation, the ``datapackage.json`` that the ``frictionless``
validator checks (types, keys between tables, missing values, licence, sources) and the variable
labels of ``panel.dta`` and ``indicators.dta`` (Stata 14+, format 118, Unicode labels). The
Data Package and the Stata files are written by well-kept libraries' conventions (Frictionless
Data Package v1 descriptor; ``pandas.DataFrame.to_stata``); what is by hand here is only the
descriptor's assembly, which no library derives from a pandas frame with our descriptions.

Pure functions: frames and bytes in, bytes out. Deterministic: same tables, same bytes.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

import pandas as pd


from ..registry import Column, ProcessedTable, table as _registered

_EMPTY_UNMAPPED = "empty when the figure is not mapped to an indicator"

#: Columns shared by several tables: one meaning wherever the name appears.
COLUMNS: dict[str, Column] = {
    "figure_id": Column("Stable id of a figure in a report: document id and raw character offset "
                        "(e.g. 000-003020)", label_zh="数字编号"),
    "doc_id": Column("Document id in data/raw/manifest.csv", missing="empty for sheet rows",
                     label_zh="文档编号"),
    "region": Column("Region name as normalised (Chinese)", label_zh="地区"),
    "province": Column("Province of the region", missing="empty when the province is unknown",
                       label_zh="省份"),
    "admin_level": Column("Administrative level: national, province, prefecture or county",
                          missing="empty when the level is unknown", label_zh="行政级别"),
    "region_code": Column("Official division code (GB/T 2260, as resolved by cpca)",
                          missing="empty when the region was not resolved to a code",
                          label_zh="行政区划代码"),
    "code_vintage": Column("Which edition of the division codes `region_code` follows",
                           missing="empty when the region has no code", label_zh="区划代码版本"),
    "year": Column("Year the figure describes", missing="empty when the year is unknown",
                   label_zh="年份"),
    "start": Column("Start offset (characters) of the figure in the raw text file; for a web "
                    "page, PDF or Word file, in the text extracted from it (data/processed/text/"
                    "<doc_id>.txt, mapped back to the raw file in <doc_id>.map.json)",
                    unit="characters", missing="empty for sheet rows", label_zh="起始位置"),
    "end": Column("End offset (exclusive) of the figure", unit="characters",
                  missing="empty for sheet rows", label_zh="结束位置"),
    "line": Column("Line number in the raw text file, extracted text or sheet",
                   missing="empty when not known", label_zh="行号"),
    "raw": Column("The figure exactly as written", label_zh="原文数字"),
    "value": Column("Parsed value in the base unit given in `unit` (元, %, pp, 个, 名, 岁 ...); "
                    "for a change, the value after it", label_zh="数值"),
    "value_high": Column("Upper end of a range", missing="empty unless the figure is a range",
                         label_zh="区间上限"),
    "value_before": Column("Earlier value of a change (从 A 到 B: A)",
                           missing="empty unless the figure is a change", label_zh="变化前数值"),
    "unit": Column("Base unit of `value`: 元 (yuan), % (percent), pp (percentage points), 岁 "
                   "(years of age), 个/名/人 (counts) ...", missing="empty for a bare number",
                   label_zh="单位"),
    "qualifier": Column("How exact the figure is: exact, more_than, less_than, at_least, "
                        "at_most, about", label_zh="限定词"),
    "kind": Column("level, change (before -> after) or growth (signed)", label_zh="类型"),
    "sentence": Column("The cleaned sentence the figure comes from", label_zh="句子"),
    "sent_offset": Column("Offset of the figure within its sentence", unit="characters",
                          label_zh="句内位置"),
    "place": Column("Place named in the figure's sentence (a township, village ...)",
                    missing="empty when the sentence names none", label_zh="地点"),
    "role": Column("observed, condition (defines a group), target or rule", label_zh="陈述类型"),
    "indicator_id": Column("Codebook indicator (see codebook.csv)", missing=_EMPTY_UNMAPPED,
                           label_zh="指标编号"),
    "indicator_zh": Column("Indicator label (Chinese)", label_zh="指标（中文）"),
    "indicator_en": Column("Indicator label (English)", label_zh="指标（英文）"),
    "construct": Column("branch_strength (组织力), cadre_structure (干部队伍结构), "
                        "collective_income (村集体经济) or context (背景)", label_zh="维度"),
    "measure": Column("count, share, mean, money, rate or area", label_zh="度量"),
    "entity": Column("Measured entity (MEASUREMENT.md vocabulary)",
                     missing="empty when the text names none", label_zh="测量对象"),
    "property": Column("Measured property (count, share, mean_age, income_total ...)",
                       missing="empty when not stated", label_zh="测量属性"),
    "conditions": Column("Conditions restricting the entity to a group, ';'-separated "
                         "(college, women, under35, over_10w ...)", missing="empty: no condition",
                         label_zh="限定条件"),
    "source_type": Column("report (a text in data/raw/reports) or sheet (a hand-gathered figure "
                          "sheet)", label_zh="来源类型"),
    "source_id": Column("Figure id (reports) or sheet:<file>:<line> (sheets)", label_zh="来源编号"),
    "source_ref": Column("Where the value came from, readable", label_zh="来源"),
    "url": Column("Web page the figure or sheet row was taken from",
                  missing="empty when no address is known", label_zh="网址"),
    "rule": Column("Mapping rule that fired", missing=_EMPTY_UNMAPPED, label_zh="映射规则"),
    "confidence": Column("Calibrated probability that the value means what its indicator says "
                         "(ruralstudy.measures.calibrate; 1.0 once a person reviewed it)",
                         unit="probability 0-1", missing=_EMPTY_UNMAPPED, label_zh="置信度"),
    "ocr_confidence": Column("Read by OCR from a scanned page: Tesseract's confidence in the "
                             "weakest word the figure was read from (check a low one against "
                             "the scan; the tip on its source page gives the box)",
                             unit="confidence 0-100",
                             missing="empty for a figure read from text (a text file, web page, "
                                     "PDF text layer or Word file) and for sheet rows",
                             label_zh="OCR置信度"),
    "audit": Column("Researchers' overrides and review decisions applied to this figure",
                    missing="empty when none applied", label_zh="人工修订记录"),
    "n_sources": Column("Number of independent releases (source keys) among the values of "
                        "this cell; copies of one release count once", label_zh="独立来源数"),
    "n_copies": Column("Number of values of this cell, copies of one release included",
                       label_zh="数值条数"),
    "published": Column("Publication date of the report or page (YYYY-MM-DD or YYYY-MM), from "
                        "the manifest, the sheet's source column or the page's address",
                        missing="empty when no date is known", label_zh="发布日期"),
    "ref_date": Column("Date the value describes (see comparability.reference_date): the end "
                       "of the year it names, or the publication date of a stock",
                       missing="empty when neither a year nor a date is known",
                       label_zh="参照日期"),
    "round": Column("Village election round (村“两委”换届) whose cadres were in office at the "
                    "value's date: 2014-16, 2017-18, 2020-21 or 2024-26, from the province's "
                    "election calendar and the text's cues (换届后, 新一届, 较上届)",
                    missing="empty when the round is unknown (never compared)",
                    label_zh="换届届次"),
    "round_basis": Column("Why the value belongs to its round (date, calendar, cue)",
                          label_zh="届次依据"),
    "source": Column("Original publisher and date as the page names them (sheets with a "
                     "source column); the only pointer when url is empty",
                     missing="empty when the sheet gives none", label_zh="原始出处"),
    "release": Column("The release a figure copies, before reprints are joined: a report, a "
                      "sheet row's publisher and date, or its page", label_zh="发布"),
    "source_key": Column("One key per release: copies of one release (reprints, pages "
                         "repeating one figure) share it", label_zh="发布键"),
    "between": Column("independent releases (a conflict between sources) or one release (a "
                      "misprint or mapping error inside one release)", label_zh="分歧类型"),
    "source_keys": Column("The releases of the values, ';'-separated", label_zh="发布键"),
    "income_concept": Column("For collective income and income bands: total, operating "
                             "(经营性) or net (纯收入, 收益) income; compared only within one",
                             missing="empty: not about collective income", label_zh="收入口径"),
    "choice_rule": Column("How one value was chosen among several", label_zh="取值规则"),
    "file": Column("File in data/raw/reports or data/raw/sheets", label_zh="文件"),
    "context": Column("Sentence (reports) or label (sheets) used for mapping", label_zh="上下文"),
    "unit_source": Column("Where the unit came from", label_zh="单位来源"),
    "is_target": Column("The figure is a target, not an achieved value", label_zh="是否目标"),
    "construct_guess": Column("Construct guessed by the sheet's author (sheets only)",
                              missing="empty for report figures", label_zh="维度（采集者判断）"),
    "scope": Column("region (the whole region) or the part of it the figure covers",
                    missing="empty when not read", label_zh="范围"),
    "statement": Column("observed, target, rule or threshold", missing="empty when not read",
                        label_zh="陈述"),
    "period": Column("Period of a flow (issue 19): year, year_to_date, part_year or "
                     "several_years; only year and empty map to an indicator",
                     missing="empty for a stock counted at the report's date, or not read",
                     label_zh="时期"),
    "evidence": Column("The reader's structural flags, ';'-separated (subject_carried, "
                       "fenbie_paired, qizhong_subset, bare_share, base_carried, quoted …)",
                       missing="empty when no flag applies", label_zh="依据"),
    "body": Column("Who or what an indicator counts (村党组织书记, 村“两委”成员, 行政村 …)",
                   label_zh="对象"),
    "base": Column("The villages an indicator counts over: 村 (villages only) or 村(社区) "
                   "(villages and communities together); values of different bases are different "
                   "indicators", label_zh="口径"),
    "lead": Column("The paragraph's text before the figure's sentence (at most 300 characters), "
                   "from which a list's subject is carried", missing="empty at a paragraph's start",
                   label_zh="段落前文"),
    "sent_length": Column("Length of the figure within its cleaned sentence", unit="characters",
                          label_zh="句中长度"),
    "status": Column("published (machine-read, calibrated confidence at or above the publishing "
                     "threshold), reviewed (checked by a person), waiting (below the threshold: "
                     "waits for review, not in the panel), unmapped or rejected", label_zh="状态"),
    "reason": Column("Why a figure is not mapped, was rejected or waits for review",
                     missing="empty when published or reviewed", label_zh="原因"),
    "auto_indicator_id": Column("Indicator chosen by the mapper before overrides",
                                missing=_EMPTY_UNMAPPED, label_zh="自动映射指标"),
    "values": Column("The disagreeing values, ';'-separated", label_zh="数值"),
    "source_ids": Column("Their sources, ';'-separated", label_zh="来源编号"),
    "max_rel_diff": Column("(max - min) / max of the disagreeing values", unit="ratio",
                           label_zh="最大相对差"),
    "check": Column("Which cross-check", label_zh="核对项"),
    "implied": Column("Value implied by other figures (total income / income per village)",
                      label_zh="推算值"),
    "observed": Column("Reported value (number of villages or branches)", label_zh="报告值"),
    "observed_indicator": Column("Indicator of the reported value", label_zh="报告值指标"),
    "rel_diff": Column("Relative difference between implied and observed", unit="ratio",
                       label_zh="相对差"),
    "ok": Column("Within 2%", label_zh="是否一致"),
    "sources": Column("Sources of the cross-checked values", label_zh="来源"),
    "label_zh": Column("Indicator label (Chinese)", label_zh="中文名"),
    "label_en": Column("Indicator label (English)", label_zh="英文名"),
    "range_min": Column("Smallest valid level value", label_zh="下限"),
    "range_max": Column("Largest valid level value", label_zh="上限"),
    "scale_free": Column("Values are comparable across regions of different size (shares, "
                         "means, per-village figures)", label_zh="与规模无关"),
}

#: Where a column means something narrower in one table.
TABLE_COLUMNS: dict[str, dict[str, Column]] = {
    "panel": {"value": Column("The one value kept for this region, round and indicator (see "
                              "choice_rule), in the base unit given in `unit`", label_zh="数值"),
              "source_id": Column("Source of the value kept", label_zh="来源编号")},
    "codebook": {"unit": Column("Base unit of the indicator's values", label_zh="单位"),
                 "entity": Column("Measured entity of the definition", label_zh="测量对象"),
                 "property": Column("Measured property of the definition", label_zh="测量属性"),
                 "conditions": Column("Conditions of the definition, ';'-separated",
                                      missing="empty: no condition", label_zh="限定条件")},
    "rejects": {"reason": Column("Why the sheet row could not be used", label_zh="原因")},
    "indicators": {"status": Column("reviewed (checked by a person, 人工复核) or published "
                                    "(machine-read, 机器读取)", label_zh="核对状态")},
}

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


class UndeclaredColumn(ValueError):
    """A download table has a column no declaration describes."""


def column(table: str, name: str) -> Column:
    """The declaration of one column of one table; :class:`UndeclaredColumn` when none."""
    reg = _registered(table)
    spec = ((reg.columns.get(name) if reg is not None else None)
            or TABLE_COLUMNS.get(table, {}).get(name) or COLUMNS.get(name))
    if spec is None:
        raise UndeclaredColumn(f"column {name!r} of table {table!r} is not declared in "
                               f"ruralstudy.tables.datapackage.COLUMNS")
    return spec


def column_docs(table: str, columns: list[str]) -> dict[str, str]:
    """Column -> one line of documentation (description, unit, what empty means)."""
    out = {}
    for c in columns:
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
