"""ruralstudy benchmarks: build times against the naive way, and extraction scaling.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). Prints a table of measured
figures (median of several runs, machine described) and writes it to benchmarks/RESULTS.md.

Measured, each on a fresh copy of the project in a temporary folder:
- cold build of the seed corpus, with --jobs = cores and with --jobs 1;
- no-op rebuild; rebuild after adding one report; rebuild after changing one override;
- the naive baseline: every notebook run executed with ``jupyter nbconvert --execute --to html``,
  one after another (parameters written into a copy of each notebook, as papermill would);
- extraction throughput (MB of text per second, one process) and peak memory (max RSS of a
  child process) on the seed corpus replicated 1x, 100x and 1000x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def copy_project(dest: Path) -> Path:
    for sub in ("data/raw", "data/annotations", "data/manual", "notebooks"):
        shutil.copytree(ROOT / sub, dest / sub)
    shutil.copyfile(ROOT / "CITATION.cff", dest / "CITATION.cff")
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    return dest


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def rs(*args: str) -> list[str]:
    return [str(BIN / "ruralstudy"), *args]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def build_benchmarks(repeat: int) -> dict[str, list[float]]:
    jobs = str(os.cpu_count() or 1)
    res: dict[str, list[float]] = {k: [] for k in (
        "cold build (--jobs %s)" % jobs, "cold build (--jobs 1)", "no-op rebuild",
        "rebuild after adding one report", "rebuild after changing one override",
        "naive: nbconvert --execute each notebook, sequential")}
    new_report = "基准县2023年全县共有行政村86个,村“两委”干部平均年龄41.2岁,村均集体收入12.5万元。"
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            p = copy_project(Path(tmp) / "p")
            res["cold build (--jobs 1)"].append(timed(rs("build", "--jobs", "1", "--root", str(p))))
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            p = copy_project(Path(tmp) / "p")
            res["cold build (--jobs %s)" % jobs].append(timed(rs("build", "--jobs", jobs, "--root", str(p))))
            res["no-op rebuild"].append(timed(rs("build", "--root", str(p))))
            rep = Path(tmp) / "new.txt"
            rep.write_text(new_report, encoding="utf-8")
            subprocess.run(rs("add", str(rep), "--region", f"基准县{i}", "--province", "测试省",
                              "--level", "county", "--year", "2023", "--root", str(p)),
                           check=True, capture_output=True)
            res["rebuild after adding one report"].append(timed(rs("build", "--root", str(p))))
            with open(p / "data/manual/overrides.csv", "a", encoding="utf-8") as fh:
                fh.write(f"000-003029,reject,,,,benchmark run {i},bench\n")
            res["rebuild after changing one override"].append(timed(rs("build", "--root", str(p))))
            res["naive: nbconvert --execute each notebook, sequential"].append(naive(p))
    return res


def naive(p: Path) -> float:
    """Execute and render every notebook run with plain nbconvert, one after another."""
    import nbformat
    import pandas as pd

    regions = sorted(pd.read_parquet(p / "data/processed/mapping.parquet")["region"].unique())
    runs = [(n, {}) for n in ("01_corpus", "02_quality", "03_indicators", "04_links")]
    runs += [("05_region_profile", {"region": r}) for r in regions]
    work = p / "naive"
    work.mkdir(exist_ok=True)
    paths = []
    for k, (name, params) in enumerate(runs):
        nb = nbformat.read(p / "notebooks" / f"{name}.ipynb", as_version=4)
        src = f"root = {str(p)!r}\n" + "".join(f"{a} = {b!r}\n" for a, b in params.items())
        nb.cells.insert(2, nbformat.v4.new_code_cell(src))
        out = work / f"{k:03d}_{name}.ipynb"
        nbformat.write(nb, out)
        paths.append(out)
    t0 = time.perf_counter()
    for nbp in paths:
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--execute", "--to", "html", str(nbp)],
                       cwd=p, check=True, capture_output=True)
    return time.perf_counter() - t0


EXTRACT_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ruralstudy.corpus import Document, ManifestEntry, clean_text
from ruralstudy.extract import extract_figures, figures_frame
from ruralstudy.iorw import RawText
k = int(sys.argv[1]); root = Path(sys.argv[2])
texts = [p.read_text(encoding="utf-8") for p in sorted((root / "data/raw/reports").glob("*.txt"))]
nbytes = sum(len(t.encode("utf-8")) for t in texts) * k
t0 = time.perf_counter(); figs = []
for rep in range(k):
    for i, t in enumerate(texts):
        e = ManifestEntry(f"{rep:04d}{i}", "", "", "", "", None, (), "", 0)
        figs.extend(extract_figures(Document(e, RawText("", t, "utf-8", ""), clean_text(t))))
df = figures_frame(figs)
dt = time.perf_counter() - t0
print(json.dumps({"mb": nbytes / 1e6, "seconds": dt, "figures": len(df),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def extraction_benchmarks(repeat: int) -> list[dict]:
    out = []
    for k in (1, 100, 1000):
        runs = []
        for _ in range(repeat if k < 1000 else max(1, repeat // 2)):
            r = subprocess.run([sys.executable, "-c", EXTRACT_CHILD, str(k), str(ROOT)],
                               check=True, capture_output=True, text=True)
            runs.append(json.loads(r.stdout))
        secs = statistics.median(r["seconds"] for r in runs)
        out.append({"replication": f"{k}x", "MB": runs[0]["mb"], "seconds": secs,
                    "MB/s": runs[0]["mb"] / secs, "figures": runs[0]["figures"],
                    "peak MB": max(r["peak_mb"] for r in runs), "runs": len(runs)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--skip-builds", action="store_true", help="only the extraction benchmark")
    args = ap.parse_args()
    lines = ["# ruralstudy benchmark results", "",
             f"Machine: {machine()}", f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"Runs per figure: {args.repeat} (median shown)", ""]
    if not args.skip_builds:
        b = build_benchmarks(args.repeat)
        med = {k: statistics.median(v) for k, v in b.items()}
        naive_s = med["naive: nbconvert --execute each notebook, sequential"]
        lines += ["## Builds (seed corpus: 5 reports + 1 figure sheet)", "",
                  "| measurement | median s | runs (s) | vs naive |", "|---|---:|---|---:|"]
        for k, v in b.items():
            lines.append(f"| {k} | {med[k]:.2f} | {', '.join(f'{x:.1f}' for x in v)} | "
                         f"{naive_s / med[k]:.1f}x faster |")
        cold_n = next(k for k in med if k.startswith("cold build (--jobs") and "--jobs 1" not in k)
        lines += ["", "Targets:",
                  f"- no-op rebuild at least 20x faster than naive: {naive_s / med['no-op rebuild']:.1f}x",
                  f"- cold build on all cores no slower than 0.7x of --jobs 1 (speed ratio "
                  f"jobs1/jobsN = {med['cold build (--jobs 1)'] / med[cold_n]:.2f}, target >= 0.7)", ""]
    e = extraction_benchmarks(args.repeat)
    lines += ["## Extraction (one process)", "",
              "| corpus | MB | median s | MB/s | figures | peak RSS MB | runs |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for r in e:
        lines.append(f"| seeds {r['replication']} | {r['MB']:.2f} | {r['seconds']:.2f} | "
                     f"{r['MB/s']:.2f} | {r['figures']} | {r['peak MB']:.0f} | {r['runs']} |")
    per = [r["seconds"] / r["MB"] for r in e]
    lines += ["", f"Seconds per MB at 1x/100x/1000x: {', '.join(f'{x:.3f}' for x in per)} "
              "(linear when these stay about equal). Targets: >= 1 MB/s; peak < 1500 MB at 1000x.", ""]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
