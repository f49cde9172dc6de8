"""From figures to indicators: the observation table (every figure, mapped or not), the tidy
indicators table, the region x indicator panel, conflicts and cross-checks. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from ..measures.codebook import Codebook
from .comparability import (WHOLE_PERIODS, compared_as, concept_labels, income_concept, period_of,
                            reference_date, round_cue, round_of)
from ..language.numparse import human_number
from ..measures.mapping import Mapping, map_measurement
from ..measures.measure import measure_label, measure_text, release_base_is_vc, sort_conditions
from .schemas import CONFLICTS, CROSSCHECKS, INDICATORS, MAPPING, PANEL

# the tables' columns in order, from their declarations (schemas); code_vintage is added by
# ruralstudy.build.pipeline.identified beside region_code
OBS_COLUMNS = [c for c in MAPPING.columns if c != "code_vintage"]
MEASUREMENT_COLUMNS = ["entity", "property", "conditions", "scope", "statement", "period",
                       "evidence"]
INDICATOR_COLUMNS = [c for c in INDICATORS.columns if c != "code_vintage"]
PANEL_COLUMNS = [c for c in PANEL.columns if c != "code_vintage"]
CONFLICT_COLUMNS = list(CONFLICTS.columns)
CROSSCHECK_COLUMNS = list(CROSSCHECKS.columns)
CHOICE_RULE = ("one value per region, election round and indicator (one indicator = one entity, "
               "property and set of conditions, so no other base can compete; for money, with "
               "its income concept, so an operating-income band never stands for a total-income "
               "one), from whole periods "
               "only (a year, or a stock at the report's date); among its values: the latest "
               "date, then an exact value over an approximate one (余, 近, 以上), then the value "
               "most other independent releases agree with, then report text over sheet, then "
               "source id")
UNNAMED = "未具名地区"
REL_TOLERANCE = 0.005  # values within 0.5% are the same figure rounded differently


def unnamed_region(doc_id: str) -> str:
    """The region label for a document that names no region (e.g. 未具名地区(001))."""
    return f"{UNNAMED}({doc_id})"


def _period(ms, text: str, label: bool = False) -> str:
    """The measurement's period when the reader gives one, else the one its text names. A
    sheet's label names its period in words (截至6月, 上半年, 近三年累计) that the label reader may
    leave unread: for a label an empty period is read from the label."""
    p = getattr(ms, "period", None)
    if not isinstance(p, str) or (label and not p):
        return period_of(text)
    return p


def observe_figures(figures: pd.DataFrame, codebook: Codebook,
                    codes: dict[str, str] | None = None,
                    published: dict[str, str] | None = None) -> pd.DataFrame:
    """Read what every extracted figure measures and map it; return observation rows (mapped,
    or unmapped with the reason). ``published`` gives each document's publication date (from
    the manifest), which dates a stock the text counts "now"."""
    rows = []
    codes = codes or {}
    published = published or {}
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
            "region_code": codes.get(r["region"], ""), "year": ms.year or r["year"],
            "context": r["sentence"], "raw": r["raw"], "value": r["value"],
            "value_high": r["value_high"], "value_before": r["value_before"], "unit": r["unit"],
            "unit_source": "text", "qualifier": r["qualifier"], "kind": r["kind"], "url": "",
            "is_target": ms.statement == "target", "construct_guess": "",
            **{k: v for k, v in ms.to_dict().items() if k in MEASUREMENT_COLUMNS},
            "status": "mapped" if m.mapped else "unmapped", "indicator_id": m.indicator_id,
            "rule": m.rule, "confidence": m.confidence, "reason": m.reason,
            "auto_indicator_id": m.indicator_id, "audit": "",
            "period": _period(ms, r["sentence"]), "published": published.get(r["doc_id"], ""),
            "source": "", "release": f"report:{r['doc_id']}",
            "ocr_confidence": r.get("ocr_confidence")})
    return _obs_frame(rows)


def observe_sheets(rows_df: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Read what every sheet row measures from its label and map it; bare numbers take the
    unit of their indicator."""
    rows = []
    by_release: dict[tuple, list[str]] = {}
    for r in rows_df.to_dict("records"):
        by_release.setdefault((r["file"], r["region"], r["url"]), []).append(r["label_zh"])
    vc = {k for k, v in by_release.items() if release_base_is_vc(v)}
    prev: tuple[tuple, str, str] | None = None  # (release and year, body words) of the row above
    # ((release and year, line), label, reading) of the row above: a property alone (占比) speaks
    # of the group of the row directly above it (no row between, not even a rejected one)
    above: tuple[tuple, str, object] | None = None
    for r in rows_df.to_dict("records"):
        unit, unit_source = r["unit"], "sheet"
        release = (r["file"], r["region"], r["url"], r["year"])
        is_vc = (r["file"], r["region"], r["url"]) in vc
        ms = measure_label(r["label_zh"], unit if unit else None, r["kind"], r["region"],
                           release_vc=is_vc)
        own = ms
        if above is not None and above[0] == (release, int(r["line"]) - 1) and \
                _PROPERTY_ALONE.match(_label_norm(r["label_zh"])) and _names_group(above[2]):
            carried = _group_from_above(above, r, unit, is_vc, codebook)
            if carried is not None:
                ms = carried
            elif ms.entity:
                # 达标率 under 集体收入达标村: the rate of the group above, which no indicator holds,
                # not the bare label's own guess (branch standardisation)
                ms = replace(ms, conditions=sort_conditions(set(ms.conditions) | {"other"}),
                             evidence=ms.evidence + f"; the row above ('{above[1]}') names the "
                             "group this rate is of, and with it no indicator is defined")
        above = ((release, int(r["line"])), _label_norm(r["label_zh"]), own)
        carried_from = None
        if not ms.entity and prev is not None and prev[0] == release and \
                re.match(r"^(其中)?[^成委]{0,6}(成员|委员)", _label_norm(r["label_zh"])):
            # 女性成员占比较上届 under a row of 村“两委”成员: the members of the body above
            carried = measure_label(prev[1] + _label_norm(r["label_zh"]), unit if unit else None,
                                    r["kind"], r["region"], release_vc=is_vc)
            if carried.entity == prev[2]:
                ms = replace(carried, evidence=carried.evidence +
                             f"; body '{prev[1]}' carried from the row above",
                             flags=carried.flags + ("subject_carried",))
                carried_from = prev
        prev = carried_from  # the rows below a carried one still speak of the same body
        if ms.entity in _CARRIED_BODIES and carried_from is None:
            label_n = _label_norm(r["label_zh"])
            words = re.search(r"label entity '([^']*)'", ms.evidence)
            at = label_n.find(words.group(1)) if words else -1
            if words is not None and at >= 0:
                prev = (release, label_n[:at + len(words.group(1))], ms.entity)
        if ms.property == "income_growth" and re.search(r"平均|年均", str(r["raw"])):
            # 平均增长了20.5%: a mean growth (over years or over villages), not the region's
            ms = replace(ms, property="change", evidence=ms.evidence +
                         "; value says 平均增长: a mean growth, not the region's growth")
        if r["is_target"] and ms.statement == "observed":
            ms = replace(ms, statement="target", evidence=ms.evidence + "; label begins 目标:")
        m = map_measurement(codebook, ms, unit if unit else None, r["kind"], r["value"],
                            r["region"], label=True)
        if m.mapped and r["kind"] == "level" and not _blank_number(r["value_high"]):
            # 村均经营性收入 | 20万—30万元: a range is not one value (an empty cell is better
            # than its lower end)
            m = Mapping("", "", 0.0, f"a range ({r['raw']}) is not one value: {m.indicator_id} "
                                     f"takes one")
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
            "auto_indicator_id": m.indicator_id, "audit": "",
            "period": _period(ms, r["label_zh"] + " " + r["raw"], label=True),
            "published": r.get("published", "") or "", "source": r.get("source", "") or "",
            "release": sheet_release(r.get("source", "") or "", r["url"], r["file"],
                                     r["region"])})
    return _obs_frame(rows)


#: A label that names only a property or an act's rate (占比, 增幅, 整顿转化率): a table's row
#: that speaks of the group the row above names (集体经济收入100万元以上村 | 79个, then 占比 | 54.5%).
_PROPERTY_ALONE = re.compile(r"^(其中)?(占比|比例|比重|占全部|增幅|增速|增长率|同比增长|整顿转化率|转化率|"
                             r"达标率|覆盖率)(\((%|％|个百分点)\))?$")
#: Words of the row above that are its own act or count, not its group (排查, 新增; 村数).
_ABOVE_ACT = re.compile(r"^(排查|摸排|新增|新建|新发展)|(排查|摸排|认定|整顿转化)$")
_ABOVE_COUNT = re.compile(r"(\((个|人|名|万元|亿元|元)\))$|(个数|人数|数量|总数|村数|数)$")


def _group_from_above(above: tuple, r: dict, unit: str, is_vc: bool, codebook: Codebook):
    """The reading of a property-only label (占比) with the group the row directly above names,
    in the same release and year, when that row names its group in words (an entity word of
    the vocabulary, not a label cut short such as 村均) and the joined reading maps; else None."""
    _, label_above, ms_above = above
    body = _ABOVE_COUNT.sub("", _ABOVE_ACT.sub("", label_above))
    if not body:
        return None
    label = _label_norm(r["label_zh"])
    joined = measure_label(body + label, unit if unit else None, r["kind"], r["region"],
                           release_vc=is_vc)
    m = map_measurement(codebook, joined, unit if unit else None, r["kind"], r["value"],
                        r["region"], label=True)
    if not m.mapped:
        return None
    # the property the label names must be the one read: 占比 | 45个 is no share
    growth = bool(re.search(r"增幅|增速|增长", label))
    prop = codebook.get(m.indicator_id).property
    if (prop in ("share", "rate")) == growth or \
            (growth and prop not in ("income_growth", "mean_age_change", "share_change", "count_change")):
        return None
    return replace(joined, evidence=joined.evidence + f"; group '{body}' carried from the row above",
                   flags=joined.flags + ("subject_carried",))


def _names_group(ms) -> bool:
    """Does a row's reading name its group in words (an entity word of the vocabulary), not a
    label cut short (村均) whose subject is itself guessed?"""
    return bool(ms.entity) and not re.search(r"label entity ''", ms.evidence)


def _blank_number(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or bool(pd.isna(v))


#: Bodies whose members a row below may name with 成员 alone (a sheet written as a table).
_CARRIED_BODIES = frozenset({"two_committees_member", "village_committee_member"})


def _label_norm(label: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(label)))


_DATE_IN_SOURCE = re.compile(r"(19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}")


def normalise_url(url: str) -> str:
    """A URL without scheme, www./m. host prefix, script-variant folders (/BIG5/, /GB/) or a
    trailing slash: the same page on its mirrors reads the same."""
    u = re.sub(r"^[a-z]+://", "", str(url).strip().lower())
    u = re.sub(r"^(www\.|m\.|wap\.)", "", u)
    u = re.sub(r"/(big5|gb|gb2312)/", "/", u)
    return u.rstrip("/")


def sheet_release(source: str, url: str, file: str, region: str) -> str:
    """The release a sheet row copies, before reprints are joined (:func:`source_keys`): the
    publisher and date its ``source`` names (one release however many sites reprint it), else
    its page, else its file, region and source text."""
    src = str(source or "").strip()
    if _DATE_IN_SOURCE.search(src):
        return "pub:" + re.sub(r"\s+", " ", src)
    if str(url or "").strip():
        return "url:" + normalise_url(url)
    return f"sheet:{file}|{region}|{src}"


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
              "audit", "published", "source", "release", *MEASUREMENT_COLUMNS):
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
    where = r["url"] or (f"source: {r['source']} (no URL)" if r.get("source") else "")
    return f"sheet {r['file']} line {r['line']}" + (f": {where}" if where else "")


def indicators_table(obs: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The tidy indicators table: one row per region, year, indicator and source (values
    published or reviewed only: a value waiting for review stays out; ``status`` says which,
    reviewed by a person or machine-read)."""
    from ..measures.calibrate import PANEL_STATUSES

    rows = []
    # releases (and regions) in which some figure, mapped or not, is an election's result
    new_round = {(r, g) for r, g, c in zip(obs["release"], obs["region"], obs["context"])
                 if round_cue(c) == "new"}
    for r in obs[obs["status"].isin(PANEL_STATUSES)].to_dict("records"):
        ind = codebook.get(r["indicator_id"])
        d, _ = reference_date(r["year"], r["period"], r["published"])
        ref = d.isoformat() if d else ""
        cue = "new" if (r["release"], r["region"]) in new_round else ""
        rnd, basis = round_of(r["year"], r["period"], r["published"], r["province"],
                              r["context"], cue)
        concept = income_concept(ind.id, r["context"])
        label_zh, label_en = concept_labels(ind.id, ind.label_zh, ind.label_en, concept)
        rows.append({
            "region": r["region"], "province": r["province"], "admin_level": r["admin_level"],
            "region_code": r["region_code"], "year": r["year"], "indicator_id": ind.id,
            "indicator_zh": label_zh, "indicator_en": label_en,
            "construct": ind.construct, "measure": ind.measure, "entity": r["entity"],
            "property": r["property"], "conditions": r["conditions"],
            "period": r.get("period", ""), "value": r["value"],
            "value_high": r["value_high"], "value_before": r["value_before"], "unit": r["unit"],
            "qualifier": r["qualifier"], "kind": r["kind"], "source_type": r["source_type"],
            "source_id": r["source_id"], "source_ref": source_ref(r), "url": r["url"],
            "rule": r["rule"], "confidence": r["confidence"], "status": r["status"],
            "audit": r["audit"],
            "published": r["published"], "ref_date": ref,
            "round": rnd, "round_basis": basis, "source": r["source"], "source_key": r["release"],
            "income_concept": concept})
    df = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    if df.empty:  # every value waits for review: still the table's types
        df = df.astype({c: str for c in INDICATOR_COLUMNS if c not in (
            "year", "value", "value_high", "value_before", "confidence")})
    df["year"] = df["year"].astype("Int64")
    for c in ("value", "value_high", "value_before", "confidence"):
        df[c] = df[c].astype("float64")
    df["source_key"] = source_keys(df)
    return df.sort_values(["region", "indicator_id", "year", "source_type", "source_id"],
                          kind="mergesort", na_position="last").reset_index(drop=True)


def valued(ind: pd.DataFrame) -> pd.Series:
    """Rows whose value is their indicator's value: a level or a difference of levels, and any
    value of a change-against-the-previous-round indicator (id ending ``_change``: 较上届下降4岁
    is read as a growth figure, and the indicator *is* that change). A growth figure of any
    other indicator (增长12%) is not its value."""
    return ind["kind"].isin(["level", "change"]) | ind["indicator_id"].astype(str).str.endswith("_change")


def source_keys(ind: pd.DataFrame) -> pd.Series:
    """One key per release: copies of one release share it.

    Each value starts from its release (a report; a sheet row's publisher and date, else its
    page). Two releases are joined when they report the same figure — same region, indicator,
    year and period, values equal within rounding — because a public page cannot tell a copy
    from an independent count: agreement between them is echo, not corroboration. (So two
    releases that agree are one source; conflicts are left only between independent ones.)
    The key is the smallest release id of its group."""
    if ind.empty:
        return pd.Series([], dtype=str, index=ind.index)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for k in ind["source_key"]:
        find(k)
    lv = ind[valued(ind)]
    cell = [lv["region"], compared_as(lv), lv["year"].fillna(-1), lv["period"]]
    for _, g in lv.groupby(cell, sort=False):
        if g["source_key"].nunique() < 2:
            continue
        # releases agreeing on a value are joined. Over the sorted distinct values, a value
        # agreeing with a later one agrees with every value between (same sign: the relative
        # gap only grows), so joining neighbours that agree gives the same groups as joining
        # every agreeing pair, in n log n rather than n^2 (one page of 290,000 figures of one
        # cell never finished: issue 24, I18)
        by_value: dict[float, list[str]] = {}
        for k, v in zip(g["source_key"], g["value"]):
            by_value.setdefault(v, []).append(k)
        distinct = sorted(by_value)
        for i, v in enumerate(distinct):
            first = by_value[v][0]
            for k in dict.fromkeys(by_value[v]):
                union(first, k)
            if i + 1 < len(distinct) and not disagree(v, distinct[i + 1]):
                union(first, by_value[distinct[i + 1]][0])
    return ind["source_key"].map(find)


def _rank_key(df: pd.DataFrame) -> pd.DataFrame:
    # how many other independent releases of the same cell (region, round, indicator with its
    # income concept) agree with each value; grouped once, so the cost is linear in the rows
    agree = pd.Series(0, index=df.index, dtype="int64")
    for _, g in df.groupby([df["region"], df["round"], df["_cell"]], sort=False):
        if g["source_key"].nunique() < 2:
            continue
        agree.loc[g.index] = _agreeing_releases(g["value"].tolist(), g["source_key"].tolist())
    return df.assign(_d=df["ref_date"].fillna(""), _q=(df["qualifier"] == "exact").astype(int),
                     _a=agree, _s=(df["source_type"] == "report").astype(int))


def panel_table(ind: pd.DataFrame) -> pd.DataFrame:
    """Region x election round x indicator, in long form: the chosen value per cell, by
    :data:`CHOICE_RULE`. A cell is a region, a round and an indicator with its income concept
    (:func:`~ruralstudy.tables.comparability.compared_as`: an operating-income band never
    competes with the total-income band of the same id). Only whole periods (a year, or a
    stock at the report's date) enter; a value whose round is unknown keeps round '' (shown,
    never compared)."""
    lv = ind[valued(ind) & ind["period"].isin(WHOLE_PERIODS)]
    if lv.empty:
        empty = pd.DataFrame(columns=PANEL_COLUMNS)  # typed, so an empty panel validates
        return empty.astype({c: ("float64" if c == "value" else "int64" if c in (
            "n_sources", "n_copies") else "Int64" if c == "year" else str) for c in PANEL_COLUMNS})
    lv = _rank_key(lv.assign(_cell=compared_as(lv)))
    keys = ["region", "round", "_cell"]
    lv = lv.sort_values([*keys, "_d", "_q", "_a", "_s", "source_id"],
                        ascending=[True, True, True, False, False, False, False, True],
                        kind="mergesort")
    g = lv.groupby(keys, sort=False)
    best = lv.assign(n_sources=g["source_key"].transform("nunique").astype("int64"),
                     n_copies=g["source_id"].transform("size").astype("int64"))
    best = best.drop_duplicates(keys, keep="first").assign(choice_rule=CHOICE_RULE)
    return best[PANEL_COLUMNS].reset_index(drop=True)


def _agreement_windows(distinct: list[float]) -> Iterator[tuple[float, int, int]]:
    """For each of the sorted distinct values, the window ``(lo, hi)`` of the values agreeing
    with it (not :func:`disagree`): the window only moves up (same sign, within the relative
    tolerance), so two pointers find every window in one pass (a pairwise count was
    quadratic: one 10 MB page of 290,000 figures of one cell never finished)."""
    lo = hi = 0
    for i, v in enumerate(distinct):
        while disagree(v, distinct[lo]) and lo < i:
            lo += 1
        hi = max(hi, i)
        while hi + 1 < len(distinct) and not disagree(v, distinct[hi + 1]):
            hi += 1
        yield v, lo, hi


def _agreeing_releases(vals: list[float], keys: list[str]) -> list[int]:
    """For each value, how many *other* releases (source keys) give a value agreeing with it.
    Over the sorted distinct values the agreeing ones form a window (:func:`_agreement_windows`),
    so each value looks only at its window's releases: n log n plus the window sizes."""
    by_value: dict[float, set[str]] = {}
    for v, k in zip(vals, keys):
        by_value.setdefault(v, set()).add(k)
    distinct = sorted(by_value)
    window_keys = {v: set().union(*(by_value[w] for w in distinct[lo:hi + 1]))
                   for v, lo, hi in _agreement_windows(distinct)}
    return [len(window_keys[v] - {k}) for v, k in zip(vals, keys)]


def _independent_disagreement(vals: list[float], keys: list[str]) -> bool:
    """Do two values from *different* releases disagree? For same-sign values the most
    disagreeing pair between release A and the others is A's minimum against their maximum
    or A's maximum against their minimum, so the two extremes of the other releases (kept as
    the top two per side) decide it in linear time."""
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    for v, k in zip(vals, keys):
        lo[k] = min(v, lo.get(k, v))
        hi[k] = max(v, hi.get(k, v))
    if len(lo) < 2:
        return False
    top = sorted(hi.items(), key=lambda kv: kv[1], reverse=True)[:2]
    bottom = sorted(lo.items(), key=lambda kv: kv[1])[:2]
    for k in lo:
        other_hi = next(v for kk, v in top if kk != k)
        other_lo = next(v for kk, v in bottom if kk != k)
        if disagree(lo[k], other_hi) or disagree(hi[k], other_lo):
            return True
    return False


def disagree(a: float, b: float) -> bool:
    """Do two values disagree beyond rounding (relative difference above 0.5%)?"""
    scale = max(abs(a), abs(b))
    return scale > 0 and abs(a - b) / scale > REL_TOLERANCE


def conflicts_table(ind: pd.DataFrame) -> pd.DataFrame:
    """Cells (region, round, indicator, year, period) whose level values disagree beyond
    rounding: ``between`` says whether the disagreeing values come from independent releases
    (a conflict between sources) or from one release and its copies (a misprint or a mapping
    error, not a disagreement between sources)."""
    lv = ind[valued(ind)]
    rows = []
    cell = ["region", "round", "indicator_id", compared_as(lv), lv["year"].fillna(-1), "period"]
    for (region, rnd, ind_id, _concept, year, _), g in lv.groupby(cell, sort=True):
        vals = g["value"].tolist()
        keys = g["source_key"].tolist()
        # some pair disagrees exactly when the smallest and largest do (same sign: the
        # relative gap of any pair is at most theirs; opposite signs always disagree)
        if len(vals) < 2 or not disagree(min(vals), max(vals)):
            continue
        independent = _independent_disagreement(vals, keys)
        scale = max(abs(v) for v in vals)
        rows.append({"region": region, "round": rnd, "indicator_id": ind_id,
                     "indicator_zh": g["indicator_zh"].iloc[0],
                     "year": None if year == -1 else int(year),
                     "n_sources": len(set(keys)),
                     "between": "independent releases" if independent else "one release",
                     "values": "; ".join(f"{human_number(v)} {u}" for v, u in zip(vals, g["unit"])),
                     "source_ids": "; ".join(g["source_id"]),
                     "source_keys": "; ".join(dict.fromkeys(keys)),
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
