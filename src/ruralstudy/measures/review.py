"""Review of the values the machine is unsure of: ``ruralstudy review``.

The queue holds the mapped values waiting for review (calibrated confidence below the
publishing threshold, see :mod:`ruralstudy.measures.calibrate`) and the near misses (unmapped figures
whose reason names an indicator they almost match). Each is shown with its sentence, the
figure highlighted, and the reader's suggestion; the reviewer accepts (a), rejects (r),
corrects indicator / value / year (c), skips (s) or quits (q).

Decisions are audited overrides kept in ``data/manual/reviews.csv`` (one place, beside the
researchers' ``overrides.csv``): who (``--reviewer`` or $USER), when (UTC, ISO 8601), what the
machine said (status, indicator, value, confidence) and the decision. The file is rewritten
atomically after every decision, so quitting or a crash loses nothing decided. A decision is
keyed by the figure's id and a hash of its raw text and sentence: after a rebuild it is applied
again and never asked again, while a figure whose text changed is asked again (its old
decision no longer applies and is kept in the file as history).

Everything except the terminal loop is pure (frames in, frames out), and the loop reads its
keys from any iterator, so tests and benchmarks drive it with a file of keys (no TTY).
"""

from __future__ import annotations

from typing import Any

import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .. import iorw
from .calibrate import MAPPED_STATUSES, REVIEWED, WAITING
from .codebook import Codebook
from ..errors import OverrideError

REVIEW_COLUMNS = ["source_id", "raw_hash", "decision", "indicator_id", "value", "year", "reason",
                  "reviewer", "time_utc", "machine_status", "machine_indicator_id",
                  "machine_value", "machine_confidence", "raw", "region"]
DECISIONS = ("accept", "reject", "correct")
NEAR_MISS = "near miss"
REVIEWS_FILE = "reviews.csv"
#: An indicator named in a near-miss reason ("entity X, cadre_mean_age needs Y").
_NEEDS = re.compile(r"([a-z][a-z0-9_]*) needs ")


def raw_hash(raw: str, context: str) -> str:
    """A short hash of a figure's raw text and its sentence (or sheet label)."""
    return hashlib.sha256(f"{raw}\x1f{context}".encode("utf-8")).hexdigest()[:16]


def suggestion(row: dict) -> str:
    """The reader's suggestion for a queue item: the indicator of a waiting value; for a near
    miss the mapper's ``suggestion`` column when it writes one, else the first indicator its
    reason names."""
    if row.get("status") in MAPPED_STATUSES:
        return str(row.get("indicator_id") or "")
    s = str(row.get("suggestion", "") or "")
    if s:
        return s
    m = _NEEDS.search(str(row.get("reason", "")))
    return m.group(1) if m else ""


def decided_keys(reviews: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(reviews["source_id"].astype(str), reviews["raw_hash"].astype(str)))


def review_queue(obs: pd.DataFrame, reviews: pd.DataFrame | None = None) -> pd.DataFrame:
    """The items to review, in a fixed order: the values waiting, then the near misses, each
    by source (one document's figures together); every item a decision already covers (same
    id, same raw-text hash) is left out."""
    done = decided_keys(reviews) if reviews is not None and len(reviews) else set()
    o = obs.copy()
    o["raw_hash"] = [raw_hash(str(r), str(c)) for r, c in zip(o["raw"], o["context"])]
    recs = o.to_dict("records")
    o["suggestion"] = [suggestion(r) for r in recs]
    waiting = o["status"] == WAITING
    near = (o["status"] == "unmapped") & (o["suggestion"] != "")
    o["item"] = ""
    o.loc[waiting, "item"] = WAITING
    o.loc[near, "item"] = NEAR_MISS
    o = o[waiting | near]
    keep = [(s, h) not in done for s, h in zip(o["source_id"], o["raw_hash"])]
    o = o[keep].assign(_k=(o["item"] == NEAR_MISS).astype(int))
    return o.sort_values(["_k", "source_type", "source_id"], kind="mergesort").drop(
        columns="_k").reset_index(drop=True)


# --- the decisions file -----------------------------------------------------------------------

@dataclass(frozen=True)
class Review:
    """One validated decision (a row of reviews.csv; ``line`` is its line in the file)."""

    source_id: str
    raw_hash: str
    decision: str
    indicator_id: str
    value: float | None
    year: int | None
    reason: str
    reviewer: str
    time_utc: str
    machine: str
    line: int


def empty_reviews() -> pd.DataFrame:
    return pd.DataFrame(columns=REVIEW_COLUMNS, dtype=str)


def read_reviews(path: Path) -> pd.DataFrame:
    """Read reviews.csv (absent: no decisions); a file lacking columns names itself."""
    if not path.is_file():
        return empty_reviews()
    df = iorw.read_csv(path, OverrideError)
    missing = [c for c in REVIEW_COLUMNS if c not in df.columns]
    if missing:
        raise OverrideError(f"reviews lack columns {missing}", file=str(path), line=1)
    return df


def parse_reviews(df: pd.DataFrame, codebook: Codebook, file: str) -> list[Review]:
    """Validate decision rows; a bad row is an error naming the file and line."""
    out = []
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2
        decision = str(r["decision"]).strip()
        if decision not in DECISIONS:
            raise OverrideError(f"decision must be one of {DECISIONS}", file=file, line=line,
                                raw=decision)
        sid, h = str(r["source_id"]).strip(), str(r["raw_hash"]).strip()
        if not sid or not h:
            raise OverrideError("a decision needs source_id and raw_hash", file=file, line=line)
        if not str(r["reviewer"]).strip() or not str(r["time_utc"]).strip():
            raise OverrideError("a decision needs a reviewer and a time", file=file, line=line,
                                raw=sid)
        ind = str(r["indicator_id"]).strip()
        if decision in ("accept", "correct") and ind not in codebook:
            raise OverrideError("decision names an indicator that does not exist", file=file,
                                line=line, raw=ind)
        value = year = None
        if str(r["value"]).strip():
            try:
                value = float(r["value"])
            except ValueError:
                raise OverrideError("value must be a number", file=file, line=line,
                                    raw=r["value"]) from None
            if not math.isfinite(value):
                raise OverrideError("value must be finite", file=file, line=line, raw=r["value"])
        if value is not None and decision == "correct" and not codebook.get(ind).in_range(value):
            raise OverrideError(f"value {value:g} outside the valid range of {ind}", file=file,
                                line=line, raw=r["value"])
        if str(r["year"]).strip():
            try:
                year = int(str(r["year"]).strip())
            except ValueError:
                raise OverrideError("year must be a whole number", file=file, line=line,
                                    raw=r["year"]) from None
        machine = (f"{r['machine_status']} {r['machine_indicator_id'] or '-'} "
                   f"{r['machine_value']} conf {r['machine_confidence']}")
        out.append(Review(sid, h, decision, ind, value, year, str(r["reason"]).strip(),
                          str(r["reviewer"]).strip(), str(r["time_utc"]).strip(), machine, line))
    return out


def apply_reviews(obs: pd.DataFrame, reviews: list[Review], codebook: Codebook) -> pd.DataFrame:
    """Apply decisions whose figure is unchanged (same id and raw-text hash); the last decision
    on a figure wins. Accepted and corrected values become ``reviewed`` (confidence 1), rejected
    ones ``rejected`` with the reviewer's reason; each is written to ``audit``. Pure."""
    if not reviews:
        return obs
    obs = obs.copy()
    wanted = {rv.source_id for rv in reviews}  # only reviewed figures are hashed
    sub = obs.loc[obs["source_id"].isin(wanted), ["source_id", "raw", "context"]]
    hashes = {sid: (i, raw_hash(str(r), str(c))) for i, sid, r, c in
              zip(sub.index, sub["source_id"], sub["raw"], sub["context"])}
    last: dict[str, Review] = {}
    for rv in reviews:
        hit = hashes.get(rv.source_id)
        if hit is not None and hit[1] == rv.raw_hash:
            last[rv.source_id] = rv
    if not last:
        return obs
    # the decided rows are changed as records and written back one column at a time: a
    # cell-by-cell .loc on the whole table cost 1.3 s for 300 decisions at 1,000 reports
    cols = ["status", "indicator_id", "reason", "confidence", "rule", "value", "year", "audit"]
    rows = [hashes[sid][0] for sid in sorted(last)]
    cur = obs.loc[rows, cols].to_dict("index")
    for sid in sorted(last):
        rv = last[sid]
        row = cur[hashes[sid][0]]
        note = (f"review line {rv.line} by {rv.reviewer} at {rv.time_utc}: {rv.decision}"
                f" (machine said: {rv.machine})")
        if rv.decision == "reject":
            row.update(status="rejected", indicator_id="", confidence=0.0,
                       reason=f"rejected by reviewer: {rv.reason or 'no reason given'}")
        else:
            ind = codebook.get(rv.indicator_id)
            row.update(status=REVIEWED, indicator_id=ind.id, reason="", confidence=1.0,
                       rule=f"review: {rv.decision} {ind.id}" + (
                           f" ({rv.reason})" if rv.reason else ""))
            if rv.decision == "correct":
                if rv.value is not None:
                    note += f"; value {_fmt(row['value'])} -> {_fmt(rv.value)}"
                    row["value"] = rv.value
                if rv.year is not None:
                    note += f"; year {_fmt(row['year'])} -> {rv.year}"
                    row["year"] = rv.year
        prev = row["audit"]
        row["audit"] = f"{prev}; {note}" if isinstance(prev, str) and prev else note
    decided = obs.index.isin(rows)
    for c in cols:  # aligned on the index
        obs.loc[decided, c] = pd.Series([cur[i][c] for i in rows], index=rows,
                                        dtype=obs[c].dtype)
    return obs


def reviews_bytes(df: pd.DataFrame) -> bytes:
    return iorw.frame_to_csv_bytes(df[REVIEW_COLUMNS])


# --- the session --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """What the reviewer said about one item."""

    decision: str  # accept | reject | correct
    indicator_id: str = ""
    value: float | None = None
    year: int | None = None
    reason: str = ""


def _fmt(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):  # numpy floats too
        return f"{float(v):.10g}"
    if hasattr(v, "item"):  # numpy integers
        return str(v.item())
    return str(v)


def decision_row(item: dict, d: Decision, reviewer: str, when: datetime) -> dict:
    """The reviews.csv row of one decision: the decision and what the machine said."""
    ind = d.indicator_id or (item["suggestion"] if d.decision != "reject" else "")
    return {"source_id": item["source_id"], "raw_hash": item["raw_hash"],
            "decision": d.decision, "indicator_id": ind,
            "value": _fmt(d.value), "year": _fmt(d.year), "reason": d.reason,
            "reviewer": reviewer, "time_utc": when.astimezone(timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "machine_status": item["status"], "machine_indicator_id": item["suggestion"],
            "machine_value": _fmt(item["value"]),
            "machine_confidence": _fmt(round(float(item["confidence"]), 4)),
            "raw": item["raw"], "region": item["region"]}


_FIELD = re.compile(r"(indicator|value|year|reason)=(\"[^\"]*\"|\S+)")


def parse_command(line: str, item: dict) -> tuple[str, Decision | None]:
    """One line of keys: ``a``, ``r [reason]``, ``c indicator=ID value=V year=Y reason=...``,
    ``s`` or ``q``. Returns (key, decision or None); raises ValueError on a bad line."""
    line = line.strip()
    key, _, rest = line.partition(" ")
    key = key.lower()
    if key in ("s", "q"):
        return key, None
    if key == "a":
        return key, Decision("accept", item["suggestion"], reason=rest.strip())
    if key == "r":
        return key, Decision("reject", reason=rest.strip() or "rejected in review")
    if key == "c":
        fields = {k: v.strip('"') for k, v in _FIELD.findall(rest)}
        if not fields:
            raise ValueError("c needs indicator=, value= or year=")
        value = float(fields["value"]) if "value" in fields else None
        year = int(fields["year"]) if "year" in fields else None
        return key, Decision("correct", fields.get("indicator", item["suggestion"]), value, year,
                             fields.get("reason", ""))
    raise ValueError(f"unknown key {key!r} (a accept, r reject, c correct, s skip, q quit)")


def check_decision(d: Decision, item: dict, codebook: Codebook) -> None:
    """An accepted or corrected value must name an indicator of the codebook and lie in its
    valid range (a level; growth figures keep their own scale); raises ValueError saying why."""
    if d.indicator_id not in codebook:
        raise ValueError(f"no indicator {d.indicator_id or '(none)'!r} in the codebook")
    ind = codebook.get(d.indicator_id)
    value = d.value if d.value is not None else item.get("value")
    if item.get("kind", "level") != "growth" and value is not None and not pd.isna(value) \
            and not ind.in_range(float(value)):
        raise ValueError(f"value {float(value):g} outside the valid range of {ind.id} "
                         f"({ind.range[0]:g}-{ind.range[1]:g})")


@dataclass
class SessionResult:
    """What a session did: decisions written, items skipped, and whether the reviewer quit."""

    decided: list[dict] = field(default_factory=list)
    skipped: int = 0
    quit: bool = False
    shown: int = 0


def highlighted(context: str, raw: str):  # -> rich.text.Text
    """The sentence with the figure highlighted (found as written, or after NFKC)."""
    from rich.text import Text

    text = Text(context)
    at = context.find(raw)
    if at < 0:
        norm = unicodedata.normalize("NFKC", context)
        at_n = norm.find(unicodedata.normalize("NFKC", raw))
        if at_n >= 0 and len(norm) == len(context):
            at = at_n
    if at >= 0:
        text.stylize("bold black on yellow", at, at + len(raw))
    return text


def render_item(item: dict, i: int, n: int, codebook: Codebook):  # -> rich renderable
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    sug = item["suggestion"]
    label = ""
    if sug and sug in codebook:
        ind = codebook.get(sug)
        label = f" · {ind.label_zh} / {ind.label_en}"
    year = _fmt(item.get("year"))
    head = (f"[{i}/{n}] {item['item']} · {item['source_id']} · {item['region'] or '?'} · "
            f"year {year or 'unknown'}")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", justify="right")
    grid.add_column()
    grid.add_row("sentence" if item["source_type"] == "report" else "label",
                 highlighted(str(item["context"]), str(item["raw"])))
    grid.add_row("figure", Text(f"{item['raw']}  ->  {_fmt(item['value'])} {item['unit']}"))
    grid.add_row("reader", Text(f"{sug or 'no suggestion'}{label}"))
    if item["item"] == WAITING:
        grid.add_row("confidence", Text(f"{float(item['confidence']):.2f}, below the "
                                        f"publishing threshold: waits for review"))
    else:
        grid.add_row("near miss", Text(str(item["reason"])))
    grid.add_row("keys", Text("a accept · r reject · c correct (indicator/value/year) · "
                              "s skip · q quit"))
    return Panel(grid, title=head, title_align="left")


def run_session(queue: pd.DataFrame, keys: Iterator[str], save: Callable[[list[dict]], None],
                reviewer: str, codebook: Codebook, console=None,
                clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                ask: Callable[[str, str], str] | None = None) -> SessionResult:
    """Show each queue item and read one command per item from ``keys`` (a line such as ``a``
    or ``c value=12``; a bare ``c`` or ``r`` asks for its fields through ``ask`` when given).
    After every decision ``save`` gets all decisions so far (it writes the file atomically).
    A bad line is reported and the same item asked again; the end of ``keys`` ends the
    session like ``q``."""
    res = SessionResult()
    n = len(queue)
    for i, item in enumerate(queue.to_dict("records"), 1):
        if console is not None:
            console.print(render_item(item, i, n, codebook))
        res.shown += 1
        while True:
            line = next(keys, None)
            if line is None:
                res.quit = True
                return res
            if not line.strip():
                continue
            line = line.strip()
            if ask is not None and line.lower() == "c":
                line = "c " + " ".join(
                    f"{k}={v}" for k, v in (
                        ("indicator", ask("indicator", item["suggestion"])),
                        ("value", ask("value", _fmt(item["value"]))),
                        ("year", ask("year", _fmt(item.get("year"))))) if v)
            elif ask is not None and line.lower() == "r":
                line = "r " + ask("reason", "")
            try:
                key, d = parse_command(line, item)
                if d is not None and d.decision != "reject":
                    check_decision(d, item, codebook)
            except ValueError as exc:
                if console is not None:
                    console.print(f"[red]{exc}[/red]")
                continue
            break
        if key == "q":
            res.quit = True
            return res
        if key == "s":
            res.skipped += 1
            continue
        assert d is not None
        res.decided.append(decision_row(item, d, reviewer, clock()))
        save(res.decided)
    return res


class TtyKeys:
    """Single keypresses from the terminal (no Enter), as command lines. The terminal stays in
    cbreak mode (no line buffering, no echo) for the whole session, so a key typed while an
    item is drawn is kept; :meth:`ask` reads one line in the normal mode (for c and r).
    Use as a context manager: the terminal's mode is restored on exit."""

    def __init__(self, stream=None) -> None:
        import sys

        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()
        self.saved: list[Any] | None = None

    def __enter__(self) -> "TtyKeys":
        import termios

        self.saved = termios.tcgetattr(self.fd)
        self._cbreak()
        return self

    def __exit__(self, *exc) -> None:
        import termios

        if self.saved is not None:
            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)

    def _cbreak(self) -> None:
        import termios

        mode = termios.tcgetattr(self.fd)
        mode[3] &= ~(termios.ICANON | termios.ECHO)
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(self.fd, termios.TCSANOW, mode)  # never flush keys already typed

    def __iter__(self) -> "TtyKeys":
        return self

    def __next__(self) -> str:
        while True:
            ch = os.read(self.fd, 1).decode("utf-8", "replace")
            if not ch or ch == "\x04":
                raise StopIteration
            if ch not in "\r\n":
                return ch

    def ask(self, console) -> Callable[[str, str], str]:
        """A prompt for one field, answered with a line (Enter keeps the default)."""
        import termios

        def ask(name: str, default: str) -> str:
            assert self.saved is not None
            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
            try:
                answer = console.input(f"{name} [{default}]: ", markup=False)
            finally:
                self._cbreak()
            return answer.strip() or default
        return ask


def line_keys(lines: Iterable[str]) -> Iterator[str]:
    """Command lines from a file or a pipe; blank lines and ``#`` comments are skipped."""
    for ln in lines:
        s = ln.strip()
        if s and not s.startswith("#"):
            yield s


def merged_reviews(existing: pd.DataFrame, new_rows: list[dict]) -> pd.DataFrame:
    """The file's rows followed by this session's decisions (history is kept)."""
    add = pd.DataFrame(new_rows, columns=REVIEW_COLUMNS).astype(str)
    if existing.empty:
        return add.reset_index(drop=True)
    return pd.concat([existing[REVIEW_COLUMNS].astype(str), add], ignore_index=True)


GOLD_REVIEWER = "gold-annotation"
#: Gold notes saying the annotator did not check the row against its source page.
_UNVERIFIED = re.compile(r"not verified|unverified|not checked", re.I)


def gold_confirmations(obs: pd.DataFrame, gold: pd.DataFrame, when: datetime) -> list[dict]:
    """Decisions already made by the gold annotators, who read every seed figure and sheet row
    against its source page (``data/annotations/gold_measurements_*.csv``): each value waiting
    for review whose gold indicator is the machine's is accepted, with the reviewer
    :data:`GOLD_REVIEWER` and the annotator's note as the reason. Rows whose note says the
    page was not verified, and disagreements, are not decided here (the wrong values the annotators found are rejected in overrides.csv; any
    other waits for a person). Pure."""
    g = gold.drop_duplicates("source_id").set_index("source_id")
    q = review_queue(obs)
    q = q[(q["item"] == WAITING) & q["source_id"].isin(g.index)]
    rows = []
    for item in q.to_dict("records"):
        gold_ind = str(g.loc[item["source_id"], "indicator_id"] or "")
        note = str(g.loc[item["source_id"], "note"] or "").strip()
        if gold_ind != item["suggestion"] or _UNVERIFIED.search(note):
            continue  # a disagreement, or a row the annotator did not check on its page
        reason = "confirmed by the hand-checked gold" + (f": {note}" if note else "")
        rows.append(decision_row(item, Decision("accept", gold_ind, reason=reason[:200]),
                                 GOLD_REVIEWER, when))
    return rows
