"""Researchers' overrides: reassign, correct a value, attach a region, or reject a figure.

``data/manual/overrides.csv`` has columns target (a figure_id such as ``002-002446`` or a sheet
reference such as ``sheet:gathered_2026-11.csv:12``), action (accept | reassign |
correct_value | set_region | reject), indicator_id, value, region, reason and reviewer.
Overrides are applied after automatic mapping and calibration and recorded in the ``audit``
column. A figure a researcher accepted, reassigned or corrected is ``reviewed`` (it enters the
panel whatever its calibrated confidence); ``accept`` confirms the machine's indicator (or the
one given). Decisions made with ``ruralstudy review`` live in ``reviews.csv`` (see
:mod:`ruralstudy.measures.review`) and are applied after these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import iorw
from .codebook import Codebook
from ..errors import OverrideError

OVERRIDE_COLUMNS = ["target", "action", "indicator_id", "value", "region", "reason", "reviewer"]
ACTIONS = ("accept", "reassign", "correct_value", "set_region", "reject")
#: Statuses of a row that has an indicator (see ruralstudy.measures.calibrate).
_MAPPED = ("mapped", "published", "waiting", "reviewed")


@dataclass(frozen=True)
class Override:
    """One validated override row."""

    target: str
    action: str
    indicator_id: str
    value: float | None
    region: str
    reason: str
    reviewer: str
    line: int


def read_overrides(path: Path) -> pd.DataFrame:
    """Read the overrides file (an absent file means no overrides)."""
    if not path.is_file():
        return pd.DataFrame(columns=OVERRIDE_COLUMNS)
    df = iorw.read_csv(path, OverrideError)
    missing = [c for c in OVERRIDE_COLUMNS if c not in df.columns]
    if missing:
        raise OverrideError(f"overrides lack columns {missing}", file=str(path), line=1)
    return df


def parse_overrides(df: pd.DataFrame, codebook: Codebook, known_targets: set[str],
                    file: str) -> list[Override]:
    """Validate override rows; an unknown figure, indicator or action is an error naming the row."""
    out = []
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2
        target, action = r["target"].strip(), r["action"].strip()
        if action not in ACTIONS:
            raise OverrideError(f"action must be one of {ACTIONS}", file=file, line=line, raw=action)
        if target not in known_targets:
            raise OverrideError("override names a figure that does not exist", file=file,
                                line=line, raw=target)
        if not r["reason"].strip() or not r["reviewer"].strip():
            raise OverrideError("an override needs a reason and a reviewer", file=file, line=line,
                                raw=target)
        ind = r["indicator_id"].strip()
        if (action == "reassign" or (action == "accept" and ind)) and ind not in codebook:
            raise OverrideError("override names an indicator that does not exist", file=file,
                                line=line, raw=ind)
        value = None
        if action == "correct_value":
            try:
                value = float(r["value"])
            except ValueError:
                raise OverrideError("correct_value needs a numeric value", file=file, line=line,
                                    raw=r["value"]) from None
            if not math.isfinite(value):
                raise OverrideError("correct_value needs a finite number (not nan or inf)",
                                    file=file, line=line, raw=r["value"])
        if action == "set_region" and not r["region"].strip():
            raise OverrideError("set_region needs a region", file=file, line=line, raw=target)
        out.append(Override(target, action, ind, value, r["region"].strip(), r["reason"].strip(),
                            r["reviewer"].strip(), line))
    return out


def apply_overrides(obs: pd.DataFrame, overrides: list[Override], codebook: Codebook) -> pd.DataFrame:
    """Apply overrides to the observation table (pure); each change is written to ``audit``."""
    obs = obs.copy()
    targets = {o.target for o in overrides}  # the rows overridden, not every row (61,000)
    hit = obs["source_id"].isin(targets)
    idx = {sid: i for i, sid in zip(obs.index[hit], obs["source_id"][hit])}
    for o in overrides:
        i = idx[o.target]
        note = f"override line {o.line} by {o.reviewer}: {o.action}"
        if o.action == "accept":
            ind_id = o.indicator_id or obs.loc[i, "indicator_id"]
            if not ind_id:
                raise OverrideError("accept names no indicator and the machine mapped none",
                                    file="overrides.csv", line=o.line, raw=o.target)
            obs.loc[i, ["indicator_id", "status", "reason"]] = [ind_id, "reviewed", ""]
            obs.loc[i, "confidence"] = 1.0
            note += f" {ind_id}"
        elif o.action == "reassign":
            ind = codebook.get(o.indicator_id)
            obs.loc[i, ["indicator_id", "status"]] = [ind.id, "reviewed"]
            obs.loc[i, "rule"] = f"override: {o.reason}"
            obs.loc[i, "confidence"] = 1.0
            obs.loc[i, "reason"] = ""
            note += f" -> {ind.id}"
        elif o.action == "correct_value":
            note += f" {_num(obs.loc[i, 'value'])} -> {_num(o.value)}"
            obs.loc[i, "value"] = o.value
            if "status" in obs.columns and obs.loc[i, "status"] in _MAPPED:
                obs.loc[i, ["status", "reason"]] = ["reviewed", ""]
                obs.loc[i, "confidence"] = 1.0
        elif o.action == "set_region":
            note += f" {obs.loc[i, 'region']!r} -> {o.region!r}"
            obs.loc[i, "region"] = o.region
        elif o.action == "reject":
            obs.loc[i, ["status", "indicator_id"]] = ["rejected", ""]
            obs.loc[i, "reason"] = f"rejected by reviewer: {o.reason}"
        prev = obs.loc[i, "audit"]
        obs.loc[i, "audit"] = f"{prev}; {note} ({o.reason})" if prev else f"{note} ({o.reason})"
    return obs


def _num(v) -> str:
    """A value as the audit text shows it: 44.0 or 44.5, never numpy's np.float64(44.0)."""
    try:
        return repr(float(v))
    except (TypeError, ValueError):
        return str(v)
