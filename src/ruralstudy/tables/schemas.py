"""Every processed table declared once: a pandera schema whose columns carry what they mean.

Each table of ``data/processed/`` is ONE declaration here (:data:`FIGURES`, :data:`MAPPING`,
:data:`INDICATORS`, :data:`PANEL`, ...; its registry entry, :data:`ruralstudy.registry.TABLES`,
names it). A declaration lists the table's columns in the order they are written, each a
``pandera.Column`` with its checks and its documentation: ``description`` (what it means),
``title`` (its Chinese label) and ``metadata`` (``unit``: its unit or base; ``missing``: what an
empty cell means). From that one declaration come

* the schema check on every build (:func:`ruralstudy.registry.check`; strict and ordered: a
  column the declaration lacks, or one out of order, fails it),
* the Data page's column docs, the fields of ``datapackage.json`` and the Stata variable labels
  (:mod:`ruralstudy.tables.datapackage`),
* the table's column order (:attr:`ruralstudy.registry.ProcessedTable.columns`; the column lists
  of :mod:`ruralstudy.tables.indicators` are read from here).

A column's wording is written once for the whole project where one name means one thing in
every table (:data:`MEANINGS`; ``column("region")`` takes it), and in the table's declaration
where it means something narrower there (``column("value", description=...)``). A column
without a description is refused (:class:`UndescribedColumn`), here and for a table registered
at run time (a ``pandera.DataFrameSchema`` or a ``pandera.DataFrameModel`` whose ``Field``\\ s
carry ``description``, ``title`` and ``metadata``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..language.numparse import QUALIFIERS
from ..language.vocab import ROLES
from .comparability import PERIODS, WHOLE_PERIODS, calendar

KINDS = ["level", "change", "growth"]
ROUND_IDS = [r["id"] for r in calendar()["rounds"]]


@dataclass(frozen=True)
class Meaning:
    """What a column means: its description, unit or base, what an empty cell means, and its
    Chinese label (the Data Package field's ``title``, the Stata label's first half)."""

    description: str
    unit: str = ""
    missing: str = ""
    label_zh: str = ""


class UndeclaredColumn(ValueError):
    """A table has a column its declaration does not list."""


class UndescribedColumn(ValueError):
    """A declared column has no description."""


_EMPTY_UNMAPPED = "empty when the figure is not mapped to an indicator"

#: What each column name means, in whichever table it appears (a table words a column
#: differently in its own declaration where the name means something narrower there).
MEANINGS: dict[str, Meaning] = {
    "figure_id": Meaning("Stable id of a figure in a report: document id and raw character offset "
                        "(e.g. 000-003020)", label_zh="数字编号"),
    "doc_id": Meaning("Document id in data/raw/manifest.csv", missing="empty for sheet rows",
                     label_zh="文档编号"),
    "region": Meaning("Region name as normalised (Chinese)", label_zh="地区"),
    "province": Meaning("Province of the region", missing="empty when the province is unknown",
                       label_zh="省份"),
    "admin_level": Meaning("Administrative level: national, province, prefecture or county",
                          missing="empty when the level is unknown", label_zh="行政级别"),
    "region_code": Meaning("Official division code (GB/T 2260, as resolved by cpca)",
                          missing="empty when the region was not resolved to a code",
                          label_zh="行政区划代码"),
    "code_vintage": Meaning("Which edition of the division codes `region_code` follows",
                           missing="empty when the region has no code", label_zh="区划代码版本"),
    "year": Meaning("Year the figure describes", missing="empty when the year is unknown",
                   label_zh="年份"),
    "start": Meaning("Start offset (characters) of the figure in the raw text file; for a web "
                    "page, PDF or Word file, in the text extracted from it (data/processed/text/"
                    "<doc_id>.txt, mapped back to the raw file in <doc_id>.map.json)",
                    unit="characters", missing="empty for sheet rows", label_zh="起始位置"),
    "end": Meaning("End offset (exclusive) of the figure", unit="characters",
                  missing="empty for sheet rows", label_zh="结束位置"),
    "line": Meaning("Line number in the raw text file, extracted text or sheet",
                   missing="empty when not known", label_zh="行号"),
    "raw": Meaning("The figure exactly as written", label_zh="原文数字"),
    "value": Meaning("Parsed value in the base unit given in `unit` (元, %, pp, 个, 名, 岁 ...); "
                    "for a change, the value after it", label_zh="数值"),
    "value_high": Meaning("Upper end of a range", missing="empty unless the figure is a range",
                         label_zh="区间上限"),
    "value_before": Meaning("Earlier value of a change (从 A 到 B: A)",
                           missing="empty unless the figure is a change", label_zh="变化前数值"),
    "unit": Meaning("Base unit of `value`: 元 (yuan), % (percent), pp (percentage points), 岁 "
                   "(years of age), 个/名/人 (counts) ...", missing="empty for a bare number",
                   label_zh="单位"),
    "qualifier": Meaning("How exact the figure is: exact, more_than, less_than, at_least, "
                        "at_most, about", label_zh="限定词"),
    "kind": Meaning("level, change (before -> after) or growth (signed)", label_zh="类型"),
    "sentence": Meaning("The cleaned sentence the figure comes from", label_zh="句子"),
    "sent_offset": Meaning("Offset of the figure within its sentence", unit="characters",
                          label_zh="句内位置"),
    "place": Meaning("Place named in the figure's sentence (a township, village ...)",
                    missing="empty when the sentence names none", label_zh="地点"),
    "role": Meaning("observed, condition (defines a group), target or rule", label_zh="陈述类型"),
    "indicator_id": Meaning("Codebook indicator (see codebook.csv)", missing=_EMPTY_UNMAPPED,
                           label_zh="指标编号"),
    "indicator_zh": Meaning("Indicator label (Chinese)", label_zh="指标（中文）"),
    "indicator_en": Meaning("Indicator label (English)", label_zh="指标（英文）"),
    "construct": Meaning("branch_strength (组织力), cadre_structure (干部队伍结构), "
                        "collective_income (村集体经济) or context (背景)", label_zh="维度"),
    "measure": Meaning("count, share, mean, money, rate or area", label_zh="度量"),
    "entity": Meaning("Measured entity (MEASUREMENT.md vocabulary)",
                     missing="empty when the text names none", label_zh="测量对象"),
    "property": Meaning("Measured property (count, share, mean_age, income_total ...)",
                       missing="empty when not stated", label_zh="测量属性"),
    "conditions": Meaning("Conditions restricting the entity to a group, ';'-separated "
                         "(college, women, under35, over_10w ...)", missing="empty: no condition",
                         label_zh="限定条件"),
    "source_type": Meaning("report (a text in data/raw/reports) or sheet (a hand-gathered figure "
                          "sheet)", label_zh="来源类型"),
    "source_id": Meaning("Figure id (reports) or sheet:<file>:<line> (sheets)", label_zh="来源编号"),
    "source_ref": Meaning("Where the value came from, readable", label_zh="来源"),
    "url": Meaning("Web page the figure or sheet row was taken from",
                  missing="empty when no address is known", label_zh="网址"),
    "rule": Meaning("Mapping rule that fired", missing=_EMPTY_UNMAPPED, label_zh="映射规则"),
    "confidence": Meaning("Calibrated probability that the value means what its indicator says "
                         "(ruralstudy.measures.calibrate; 1.0 once a person reviewed it)",
                         unit="probability 0-1", missing=_EMPTY_UNMAPPED, label_zh="置信度"),
    "ocr_confidence": Meaning("Read by OCR from a scanned page: Tesseract's confidence in the "
                             "weakest word the figure was read from (check a low one against "
                             "the scan; the tip on its source page gives the box)",
                             unit="confidence 0-100",
                             missing="empty for a figure read from text (a text file, web page, "
                                     "PDF text layer or Word file) and for sheet rows",
                             label_zh="OCR置信度"),
    "audit": Meaning("Researchers' overrides and review decisions applied to this figure",
                    missing="empty when none applied", label_zh="人工修订记录"),
    "n_sources": Meaning("Number of independent releases (source keys) among the values of "
                        "this cell; copies of one release count once", label_zh="独立来源数"),
    "n_copies": Meaning("Number of values of this cell, copies of one release included",
                       label_zh="数值条数"),
    "published": Meaning("Publication date of the report or page (YYYY-MM-DD or YYYY-MM), from "
                        "the manifest, the sheet's source column or the page's address",
                        missing="empty when no date is known", label_zh="发布日期"),
    "ref_date": Meaning("Date the value describes (see comparability.reference_date): the end "
                       "of the year it names, or the publication date of a stock",
                       missing="empty when neither a year nor a date is known",
                       label_zh="参照日期"),
    "round": Meaning("Village election round (村“两委”换届) whose cadres were in office at the "
                    "value's date: 2014-16, 2017-18, 2020-21 or 2024-26, from the province's "
                    "election calendar and the text's cues (换届后, 新一届, 较上届)",
                    missing="empty when the round is unknown (never compared)",
                    label_zh="换届届次"),
    "round_basis": Meaning("Why the value belongs to its round (date, calendar, cue)",
                          label_zh="届次依据"),
    "source": Meaning("Original publisher and date as the page names them (sheets with a "
                     "source column); the only pointer when url is empty",
                     missing="empty when the sheet gives none", label_zh="原始出处"),
    "release": Meaning("The release a figure copies, before reprints are joined: a report, a "
                      "sheet row's publisher and date, or its page", label_zh="发布"),
    "source_key": Meaning("One key per release: copies of one release (reprints, pages "
                         "repeating one figure) share it", label_zh="发布键"),
    "between": Meaning("independent releases (a conflict between sources) or one release (a "
                      "misprint or mapping error inside one release)", label_zh="分歧类型"),
    "source_keys": Meaning("The releases of the values, ';'-separated", label_zh="发布键"),
    "income_concept": Meaning("For collective income and income bands: total, operating "
                             "(经营性) or net (纯收入, 收益) income; compared only within one",
                             missing="empty: not about collective income", label_zh="收入口径"),
    "choice_rule": Meaning("How one value was chosen among several", label_zh="取值规则"),
    "file": Meaning("File in data/raw/reports or data/raw/sheets", label_zh="文件"),
    "context": Meaning("Sentence (reports) or label (sheets) used for mapping", label_zh="上下文"),
    "unit_source": Meaning("Where the unit came from", label_zh="单位来源"),
    "is_target": Meaning("The figure is a target, not an achieved value", label_zh="是否目标"),
    "construct_guess": Meaning("Construct guessed by the sheet's author (sheets only)",
                              missing="empty for report figures", label_zh="维度（采集者判断）"),
    "scope": Meaning("region (the whole region) or the part of it the figure covers",
                    missing="empty when not read", label_zh="范围"),
    "statement": Meaning("observed, target, rule or threshold", missing="empty when not read",
                        label_zh="陈述"),
    "period": Meaning("Period of a flow (issue 19): year, year_to_date, part_year or "
                     "several_years; only year and empty map to an indicator",
                     missing="empty for a stock counted at the report's date, or not read",
                     label_zh="时期"),
    "evidence": Meaning("The reader's structural flags, ';'-separated (subject_carried, "
                       "fenbie_paired, qizhong_subset, bare_share, base_carried, quoted …)",
                       missing="empty when no flag applies", label_zh="依据"),
    "body": Meaning("Who or what an indicator counts (村党组织书记, 村“两委”成员, 行政村 …)",
                   label_zh="对象"),
    "base": Meaning("The villages an indicator counts over: 村 (villages only) or 村(社区) "
                   "(villages and communities together); values of different bases are different "
                   "indicators", label_zh="口径"),
    "lead": Meaning("The paragraph's text before the figure's sentence (at most 300 characters), "
                   "from which a list's subject is carried", missing="empty at a paragraph's start",
                   label_zh="段落前文"),
    "sent_length": Meaning("Length of the figure within its cleaned sentence", unit="characters",
                          label_zh="句中长度"),
    "status": Meaning("published (machine-read, calibrated confidence at or above the publishing "
                     "threshold), reviewed (checked by a person), waiting (below the threshold: "
                     "waits for review, not in the panel), unmapped or rejected", label_zh="状态"),
    "reason": Meaning("Why a figure is not mapped, was rejected or waits for review",
                     missing="empty when published or reviewed", label_zh="原因"),
    "auto_indicator_id": Meaning("Indicator chosen by the mapper before overrides",
                                missing=_EMPTY_UNMAPPED, label_zh="自动映射指标"),
    "values": Meaning("The disagreeing values, ';'-separated", label_zh="数值"),
    "source_ids": Meaning("Their sources, ';'-separated", label_zh="来源编号"),
    "max_rel_diff": Meaning("(max - min) / max of the disagreeing values", unit="ratio",
                           label_zh="最大相对差"),
    "check": Meaning("Which cross-check", label_zh="核对项"),
    "implied": Meaning("Value implied by other figures (total income / income per village)",
                      label_zh="推算值"),
    "observed": Meaning("Reported value (number of villages or branches)", label_zh="报告值"),
    "observed_indicator": Meaning("Indicator of the reported value", label_zh="报告值指标"),
    "rel_diff": Meaning("Relative difference between implied and observed", unit="ratio",
                       label_zh="相对差"),
    "ok": Meaning("Within 2%", label_zh="是否一致"),
    "sources": Meaning("Sources of the cross-checked values", label_zh="来源"),
    "label_zh": Meaning("Indicator label (Chinese)", label_zh="中文名"),
    "label_en": Meaning("Indicator label (English)", label_zh="英文名"),
    "range_min": Meaning("Smallest valid level value", label_zh="下限"),
    "range_max": Meaning("Largest valid level value", label_zh="上限"),
    "scale_free": Meaning("Values are comparable across regions of different size (shares, "
                         "means, per-village figures)", label_zh="与规模无关"),
    "severity": Meaning("error (the report could not be read) or warning (skipped, e.g. a "
                        "duplicate of another report)", label_zh="严重程度"),
}


def column(name: str, dtype: Any = None, *checks: pa.Check, nullable: bool | None = None,
           unique: bool = False, description: str = "", unit: str = "", missing: str = "",
           label_zh: str = "") -> pa.Column:
    """One declared column: its checks (``dtype``, ``checks``, ``nullable``, ``unique``) and
    what it means, from :data:`MEANINGS` unless this table words it (``description`` and the
    rest replace the shared meaning as a whole). Without a ``dtype`` the column may be empty
    and is checked only for being there, in its place."""
    if description:
        meaning = Meaning(description, unit=unit, missing=missing, label_zh=label_zh)
    elif name in MEANINGS:
        meaning = MEANINGS[name]
    else:
        raise UndescribedColumn(f"column {name!r} has no description: give one, or add its "
                                f"meaning to ruralstudy.tables.schemas.MEANINGS")
    metadata = {k: v for k, v in (("unit", meaning.unit), ("missing", meaning.missing)) if v}
    return pa.Column(dtype, list(checks), name=name, unique=unique,
                     nullable=dtype is None if nullable is None else nullable,
                     description=meaning.description, title=meaning.label_zh or None,
                     metadata=metadata or None)


def declare(name: str, *columns: pa.Column | str, checks: list[pa.Check] | None = None,
            unique: list[str] | None = None) -> pa.DataFrameSchema:
    """A table's declaration: its columns in the order they are written (a bare name is
    ``column(name)``), strict (no other column) and ordered."""
    cols = [column(c) if isinstance(c, str) else c for c in columns]
    schema = pa.DataFrameSchema({c.name: c for c in cols}, checks=checks, unique=unique,
                                strict=True, ordered=True, name=name)
    return described(schema, name)


def described(schema: pa.DataFrameSchema | type[pa.DataFrameModel],
              table: str = "") -> pa.DataFrameSchema:
    """The schema (a ``DataFrameModel`` as its schema), refused when a column has no
    description."""
    if isinstance(schema, type) and issubclass(schema, pa.DataFrameModel):
        schema = schema.to_schema()
    assert isinstance(schema, pa.DataFrameSchema), schema
    bare = [n for n, c in schema.columns.items() if not (c.description or "").strip()]
    if bare:
        raise UndescribedColumn(f"column {bare[0]!r} of table {table or schema.name!r} has no "
                                f"description (each declared column says what it means)")
    return schema


def declaration(table: str) -> pa.DataFrameSchema:
    """The declaration of a registered table (:data:`ruralstudy.registry.TABLES`)."""
    from ..registry import hook, table as registered

    t = registered(table)
    if t is None:
        raise KeyError(f"table {table!r} is not registered in ruralstudy.registry.TABLES")
    return described(hook(t.schema), table)


def meaning(table: str, name: str) -> Meaning:
    """What one column of one table means, from the table's declaration;
    :class:`UndeclaredColumn` when the declaration does not list it."""
    col = declaration(table).columns.get(name)
    if col is None:
        raise UndeclaredColumn(f"column {name!r} of table {table!r} is not declared (add it to "
                               f"the table's declaration, ruralstudy.tables.schemas)")
    meta = col.metadata or {}
    return Meaning(col.description, unit=str(meta.get("unit", "")),
                   missing=str(meta.get("missing", "")), label_zh=col.title or "")


# --- the tables ------------------------------------------------------------------------------

FIGURES = declare(
    "figures",
    column("figure_id", str, unique=True), column("doc_id", str), "region", "province",
    "admin_level", "year", column("start", "int64", pa.Check.ge(0)), column("end", "int64"),
    "line", column("raw", str, pa.Check.str_length(min_value=1)), column("value", float),
    "value_high", "value_before", column("unit", str, nullable=True),
    column("qualifier", str, pa.Check.isin(list(QUALIFIERS))),
    column("kind", str, pa.Check.isin(KINDS)), column("sentence", str), "sent_offset",
    column("place", str), column("role", str, pa.Check.isin(list(ROLES))), "lead",
    "sent_length", "ocr_confidence",
    checks=[pa.Check(lambda d: (d["end"] > d["start"]).all(), error="end must exceed start")])

MAPPING = declare(
    "mapping",
    column("source_id", str, unique=True),
    column("source_type", str, pa.Check.isin(["report", "sheet"])),
    "doc_id", "file", "line", "start", "end", "region", "province", "admin_level", "region_code",
    "code_vintage", "year", "context", "raw", column("value", float), "value_high",
    "value_before", "unit", "unit_source", column("qualifier", str, pa.Check.isin(list(QUALIFIERS))),
    column("kind", str, pa.Check.isin(KINDS)), "url", "is_target", "construct_guess", "entity",
    "property", "conditions", "scope", "statement", "period", "evidence",
    column("status", str, pa.Check.isin(["published", "waiting", "reviewed", "unmapped",
                                         "rejected"])),
    "indicator_id", "rule", "confidence", "reason", "auto_indicator_id", "audit", "published",
    "source", "release", "ocr_confidence",
    checks=[
        pa.Check(lambda d: (~d["status"].isin(["published", "waiting", "reviewed"]) |
                            (d["indicator_id"] != "")).all(),
                 error="a mapped figure needs an indicator"),
        pa.Check(lambda d: (d["status"].isin(["published", "reviewed"]) | (d["reason"] != "")).all(),
                 error="an unmapped, rejected or waiting figure needs a reason")])

INDICATORS = declare(
    "indicators",
    column("region", str, pa.Check.str_length(min_value=1)), "province", "admin_level",
    "region_code", "code_vintage", column("year", "Int64", nullable=True),
    column("indicator_id", str), "indicator_zh", "indicator_en",
    column("construct", str, pa.Check.isin(["branch_strength", "cadre_structure",
                                            "collective_income", "context"])),
    "measure", "entity", "property", "conditions", column("period", str, pa.Check.isin(PERIODS)),
    column("value", float), "value_high", "value_before", column("unit", str), "qualifier",
    "kind", column("source_type", str, pa.Check.isin(["report", "sheet"])), "source_id",
    column("source_ref", str, pa.Check.str_length(min_value=1)), "url", "rule", "confidence",
    column("status", description="reviewed (checked by a person, 人工复核) or published "
                                 "(machine-read, 机器读取)", label_zh="核对状态"),
    "audit", "published", "ref_date", column("round", str, pa.Check.isin(["", *ROUND_IDS])),
    "round_basis", "source", column("source_key", str, pa.Check.str_length(min_value=1)),
    "income_concept")

PANEL = declare(
    "panel",
    column("region", str), "province", "admin_level", "region_code", "code_vintage",
    column("round", str, pa.Check.isin(["", *ROUND_IDS])), "construct",
    column("indicator_id", str), "indicator_zh", "indicator_en",
    column("value", float, description="The one value kept for this region, round and indicator "
                                       "(see choice_rule), in the base unit given in `unit`",
           label_zh="数值"),
    "unit", "qualifier", "year", column("period", str, pa.Check.isin(list(WHOLE_PERIODS))),
    "ref_date", "source_type", column("source_id", description="Source of the value kept",
                                      label_zh="来源编号"),
    "source_ref", "source", "source_key", column("n_sources", "int64", pa.Check.ge(1)),
    column("n_copies", "int64", pa.Check.ge(1)), "round_basis", "income_concept", "choice_rule",
    unique=["region", "round", "indicator_id", "income_concept"],
    checks=[pa.Check(lambda d: (d["n_copies"] >= d["n_sources"]).all(),
                     error="a cell cannot have more releases than values")])

CONFLICTS = declare(
    "conflicts",
    "region", "round", "indicator_id", "indicator_zh", "year", "n_sources", "between", "values",
    "source_ids", "source_keys", "max_rel_diff")

CROSSCHECKS = declare(
    "crosschecks",
    "region", "year", "check", "implied", "observed", "observed_indicator", "rel_diff", "ok",
    "sources")

REJECTS = declare(
    "rejects",
    "source_id", "source_type", "file", "line", "raw",
    column("reason", description="Why the sheet row could not be used", label_zh="原因"))

CODEBOOK = declare(
    "codebook",
    "indicator_id", "label_zh", "label_en", "construct", "measure",
    column("unit", description="Base unit of the indicator's values", label_zh="单位"),
    "range_min", "range_max", "scale_free",
    column("entity", description="Measured entity of the definition", label_zh="测量对象"),
    column("property", description="Measured property of the definition", label_zh="测量属性"),
    column("conditions", description="Conditions of the definition, ';'-separated",
           missing="empty: no condition", label_zh="限定条件"),
    "body", "base")

CORPUS_PROBLEMS = declare(
    "corpus_problems",
    column("doc_id", description="Document id in data/raw/manifest.csv of the report",
           missing="empty when the problem is not one report's", label_zh="文档编号"),
    "file", "line", "severity",
    column("reason", description="Why the report could not be read or was skipped",
           label_zh="原因"))
