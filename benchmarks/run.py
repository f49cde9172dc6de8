"""ruralstudy benchmarks: build times against the naive way, and extraction scaling.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py``). Prints a table of measured
figures (median of several runs, machine described) and writes it to benchmarks/RESULTS.md.

Measured, each on a fresh copy of the project in a temporary folder:
- cold build of the seed corpus, with --jobs = cores and with --jobs 1;
- no-op rebuild; rebuild after adding one report; rebuild after changing one override;
- the naive baseline: every notebook run executed with ``jupyter nbconvert --execute --to html``,
  one after another (parameters written into a copy of each notebook, as papermill would);
- extraction throughput (MB of text per second, one process) and peak memory (max RSS of a
  child process) on the seed corpus replicated 1x, 100x (and 1000x with --big);
- synthetic corpora of 100 and 1,000 reports, one region each (``--regions 100 1000``; generated
  in a temporary folder from the seed reports' styles, with new place names and shifted figures;
  used for timing only, never published): cold build, no-op, one report added, peak memory (the
  largest process, and the sum over the build's process tree) and seconds per region, beside
  the naive nbconvert run (measured on a sample of its runs and scaled to all of them);
- one large file (1, 4, 16 and 100 MB; ``--big-file-mb`` for other sizes, ``--big-file-only``
  for this table alone) through ``ruralstudy figures``: seconds per MB and peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
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
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0


def timed_memory(cmd: list[str], extra_pids: list[int] | None = None,
                 every: float = 0.25) -> tuple[float, float, float, float]:
    """Run a command; return (seconds, peak RSS of its largest process in MB, peak of the sum of
    RSS over its whole process tree in MB (the build, its pool workers and their kernels), peak
    of the sum of PSS over that tree in MB), the tree sampled every ``every`` s with psutil.
    ``extra_pids``: processes outside the command's tree counted with it, each with its own
    tree (a Dask cluster's workers and their kernels).

    Summed RSS counts every shared page (libraries, and what forked workers share with the
    build) once per process that maps it; PSS splits each shared page between the processes
    sharing it, so summed PSS is the tree's real use of memory. Both are reported."""
    import threading

    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = {"largest": 0.0, "tree": 0.0, "pss": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                procs: dict[int, psutil.Process] = {}
                for pid in [proc.pid, *(extra_pids or [])]:
                    try:
                        root = psutil.Process(pid)
                        for q in [root, *root.children(recursive=True)]:
                            procs.setdefault(q.pid, q)
                    except psutil.Error:
                        if pid == proc.pid:
                            raise
                rss, pss = [], []
                for q in procs.values():
                    try:
                        mi = q.memory_full_info()
                        rss.append(mi.rss / 2 ** 20)
                        pss.append(getattr(mi, "pss", mi.rss) / 2 ** 20)
                    except psutil.Error:
                        pass
                if rss:
                    peak["largest"] = max(peak["largest"], max(rss))
                    peak["tree"] = max(peak["tree"], sum(rss))
                    peak["pss"] = max(peak["pss"], sum(pss))
            except psutil.Error:
                pass
            done.wait(every)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    done.set()
    th.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t0, peak["largest"], peak["tree"], peak["pss"]


def peak_child_mb() -> float:
    """Largest resident set of any finished child process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load() -> str:
    try:
        a, b, c = Path("/proc/loadavg").read_text().split()[:3]
        return f"{a} {b} {c}"
    except OSError:
        return "unknown"


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
        "cold build (--jobs %s)" % jobs, "cold build (--jobs 1)",
        "cold build (--jobs %s --fresh-kernels)" % jobs, "no-op rebuild",
        "rebuild after adding one report", "rebuild after changing one override",
        "naive: nbconvert --execute each notebook, sequential")}
    new_report = "基准县2023年全县共有行政村86个,村“两委”干部平均年龄41.2岁,村均集体收入12.5万元。"
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            p = copy_project(Path(tmp) / "p")
            if not os.environ.get("BENCH_SKIP_JOBS1"):
                res["cold build (--jobs 1)"].append(
                    timed(rs("build", "--jobs", "1", "--root", str(p))))
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            p = copy_project(Path(tmp) / "p")
            res["cold build (--jobs %s --fresh-kernels)" % jobs].append(
                timed(rs("build", "--jobs", jobs, "--fresh-kernels", "--root", str(p))))
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


def naive(p: Path, sample: int | None = None) -> float:
    """Execute and render every notebook run with plain nbconvert, one after another; with
    ``sample``, run only that many (the aggregates and the first profiles) and scale the time
    to all runs (each run costs about the same: one kernel start and the same imports)."""
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
    chosen = paths if not sample or sample >= len(paths) else paths[:sample]
    t0 = time.perf_counter()
    for nbp in chosen:
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--execute", "--to", "html", str(nbp)],
                       cwd=p, check=True, capture_output=True)
    return (time.perf_counter() - t0) * len(paths) / len(chosen)


EXTRACT_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ruralstudy.texts.corpus import Document, ManifestEntry, clean_text
from ruralstudy.figures.extract import extract_figures, figures_frame
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


def extraction_benchmarks(repeat: int, big: bool = False) -> list[dict]:
    out = []
    for k in ((1, 100, 1000) if big else (1, 100)):
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


SYN_SEEDS = {  # seed reports naming one region: doc -> (names to replace, level suffix)
    "000": (("六盘水市", "六盘水", "凉都"), "市"),
    "003": (("南通市", "南通"), "市"),
    "004": (("达拉特旗", "达拉特"), "旗"),
}
SYN_CHARS = "安宁平康泰和丰兴华源清河永嘉庆瑞福昌盛明德新阳春江云松柏溪峰岭"


def synthetic_project(dest: Path, n: int, seed: int = 20261127) -> Path:
    """The seed project plus ``n`` generated reports, one region each, in the seeds' styles:
    a seed report with its region renamed and every figure shifted (years kept)."""
    import csv

    copy_project(dest)
    rng = random.Random(seed)
    rows = list(csv.DictReader(open(dest / "data/raw/manifest.csv", encoding="utf-8")))
    by_id = {r["doc_id"]: r for r in rows}
    texts = {d: (dest / "data/raw/reports" / by_id[d]["file"]).read_text(encoding="utf-8-sig")
             for d in SYN_SEEDS}
    k = len(SYN_CHARS)
    for i in range(n):
        d = sorted(SYN_SEEDS)[i % len(SYN_SEEDS)]
        names, suffix = SYN_SEEDS[d]
        base = SYN_CHARS[(i // k) % k] + SYN_CHARS[i % k] + SYN_CHARS[(i // (k * k)) % k]
        region = base + suffix
        text = texts[d]
        for name in names:
            text = text.replace(name, region if name.endswith(suffix) else base)

        def shift(m: re.Match) -> str:
            s = m.group(0)
            if len(s) == 4 and s.startswith(("19", "20")):
                return s  # a year
            return s[:-1] + str((int(s[-1]) + rng.randint(1, 8)) % 10)

        text = re.sub(r"\d+", shift, text)
        doc_id = f"{1000 + i:04d}"
        fname = f"{doc_id}_syn.txt"
        (dest / "data/raw/reports" / fname).write_text(text, encoding="utf-8")
        src = by_id[d]
        rows.append({**src, "doc_id": doc_id, "file": fname, "title": f"synthetic {region}",
                     "regions": region, "notes": "synthetic, for timing only"})
    with open(dest / "data/raw/manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return dest


def n_regions(p: Path) -> int:
    import pandas as pd

    return int(pd.read_parquet(p / "data/processed/mapping.parquet")["region"].nunique())


AGGREGATE_PAGES = ("index.html", "sources.html", "quality.html", "indicators.html", "links.html",
                   "regions.html")


def page_measures(p: Path) -> dict:
    """Size of each aggregate page and of the search index as published, the median and
    largest region page, and the time to render each aggregate page from its executed
    notebook (nbconvert and the site's template, as the build's render step does)."""
    from ruralstudy.build.steps import page_blob, render_blob

    site = (p / "reports/site").resolve()
    out: dict = {"pages": {}, "render": {}}
    for name in AGGREGATE_PAGES:
        f = site / name
        out["pages"][name] = f.stat().st_size if f.is_file() else 0
    idx = site / "assets" / "search-index.js"
    out["search_index"] = idx.stat().st_size if idx.is_file() else 0
    regions = sorted(f.stat().st_size for f in (site / "regions").glob("*.html"))
    out["region_median"] = regions[len(regions) // 2] if regions else 0
    out["region_max"] = regions[-1] if regions else 0
    out["site_bytes"] = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    render_blob(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    sources = {"sources.html": "01_corpus", "quality.html": "02_quality",
               "indicators.html": "03_indicators", "links.html": "04_links"}
    for page, nb in sources.items():
        ex = p / "reports/executed" / page.replace(".html", ".ipynb")
        if not ex.is_file():
            continue
        src = json.loads((p / "notebooks" / f"{nb}.ipynb").read_text(encoding="utf-8"))
        blob = page_blob(ex.read_text(encoding="utf-8"), src)
        t0 = time.perf_counter()
        render_blob(blob)
        out["render"][page] = time.perf_counter() - t0
    return out


def scale_benchmark(n: int, naive_sample: int = 8) -> dict:
    """Cold build (time and peak memory of the process tree), no-op, one report added, one
    override changed, page sizes and render times, and the naive run on a synthetic corpus
    (``n`` = 0: the seed corpus itself)."""
    jobs = str(os.cpu_count() or 1)
    out: dict = {"reports": n}
    with tempfile.TemporaryDirectory(prefix="rs-bench-syn-") as tmp:
        p = synthetic_project(Path(tmp) / "p", n)
        out["cold"], out["peak_mb"], out["tree_mb"], out["tree_pss_mb"] = timed_memory(
            rs("build", "--jobs", jobs, "--root", str(p)))
        out["regions"] = n_regions(p)
        print(f"[{n}] cold {out['cold']:.1f} s, {out['regions']} regions, PSS "
              f"{out['tree_pss_mb']:.0f} MB ({load()})", flush=True)
        out["noop"] = timed(rs("build", "--root", str(p)))
        rep = Path(tmp) / "new.txt"
        rep.write_text("基准新县2023年全县共有行政村86个,村“两委”干部平均年龄41.2岁。",
                       encoding="utf-8")
        subprocess.run(rs("add", str(rep), "--region", "基准新县", "--province", "测试省",
                          "--level", "county", "--year", "2023", "--root", str(p)),
                       check=True, capture_output=True)
        out["add_one"], _, _, out["add_pss_mb"] = timed_memory(rs("build", "--root", str(p)))
        with open(p / "data/manual/overrides.csv", "a", encoding="utf-8") as fh:
            fh.write("000-003029,reject,,,,benchmark run,bench\n")
        out["override"] = timed(rs("build", "--root", str(p)))
        out["noop_after"] = timed(rs("build", "--root", str(p)))
        print(f"[{n}] noop {out['noop']:.2f} s, add one {out['add_one']:.1f} s, override "
              f"{out['override']:.1f} s, noop {out['noop_after']:.2f} s ({load()})", flush=True)
        out.update(page_measures(p))
        out["naive"] = naive(p, sample=naive_sample)
        out["naive_sample"] = naive_sample
    return out


def scale_lines(results: list[dict]) -> list[str]:
    """The synthetic corpora's tables (issue 23)."""
    jobs = os.cpu_count()
    lines = []
    per_region = {}
    for r in results:
        per = r["cold"] / r["regions"]
        per_region[r["regions"]] = per
        what = ("the seed corpus" if not r["reports"] else
                f"seeds + {r['reports']} generated reports")
        lines += [f"### {what} ({r['regions']} regions)", "",
                  "| measurement | s | vs naive |", "|---|---:|---:|",
                  f"| cold build (--jobs {jobs}) | {r['cold']:.1f} | "
                  f"{r['naive'] / r['cold']:.1f}x faster |",
                  f"| no-op rebuild | {r['noop']:.2f} | {r['naive'] / r['noop']:.0f}x faster |",
                  f"| one report added | {r['add_one']:.1f} | "
                  f"{r['naive'] / r['add_one']:.1f}x faster |",
                  f"| one override changed | {r['override']:.1f} | "
                  f"{r['naive'] / r['override']:.1f}x faster |",
                  f"| no-op rebuild after those | {r['noop_after']:.2f} | "
                  f"{r['naive'] / r['noop_after']:.0f}x faster |",
                  f"| naive nbconvert, every run (measured on {r['naive_sample']} runs, "
                  f"scaled) | {r['naive']:.0f} | 1x |", "",
                  f"Seconds per region (cold): {per:.3f}. Peak memory of the cold build: "
                  f"{r['peak_mb']:.0f} MB in the largest process; over the whole process tree "
                  f"(build, pool workers, kernels) {r['tree_mb']:.0f} MB of summed RSS, "
                  f"**{r['tree_pss_mb']:.0f} MB of summed PSS** (shared pages counted once); "
                  f"one report added: {r['add_pss_mb']:.0f} MB PSS.", "",
                  "Pages: " + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in r["pages"].items())
                  + f"; region pages median {r['region_median'] / 1e3:.0f} kB, largest "
                  f"{r['region_max'] / 1e3:.0f} kB; search index {r['search_index'] / 1e6:.1f} MB; "
                  f"whole site {r['site_bytes'] / 1e6:.0f} MB. Render time (nbconvert + template, "
                  "one warm process): " + ", ".join(f"{k} {v:.2f} s" for k, v in r["render"].items())
                  + ".", ""]
    if len(per_region) > 1:
        pts = sorted(per_region.items())
        lines += ["Cost per region, cold: " + ", ".join(f"{s:.3f} s at {n} regions"
                                                        for n, s in pts) +
                  f" (largest / smallest corpus: {pts[-1][1] / pts[0][1]:.2f}; 1.00 = constant).",
                  ""]
    return lines


def bigfile_benchmarks(sizes: tuple[float, ...] = (1, 4, 16)) -> list[dict]:
    """One large file (the seed reports repeated to each size in MB) through ``ruralstudy
    figures FILE`` itself, its CSV read from a pipe: seconds and peak RSS of that process."""
    texts = [f.read_text(encoding="utf-8-sig") for f in sorted((ROOT / "data/raw/reports").glob("*.txt"))]
    unit = "\n".join(texts) + "\n"
    out = []
    with tempfile.TemporaryDirectory(prefix="rs-bench-big-") as tmp:
        for mb in sizes:
            f = Path(tmp) / f"big_{mb:g}.txt"
            with f.open("w", encoding="utf-8") as fh:  # written a copy at a time: 100 MB is fine
                for _ in range(max(1, round(mb * 1e6 / len(unit.encode("utf-8"))))):
                    fh.write(unit)
            errf = Path(tmp) / "stderr.txt"
            t0 = time.perf_counter()
            with errf.open("wb") as err:
                proc = subprocess.Popen(rs("figures", str(f)), stdout=subprocess.PIPE, stderr=err)
                newlines = 0
                while chunk := proc.stdout.read(1 << 20):
                    newlines += chunk.count(b"\n")
                _, status, usage = os.wait4(proc.pid, 0)
            secs = time.perf_counter() - t0
            if status:
                raise RuntimeError(f"ruralstudy figures failed:\n{errf.read_text()[-3000:]}")
            out.append({"mb": f.stat().st_size / 1e6, "seconds": secs, "figures": newlines - 1,
                        "peak_mb": usage.ru_maxrss / 1024})
            f.unlink()
    return out


def bigfile_lines(big: list[dict]) -> list[str]:
    """The "One large file" table."""
    lines = ["## One large file (`ruralstudy figures FILE`, seeds repeated)", "",
             "| MB | s | s per MB | figures | peak RSS MB |", "|---:|---:|---:|---:|---:|"]
    for r in big:
        lines.append(f"| {r['mb']:.1f} | {r['seconds']:.2f} | {r['seconds'] / r['mb']:.2f} | "
                     f"{r['figures']} | {r['peak_mb']:.0f} |")
    return lines + ["", "Linear in time when seconds per MB stay about equal; bounded in memory "
                    "when peak RSS does not grow with the file (the file is streamed).", ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--skip-builds", action="store_true", help="only the extraction benchmark")
    ap.add_argument("--regions", type=int, nargs="*", default=[0, 100, 1000, 3000],
                    help="synthetic corpus sizes (reports, one region each; 0 = the seed "
                         "corpus alone); none to skip")
    ap.add_argument("--scale-only", action="store_true",
                    help="only the synthetic corpora (issue 23): their section of RESULTS.md "
                         "is replaced, the rest of the file is kept")
    ap.add_argument("--big", action="store_true", help="also replicate the seeds 1000x")
    ap.add_argument("--big-file-mb", type=float, nargs="+", default=[1, 4, 16, 100], metavar="MB",
                    help="sizes of the one large file in MB (default: 1 4 16 100)")
    ap.add_argument("--big-file-only", action="store_true",
                    help="only the one-large-file table, printed (RESULTS.md is not written)")
    args = ap.parse_args()
    if args.big_file_only:
        print("\n".join([f"Machine: {machine()}", f"Load before: {load()}", ""]
                        + bigfile_lines(bigfile_benchmarks(tuple(args.big_file_mb)))
                        + [f"Load after: {load()}"]))
        return
    load_before = load()
    if args.scale_only:
        scale = []
        for n in args.regions:  # the section is rewritten after each corpus: a run cut short
            scale.append(scale_benchmark(n))  # keeps what it measured
            print(json.dumps(scale[-1]), flush=True)
            text = "\n".join(scale_section(scale, load_before, load()))
            write_section(SCALE_MARKERS, text)
        print(text)
        return
    lines = ["# ruralstudy benchmark results", "",
             f"Machine: {machine()}", f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"Runs per figure: {args.repeat} (median shown)", ""]
    if not args.skip_builds:
        b = build_benchmarks(args.repeat)
        b = {k: v for k, v in b.items() if v}
        med = {k: statistics.median(v) for k, v in b.items()}
        naive_s = med["naive: nbconvert --execute each notebook, sequential"]
        lines += ["## Builds (seed corpus: 5 reports + 1 figure sheet)", "",
                  "| measurement | median s | runs (s) | vs naive |", "|---|---:|---|---:|"]
        for k, v in b.items():
            lines.append(f"| {k} | {med[k]:.2f} | {', '.join(f'{x:.1f}' for x in v)} | "
                         f"{naive_s / med[k]:.1f}x faster |")
        cold_n = "cold build (--jobs %s)" % (os.cpu_count() or 1)
        lines += ["", "Targets (issue 12):",
                  f"- cold build >= 8x faster than naive: {naive_s / med[cold_n]:.1f}x",
                  f"- no-op rebuild >= 300x faster than naive: {naive_s / med['no-op rebuild']:.0f}x",
                  f"- one report added >= 30x faster than naive: "
                  f"{naive_s / med['rebuild after adding one report']:.1f}x",
                  f"- warm kernels vs fresh kernels, cold build: "
                  f"{med['cold build (--jobs %s --fresh-kernels)' % (os.cpu_count() or 1)] / med[cold_n]:.1f}x faster", ""]
    scale = [scale_benchmark(n) for n in args.regions]
    lines += scale_section(scale, load_before)
    lines += bigfile_lines(bigfile_benchmarks(tuple(args.big_file_mb)))
    e = extraction_benchmarks(args.repeat, args.big)
    lines += ["## Extraction (one process)", "",
              "| corpus | MB | median s | MB/s | figures | peak RSS MB | runs |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for r in e:
        lines.append(f"| seeds {r['replication']} | {r['MB']:.2f} | {r['seconds']:.2f} | "
                     f"{r['MB/s']:.2f} | {r['figures']} | {r['peak MB']:.0f} | {r['runs']} |")
    per = [r["seconds"] / r["MB"] for r in e]
    lines += ["", f"Seconds per MB at 1x/100x/1000x: {', '.join(f'{x:.3f}' for x in per)} "
              "(linear when these stay about equal). Targets: >= 1 MB/s; peak < 1500 MB at 1000x.", ""]
    lines += [f"Load average (1, 5, 15 min) before: {load_before}; after: {load()} (the machine "
              "is shared; times are wall-clock).", ""]
    text = "\n".join(lines)
    print(text)
    results = ROOT / "benchmarks" / "RESULTS.md"
    # keep the sections other scripts write (simulation.py --write, hostile.py), between markers
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    for start, end in (SIM_MARKERS, HOSTILE_MARKERS):
        if start in old and end in old:
            text = text.rstrip("\n") + "\n\n" + old[old.index(start):old.index(end) + len(end)] + "\n"
    results.write_text(text, encoding="utf-8")


SIM_MARKERS = ("<!-- simulation:start -->", "<!-- simulation:end -->")
HOSTILE_MARKERS = ("<!-- hostile:start -->", "<!-- hostile:end -->")
SCALE_MARKERS = ("<!-- scale:start -->", "<!-- scale:end -->")


def scale_section(scale: list[dict], load_before: str, load_after: str | None = None) -> list[str]:
    """The synthetic corpora (issue 23) as one marked section of RESULTS.md."""
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return [SCALE_MARKERS[0], "## Synthetic corpora: 100, 1,000 and 3,000 regions (issue 23)", "",
            f"Measured {date} on {machine()}, one run per figure, the machine shared with other "
            f"work (load average before: {load_before}; after: {load_after or load()}). Synthetic "
            "corpora for timing only, never published: the seed reports with new place names "
            "and shifted figures, one region each (`synthetic_project`). The naive run "
            "executes every notebook run with nbconvert, measured on a sample of runs and "
            "scaled.", "", *scale_lines(scale), SCALE_MARKERS[1]]


def write_section(markers: tuple[str, str], text: str) -> None:
    """Replace one marked section of RESULTS.md (or append it)."""
    results = ROOT / "benchmarks" / "RESULTS.md"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    start, end = markers
    if start in old and end in old:
        new = old[:old.index(start)] + text.strip("\n") + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + text.strip("\n") + "\n"
    results.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
