"""``ruralstudy review``: the queue, the decisions file, and what a rebuild does with it.

Driven without a terminal: commands come from a file (``--from-file``) or a pipe, one per
line, exactly as keys typed at the terminal would be."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pandas as pd
import pytest

from conftest import cli as run
from ruralstudy.measures.codebook import load_codebook
from ruralstudy.errors import OverrideError
from ruralstudy.build.pipeline import run_indicators_frames
from ruralstudy.measures.review import (REVIEW_COLUMNS, apply_reviews, parse_command, parse_reviews,
                                        raw_hash, read_reviews, review_queue, run_session)

CB = load_codebook()


def _obs() -> pd.DataFrame:
    base = {"source_type": "report", "region": "某县", "year": 2021, "unit": "岁",
            "audit": "", "rule": "", "value_high": None}
    return pd.DataFrame([
        {**base, "source_id": "001-000010", "raw": "44.5岁", "value": 44.5,
         "context": "全县村“两委”成员平均年龄44.5岁", "status": "waiting",
         "indicator_id": "cadre_mean_age", "confidence": 0.61,
         "reason": "confidence 0.61 below the publishing threshold 0.89: waits for review"},
        {**base, "source_id": "001-000020", "raw": "40.6岁", "value": 40.6,
         "context": "村干部平均年龄从43.9岁降至40.6岁", "status": "unmapped", "indicator_id": "",
         "confidence": 0.0, "reason": "no indicator is defined as entity village_cadre · "
         "property mean_age (entity village_cadre, cadre_mean_age needs two_committees_member)"},
        {**base, "source_id": "001-000030", "raw": "12个", "value": 12.0, "unit": "个",
         "context": "新建党支部12个", "status": "unmapped", "indicator_id": "",
         "confidence": 0.0, "reason": "statement: target"},
        {**base, "source_id": "001-000040", "raw": "922个", "value": 922.0, "unit": "个",
         "context": "完成922个农村党支部标准化", "status": "published",
         "indicator_id": "branches_standardised", "confidence": 0.98, "reason": ""},
    ])


def test_queue_holds_waiting_values_then_near_misses_with_the_readers_suggestion():
    q = review_queue(_obs())
    assert q["source_id"].tolist() == ["001-000010", "001-000020"]
    assert q["item"].tolist() == ["waiting", "near miss"]
    assert q["suggestion"].tolist() == ["cadre_mean_age", "cadre_mean_age"]


def test_a_decided_figure_is_not_asked_again_unless_its_text_changed():
    obs = _obs()
    decided = pd.DataFrame([{c: "" for c in REVIEW_COLUMNS} | {
        "source_id": "001-000010", "raw_hash": raw_hash("44.5岁", obs.loc[0, "context"])}])
    assert review_queue(obs, decided)["source_id"].tolist() == ["001-000020"]
    changed = obs.copy()
    changed.loc[0, "context"] = "全县村“两委”成员平均年龄44.5岁,较上届下降3.6岁"
    assert review_queue(changed, decided)["source_id"].tolist() == ["001-000010", "001-000020"]


def test_commands_parse_and_bad_ones_say_why():
    item = {"suggestion": "cadre_mean_age"}
    assert parse_command("a", item)[1].indicator_id == "cadre_mean_age"
    assert parse_command("r 村(社区) not 村", item)[1].reason == "村(社区) not 村"
    d = parse_command('c indicator=village_cadre_mean_age value=40.64 year=2021 reason="x y"',
                      item)[1]
    assert (d.decision, d.indicator_id, d.value, d.year, d.reason) == (
        "correct", "village_cadre_mean_age", 40.64, 2021, "x y")
    assert parse_command("s", item) == ("s", None) and parse_command("q", item) == ("q", None)
    with pytest.raises(ValueError, match="unknown key"):
        parse_command("x", item)
    with pytest.raises(ValueError):
        parse_command("c", item)


def test_session_saves_after_every_decision_and_asks_again_after_a_bad_line():
    q = review_queue(_obs())
    saved: list[int] = []
    t = datetime(2026, 12, 5, 8, 0, 0, tzinfo=timezone.utc)
    res = run_session(q, iter(["c value=oops", "c indicator=nonexistent", "a", "r base differs"]),
                      lambda rows: saved.append(len(rows)), "alice", CB, clock=lambda: t)
    assert saved == [1, 2]
    a, r = res.decided
    assert (a["decision"], a["indicator_id"], a["reviewer"], a["time_utc"]) == (
        "accept", "cadre_mean_age", "alice", "2026-12-05T08:00:00Z")
    assert (a["machine_status"], a["machine_indicator_id"], a["machine_value"],
            a["machine_confidence"]) == ("waiting", "cadre_mean_age", "44.5", "0.61")
    assert (r["decision"], r["reason"], r["machine_status"]) == ("reject", "base differs",
                                                                 "unmapped")
    # q, and the end of the keys, stop early; s moves on without a decision
    res = run_session(q, iter(["s", "q"]), lambda rows: None, "bob", CB)
    assert res.quit and res.skipped == 1 and not res.decided
    res = run_session(q, iter([]), lambda rows: None, "bob", CB)
    assert res.quit and res.shown == 1


def test_apply_reviews_marks_reviewed_corrects_and_rejects_with_audit():
    obs = _obs()
    h = [raw_hash(r, c) for r, c in zip(obs["raw"], obs["context"])]
    rows = pd.DataFrame([
        {"source_id": "001-000010", "raw_hash": h[0], "decision": "accept",
         "indicator_id": "cadre_mean_age"},
        {"source_id": "001-000020", "raw_hash": h[1], "decision": "correct",
         "indicator_id": "village_cadre_mean_age" if "village_cadre_mean_age" in CB
         else "cadre_mean_age", "value": "40.64", "year": "2022"},
        {"source_id": "001-000040", "raw_hash": h[3], "decision": "reject", "reason": "dup"},
        {"source_id": "001-000030", "raw_hash": "stale", "decision": "reject"},
    ]).reindex(columns=REVIEW_COLUMNS).astype(object).fillna("").assign(reviewer="alice",
                                                          time_utc="2026-12-05T08:00:00Z")
    out = apply_reviews(obs, parse_reviews(rows, CB, "reviews.csv"), CB)
    assert out.loc[0, "status"] == "reviewed" and out.loc[0, "confidence"] == 1.0
    assert out.loc[0, "reason"] == "" and "review line 2 by alice" in out.loc[0, "audit"]
    assert out.loc[1, "status"] == "reviewed" and out.loc[1, "value"] == 40.64
    assert out.loc[1, "year"] == 2022 and "value 40.6 -> 40.64" in out.loc[1, "audit"]
    assert out.loc[2, "status"] == "unmapped"  # its text changed since: not applied
    assert out.loc[3, "status"] == "rejected" and out.loc[3, "indicator_id"] == ""
    assert out.loc[3, "reason"] == "rejected by reviewer: dup"


@pytest.mark.parametrize("change, message, line", [
    ({"decision": "maybe"}, "decision must be one of", 3),
    ({"indicator_id": "no_such_indicator"}, "indicator that does not exist", 3),
    ({"value": "abc", "decision": "correct"}, "value must be a number", 3),
    ({"reviewer": ""}, "needs a reviewer", 3),
    ({"value": "413", "decision": "correct"}, "outside the valid range of cadre_mean_age", 3),
])
def test_a_bad_decision_row_names_file_and_line(change, message, line):
    good = {c: "" for c in REVIEW_COLUMNS} | {
        "source_id": "001-000010", "raw_hash": "abc", "decision": "accept",
        "indicator_id": "cadre_mean_age", "reviewer": "a", "time_utc": "2026-12-05T08:00:00Z"}
    df = pd.DataFrame([good, good | change])
    with pytest.raises(OverrideError, match=message) as e:
        parse_reviews(df, CB, "data/manual/reviews.csv")
    assert f"data/manual/reviews.csv:{line}" in str(e.value)


def test_review_command_from_a_file_then_a_rebuild_applies_and_never_asks_again(project,
                                                                                 tmp_path):
    (project.manual / "reviews.csv").unlink()  # the seeds as they were before any review
    before = run(["review", "--root", project.root, "--list"])
    assert before.returncode == 0, before.stderr
    listed = pd.read_csv(__import__("io").StringIO(before.stdout), dtype=str,
                         keep_default_na=False)
    waiting = listed[listed["item"] == "waiting"]
    assert len(waiting) >= 3
    keys = tmp_path / "keys.txt"
    keys.write_text("# first three waiting values\na\nr the page counts 村(社区)\n"
                    "c year=2019\nq\n", encoding="utf-8")
    r = run(["review", "--root", project.root, "--reviewer", "tester", "--from-file", keys])
    assert r.returncode == 0, r.stderr
    assert "3 decisions (1 accepted, 1 rejected, 1 corrected)" in r.stderr
    saved = read_reviews(project.manual / "reviews.csv")
    assert saved["source_id"].tolist() == waiting["source_id"].head(3).tolist()
    assert set(saved["reviewer"]) == {"tester"}
    assert saved["time_utc"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    assert saved["machine_status"].tolist() == ["waiting"] * 3
    o = run_indicators_frames(project).observations.set_index("source_id")
    ids = saved["source_id"].tolist()
    assert o.loc[ids[0], "status"] == "reviewed"
    assert o.loc[ids[1], "status"] == "rejected"
    assert o.loc[ids[1], "reason"] == "rejected by reviewer: the page counts 村(社区)"
    assert o.loc[ids[2], "status"] == "reviewed" and o.loc[ids[2], "year"] == 2019
    after = run(["review", "--root", project.root, "--list"])
    again = pd.read_csv(__import__("io").StringIO(after.stdout), dtype=str,
                        keep_default_na=False)
    assert not set(ids) & set(again["source_id"])
    assert len(again) == len(listed) - 3


@pytest.mark.slow
def test_review_reads_piped_keys_without_a_terminal(project):
    """The real entry point with keys on a pipe (no TTY): one decision, then end of input."""
    (project.manual / "reviews.csv").unlink()
    env = dict(os.environ, USER="piped-reviewer", COLUMNS="100")
    p = subprocess.run([sys.executable, "-m", "ruralstudy", "review", "--root",
                        str(project.root)], input="s\na\n", capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "1 decisions (1 accepted" in p.stderr and "1 skipped" in p.stderr
    assert "[1/" in p.stdout and "a accept" in p.stdout
    saved = read_reviews(project.manual / "reviews.csv")
    assert saved["reviewer"].tolist() == ["piped-reviewer"]


@pytest.mark.slow
def test_review_takes_single_keys_at_a_terminal(project):
    """At a terminal (a pseudo-terminal here) each key acts at once, without Enter; c asks for
    indicator, value and year, Enter keeping the reader's suggestion."""
    import pty
    import select
    import time

    (project.manual / "reviews.csv").unlink()
    master, slave = pty.openpty()
    env = dict(os.environ, USER="tty-reviewer", COLUMNS="100", TERM="dumb")
    p = subprocess.Popen([sys.executable, "-m", "ruralstudy", "review", "--root",
                          str(project.root)], stdin=slave, stdout=slave, stderr=slave, env=env,
                         close_fds=True)
    os.close(slave)
    seen = b""

    def wait_for(marker: bytes, timeout: float = 120.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while marker not in seen:
            assert time.monotonic() < end, (marker, seen[-2000:])
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break

    try:
        wait_for(b"[1/")
        os.write(master, b"s")
        wait_for(b"[2/")
        os.write(master, b"a")
        wait_for(b"[3/")
        os.write(master, b"c")
        for prompt, answer in ((b"indicator [", b"\n"), (b"value [", b"\n"), (b"year [", b"2019\n")):
            wait_for(prompt)
            os.write(master, answer)
        wait_for(b"[4/")
        os.write(master, b"q")
        wait_for(b"decisions")
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.kill()
        os.close(master)
    assert b"2 decisions (1 accepted, 0 rejected, 1 corrected), 1 skipped" in seen
    saved = read_reviews(project.manual / "reviews.csv")
    assert saved["decision"].tolist() == ["accept", "correct"]
    assert saved["year"].tolist() == ["", "2019"] and saved["reviewer"].tolist() == ["tty-reviewer"] * 2


def test_a_correction_outside_the_indicators_range_is_refused_and_asked_again():
    q = review_queue(_obs())
    msgs = []

    class Out:
        def print(self, x):
            msgs.append(str(x))

    res = run_session(q.head(1), iter(["c value=413", "c value=41.3"]), lambda rows: None,
                      "alice", CB, console=Out())
    assert any("value 413 outside the valid range of cadre_mean_age" in m for m in msgs)
    assert [r["value"] for r in res.decided] == ["41.3"]


def test_review_and_calibrate_have_help():
    for cmd in ("review", "calibrate"):
        r = run([cmd, "--help"])
        assert r.returncode == 0 and "Usage" in r.stdout, (cmd, r.stderr)
    assert "--from-file" in run(["review", "--help"]).stdout
    assert "--check" in run(["calibrate", "--help"]).stdout
