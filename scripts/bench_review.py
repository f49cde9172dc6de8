"""Decisions per minute of `ruralstudy review` on 50 items, by keyboard replay (not a human).

A copy of the seed project without data/manual/reviews.csv (so the seeds' values below the
publishing threshold wait again) is built as far as the indicators; then 50 queue items are
decided by replaying keys through the same session the command runs (each item rendered with
rich to a terminal-sized console, the command parsed, the decisions file rewritten atomically
after every decision), and once more through the real command line with the keys in a file.
What this measures is the tool's own cost per decision; a person reading each sentence takes
far longer, and that reading time is not measured here.

    PYTHONPATH=src python scripts/bench_review.py
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = 50


def keys_for(queue) -> list[str]:
    """A fixed mix: mostly accept, some reject with a reason, some corrections."""
    out = []
    for i, item in enumerate(queue.to_dict("records")):
        if i % 10 == 3:
            out.append("r the page counts another body")
        elif i % 10 == 7:
            v = item["value"]
            out.append(f"c value={v:g} year=2021")
        else:
            out.append("a")
    return out


def main() -> None:
    from rich.console import Console

    from ruralstudy import iorw
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.paths import Paths
    from ruralstudy.build.pipeline import run_indicators_frames
    from ruralstudy.measures.review import (merged_reviews, read_reviews, review_queue, reviews_bytes,
                                            run_session)

    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp)
        for sub in ("data/raw", "data/annotations", "data/manual"):
            shutil.copytree(ROOT / sub, dest / sub)
        (dest / "data" / "manual" / "reviews.csv").unlink(missing_ok=True)
        paths = Paths(dest)
        obs = run_indicators_frames(paths).observations
        queue = review_queue(obs).head(N)
        n_wait = int((queue["item"] == "waiting").sum())
        keys = keys_for(queue)
        target = paths.manual / "reviews.csv"
        existing = read_reviews(target)
        console = Console(file=io.StringIO(), width=110, force_terminal=True)
        cb = load_codebook()
        t0 = time.perf_counter()
        res = run_session(queue, iter(keys), lambda rows: iorw.write_bytes(
            target, reviews_bytes(merged_reviews(existing, rows))), "bench", cb, console=console)
        dt = time.perf_counter() - t0
        assert len(res.decided) == N, res
        print(f"keyboard replay (not a human), in process: {N} items ({n_wait} waiting, "
              f"{N - n_wait} near misses), {len(res.decided)} decisions in {dt:.2f} s = "
              f"{len(res.decided) / dt * 60:,.0f} decisions per minute "
              f"({dt / N * 1000:.1f} ms per item: render, parse, atomic save)")
        # the real command line, keys from a file (its build step is cached by then)
        target.unlink()
        kf = dest / "keys.txt"
        kf.write_text("\n".join(keys) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "ruralstudy", "review", "--root", str(dest),
                            "--reviewer", "bench", "--limit", str(N), "--from-file", str(kf)],
                           capture_output=True, text=True, timeout=600)
        dt_cli = time.perf_counter() - t0
        assert p.returncode == 0, p.stderr
        n_saved = len(read_reviews(target))
        print(f"keyboard replay (not a human), command line incl. start-up and its cached "
              f"build: {n_saved} decisions in {dt_cli:.2f} s = {n_saved / dt_cli * 60:,.0f} "
              f"decisions per minute")
        print(p.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
