"""From figures to indicators: the observation table (every figure, mapped or not), the tidy
indicators table, the region x indicator panel, conflicts and cross-checks. Pure functions."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import numpy as np
import pandas as pd

from .codebook import Codebook
from .mapping import map_measurement
from .measure import measure_label, measure_text

OBS_COLUMNS = ["source_id", "source_type", "doc_id", "file", "line", "start", "end", "region",
               "province", "admin_level", "region_code", "year", "context", "raw", "value",
               "value_high", "value_before", "unit", "unit_source", "qualifier", "kind", "url",
               "is_target", "construct_guess", "entity", "property", "conditions", "scope",
               "statement", "period", "evidence", "status", "indicator_id", "rule", "confidence", "reason",
               "auto_indicator_id", "audit", "ocr_confidence"]
MEASUREMENT_COLUMNS = ["entity", "property", "conditions", "scope", "statement", "period",
                       "evidence"]
INDICATOR_COLUMNS = ["region", "province", "admin_level", "region_code", "year", "indicator_id",
                     "indicator_zh", "indicator_en", "construct", "measure", "entity", "property",
                     "conditions", "period", "value",
                     "value_high", "value_before", "unit", "qualifier", "kind", "source_type",
                     "source_id", "source_ref", "url", "rule", "confidence", "audit"]
PANEL_COLUMNS = ["region", "province", "admin_level", "region_code", "construct",
                 "indicator_id", "indicator_zh", "indicator_en", "value", "unit", "qualifier",
                 "year", "source_type", "source_id", "source_ref", "n_sources", "choice_rule"]
CONFLICT_COLUMNS = ["region", "indicator_id", "indicator_zh", "year", "n_sources", "values",
                    "source_ids", "max_rel_diff"]
CROSSCHECK_COLUMNS = ["region", "year", "check", "implied", "observed", "observed_indicator",
                      "rel_diff", "ok", "sources"]
CHOICE_RULE = ("one indicator = one entity, property and set of conditions, so no other base can "
               "compete; among its values: the latest year, then an exact value over an "
               "approximate one (余, 近, 以上), then the value most other sources agree with, then "
               "report text over sheet, then source id")
UNNAMED = "未具名地区"
REL_TOLERANCE = 0.005  # values within 0.5% are the same figure rounded differently


def unnamed_region(doc_id: str) -> str:
    """The region label for a document that names no region (e.g. 未具名地区(001))."""
    return f"{UNNAMED}({doc_id})"


def observe_figures(figures: pd.DataFrame, codebook: Codebook,
                    codes: dict[str, str] | None = None) -> pd.DataFrame:
    """Read what every extracted figure measures and map it; return observation rows (mapped,
    or unmapped with the reason)."""
    rows = []
    codes = codes or {}
    for r in figures.to_dict("records"):
        length = int(r.get("sent_length") or 0) or len(unicodedata.normalize("NFKC", r["raw"]))
        region = r["region"] or unnamed_region(r["doc_id"])
        ms = measure_text(r["sentence"], int(r["sent_offset"]), length, r["unit"], r["kind"],
                          r["raw"], role=str(r.get("role", "") or ""), region=r["region"],
                          place=str(r.get("place", "") or ""), lead=str(r.get("lead", "") or ""),
                          year=None if pd.isna(r["year"]) else int(r["year"]))
        m = map_measurement(codebook, ms, r["unit"], r["kind"], r["value"], region)
        rows.append({
            "source_id": r["figure_id"], "source_type": "report", "doc_id": r["doc_id"],
            "file": "", "line": r["line"], "start": r["start"], "end": r["end"],
            "region": region, "province": r["province"], "admin_level": r["admin_level"],
            "region_code": codes.get(r["region"], ""), "year": r["year"],
            "context": r["sentence"], "raw": r["raw"], "value": r["value"],
            "value_high": r["value_high"], "value_before": r["value_before"], "unit": r["unit"],
            "unit_source": "text", "qualifier": r["qualifier"], "kind": r["kind"], "url": "",
            "is_target": ms.statement == "target", "construct_guess": "",
            **{k: v for k, v in ms.to_dict().items() if k in MEASUREMENT_COLUMNS},
            "status": "mapped" if m.mapped else "unmapped", "indicator_id": m.indicator_id,
            "rule": m.rule, "confidence": m.confidence, "reason": m.reason,
            "auto_indicator_id": m.indicator_id, "audit": "",
            "ocr_confidence": r.get("ocr_confidence")})
    return _obs_frame(rows)


def observe_sheets(rows_df: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Read what every sheet row measures from its label and map it; bare numbers take the
    unit of their indicator."""
    rows = []
    for r in rows_df.to_dict("records"):
        unit, unit_source = r["unit"], "sheet"
        ms = measure_label(r["label_zh"], unit if unit else None, r["kind"], r["region"])
        if r["is_target"] and ms.statement == "observed":
            ms = type(ms)(ms.entity, ms.property, ms.conditions, ms.scope, "target",
                          ms.evidence + "; label begins 目标:")
        m = map_measurement(codebook, ms, unit if unit else None, r["kind"], r["value"],
                            r["region"], label=True)
        if m.mapped and not unit:
            unit, unit_source = codebook.get(m.indicator_id).unit, \
                "indicator (sheet gave a bare number)"
        rows.append({
            "source_id": r["source_id"], "source_type": "sheet", "doc_id": "", "file": r["file"],
            "line": r["line"], "start": None, "end": None, "region": r["region"],
            "province": r["province"], "admin_level": r["admin_level"],
            "region_code": r["region_code"], "year": r["year"], "context": r["label_zh"],
            "raw": r["raw"], "value": r["value"], "value_high": r["value_high"],
            "value_before": r["value_before"], "unit": unit, "unit_source": unit_source,
            "qualifier": r["qualifier"], "kind": r["kind"], "url": r["url"],
            "is_target": ms.statement == "target", "construct_guess": r["construct_guess"],
            **{k: v for k, v in ms.to_dict().items() if k in MEASUREMENT_COLUMNS},
            "status": "mapped" if m.mapped else "unmapped", "indicator_id": m.indicator_id,
            "rule": m.rule, "confidence": m.confidence, "reason": m.reason,
            "auto_indicator_id": m.indicator_id, "audit": ""})
    return _obs_frame(rows)


def _obs_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=OBS_COLUMNS)
    for c in ("line", "start", "end", "year"):
        df[c] = df[c].astype("Int64")
    for c in ("value", "value_high", "value_before", "confidence", "ocr_confidence"):
        df[c] = df[c].astype("float64")
    df["is_target"] = df["is_target"].astype(bool)
    for c in ("source_id", "source_type", "doc_id", "file", "region", "province", "admin_level",
              "region_code", "context", "raw", "unit", "unit_source", "qualifier", "kind", "url",
              "construct_guess", "status", "indicator_id", "rule", "reason", "auto_indicator_id",
              "audit", *MEASUREMENT_COLUMNS):
        df[c] = df[c].fillna("").astype(str)
    return df


def combine_observations(*parts: pd.DataFrame) -> pd.DataFrame:
    """Concatenate observation tables in a deterministic order."""
    df = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else _obs_frame([])
    return _obs_frame(df.to_dict("records")).sort_values(
        ["source_type", "source_id"], kind="mergesort").reset_index(drop=True)


def source_ref(r: dict) -> str:
    """A human-readable pointer to where a value came from."""
    if r["source_type"] == "report":
        ocr = r.get("ocr_confidence")  # read by OCR: said wherever the value is shown
        return (f"report {r['doc_id']}, characters {r['start']}-{r['end']} (line {r['line']})" +
                (f", read by OCR (confidence {ocr:.0f})" if pd.notna(ocr) else ""))
    return f"sheet {r['file']} line {r['line']}" + (f": {r['url']}" if r["url"] else "")


def indicators_table(obs: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The tidy indicators table: one row per region, year, indicator and source (mapped only)."""
    rows = []
    for r in obs[obs["status"] == "mapped"].to_dict("records"):
        ind = codebook.get(r["indicator_id"])
        rows.append({
            "region": r["region"], "province": r["province"], "admin_level": r["admin_level"],
            "region_code": r["region_code"], "year": r["year"], "indicator_id": ind.id,
            "indicator_zh": ind.label_zh, "indicator_en": ind.label_en,
            "construct": ind.construct, "measure": ind.measure, "entity": r["entity"],
            "property": r["property"], "conditions": r["conditions"],
            "period": r.get("period", ""), "value": r["value"],
            "value_high": r["value_high"], "value_before": r["value_before"], "unit": r["unit"],
            "qualifier": r["qualifier"], "kind": r["kind"], "source_type": r["source_type"],
            "source_id": r["source_id"], "source_ref": source_ref(r), "url": r["url"],
            "rule": r["rule"], "confidence": r["confidence"], "audit": r["audit"]})
    df = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    for c in ("value", "value_high", "value_before", "confidence"):
        df[c] = df[c].astype("float64")
    return df.sort_values(["region", "indicator_id", "year", "source_type", "source_id"],
                          kind="mergesort", na_position="last").reset_index(drop=True)


def _rank_key(df: pd.DataFrame) -> pd.DataFrame:
    # how many other sources of the same cell (region, indicator, year) agree with each value;
    # grouped once, so the cost is linear in the rows (a filter per row was quadratic)
    agree = pd.Series(0, index=df.index, dtype="int64")
    year = df["year"].fillna(-1)
    for _, g in df.groupby([df["region"], df["indicator_id"], year], sort=False):
        if len(g) < 2:
            continue
        agree.loc[g.index] = _agreeing(g["value"].tolist())
    return df.assign(_y=df["year"].fillna(-1).astype(int),
                     _q=(df["qualifier"] == "exact").astype(int), _a=agree,
                     _s=(df["source_type"] == "report").astype(int))


def panel_table(ind: pd.DataFrame) -> pd.DataFrame:
    """Region x indicator: the chosen level value per cell, by :data:`CHOICE_RULE`."""
    if "period" in ind.columns:  # only whole years and stocks enter the panel's years (COORD.md)
        ind = ind[ind["period"].fillna("").isin(["", "year"])]
    lv = _rank_key(ind[ind["kind"].isin(["level", "change"])])
    if lv.empty:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    lv = lv.sort_values(["region", "indicator_id", "_y", "_q", "_a", "_s", "source_id"],
                        ascending=[True, True, False, False, False, False, True], kind="mergesort")
    n = lv.groupby(["region", "indicator_id"])["source_id"].transform("size")
    best = lv.assign(n_sources=n).drop_duplicates(["region", "indicator_id"], keep="first")
    best = best.assign(choice_rule=CHOICE_RULE)
    return best[PANEL_COLUMNS].reset_index(drop=True)


def _agreeing(vals: list[float]) -> list[int]:
    """For each value, how many *other* values agree with it (not :func:`disagree`), in
    O(n log n): over the sorted distinct values the ones agreeing with a value form a window
    that only moves up (same sign, within the relative tolerance), so two pointers and
    prefix sums of the multiplicities count it (a pairwise count was quadratic: one 10 MB
    page of 290,000 figures of one cell never finished)."""
    from collections import Counter
    from itertools import accumulate

    counts = Counter(vals)
    distinct = sorted(counts)
    prefix = [0, *accumulate(counts[v] for v in distinct)]
    lo = hi = 0
    agree_of: dict[float, int] = {}
    for i, v in enumerate(distinct):
        while disagree(v, distinct[lo]) and lo < i:
            lo += 1
        hi = max(hi, i)
        while hi + 1 < len(distinct) and not disagree(v, distinct[hi + 1]):
            hi += 1
        agree_of[v] = prefix[hi + 1] - prefix[lo] - 1
    return [agree_of[v] for v in vals]


def disagree(a: float, b: float) -> bool:
    """Do two values disagree beyond rounding (relative difference above 0.5%)?"""
    scale = max(abs(a), abs(b))
    return scale > 0 and abs(a - b) / scale > REL_TOLERANCE


def conflicts_table(ind: pd.DataFrame) -> pd.DataFrame:
    """Cells (region, indicator, year) where level values from different sources disagree."""
    lv = ind[ind["kind"].isin(["level", "change"])]
    rows = []
    for (region, ind_id, year), g in lv.groupby(["region", "indicator_id", lv["year"].fillna(-1)],
                                                sort=True):
        vals = g["value"].tolist()
        # some pair disagrees exactly when the smallest and largest do (same sign: the
        # relative gap of any pair is at most theirs; opposite signs always disagree)
        if len(vals) < 2 or not disagree(min(vals), max(vals)):
            continue
        scale = max(abs(v) for v in vals)
        rows.append({"region": region, "indicator_id": ind_id,
                     "indicator_zh": g["indicator_zh"].iloc[0],
                     "year": None if year == -1 else int(year), "n_sources": len(vals),
                     "values": "; ".join(f"{v:g} {u}" for v, u in zip(vals, g["unit"])),
                     "source_ids": "; ".join(g["source_id"]),
                     "max_rel_diff": round((max(vals) - min(vals)) / scale, 4)})
    df = pd.DataFrame(rows, columns=CONFLICT_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    return df


def crosscheck_table(ind: pd.DataFrame, tolerance: float = 0.02) -> pd.DataFrame:
    """Total collective income / income per village should be about the number of villages
    (or, where a region gives no village count, its standardised or total branches)."""
    lv = ind[ind["kind"].isin(["level", "change"])]
    rows = []
    for (region, year), g in lv.groupby(["region", lv["year"].fillna(-1)], sort=True):
        vals = {k: s for k, s in g.groupby("indicator_id")}
        if "collective_income_total" not in vals or "collective_income_per_village" not in vals:
            continue
        tot = vals["collective_income_total"].iloc[0]
        per = vals["collective_income_per_village"].iloc[0]
        if not per["value"]:
            continue
        implied = tot["value"] / per["value"]
        for obs_id in ("villages", "village_party_orgs", "branches_standardised"):
            if obs_id in vals:
                o = vals[obs_id].iloc[0]
                rel = (implied - o["value"]) / o["value"]
                rows.append({"region": region, "year": None if year == -1 else int(year),
                             "check": "collective_income_total / collective_income_per_village ≈ villages",
                             "implied": round(implied, 1), "observed": o["value"],
                             "observed_indicator": obs_id, "rel_diff": round(rel, 4),
                             "ok": bool(abs(rel) <= tolerance),
                             "sources": "; ".join([tot["source_id"], per["source_id"], o["source_id"]])})
                break
    df = pd.DataFrame(rows, columns=CROSSCHECK_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    return df


def coverage_matrix(panel: pd.DataFrame) -> pd.DataFrame:
    """Region x indicator matrix of 1 (a value) / 0 (none), for the heat map."""
    if panel.empty:
        return pd.DataFrame()
    m = panel.assign(has=1).pivot_table(index="region", columns="indicator_id", values="has",
                                        aggfunc="max", fill_value=0)
    return m.astype(np.int64)
