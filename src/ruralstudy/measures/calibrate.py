"""Calibrated confidence for mapped values, and the publishing threshold (abstention).

The mapper gives each mapped value a raw confidence (0.95 for a sheet label, 0.9 for text,
0.7 when the subject came from a clause before). That number is not a probability: on the
annotated sets (the seeds' measurement gold, and the unseen dev, holdout and holdout2 texts) a
sheet label at 0.95 is right about three times in four, while text at 0.9 is right 99 times in
100. Here a logistic regression (scikit-learn) turns the raw confidence and the mapper's
evidence into a calibrated probability that the value is right; it is fitted on "right / wrong"
labels from the gold, and its publishing threshold is chosen by cross-validation grouped by
document, so that the values above it keep a held-out precision of at least
:data:`TARGET_PRECISION`. Values below the threshold get ``status = waiting`` and stay out of
the panel until a reviewer decides (``ruralstudy review``).

Why a command that writes a committed file (``ruralstudy calibrate`` ->
``src/ruralstudy/measures/calibration.json``) rather than a build step: the fit needs the annotated
sets extracted and mapped (the unseen texts are not part of the corpus), which a build should
not redo; the file is small and reviewable, so a change of threshold shows in a diff; the
build reads it as part of the library (its digest keys every step, so a new calibration
rebuilds what it changes); and a test refits it and fails when the committed file is stale
(the mapper or the gold changed: rerun ``ruralstudy calibrate``).

Features are read defensively from the mapping table: a column the mapper does not (yet)
write is neutral (0), and the evidence text in ``rule`` is used when a column is absent. Pure
functions on DataFrames, except :func:`load_calibration` / :func:`calibration_bytes` (the
file); the edge that reads the annotated sets (``labelled_values``, ``calibrate``) is in
:mod:`ruralstudy.build.pipeline`, beside the other evaluation sets.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

#: Held-out precision the published values must keep.
TARGET_PRECISION = 0.97
#: Fewest held-out values the threshold must publish for its precision to count.
MIN_PUBLISHED = 30
#: Folds of the grouped cross-validation (fewer when there are fewer documents).
N_FOLDS = 5
#: L2 regularisation strength of the logistic regression (sklearn's C).
C_REGULARISATION = 1.0
#: Bin edges of the reliability diagram (predicted probability).
BIN_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0)
#: Digits kept in the committed file (the fit is byte-identical across runs).
DIGITS = 6
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
#: Sets of data/annotations/unseen3 the calibration is fitted on when the pipeline does not
#: list the issue-19 sets (pipeline.ISSUE19_SETS: unseen3 dev and holdout, unseen4 holdout).
#: A holdout is used only after its first-sight score was recorded (data/annotations/SCORES.md).
CALIBRATION_UNSEEN3 = ("dev", "holdout")
#: Sets the mapper was not tuned on: its first-sight behaviour (data/annotations/SCORES.md:
#: unseen5 written after all reader tuning and scored once; unseen3 and unseen4 holdouts were tuned on after
#: its first sight and is spent). Every other set was tuned on.
FIRST_SIGHT_SETS = ("unseen5-holdout",)

PUBLISHED, WAITING, REVIEWED = "published", "waiting", "reviewed"
#: Statuses of a mapped value (it has an indicator).
MAPPED_STATUSES = (PUBLISHED, WAITING, REVIEWED)
#: Statuses whose values enter the indicators table and the panel. ``mapped`` is the mapper's
#: own output before calibration: the build always calibrates (apply_calibration turns every
#: ``mapped`` into published or waiting), so it is seen only where a caller maps without the
#: build (tests, the simulation).
PANEL_STATUSES = (PUBLISHED, REVIEWED, "mapped")
#: Every status a mapping row may have.
ALL_STATUSES = (*MAPPED_STATUSES, "unmapped", "rejected")

# Flag features: (name, the mapper's evidence flags that set it, candidate boolean columns,
# pattern in the evidence text of ``rule`` used when the mapper writes no flags). The mapper
# writes its flags ';'-separated in the ``evidence`` column (measure.Measurement.flags); a
# missing column and no pattern -> 0 (neutral).
_FLAG_FEATURES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str | None], ...] = (
    ("clause_before", ("clause_before", "subject_other_sentence"),
     ("clause_before",), r"clause before"),
    ("subject_carried", ("subject_carried", "base_carried"), ("subject_carried",), r"carried"),
    ("paired", ("fenbie_paired",), ("fenbie_paired", "paired"), r"分别|paired"),
    ("subset", ("qizhong_subset", "group_of_subject"), ("qizhong_subset", "subset"),
     r"其中|subset"),
    ("bare_share", ("bare_share", "band_from_subject", "group_after_noun"), (), None),
    ("noun_beside", ("head_noun", "adjacent_noun", "subject_in_clause"), (),
     r"counted noun|subject '"),
    ("round_change", ("change_vs_previous_round",), (), None),
)
FEATURES = ("raw_confidence", "label", "clause_before", "subject_carried", "paired", "subset",
            "bare_share", "noun_beside", "round_change", "approximate", "unit_inferred",
            "n_conditions", "base_unnamed", "label_note", "part_period", "tuned")
#: Words that name the base a figure's body belongs to (村, 嘎查, 社区, 农村).
_BASE_WORDS = re.compile(r"村|嘎查|社区|乡村|农村|村居|village|communit", re.I)
#: Bodies that belong to a village base (村 vs 村(社区)): their text should name the base.
_BASED_ENTITIES = frozenset({"two_committees_member", "branch_secretary", "village_committee_member",
                             "village_committee_chair", "village_cadre", "branch_committee_member",
                             "collective"})
_TRUE = {"1", "true", "yes", "y", "t"}


def _flag(series: pd.Series) -> pd.Series:
    """A column of booleans, 0/1 or words as 0/1 floats (empty -> 0)."""
    if series.dtype == bool:
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return (series.fillna(0) != 0).astype(float)
    return series.fillna("").astype(str).str.strip().str.lower().isin(_TRUE).astype(float)


def _text(obs: pd.DataFrame, col: str) -> pd.Series:
    if col in obs.columns:
        return obs[col].fillna("").astype(str)
    return pd.Series("", index=obs.index)


def features(obs: pd.DataFrame) -> pd.DataFrame:
    """The calibrator's features of each mapping row, as floats (one column per
    :data:`FEATURES`). Every column read is optional: absent, it is neutral."""
    out = pd.DataFrame(index=obs.index)
    if "raw_confidence" in obs.columns:
        raw = pd.to_numeric(obs["raw_confidence"], errors="coerce")
    elif "confidence" in obs.columns:
        raw = pd.to_numeric(obs["confidence"], errors="coerce")
    else:
        raw = pd.Series(np.nan, index=obs.index)
    out["raw_confidence"] = raw.fillna(0.9).astype(float)
    if "label" in obs.columns:
        label = _flag(obs["label"])
    else:
        label = (_text(obs, "source_type") == "sheet").astype(float)
    out["label"] = label
    rule = _text(obs, "rule")
    flags = _text(obs, "evidence").map(lambda s: frozenset(f.strip() for f in s.split(";")
                                                           if f.strip()))
    has_flags = "evidence" in obs.columns and bool(flags.map(len).sum())
    for name, tokens, cols, pattern in _FLAG_FEATURES:
        col = next((c for c in cols if c in obs.columns), None)
        if has_flags:
            out[name] = flags.map(lambda fs: float(bool(fs & set(tokens))))
        elif col is not None:
            out[name] = _flag(obs[col])
        elif pattern is not None:
            out[name] = rule.str.contains(pattern, regex=True).astype(float)
        else:
            out[name] = 0.0
    qual = _text(obs, "qualifier")
    out["approximate"] = ((qual != "") & (qual != "exact")).astype(float)
    out["unit_inferred"] = _text(obs, "unit_source").str.startswith("indicator").astype(float)
    conds = _text(obs, "conditions").map(
        lambda s: len([c for c in s.split(";") if c and c != "new_round"]))
    out["n_conditions"] = conds.clip(upper=3).astype(float) / 3.0
    context = _text(obs, "context")
    based = _text(obs, "entity").isin(_BASED_ENTITIES)
    out["base_unnamed"] = (based & ~context.str.contains(_BASE_WORDS)).astype(float)
    out["label_note"] = (label.astype(bool) & context.str.contains(r"[((]")).astype(float)
    period = _text(obs, "period")
    out["part_period"] = (~period.isin(["", "year"])).astype(float)
    # 1 on annotated sets the mapper was tuned on; absent (a report being mapped) -> 0
    out["tuned"] = _flag(obs["tuned"]) if "tuned" in obs.columns else 0.0
    return out[list(FEATURES)]


# --- the model --------------------------------------------------------------------------------

def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit the logistic regression; return rounded coefficients and intercept."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:  # one class only: a constant at its (smoothed) rate
        rate = (y.sum() + 1) / (len(y) + 2)
        return np.zeros(x.shape[1]), round(math.log(rate / (1 - rate)), DIGITS)
    model = LogisticRegression(C=C_REGULARISATION, solver="lbfgs", max_iter=5000)
    model.fit(x, y)
    return np.round(model.coef_[0], DIGITS), round(float(model.intercept_[0]), DIGITS)


def _predict(x: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    z = x @ coef + intercept
    return cast(np.ndarray, 1.0 / (1.0 + np.exp(-z)))


def grouped_folds(groups: pd.Series, n_folds: int = N_FOLDS) -> list[np.ndarray]:
    """Assign whole documents to folds, deterministically: documents sorted by size (largest
    first, then name) go each to the fold with the fewest rows so far. Returns, per fold, the
    row positions it holds out."""
    sizes = groups.value_counts()
    order = sorted(sizes.index, key=lambda g: (-int(sizes[g]), str(g)))
    k = max(2, min(n_folds, len(order)))
    load = [0] * k
    fold_of: dict[Any, int] = {}
    for g in order:
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[g] = f
        load[f] += int(sizes[g])
    fold = groups.map(fold_of).to_numpy()
    return [np.flatnonzero(fold == f) for f in range(k)]


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: pd.Series,
                n_folds: int = N_FOLDS, first_sight_col: int | None = None) -> np.ndarray:
    """Held-out probabilities: each document's values predicted by a model fitted without it
    (and, when ``first_sight_col`` names the ``tuned`` feature, predicted as at first sight)."""
    p = np.zeros(len(y))
    for held in grouped_folds(groups, n_folds):
        train = np.setdiff1d(np.arange(len(y)), held)
        coef, icpt = _fit(x[train], y[train])
        xh = x[held].copy()
        if first_sight_col is not None:
            xh[:, first_sight_col] = 0.0
        p[held] = _predict(xh, coef, icpt)
    return np.round(p, DIGITS)


def precision_recall(p: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """For every candidate threshold (each distinct probability), the precision of the values
    at or above it, the share of right values kept (recall among the mapper's right values)
    and how many are published."""
    rows = []
    n_right = int(y.sum())
    for t in sorted(set(np.round(p, DIGITS).tolist())):
        keep = p >= t
        n = int(keep.sum())
        right = int(y[keep].sum())
        rows.append({"threshold": round(float(t), DIGITS), "n_published": n, "n_right": right,
                     "precision": round(right / n, DIGITS) if n else 1.0,
                     "recall": round(right / n_right, DIGITS) if n_right else 0.0})
    return pd.DataFrame(rows, columns=["threshold", "n_published", "n_right", "precision",
                                       "recall"])


def choose_threshold(pr: pd.DataFrame, target: float = TARGET_PRECISION,
                     min_published: int = 0) -> float:
    """The lowest threshold (most values published) at which the held-out precision of the
    values at or above it is at least ``target`` and which publishes at least
    ``min_published`` values (a precision measured on a handful of values proves nothing).
    1.0 (nothing published automatically: every mapped value waits for review) when no
    threshold qualifies."""
    if pr.empty:
        return 1.0
    ok = ((pr["precision"] >= target) & (pr["n_published"] >= min_published)).to_numpy()
    if not ok.any():
        return 1.0
    return float(pr["threshold"].to_numpy()[int(np.argmax(ok))])


def reliability(p: np.ndarray, y: np.ndarray, edges: tuple[float, ...] = BIN_EDGES
                ) -> pd.DataFrame:
    """Predicted vs observed precision per bin of predicted probability, with n per bin."""
    rows = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        m = (p >= lo) & ((p <= hi) if last else (p < hi))
        n = int(m.sum())
        rows.append({"bin": f"{lo:.2f}-{hi:.2f}", "lo": lo, "hi": hi, "n": n,
                     "predicted": round(float(p[m].mean()), DIGITS) if n else None,
                     "observed": round(float(y[m].mean()), DIGITS) if n else None})
    return pd.DataFrame(rows, columns=["bin", "lo", "hi", "n", "predicted", "observed"])


@dataclass(frozen=True)
class Calibration:
    """A fitted calibrator: coefficients over :data:`FEATURES`, the publishing threshold, and
    the cross-validated evidence behind them (``summary``: sets, n, reliability bins, the
    precision-recall table and the figures at the threshold)."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    target_precision: float = TARGET_PRECISION
    summary: dict[str, Any] = field(default_factory=dict, compare=False)

    def predict(self, obs: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each row's mapped value is right (rounded)."""
        x = features(obs)[list(self.features)].to_numpy(dtype=float)
        return np.round(_predict(x, np.asarray(self.coef, dtype=float), self.intercept), 4)

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": list(self.coef),
                "intercept": self.intercept, "threshold": self.threshold,
                "target_precision": self.target_precision, "summary": self.summary}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Calibration":
        return cls(tuple(d["features"]), tuple(float(c) for c in d["coef"]),
                   float(d["intercept"]), float(d["threshold"]),
                   float(d.get("target_precision", TARGET_PRECISION)), d.get("summary", {}))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in df.to_dict("records"):
        out.append({str(k): (None if isinstance(v, float) and math.isnan(v) else
                        (int(v) if isinstance(v, (np.integer,)) else
                         (round(float(v), DIGITS) if isinstance(v, (float, np.floating)) else v)))
                    for k, v in r.items()})
    return out


def _at(pr: pd.DataFrame, thr: float, n_gold: int | None = None) -> dict[str, Any]:
    at = pr[pr["threshold"] >= thr].head(1)
    return {"threshold": thr,
            "n_published": int(at["n_published"].iloc[0]) if len(at) else 0,
            "precision": float(at["precision"].iloc[0]) if len(at) else None,
            "recall_of_right_values": float(at["recall"].iloc[0]) if len(at) else 0.0,
            "recall_of_gold_values": (round(int(at["n_right"].iloc[0]) / n_gold, DIGITS)
                                      if len(at) and n_gold else None)}


def fit_calibration(labelled: pd.DataFrame, target: float = TARGET_PRECISION,
                    n_folds: int = N_FOLDS) -> Calibration:
    """Fit the calibrator on labelled mapped values (columns of the mapping table plus
    ``correct`` (bool), ``group`` (the document), ``set`` (seeds, dev, ...) and optionally
    ``tuned`` (the mapper was tuned on that set)), choose the threshold on out-of-fold
    probabilities, and summarise.

    A set the mapper was tuned on shows how it does on texts it was fitted to, not on a new
    report. So ``tuned`` is a feature, set to 0 when predicting (a new report is read at first
    sight), and when the first-sight rows (``tuned`` false) are at least
    :data:`MIN_PUBLISHED`, the threshold is chosen on their held-out probabilities alone: the
    precision it keeps is the one to expect on a report nobody tuned the reader on.
    Deterministic: rows are sorted first, folds are assigned by a fixed rule, lbfgs has no
    randomness, numbers are rounded."""
    df = labelled.sort_values(["set", "group", "source_id"], kind="mergesort").reset_index(
        drop=True)
    x = features(df).to_numpy(dtype=float)
    y = df["correct"].astype(bool).to_numpy().astype(int)
    tuned_col = list(FEATURES).index("tuned")
    coef, icpt = _fit(x, y)
    oof = out_of_fold(x, y, df["group"], n_folds, first_sight_col=tuned_col)
    first = x[:, tuned_col] == 0
    use_first = int(first.sum()) >= MIN_PUBLISHED and bool((x[:, tuned_col] == 1).any())
    basis = first if use_first else np.ones(len(y), dtype=bool)
    pr_all = precision_recall(oof, y)
    pr = precision_recall(oof[basis], y[basis])
    thr = choose_threshold(pr, target, MIN_PUBLISHED)
    keep = oof >= thr
    per_set = []
    for name, g in df.groupby("set", sort=False):
        k = keep[g.index.to_numpy()]
        yy = y[g.index.to_numpy()]
        per_set.append({"set": str(name), "documents": int(g["group"].nunique()),
                        "values": int(len(g)), "right": int(yy.sum()),
                        "first_sight": bool(first[g.index.to_numpy()].all()),
                        "published_cv": int(k.sum()), "published_right_cv": int(yy[k].sum())})
    order = {"seeds": 0, "dev": 1, "holdout": 2, "holdout2": 3, "unseen3-dev": 4,
             "unseen3-holdout": 5, "unseen4-holdout": 6, "unseen5-holdout": 7}
    per_set.sort(key=lambda r: (order.get(str(r["set"]), 9), str(r["set"])))
    n_gold = labelled.attrs.get("n_gold_values", {})
    basis_sets = sorted({str(s) for s in df.loc[basis, "set"]})
    n_gold_basis = sum(v for k, v in n_gold.items() if k in basis_sets)
    summary = {
        "method": "logistic regression (scikit-learn, lbfgs, C=%g) on the mapper's raw "
                  "confidence and evidence, with a feature for sets the mapper was tuned on "
                  "(0 when predicting); threshold from %d-fold cross-validation grouped by "
                  "document, on %s" % (C_REGULARISATION, len(grouped_folds(df["group"], n_folds)),
                                       "the first-sight sets" if use_first else "all sets"),
        "threshold_sets": basis_sets,
        "sets": per_set,
        "n_values": int(len(df)), "n_right": int(y.sum()),
        "n_documents": int(df["group"].nunique()),
        "n_threshold_values": int(basis.sum()),
        "n_gold_values": {k: int(v) for k, v in sorted(n_gold.items())},
        "min_published": MIN_PUBLISHED,
        "best_precision_cv": (max((r["precision"] for r in _records(pr)
                                   if r["n_published"] >= MIN_PUBLISHED), default=None)),
        "cv_at_threshold": _at(pr, thr, n_gold_basis),
        "cv_without_threshold": {"precision": round(float(y[basis].mean()), DIGITS)
                                 if basis.any() else 0.0, "n_published": int(basis.sum())},
        "cv_all_sets_at_threshold": _at(pr_all, thr, sum(n_gold.values())),
        "reliability_cv": _records(reliability(oof[basis], y[basis])),
        "reliability_cv_all_sets": _records(reliability(oof, y)),
        "precision_recall_cv": _records(pr),
        "precision_recall_cv_all_sets": _records(pr_all),
    }
    return Calibration(tuple(FEATURES), tuple(float(c) for c in coef), icpt, thr, target,
                       summary)


def calibration_bytes(cal: Calibration) -> bytes:
    """The committed file's bytes: sorted keys, fixed digits, a final newline."""
    return (json.dumps(cal.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            ).encode("utf-8")


def load_calibration(path: Path | None = None) -> Calibration | None:
    """The committed calibration (``None`` when the file is absent: every mapped value is then
    published at its raw confidence, as before calibration existed)."""
    from ..errors import ValidationError

    p = path or CALIBRATION_FILE
    if not p.is_file():
        return None
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        cal = Calibration.from_dict(d)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"calibration file is malformed: {exc}", file=str(p), line=1
                              ) from None
    unknown = [f for f in cal.features if f not in FEATURES]
    if unknown or len(cal.coef) != len(cal.features):
        raise ValidationError(f"calibration names unknown features {unknown} or has "
                              f"{len(cal.coef)} coefficients for {len(cal.features)} features "
                              f"(rerun `ruralstudy calibrate`)", file=str(p), line=1)
    return cal


# --- applying it --------------------------------------------------------------------------------

def waiting_reason(confidence: float, threshold: float) -> str:
    return (f"confidence {confidence:.2f} below the publishing threshold {threshold:.2f}: "
            f"waits for review")


def apply_calibration(obs: pd.DataFrame, cal: Calibration | None) -> pd.DataFrame:
    """Give every machine-mapped row (status ``mapped``) its calibrated ``confidence`` and a
    ``status``: ``published`` at or above the threshold, else ``waiting`` with the reason.
    Unmapped and rejected rows keep confidence 0 and their status. Without a calibration
    every mapped row is published at its raw confidence. Pure."""
    obs = obs.copy()
    mapped = obs["status"].isin(["mapped", PUBLISHED, WAITING])
    if cal is None or not mapped.any():
        obs.loc[mapped, "status"] = PUBLISHED
        return obs
    conf = cal.predict(obs[mapped])
    obs.loc[mapped, "confidence"] = conf
    wait = mapped.copy()
    wait.loc[mapped] = conf < cal.threshold
    obs.loc[mapped & ~wait, "status"] = PUBLISHED
    obs.loc[wait, "status"] = WAITING
    obs.loc[wait, "reason"] = [waiting_reason(c, cal.threshold)
                               for c in obs.loc[wait, "confidence"]]
    return obs


# --- what the quality page shows ----------------------------------------------------------------

def reliability_table(cal: Calibration) -> pd.DataFrame:
    """The reliability diagram's numbers (held-out): per bin of predicted probability, n,
    mean predicted and observed precision."""
    df = pd.DataFrame(cal.summary.get("reliability_cv", []),
                      columns=["bin", "lo", "hi", "n", "predicted", "observed"])
    return df[["bin", "n", "predicted", "observed"]]


def sets_table(cal: Calibration) -> pd.DataFrame:
    """The annotated sets the calibration was fitted on, with n per set, and what the
    cross-validated threshold publishes of each."""
    return pd.DataFrame(cal.summary.get("sets", []),
                        columns=["set", "documents", "values", "right", "published_cv",
                                 "published_right_cv"])


def tradeoff_table(cal: Calibration, thresholds: tuple[float, ...] = (
        0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)) -> pd.DataFrame:
    """Precision and recall (held-out) at a few round thresholds and at the chosen one."""
    pr = pd.DataFrame(cal.summary.get("precision_recall_cv", []),
                      columns=["threshold", "n_published", "n_right", "precision", "recall"])
    if pr.empty:
        return pr
    rows = []
    for t in sorted(set(thresholds) | {cal.threshold}):
        at = pr[pr["threshold"] >= t].head(1)
        if at.empty:
            continue
        r = at.iloc[0].to_dict()
        rows.append({"threshold": round(t, 4), "chosen": t == cal.threshold,
                     "published": int(r["n_published"]), "right": int(r["n_right"]),
                     "precision": r["precision"], "recall_of_right_values": r["recall"]})
    return pd.DataFrame(rows)


def plot_calibration(cal: Calibration) -> Any:  # a matplotlib Figure
    """Two panels: the reliability diagram (predicted vs observed precision per bin, n per
    bin written beside each point) and the precision-recall trade-off of the threshold with
    the chosen threshold marked; both on held-out (cross-validated) predictions."""
    import matplotlib.pyplot as plt

    rel = pd.DataFrame(cal.summary.get("reliability_cv", []))
    pr = pd.DataFrame(cal.summary.get("precision_recall_cv", []))
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 4.2))
    a.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="perfect calibration")
    basis = ", ".join(cal.summary.get("threshold_sets", [])) or "all sets"
    rel_all = pd.DataFrame(cal.summary.get("reliability_cv_all_sets", []))
    if len(rel_all) and cal.summary.get("threshold_sets") and len(rel_all) != 0:
        r = rel_all[rel_all["n"] > 0]
        a.plot(r["predicted"], r["observed"], marker="s", color="#b0b7c3", ms=4,
               label="all annotated sets")
    if len(rel):
        r = rel[rel["n"] > 0]
        a.plot(r["predicted"], r["observed"], marker="o", color="#1f6f8b",
               label=f"{basis} (first sight)" if cal.summary.get("threshold_sets") else basis)
        for _, x in r.iterrows():
            a.annotate(f"n={int(x['n'])}", (x["predicted"], x["observed"]),
                       textcoords="offset points", xytext=(4, -10), fontsize=8)
    a.set_xlim(0, 1.02)
    a.set_ylim(0, 1.05)
    a.set_xlabel("predicted probability the value is right")
    a.set_ylabel("observed share right")
    a.set_title("Reliability, held out")
    a.legend(loc="lower right", fontsize=8)
    pr_all = pd.DataFrame(cal.summary.get("precision_recall_cv_all_sets", []))
    if len(pr_all) and cal.summary.get("threshold_sets"):
        b.plot(pr_all["recall"], pr_all["precision"], color="#b0b7c3", drawstyle="steps-post",
               label="all annotated sets")
    if len(pr):
        b.plot(pr["recall"], pr["precision"], color="#1f6f8b", drawstyle="steps-post",
               label=basis)
        at = pr[pr["threshold"] == cal.threshold]
        if len(at):
            b.scatter(at["recall"], at["precision"], color="#c0392b", zorder=3,
                      label=f"threshold {cal.threshold:.3f}")
        b.axhline(cal.target_precision, color="#999", ls="--", lw=1,
                  label=f"target precision {cal.target_precision:.2f}")
        b.legend(loc="lower left", fontsize=8)
    b.set_xlabel("share of right values published (recall)")
    b.set_ylabel("precision of published values")
    lows = [float(t["precision"].min()) for t in (pr, pr_all) if len(t)]
    b.set_ylim(min([0.8, *lows]) - 0.02, 1.01)
    b.set_title("Threshold trade-off, held out")
    fig.tight_layout()
    return fig
