"""Scoring the extractor (and the mapper) against hand-checked gold annotations. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GOLD_FIGURE_COLUMNS = ["doc_id", "start", "end", "raw", "value", "value_high", "value_before",
                       "unit", "qualifier", "kind", "region", "note", "role"]


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 with the counts behind them."""

    n_gold: int
    n_found: int
    n_correct: int

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_found if self.n_found else 0.0

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_row(self) -> dict[str, float | int]:
        return {"n_gold": self.n_gold, "n_found": self.n_found, "n_correct": self.n_correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


def _close(a: float, b: float) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return bool(np.isclose(float(a), float(b), rtol=1e-6, atol=1e-9))


def match_figures(found: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Pair found and gold figures by document and exact raw span; flag full agreement.

    A found figure is correct when its span matches a gold span and value, value_high, unit,
    qualifier, kind and region all agree.
    """
    f = found.assign(start=found["start"].astype(int), end=found["end"].astype(int))
    g = gold.assign(start=gold["start"].astype(int), end=gold["end"].astype(int))
    m = f.merge(g, on=["doc_id", "start", "end"], how="outer", suffixes=("", "_gold"),
                indicator=True)
    # only pairs can agree: the rest (every figure of a report without gold, at 1,000
    # reports 61,000 rows) is False without being turned into dicts
    both = (m["_merge"] == "both").to_numpy()
    ok = np.zeros(len(m), dtype=bool)
    agree = []
    for r in m[both].to_dict("records"):
        agree.append(_close(r["value"], r["value_gold"]) and _close(r["value_high"], r["value_high_gold"])
                  and str(r["unit"]) == str(r["unit_gold"])
                  and r["qualifier"] == r["qualifier_gold"] and r["kind"] == r["kind_gold"]
                  and str(r["region"] or "") == str(r["region_gold"] or ""))
    ok[both] = agree
    m["correct"] = ok.tolist()
    return m


def score_figures(found: pd.DataFrame, gold: pd.DataFrame) -> tuple[Score, pd.DataFrame]:
    """Score extracted figures against gold; return the score and the per-figure matches."""
    m = match_figures(found, gold)
    score = Score(n_gold=len(gold), n_found=len(found), n_correct=int(m["correct"].sum()))
    return score, m


GOLD_MEASUREMENT_COLUMNS = ["source_id", "raw", "entity", "property", "conditions", "scope",
                            "statement", "indicator_id", "note"]
MEASUREMENT_FIELDS = ("entity", "property", "conditions", "scope", "statement")


@dataclass(frozen=True)
class MappingScore:
    """How the mapper's indicators compare with a hand-checked gold.

    ``precision`` is the share of the values the machine mapped that the gold maps to the same
    indicator (a wrong value shown is the costly error); ``recall`` the share of gold
    indicator values the machine found; ``fields`` the agreement on each measurement field.
    """

    n_rows: int
    n_gold_mapped: int
    n_machine_mapped: int
    n_correct: int
    fields: dict[str, float]

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_machine_mapped if self.n_machine_mapped else 0.0

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_gold_mapped if self.n_gold_mapped else 0.0

    def as_row(self) -> dict[str, float | int]:
        return {"n_rows": self.n_rows, "n_gold_mapped": self.n_gold_mapped,
                "n_machine_mapped": self.n_machine_mapped, "n_correct": self.n_correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                **{f"agree_{k}": round(v, 4) for k, v in self.fields.items()}}


def _norm_conditions(s: str) -> str:
    parts = sorted(p for p in str(s).split(";") if p and p != "new_round")
    return ";".join(parts)


def match_mappings(obs: pd.DataFrame, gold: pd.DataFrame,
                   column: str = "auto_indicator_id") -> pd.DataFrame:
    """Pair observation rows with gold rows by source id (gold rows only); flag agreement.

    ``column`` is the machine's indicator: ``auto_indicator_id`` (before overrides) or
    ``indicator_id`` (after)."""
    cols = ["source_id", column, *MEASUREMENT_FIELDS]
    m = gold.merge(obs[cols], on="source_id", how="left", suffixes=("_gold", ""))
    m[column] = m[column].fillna("")
    m["machine"] = m[column]
    m["gold"] = m["indicator_id_gold"] if column == "indicator_id" else m["indicator_id"]
    m["correct"] = (m["machine"] != "") & (m["machine"] == m["gold"])
    for f in MEASUREMENT_FIELDS:
        a = m[f].fillna("").astype(str)
        b = m[f"{f}_gold"].fillna("").astype(str)
        if f == "conditions":
            a, b = a.map(_norm_conditions), b.map(_norm_conditions)
        if f == "scope":
            a, b = a.eq("region"), b.eq("region")
        m[f"agree_{f}"] = a == b
    return m


def score_mappings(obs: pd.DataFrame, gold: pd.DataFrame,
                   column: str = "auto_indicator_id") -> tuple[MappingScore, pd.DataFrame]:
    """Score the mapper against gold measurements; return the score and the matched rows."""
    g = gold.rename(columns={"indicator_id": "indicator_id"}).copy()
    g["indicator_id"] = g["indicator_id"].fillna("")
    m = match_mappings(obs, g, column)
    score = MappingScore(
        n_rows=len(m), n_gold_mapped=int((m["gold"] != "").sum()),
        n_machine_mapped=int((m["machine"] != "").sum()), n_correct=int(m["correct"].sum()),
        fields={f: float(m[f"agree_{f}"].mean()) if len(m) else 0.0 for f in MEASUREMENT_FIELDS})
    return score, m


# --- unseen-style texts: a set of files scored by span overlap and value ------------------------

UNSEEN_GOLD_COLUMNS = ["set", "doc", "start", "end", "raw", "value", "value_high", "value_before",
                       "unit", "qualifier", "kind", "role", "note"]


@dataclass(frozen=True)
class SetScore:
    """Score on one set of texts: a figure is found when a gold figure's span overlaps it and
    the values agree; ``strict`` also requires unit, qualifier, kind and role to agree."""

    name: str
    score: Score
    strict: Score


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _same_value(f: dict, g: dict) -> bool:
    return (_close(f["value"], g["value"])
            and (pd.isna(g.get("value_before")) or _close(f["value_before"], g["value_before"])))


def match_by_overlap(found: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Pair found and gold figures one to one, by document, overlapping span and equal value.

    Returns one row per gold and per found figure (``side`` gold/found) with ``matched`` and,
    for matched pairs, ``strict`` (unit, qualifier, kind and role agree as well).
    """
    rows: list[dict] = []
    used: set[int] = set()
    f_recs = found.reset_index(drop=True).to_dict("records")
    by_doc: dict[str, list[int]] = {}
    for i, f in enumerate(f_recs):
        by_doc.setdefault(str(f["doc"]), []).append(i)
    for g in gold.to_dict("records"):
        hit = None
        for i in by_doc.get(str(g["doc"]), []):
            f = f_recs[i]
            if i in used or not _overlap(int(f["start"]), int(f["end"]), int(g["start"]), int(g["end"])):
                continue
            if _same_value(f, g):
                hit = i
                break
        row = {"side": "gold", "doc": g["doc"], "start": g["start"], "end": g["end"],
               "raw": g["raw"], "value": g["value"], "matched": hit is not None, "strict": False,
               "found_raw": "", "found_value": np.nan}
        if hit is not None:
            used.add(hit)
            f = f_recs[hit]
            row.update(found_raw=f["raw"], found_value=f["value"], strict=bool(
                str(f["unit"]) == str(g["unit"]) and f["qualifier"] == g["qualifier"]
                and f["kind"] == g["kind"] and f.get("role", "observed") == g["role"]))
        rows.append(row)
    for i, f in enumerate(f_recs):
        if i not in used:
            rows.append({"side": "found", "doc": f["doc"], "start": f["start"], "end": f["end"],
                         "raw": f["raw"], "value": f["value"], "matched": False, "strict": False,
                         "found_raw": f["raw"], "found_value": f["value"]})
    return pd.DataFrame(rows)


def score_by_overlap(name: str, found: pd.DataFrame, gold: pd.DataFrame
                     ) -> tuple[SetScore, pd.DataFrame]:
    """Score found figures of one set of texts against its gold (see :func:`match_by_overlap`)."""
    m = match_by_overlap(found, gold)
    g = m[m["side"] == "gold"]
    n_ok = int(g["matched"].sum())
    n_strict = int(g["strict"].sum())
    return (SetScore(name, Score(len(gold), len(found), n_ok),
                     Score(len(gold), len(found), n_strict)), m)


# --- indicator values as published: the issue-19 metric -----------------------------------------

#: Relative tolerance for "the same value within rounding" (0.5%, as indicators.REL_TOLERANCE).
VALUE_REL_TOLERANCE = 0.005


def _same_indicator_value(a: float, b: float) -> bool:
    if pd.isna(a) or pd.isna(b):
        return False
    scale = max(abs(float(a)), abs(float(b)))
    return scale == 0 or abs(float(a) - float(b)) <= max(VALUE_REL_TOLERANCE * scale, 1e-9)


def score_indicator_values(obs: pd.DataFrame, gold: pd.DataFrame,
                           column: str = "auto_indicator_id") -> tuple[MappingScore, pd.DataFrame]:
    """Score every value the machine mapped in a set of texts against a gold of indicator values
    (issue 19): a mapped value is right when a gold row of the same document has an overlapping
    figure span, the same indicator and the same value within rounding. Precision = right /
    mapped (every mapped value counts, also one whose figure the gold does not list); recall =
    right / gold rows with an indicator id. ``obs`` needs doc_id, start, end, value and
    ``column``; ``gold`` doc, start, end, indicator_id and value.

    Returns the score (as a :class:`MappingScore`, ``fields`` = agreement of each measurement
    field and the period on the gold rows whose figure was mapped or read) and one row per gold
    row and per unmatched mapped value."""
    g = gold.copy()
    g["indicator_id"] = g["indicator_id"].fillna("").astype(str)
    mapped = obs[obs[column].fillna("") != ""]
    by_doc: dict[str, list[dict]] = {}
    for r in obs.to_dict("records"):
        by_doc.setdefault(str(r["doc_id"]), []).append(r)
    used: set[tuple[str, int]] = set()
    rows = []
    agree: dict[str, list[bool]] = {f: [] for f in (*MEASUREMENT_FIELDS, "period")}
    for r in g.to_dict("records"):
        cands = [f for f in by_doc.get(str(r["doc"]), [])
                 if int(f["start"]) < int(r["end"]) and int(r["start"]) < int(f["end"])]
        hit = None
        for f in cands:
            key = (str(f["doc_id"]), int(f["start"]))
            if r["indicator_id"] and key not in used and f[column] == r["indicator_id"] and \
                    _same_indicator_value(f["value"], r["value"]):
                hit = f
                used.add(key)
                break
        if cands:
            f0 = hit or cands[0]
            for fld in agree:
                if fld in r and fld in f0:
                    a, b = str(f0[fld] or ""), str(r[fld] or "")
                    if fld == "conditions":
                        a, b = _norm_conditions(a), _norm_conditions(b)
                    if fld == "scope":
                        a, b = str(a == "region"), str(b == "region")
                    agree[fld].append(a == b)
        rows.append({"side": "gold", "doc": r["doc"], "start": r["start"], "raw": r["raw"],
                     "gold": r["indicator_id"], "gold_value": r["value"],
                     "machine": (hit or (cands[0] if cands else {})).get(column, ""),
                     "machine_value": (hit or (cands[0] if cands else {})).get("value", np.nan),
                     "correct": hit is not None})
    for f in mapped.to_dict("records"):
        if (str(f["doc_id"]), int(f["start"])) not in used:
            rows.append({"side": "machine", "doc": f["doc_id"], "start": f["start"],
                         "raw": f["raw"], "gold": "", "gold_value": np.nan,
                         "machine": f[column], "machine_value": f["value"], "correct": False})
    n_right = len(used)
    score = MappingScore(n_rows=len(g), n_gold_mapped=int((g["indicator_id"] != "").sum()),
                         n_machine_mapped=len(mapped), n_correct=n_right,
                         fields={k: float(np.mean(v)) if v else 0.0 for k, v in agree.items()})
    return score, pd.DataFrame(rows)


def score_sheet_values(obs: pd.DataFrame, gold: pd.DataFrame, file: str,
                       column: str = "auto_indicator_id") -> tuple[MappingScore, pd.DataFrame]:
    """Score a held-out figure sheet row by row (issue 20): a mapped row is right when the gold
    row of the same line has the same indicator and the same value within rounding. Precision =
    right / rows mapped; recall = right / gold rows with an indicator id. ``obs`` are the
    sheet's observations (``source_id`` = ``sheet:<file>:<line>``); ``gold`` has line,
    indicator_id and value."""
    g = gold.copy()
    g["indicator_id"] = g["indicator_id"].fillna("").astype(str)
    by_line = {int(r["source_id"].rsplit(":", 1)[1]): r for r in obs.to_dict("records")
               if str(r["source_id"]).startswith(f"sheet:{file}:")}
    rows = []
    for r in g.to_dict("records"):
        m = by_line.get(int(r["line"]), {})
        got = str(m.get(column) or "")
        right = bool(got) and got == r["indicator_id"] and \
            _same_indicator_value(m.get("value"), r.get("value"))
        rows.append({"line": int(r["line"]), "gold": r["indicator_id"], "gold_value": r.get("value"),
                     "machine": got, "value": m.get("value"), "right": right,
                     "reason": m.get("reason", "row not read")})
    df = pd.DataFrame(rows)
    n_machine = int((df["machine"] != "").sum()) if len(df) else 0
    score = MappingScore(n_rows=len(df), n_gold_mapped=int((df["gold"] != "").sum()),
                         n_machine_mapped=n_machine, n_correct=int(df["right"].sum()), fields={})
    return score, df


def first_sight_scores(annotations_dir) -> pd.DataFrame:
    """The first-sight scores recorded on independent holdouts (``first_sight.csv``: each set
    scored once, after the last tuning change, before its errors were read), as recorded: they
    cannot be recomputed, because the code was tuned on each set afterwards."""
    from pathlib import Path

    f = Path(annotations_dir) / "first_sight.csv"
    if not f.is_file():
        return pd.DataFrame(columns=["set", "what", "scored_at", "texts", "gold_values",
                                     "published", "right", "precision", "recall", "note"])
    return pd.read_csv(f, keep_default_na=False)
