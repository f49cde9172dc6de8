"""The simulation check of the whole path, full version (issue 20, item 6).

For each publication scenario, ``--corpora`` synthetic corpora of ``--counties`` county reports
(seeds 0, 1, ...) are generated from the known joint distribution of
``ruralstudy.build.simulate``, run through the package's path (extraction, measurement, mapping,
indicators and panel, by the build's own functions) and scored against what the generator
printed. Each corpus is then cut into disjoint samples of ``--regions`` counties: independent
replications of a study of that many regions, analysed on the *recovered* values with
``stats.spearman_test``. Reported: runtime of each stage, extraction and mapping precision and
recall, interval coverage of the true rho, power observed against ``stats.spearman_power``,
and, under selective publication, the bias (also at n = the whole corpus, where intervals are
narrow enough for it to show).

    .venv/bin/python benchmarks/simulation.py                 # 20 corpora x 300 reports, both
    .venv/bin/python benchmarks/simulation.py --corpora 2     # a quick look
    .venv/bin/python benchmarks/simulation.py --write         # also update benchmarks/RESULTS.md

Synthetic data, for testing only: nothing is written into data/ or reports/, nothing is
published as a finding. ``--write`` replaces only the block between the simulation markers of
benchmarks/RESULTS.md (appending it when absent); ``benchmarks/run.py`` keeps that block.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ruralstudy.build import simulate as M  # noqa: E402
from ruralstudy.evaluation import stats as S  # noqa: E402

START = "<!-- simulation:start -->"
END = "<!-- simulation:end -->"


def run_scenario(scenario: str, corpora: int, counties: int, regions: int, n_perm: int,
                 n_sim: int) -> dict:
    t = {"generate": 0.0, "path": 0.0, "score": 0.0, "links": 0.0}
    scores, small, whole, bias = [], [], [], []
    for seed in range(corpora):
        t0 = time.perf_counter()
        corpus = M.generate_corpus(counties, seed=seed, scenario=scenario)
        t1 = time.perf_counter()
        rec = M.run_path(corpus)
        t2 = time.perf_counter()
        scores.append(M.score_recovery(corpus, rec))
        bias.append(M.selection_bias(corpus, rec))
        t3 = time.perf_counter()
        t["generate"] += t1 - t0
        t["path"] += t2 - t1
        t["score"] += t3 - t2
        w = rec.wide().set_index("region").reindex([c.name for c in corpus.counties])
        whole.append(w.reset_index())
        small += [w.iloc[k * regions:(k + 1) * regions].reset_index()
                  for k in range(counties // regions)]
    t0 = time.perf_counter()
    links = M.check_links(small, n_perm=n_perm, n_sim=n_sim)
    links_whole = M.check_links(whole, n_perm=n_perm, n_sim=n_sim)
    t["links"] = time.perf_counter() - t0
    b = pd.concat(bias).groupby("quantity", sort=False).agg(
        population=("population", "mean"), recovered=("recovered", "mean"),
        n_population=("n_population", "mean"), n_recovered=("n_recovered", "mean")).reset_index()
    misses = pd.concat([s.misses for s in scores])
    miss_reasons = (misses.groupby(["template", "indicator_id", "reason"]).size()
                    .rename("n").reset_index().sort_values("n", ascending=False))
    by_t = pd.concat([s.by_template for s in scores]).groupby(["template", "indicator_id"]).sum(
        numeric_only=True).reset_index()
    by_t["recall"] = by_t["recovered"] / by_t["gold"]
    return {"scenario": scenario, "times": t, "recovery": M.pooled_recovery(scores),
            "links": links, "links_whole": links_whole, "bias": b, "misses": miss_reasons,
            "by_template": by_t, "reports": corpora * counties,
            "replications": len(small)}


def fmt(x: float, d: int = 3) -> str:
    return "–" if x != x else f"{x:.{d}f}"


def links_table(df: pd.DataFrame) -> list[str]:
    out = ["| pair | true ρ | replications | mean n | mean ρ̂ (SD) | E[ρ̂] at these n | "
           "95% CI coverage (±SE) | rejection rate | stated power | difference / SE |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples():
        z = (r.rejection_rate - r.stated_power) / r.power_se if r.power_se else float("nan")
        out.append(f"| {r.x} ~ {r.y} | {r.true_rho:+.1f} | {r.replications} | {r.mean_n:.1f} | "
                   f"{r.mean_rho:+.3f} ({r.sd_rho:.3f}) | {r.expected_rho:+.3f} | "
                   f"{r.coverage:.3f} (±{r.coverage_se:.3f}) | "
                   f"{r.rejection_rate:.3f} | {r.stated_power:.3f} | {z:+.1f} |")
    return out


def report(results: list[dict], args, total: float, load: tuple) -> str:
    lines = [START, "## Simulation check of the whole path (`benchmarks/simulation.py`)", ""]
    lines.append(
        f"{args.corpora} synthetic corpora of {args.counties} county reports per scenario "
        f"(five styles: county news, 换届 results, income band lists, statistical communiqués, "
        f"speeches in Chinese numerals), generated from a Gaussian copula with known Spearman "
        f"correlations, run through extraction, measurement, mapping, indicators and panel "
        f"(the build's functions), then cut into disjoint samples of {args.regions} counties, "
        f"each analysed on the recovered values with `stats.spearman_test` "
        f"({args.n_perm} permutations; power stated by `stats.spearman_power`, {args.n_sim} "
        f"draws). Synthetic, for testing only. Measured "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"on {platform.machine()}, {os.cpu_count()} cores shared with other work "
        f"(load {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after); total {total:.0f} s.")
    lines += ["", "| scenario | reports | generate s | extract+map s | score s | links s | "
              "extraction P / R | mapping P / R (all indicator values) | study indicators P / R |",
              "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for r in results:
        t, rc = r["times"], r["recovery"]
        lines.append(
            f"| {r['scenario']} | {r['reports']} | {t['generate']:.1f} | {t['path']:.1f} | "
            f"{t['score']:.1f} | {t['links']:.1f} | {fmt(rc['extraction_precision'])} / "
            f"{fmt(rc['extraction_recall'])} | {fmt(rc['mapping_precision'])} / "
            f"{fmt(rc['mapping_recall'])} | {fmt(rc['study_precision'])} / "
            f"{fmt(rc['study_recall'])} |")
    for r in results:
        lines += ["", f"**{r['scenario']}**, {r['replications']} replications of "
                  f"{args.regions} regions (recovered values):", ""]
        lines += links_table(r["links"])
        if r["scenario"] == "selective" or args.whole:
            lines += ["", f"Whole corpora as one study each ({args.corpora} replications of "
                      f"{args.counties} regions):", ""]
            lines += links_table(r["links_whole"])
        if r["scenario"] == "selective":
            b = r["bias"]
            lines += ["", "Published (recovered) against generated, mean over corpora:", "",
                      "| quantity | population | recovered | n population | n recovered |",
                      "|---|---:|---:|---:|---:|"]
            for q in b.itertuples():
                lines.append(f"| {q.quantity} | {q.population:,.3f} | {q.recovered:,.3f} | "
                             f"{q.n_population:.0f} | {q.n_recovered:.1f} |")
    lines += ["", "Reading:"]
    for r in results:
        d = r["links"]
        z = ((d["rejection_rate"] - d["stated_power"]) / d["power_se"]).abs()
        zb = ((d["mean_rho"] - d["expected_rho"]) / (d["sd_rho"] / d["replications"] ** 0.5)).abs()
        lines.append(
            f"- {r['scenario']}: 95% intervals cover the true ρ in {d['coverage'].min():.1%} to "
            f"{d['coverage'].max():.1%} of replications (SE {d['coverage_se'].iloc[0]:.1%}); "
            f"observed rejection rates are within {z.max():.1f} SE of the stated power; the "
            f"ρ = 0 pair rejects in {d.loc[d['true_rho'] == 0, 'rejection_rate'].iloc[0]:.1%}; "
            f"mean estimates lie within {zb.max():.1f} SE of the estimator's expectation at "
            f"these n (Moran 1948).")
        if r["scenario"] == "selective":
            b = r["bias"].set_index("quantity")
            inc = b.loc["mean collective_income_per_village"]
            rho = b.iloc[[i for i, q in enumerate(b.index) if q.startswith("rho ")][0]]
            shrink = "pulled toward 0" if abs(rho.recovered) < abs(rho.population) else \
                "pushed away from 0"
            lines.append(
                f"- selective publication: the recovered mean per-village income is "
                f"{inc.recovered / inc.population - 1:+.0%} off the population's; the primary "
                f"pair's ρ̂ over whole corpora is {rho.recovered:.3f} against {rho.population:.3f} "
                f"in the generated population ({shrink}); at {args.regions} regions its mean "
                f"estimate is {d.iloc[0]['mean_rho']:+.3f} against {d.iloc[0]['expected_rho']:+.3f} "
                f"expected without selection at the same n.")
    misses = (pd.concat([r["misses"] for r in results])
              .groupby(["template", "indicator_id", "reason"]).n.sum().reset_index()
              .sort_values("n", ascending=False))
    if len(misses):
        lines += ["", "Printed indicator values the path did not recover (all scenarios):", "",
                  "| template | indicator | n | reason |", "|---|---|---:|---|"]
        for m in misses.itertuples():
            lines.append(f"| {m.template} | {m.indicator_id} | {m.n} | {m.reason[:140]} |")
    lines += ["", f"n needed for 80% power (two-sided, α = 0.05, Fisher z): ρ = 0.5: "
              f"{S.n_needed(0.5)}, ρ = 0.3: {S.n_needed(0.3)}; simulated power of "
              f"`spearman_test` there: {S.spearman_power(0.5, S.n_needed(0.5), n_sim=20000):.3f} "
              f"and {S.spearman_power(0.3, S.n_needed(0.3), n_sim=20000):.3f}; at n = 8 and "
              f"ρ = 0.5: {S.spearman_power(0.5, 8, n_sim=20000):.3f}.", END]
    return "\n".join(lines) + "\n"


def write_results(block: str) -> Path:
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        a, b = text.index(START), text.index(END) + len(END)
        text = text[:a] + block.rstrip("\n") + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=int, default=20)
    ap.add_argument("--counties", type=int, default=300)
    ap.add_argument("--regions", type=int, default=30)
    ap.add_argument("--scenarios", nargs="+", default=["mcar", "selective"],
                    choices=list(M.SCENARIOS))
    ap.add_argument("--n-perm", type=int, default=999)
    ap.add_argument("--n-sim", type=int, default=4000)
    ap.add_argument("--whole", action="store_true",
                    help="also show whole-corpus replications for every scenario")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    t0 = time.perf_counter()
    results = []
    for sc in args.scenarios:
        r = run_scenario(sc, args.corpora, args.counties, args.regions, args.n_perm, args.n_sim)
        results.append(r)
        print(f"{sc}: {r['reports']} reports, {r['times']}", flush=True)
    block = report(results, args, time.perf_counter() - t0, load)
    print(block)
    if args.write:
        print(f"wrote {write_results(block)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
