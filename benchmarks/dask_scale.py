"""Issue 23: the Dask path at national scale, on a ``dask.distributed.LocalCluster``.

``.venv/bin/python benchmarks/dask_scale.py --regions 3000`` generates the synthetic corpus of
``benchmarks/run.py`` (the seed reports with new place names and shifted figures, one region
each; timing only, never published), starts a LocalCluster of two single-threaded worker
processes, and runs ``ruralstudy build --scheduler <its address>`` cold on it, then checks:
- the build finished and published one profile page per region of the mapping table, and every
  aggregate page;
- a local build (``--jobs 2``, no scheduler) afterwards has nothing to run (the same cache keys:
  the scheduler is not an input of any step).
That the cluster's executed notebooks and tables equal the local pool's is tested on the seed
project (``tests/e2e/test_build.py::test_dask_local_cluster_gives_the_local_pool_results``).
It prints wall time and the peak of summed PSS over the build's process tree plus the cluster's
workers and their kernels (sampled every 0.5 s with psutil), and writes the figures between the
``dask:`` markers of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (benchmarks/run.py: synthetic corpora, commands, machine)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=3000, help="generated reports (regions)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    from distributed import LocalCluster

    load_before = run.load()
    with tempfile.TemporaryDirectory(prefix="rs-bench-dask-") as tmp:
        p = run.synthetic_project(Path(tmp) / "p", args.regions)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cl:
            workers = [w.pid for w in cl.workers.values() if getattr(w, "pid", None)]
            try:  # the build's tree and the cluster's workers (with their kernels), together
                cold, _, _, pss = run.timed_memory(
                    run.rs("build", "--scheduler", cl.scheduler_address, "--root", str(p)),
                    extra_pids=workers, every=0.5)
            except RuntimeError as exc:
                raise SystemExit(f"the Dask build failed: {exc}") from None
        regions = run.n_regions(p)
        site = (p / "reports" / "site").resolve()
        profiles = len(list((site / "regions").glob("*.html")))
        aggregates = [n for n in run.AGGREGATE_PAGES if (site / n).is_file()]
        local = subprocess.run(run.rs("build", "--jobs", "2", "--dry-run", "--root", str(p)),
                               capture_output=True, text=True)
        # "N of M steps would run" (a no-op build says so before planning: nothing to do)
        m = re.search(r"(\d+) of (\d+) steps would run", local.stdout)
        nothing_to_run = local.returncode == 0 and (m is None or m.group(1) == "0")
        out = {"regions": regions, "reports": args.regions, "cold_s": round(cold, 1),
               "peak_pss_mb": round(pss), "profile_pages": profiles,
               "aggregate_pages": aggregates, "local_dry_run": local.stdout.strip()[-400:],
               "local_nothing_to_run": nothing_to_run, "workers": len(workers),
               "load_before": load_before, "load_after": run.load(), "machine": run.machine()}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if not args.no_write:
        text = ("<!-- dask:start -->\n"
                f"## Dask on a LocalCluster at {regions:,} regions (issue 23)\n\n"
                f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
                f"{out['machine']} (load average before: {load_before}; after: "
                f"{out['load_after']}); `benchmarks/dask_scale.py --regions {args.regions}`: "
                f"a LocalCluster of {len(workers)} single-threaded worker processes, "
                "`ruralstudy build --scheduler <its address>`, cold.\n\n"
                f"- cold build through the cluster: **{cold:.0f} s**; peak of summed PSS over "
                f"the build's process tree and the cluster's workers and kernels: "
                f"**{pss:.0f} MB**;\n"
                f"- published: {profiles:,} region pages and the aggregate pages "
                f"{', '.join(aggregates)};\n"
                f"- a local build afterwards (`--jobs 2 --dry-run`): "
                f"{'nothing to run' if nothing_to_run else 'steps to run: ' + out['local_dry_run']}.\n"
                "<!-- dask:end -->\n")
        run.write_section(("<!-- dask:start -->", "<!-- dask:end -->"), text)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
