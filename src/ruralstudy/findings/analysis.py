"""Analysis helpers for the notebooks: primary pairs fixed in advance, exact permutation tests
with Holm's correction and the power at the present n (through :mod:`ruralstudy.evaluation.stats`),
changes against the previous election round, and the findings the front page states.

Every comparison goes through :func:`ruralstudy.tables.comparability.comparable` (or its vectorised
key): same admin level, same election round, same indicator, whole periods. Nothing here
pools levels or rounds, z-scores different indicators into one score, or imputes.

Everything is seeded and pure: same data and seed, same numbers.
"""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
import pandas as pd

from ..tables.comparability import province_key  # noqa: F401  (defined there; kept here by name)
from ..measures.codebook import load_codebook
from ..tables.comparability import (PANEL_ROUNDS, RULE_TEXT, comparability_key, comparable,
                                    compared_as, group_key, round_label)

#: The candidate indicators of each construct for the primary rule, in tie-break order
#: (each construct's ``candidates`` in ``codebook.yaml``).
DEFAULT_CONSTRUCTS: dict[str, list[str]] = load_codebook().primary_candidates()


def year_label(year: object) -> str:
    """'2021' or 'year unknown'."""
    return "year unknown" if pd.isna(year) else str(int(year))


def year_span_label(first: object, last: object) -> str:
    """'2021', '2015–2022' or 'year unknown'."""
    if pd.isna(first) and pd.isna(last):
        return "year unknown"
    if pd.isna(first) or pd.isna(last) or int(first) == int(last):
        return year_label(last if pd.isna(first) else first)
    return f"{int(first)}–{int(last)}"


def wide_panel(panel: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """One row per region and comparable group (admin level and election round), one column
    per indicator: regions sit side by side only within a group (``group`` column,
    ``level|round``); values whose level or round is unknown are left out."""
    # an indicator as the rule compares it: an operating-income band is not the total-income
    # band of the same id (compared_as), so it is never a value of that column
    p = panel[compared_as(panel).isin(indicators)] if len(panel) else panel
    p = p.assign(group=group_key(p)) if len(p) else p.assign(group=pd.Series(dtype=str))
    p = p[p["group"] != ""]
    cols = ["region", "group", "admin_level", "round", "year_min", "year_max", *indicators]
    if p.empty:
        return pd.DataFrame(columns=cols)
    w = p.assign(_ind=compared_as(p)).pivot_table(index=["region", "group"], columns="_ind",
                                                  values="value", aggfunc="first")
    meta = p.groupby(["region", "group"]).agg(admin_level=("admin_level", "first"),
                                              round=("round", "first"),
                                              year_min=("year", "min"), year_max=("year", "max"))
    out = meta.join(w).reset_index()
    for c in indicators:
        if c not in out:
            out[c] = np.nan
    return out[cols]


# --- primary pairs, fixed before any result is seen -------------------------------------------

#: One indicator per construct, fixed before any correlation was computed (5 December 2026) and
#: kept in the codebook (each construct's ``primary`` key in ``codebook.yaml``),
#: by :data:`PRIMARY_RULE` applied to the panel of that day. A researcher with another corpus
#: fixes theirs the same way (:func:`choose_primary`) *before* running the links notebook and
#: passes it as the notebook's ``primary`` parameter.
PRIMARY_INDICATORS: dict[str, str] = load_codebook().primary()
PRIMARY_RULE = (
    "One indicator per construct, chosen by coverage alone before any association is computed: "
    "among the construct's shares, means and per-village values (never a total or count), the "
    "one held by the most regions within a single admin level and election round; ties go to "
    "the order of the construct's list (branch strength: standardised branches first). The three "
    "cross-construct pairs of these indicators are the primary pairs; every other pair is "
    "exploratory and is not tested.")


def choose_primary(panel: pd.DataFrame, constructs: dict[str, list[str]] | None = None,
                   scale_free: set[str] | None = None) -> dict[str, str]:
    """Apply :data:`PRIMARY_RULE` to a panel (coverage only: no value is looked at)."""
    constructs = constructs or DEFAULT_CONSTRUCTS
    scale_free = scale_free if scale_free is not None else _scale_free()
    p = panel.assign(_k=comparability_key(panel))
    p = p[p["_k"] != ""]
    cover = p.groupby(["indicator_id", "_k"])["region"].nunique().groupby(level=0).max()
    best: dict[str, str] = {}
    for construct, ids in constructs.items():
        ranked = [(-int(cover.get(i, 0)), order, i) for order, i in enumerate(ids)
                  if i in scale_free]
        if ranked:
            best[construct] = min(ranked)[2]
    return best


def primary_pairs(primary: dict[str, str]) -> list[tuple[str, str]]:
    """The cross-construct pairs of the primary indicators, in construct order."""
    return [(primary[a], primary[b]) for a, b in combinations(list(primary), 2)]


def _scale_free() -> set[str]:
    return {i.id for i in load_codebook().indicators if i.scale_free}


def pair_frame(panel: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Regions holding both ``x`` and ``y`` in one comparable group (same admin level and
    round), with the group, years and both values' sources."""
    w = wide_panel(panel, [x, y])
    d = w.dropna(subset=[x, y]) if len(w) else w
    if d.empty:
        return pd.DataFrame(columns=["region", "group", "admin_level", "round", "year_label", x, y,
                                     "source_id"])
    src = panel.assign(group=group_key(panel))
    src = src[compared_as(src).isin([x, y])].groupby(["region", "group"])["source_id"].agg(
        lambda s: "; ".join(s))
    d = d.assign(year_label=[year_span_label(a, b) for a, b in zip(d.year_min, d.year_max)],
                 source_id=[src.get((r, g), "") for r, g in zip(d.region, d.group)])
    return d[["region", "group", "admin_level", "round", "year_label", x, y, "source_id"]] \
        .reset_index(drop=True)


TEST_COLUMNS = ["x", "y", "admin_level", "round", "n", "note", "rho", "ci_low", "ci_high",
                "p_exact", "p_holm", "power_rho_0.3", "power_rho_0.5", "n_for_rho_0.3",
                "n_for_rho_0.5", "method"]


def primary_tests(panel: pd.DataFrame, primary: dict[str, str], min_n: int = 8,
                  n_perm: int = 9999, seed: int = 0, n_sim: int = 2000) -> pd.DataFrame:
    """Each primary pair in each comparable group (admin level and round) that holds it — or,
    when no group holds it, one row with n = 0 — with:

    - Spearman's rho, its exact permutation p-value (all permutations up to n = 8, else a
      seeded Monte Carlo) and Fisher-z interval, only when n >= ``min_n``;
    - Holm-adjusted p-values across every test actually run;
    - the power of that test at the present n for a true rho of 0.3 and 0.5 (simulated), and
      the n needed for 80% power at each (see :mod:`ruralstudy.evaluation.stats`).
    """
    from ..evaluation import stats

    need = {r: stats.n_needed(r) for r in (0.3, 0.5)}
    power_cache: dict[tuple[float, int], float] = {}

    def power(rho: float, n: int) -> float:
        if n < 5:  # an exact two-sided test cannot reach p < 0.05 with 4! = 24 orderings
            return 0.0
        if (rho, n) not in power_cache:
            power_cache[(rho, n)] = float(stats.spearman_power(rho, n, n_sim=n_sim, seed=seed))
        return power_cache[(rho, n)]

    rows = []
    for x, y in primary_pairs(primary):
        d = pair_frame(panel, x, y)
        groups = list(d.groupby(["admin_level", "round"], sort=True)) if len(d) else []
        if not groups:
            rows.append({"x": x, "y": y, "admin_level": "", "round": "", "n": 0,
                         "note": "no region holds both in one admin level and round"})
        for (level, rnd), g in groups:
            n = len(g)
            row = {"x": x, "y": y, "admin_level": level, "round": rnd, "n": n}
            if n >= min_n:
                r = stats.spearman_test(g[x].to_numpy(float), g[y].to_numpy(float),
                                        n_perm=n_perm, seed=seed)
                row.update(rho=r.rho, ci_low=r.ci_low, ci_high=r.ci_high, p_exact=r.p_value,
                           method=r.method, note="")
            else:
                row["note"] = f"n = {n} < minimum {min_n}: not tested"
            rows.append(row)
    df = pd.DataFrame(rows, columns=TEST_COLUMNS)
    for c in ("rho", "ci_low", "ci_high", "p_exact", "p_holm"):
        df[c] = df[c].astype(float)
    tested = df["p_exact"].notna()
    if tested.any():
        df.loc[tested, "p_holm"] = stats.holm(df.loc[tested, "p_exact"].tolist())
    df["power_rho_0.3"] = [power(0.3, int(n)) for n in df["n"]]
    df["power_rho_0.5"] = [power(0.5, int(n)) for n in df["n"]]
    df["n_for_rho_0.3"] = need[0.3]
    df["n_for_rho_0.5"] = need[0.5]
    df["method"] = df["method"].astype(object).fillna("").astype(str)
    return df


def estimability_finding(tests: pd.DataFrame, min_n: int, n_sim: int = 2000,
                         seed: int = 0, primary_values: pd.DataFrame | None = None) -> dict:
    """What these data can and cannot estimate: the largest n any primary pair reaches within
    one admin level and round, the power there and at the minimum n, and the n needed.

    ``primary_values`` (the panel's rows of the primary indicators, :func:`primary_values`)
    give the finding its sources: the values whose coverage the sentence counts."""
    from ..evaluation import stats

    at_min = float(stats.spearman_power(0.5, min_n, n_sim=n_sim, seed=seed)) if min_n >= 5 else 0.0
    best = tests.sort_values(["n", "x", "y"], ascending=[False, True, True]).iloc[0] \
        if len(tests) else None
    n = int(best["n"]) if best is not None else 0
    n3, n5 = (int(tests["n_for_rho_0.3"].iloc[0]), int(tests["n_for_rho_0.5"].iloc[0])) \
        if len(tests) else (0, 0)
    tested = tests[tests["p_exact"].notna()]
    where = (f" ({best['x']} × {best['y']}, {best['admin_level']}, {round_label(best['round'])})"
             if best is not None and n else "")
    if tested.empty:
        text = (f"What these data cannot estimate: whether branch strength, cadre structure and "
                f"collective income move together. Across the {tests[['x', 'y']].drop_duplicates().shape[0]} "
                f"primary pairs, no pair is held by {min_n} or more regions of one admin level and "
                f"one election round: the largest is n = {n}{where}. At that n a Spearman test "
                f"detects a true ρ = 0.5 with probability {_pct(best['power_rho_0.5'] if best is not None else 0)}, "
                f"and even at the minimum n = {min_n} with probability {_pct(at_min)}; "
                f"80% power needs about {n5} regions for ρ = 0.5 and {n3} for ρ = 0.3, all of one "
                f"level and round. What they can show: values side by side within one level and "
                f"round, and changes a region reports against its previous round.")
    else:
        text = (f"{len(tested)} primary pair test(s) reach n ≥ {min_n} within one admin level and "
                f"round (exact permutation p-values, Holm-adjusted across them); the largest n is "
                f"{n}{where}. 80% power needs about {n5} regions for ρ = 0.5 and {n3} for ρ = 0.3.")
    pv = primary_values if primary_values is not None else pd.DataFrame()
    return {"id": "finding-estimable", "construct": "all", "kind": "limits", "text": text, "n": n,
            "level": str(best["admin_level"]) if best is not None and n else
            "each level on its own" + (f" (values of the primary indicators: "
                                       f"{levels_label(pv.drop_duplicates('region').admin_level)})"
                                       if len(pv) else ""),
            "round": round_label(best["round"]) if best is not None and n else
            "each round on its own" + (f" (values: {region_rounds_label(pv)})" if len(pv) else ""),
            "year": "", "sources": _sources(pv), "table": tests}


def primary_values(panel: pd.DataFrame, primary: dict[str, str]) -> pd.DataFrame:
    """The panel's rows of the primary indicators (rounds as ids): what the estimability
    finding counts."""
    return panel[panel["indicator_id"].isin(list(primary.values()))].reset_index(drop=True)


def _pct(v: float) -> str:
    return f"{float(v) * 100:.0f}%"


# --- changes against the previous round -------------------------------------------------------

CHANGE_CUE = r"[较比]上[一]?届|与上[一]?届相比|换届前后|换届后"
#: The figure itself is a change (not a level standing in a sentence that also states one).
CHANGE_WORDS = r"[较比]上|提高|提升|上升|增加|增长|下降|降低|减少|降幅|增幅|变化"


def round_changes(indicators: pd.DataFrame) -> pd.DataFrame:
    """Values of the change-against-the-previous-round indicators (ids ending in ``_change``):
    a region compared with itself across two rounds, as the region's own text states it."""
    d = indicators[indicators["indicator_id"].str.endswith("_change")]
    cols = ["region", "admin_level", "round", "year", "indicator_zh", "indicator_en", "value",
            "unit", "source_id", "source_key"]
    return d[cols].sort_values(["admin_level", "region", "indicator_zh"]).reset_index(drop=True)


def unmapped_round_changes(mapping: pd.DataFrame) -> pd.DataFrame:
    """Figures whose text states a change against the previous round (较上届, 比上届) but that
    are not indicator values (no change indicator fits them yet)."""
    m = mapping[~mapping["status"].isin(["published", "waiting", "reviewed"]) &
                mapping["context"].str.contains(CHANGE_CUE, regex=True) &
                (mapping["raw"].str.contains(CHANGE_WORDS, regex=True) |
                 mapping["property"].eq("change") | mapping["kind"].isin(["change", "growth"]))]
    return m[["region", "admin_level", "year", "context", "raw", "reason", "source_id"]] \
        .reset_index(drop=True)


# --- like with like ------------------------------------------------------------------------------

def comparable_sets(panel: pd.DataFrame, ids: list[str] | None = None,
                    scale_free: set[str] | None = None) -> pd.DataFrame:
    """Every set of two or more regions whose values of one indicator may be set side by side
    (one :func:`comparability_key`: same level, round and indicator; whole periods; shares,
    means and per-village values only), with its values, years and sources, and whether the
    values' order is just the order of their years (a trend over time, not a difference
    between regions)."""
    scale_free = scale_free if scale_free is not None else _scale_free()
    p = panel[panel["indicator_id"].isin(scale_free)]
    if ids is not None:
        p = p[p["indicator_id"].isin(ids)]
    p = p.assign(_k=comparability_key(p))
    p = p[p["_k"] != ""]
    rows = []
    for key, g in p.groupby("_k", sort=True):
        if g["region"].nunique() < 2:
            continue
        g = g.sort_values(["value", "region"])
        yrs = g["year"].dropna()
        # with two values any order is "the order of their years": only from three on does a
        # monotone order of years say something
        by_year = bool(len(g) >= 3 and len(yrs) == len(g) and yrs.nunique() == len(g) and
                       (yrs.is_monotonic_increasing or yrs.is_monotonic_decreasing))
        rows.append({"admin_level": g["admin_level"].iloc[0], "round": g["round"].iloc[0],
                     "indicator_id": g["indicator_id"].iloc[0],
                     "indicator_zh": g["indicator_zh"].iloc[0],
                     "indicator_en": g["indicator_en"].iloc[0], "n": len(g),
                     "values": "; ".join(f"{r.region} {_value_text(r.value, r.unit)} "
                                         f"({year_label(r.year)})" for r in g.itertuples()),
                     "order_is_year_order": by_year, "source_id": "; ".join(g["source_id"])})
    return pd.DataFrame(rows, columns=["admin_level", "round", "indicator_id", "indicator_zh",
                                       "indicator_en", "n", "values", "order_is_year_order",
                                       "source_id"])


def national_reference(region_panel: pd.DataFrame, national_panel: pd.DataFrame) -> pd.DataFrame:
    """A region's values beside national values of the same indicator, each pairing with the
    verdict of :func:`comparable` (a national figure is of another admin level, so it is shown
    for reference and never as a gap or a rank)."""
    rows = []
    nat = national_panel
    for r in region_panel.to_dict("records"):
        for n in nat[nat["indicator_id"] == r["indicator_id"]].to_dict("records"):
            ok, why = comparable(r, n)
            rows.append({"indicator_zh": r["indicator_zh"], "indicator_en": r["indicator_en"],
                         "value": r["value"], "round": r["round"], "national": n["value"],
                         "national_round": n["round"], "unit": r["unit"], "comparable": ok,
                         "why_not": why, "source_id": f"{r['source_id']}; {n['source_id']}"})
    return pd.DataFrame(rows, columns=["indicator_zh", "indicator_en", "value", "round",
                                       "national", "national_round", "unit", "comparable",
                                       "why_not", "source_id"])


def region_values(panel: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and round a region reports: the chosen value with what it
    measures, its period, year and round, and every other source's value beside it."""
    rows = []
    for r in panel.itertuples():
        others = indicators[(indicators["indicator_id"] == r.indicator_id) &
                            (indicators["source_id"] != r.source_id) &
                            indicators["kind"].isin(["level", "change"])]
        also = "; ".join(f"{_value_text(o.value, o.unit)} ({year_label(o.year)}, "
                         f"{round_label(o.round)}, {o.source_id})" for o in others.itertuples())
        sel = indicators[indicators["source_id"] == r.source_id]
        ent = sel["entity"].iloc[0] if len(sel) else ""
        what = " · ".join(x for x in (sel["property"].iloc[0] if len(sel) else "",
                                      sel["conditions"].iloc[0] if len(sel) else "") if x)
        rows.append({"construct": r.construct, "indicator_zh": r.indicator_zh,
                     "indicator_en": r.indicator_en, "entity": ent, "measures": what,
                     "value": r.value, "unit": r.unit, "qualifier": r.qualifier,
                     "year": year_label(r.year), "round": round_label(r.round),
                     "releases": r.n_sources, "copies": r.n_copies, "other_sources": also,
                     "checked": _checked(sel), "source": r.source, "source_id": r.source_id})
    return pd.DataFrame(rows, columns=["construct", "indicator_zh", "indicator_en", "entity",
                                       "measures", "value", "unit", "qualifier", "year", "round",
                                       "releases", "copies", "other_sources", "checked", "source",
                                       "source_id"])


def _checked(sel: pd.DataFrame) -> str:
    """'reviewed' when a person checked the value, else 'machine-read' (with its calibrated
    confidence)."""
    if not len(sel) or "status" not in sel.columns:
        return "machine-read"
    if sel["status"].iloc[0] == "reviewed":
        return "reviewed"
    conf = sel["confidence"].iloc[0] if "confidence" in sel.columns else None
    return "machine-read" + (f" ({conf:.2f})" if conf is not None and pd.notna(conf) else "")


def within_region_changes(ind: pd.DataFrame) -> pd.DataFrame:
    """Before/after figures (kind change: 从 A 到 B), one row each, with sources."""
    ch = ind[ind["kind"] == "change"].copy()
    ch["delta"] = ch["value"] - ch["value_before"]
    ch["rel_change_pct"] = (ch["delta"] / ch["value_before"] * 100).round(2)
    if "round" not in ch:
        ch["round"] = ""
    cols = ["region", "admin_level", "round", "year", "indicator_id", "indicator_zh",
            "value_before", "value", "unit", "delta", "rel_change_pct", "source_id", "source_ref"]
    return ch[cols].reset_index(drop=True)


def change_figures(mapping: pd.DataFrame) -> dict[str, int]:
    """How many figures state a change or growth in their own words (before → after, 较上届, a
    growth rate: kind change or growth, or a figure in a sentence against the previous round
    whose own text is a change), how many of them are indicator values (published or
    reviewed; a value waiting for review is not), how (before/after pair or a change against
    the previous round), and why the rest are not."""
    ch = stated_changes(mapping)
    used = ch["status"].isin(["published", "reviewed"])
    rest = ch.loc[~used]
    reasons = rest["reason"].map(_reason_class).where(rest["status"] != "waiting",
                                                      "waiting for review").value_counts()
    round_change = _is_round_change(ch)
    return {"all": len(ch), "mapped": int(used.sum()),
            "before_after": int((used & ch["kind"].eq("change") & ~round_change).sum()),
            "against_round": int((used & round_change).sum()),
            "growth": int((used & ~ch["kind"].eq("change") & ~round_change).sum()),
            "no_indicator": int(reasons.get("no indicator", 0)),
            "rejected": int(reasons.get("rejected by a reviewer", 0)),
            "waiting": int(reasons.get("waiting for review", 0)),
            "other": int(reasons.drop(["no indicator", "rejected by a reviewer",
                                       "waiting for review"], errors="ignore").sum())}


def _is_round_change(d: pd.DataFrame) -> pd.Series:
    """Rows that are a change against the previous round: a ``_change`` indicator, or (where no
    indicator is given) a figure whose kind is not a before/after pair."""
    if "indicator_id" in d.columns:
        return d["indicator_id"].fillna("").astype(str).str.endswith("_change") | (
            d["indicator_id"].fillna("").eq("") & ~d["kind"].eq("change"))
    return ~d["kind"].eq("change")


def growth_rates(ind: pd.DataFrame) -> pd.DataFrame:
    """Growth rates a region states of itself (同比增长19.4%: kind growth, not a change against
    the previous round), one row each, with sources."""
    d = ind[ind["kind"].eq("growth") & ~ind["indicator_id"].str.endswith("_change")].copy()
    if "round" not in d:
        d["round"] = ""
    cols = ["region", "admin_level", "round", "year", "indicator_id", "indicator_zh", "value",
            "unit", "source_id"]
    return d[cols].sort_values(["admin_level", "region", "indicator_id"]).reset_index(drop=True)


def change_rows(mapping: pd.DataFrame) -> pd.DataFrame:
    """The rows of the mapping table that state or may state a change: kind change or growth,
    or a change cue (较上届, 换届后...) in their sentence. Every row :func:`stated_changes` and
    :func:`unmapped_round_changes` select is one of them, so the pages that count changes read
    this small table (``changes``) instead of the whole mapping, and are not re-run when a
    report without a change is added."""
    cue = mapping["context"].fillna("").str.contains(CHANGE_CUE, regex=True)
    return mapping[mapping["kind"].isin(["change", "growth"]) | cue].reset_index(drop=True)


def stated_changes(mapping: pd.DataFrame) -> pd.DataFrame:
    """Figures that state a change themselves: kind change or growth, or a figure whose own
    words are a change (较上届降低4岁) in a sentence that compares with the previous round. A
    level standing in such a sentence (换届后 … 平均年龄44.5岁) is not a change."""
    own = mapping["raw"].fillna("").str.contains(CHANGE_WORDS, regex=True)
    cue = mapping["context"].fillna("").str.contains(CHANGE_CUE, regex=True)
    return mapping[mapping["kind"].isin(["change", "growth"]) | (cue & own)]


def _reason_class(reason: object) -> str:
    r = str(reason or "")
    if r.startswith("rejected by reviewer"):
        return "rejected by a reviewer"
    if "waiting" in r or "below the publishing threshold" in r:
        return "waiting for review"
    if "no indicator" in r:
        return "no indicator"
    return "other"


# --- findings for the front page ----------------------------------------------------------

#: Age and education indicators of village cadres (两委 members and secretaries).
CADRE_AGE_EDUCATION = ["cadre_mean_age", "cadre_college_share", "cadre_highschool_share",
                       "secretary_mean_age", "secretary_college_share", "vc_member_mean_age",
                       "vc_member_college_share"]
#: Collective income bands: villages (number or share) above, below or between income lines,
#: villages with no income, weak villages -- every id of these families (see
#: :func:`income_band_ids`); villages lifted out of weakness are a change, not a band.
INCOME_BAND_PREFIXES = ("villages_income_", "villages_no_income", "weak_villages")


def income_band_ids(ids) -> list[str]:
    """The income-band indicators among ``ids`` (each family's every band and threshold:
    ``villages_income_over_{N}w``, ``_{A}w_{B}w``, ``_under_{N}w``, their shares, no income,
    weak villages), sorted; ``weak_villages_eliminated`` (a change) is not a band."""
    return sorted({str(i) for i in ids if str(i).startswith(INCOME_BAND_PREFIXES) and
                   not str(i).endswith(("_eliminated", "_change"))})


def levels_label(levels) -> str:
    """'county 3, province 1' (most frequent first; unknown levels spelled out)."""
    s = pd.Series([lv or "unknown level" for lv in levels])
    if s.empty:
        return "no region"
    vc = s.value_counts()
    return ", ".join(f"{lv} {n}" for lv, n in sorted(vc.items(), key=lambda kv: (-kv[1], kv[0])))


def rounds_label(rounds) -> str:
    """'2020-21 round 3, 2017-18 round 1' (most frequent first)."""
    s = pd.Series([round_label(r) for r in rounds])
    if s.empty:
        return "—"
    vc = s.value_counts()
    return ", ".join(f"{r} {n}" if len(vc) > 1 else r
                     for r, n in sorted(vc.items(), key=lambda kv: (-kv[1], kv[0])))


def region_rounds_label(df: pd.DataFrame | None) -> str:
    """Regions by round, '2020-21 round 13, round unknown 4': each region counted once per
    round it holds a value in (the same unit as :func:`levels_label` of its regions)."""
    if df is None or not len(df):
        return "—"
    return rounds_label(df.drop_duplicates(["region", "round"])["round"])


def years_label(years) -> str:
    """'2015–2023', '2022', 'year unknown', or '2015–2022 (and year unknown)'."""
    s = pd.Series(list(years), dtype="Float64")
    known = s.dropna()
    if known.empty:
        return "year unknown"
    lab = year_span_label(known.min(), known.max())
    return lab + (" (and year unknown)" if known.size < s.size else "")


def _value_text(value: float, unit: str) -> str:
    from .links import human_number

    return f"{human_number(value)}{unit if unit in ('%', '岁') else ' ' + unit if unit else ''}"


def _change_text(delta: float, unit: str) -> str:
    """+29 pp (a change of a share is in percentage points), -1.5岁."""
    from .links import human_number

    sign = "+" if delta > 0 else ""
    return f"{sign}{human_number(delta)} {'pp' if unit in ('%', 'pp') else unit}".strip()


def source_agreement(indicators: pd.DataFrame) -> pd.DataFrame:
    """Cells (region, round, indicator, year, period) with more than one value: how many
    independent releases (source keys) and copies they come from, and whether the
    independent releases agree. Copies of one release are echo, not corroboration."""
    d = indicators[indicators["kind"] == "level"]
    rows = []
    cell = ["region", "round", "indicator_id", d["year"].fillna(-1), "period"]
    for (region, rnd, _, year, _), g in d.groupby(cell, sort=True):
        if len(g) < 2:
            continue
        by_key = g.groupby("source_key", sort=True)["value"].first()
        vals = by_key.astype(float)
        hi = vals.abs().max()
        rel = float((vals.max() - vals.min()) / hi) if hi else 0.0
        rows.append({"region": region, "admin_level": g["admin_level"].iloc[0],
                     "round": round_label(rnd),
                     "year": year_label(None if year == -1 else year),
                     "indicator_zh": g["indicator_zh"].iloc[0],
                     "indicator_en": g["indicator_en"].iloc[0],
                     "values": "; ".join(_value_text(v, u) for v, u in zip(g["value"], g["unit"])),
                     "copies": len(g), "releases": int(g["source_key"].nunique()),
                     "pages": int(_pages(g).nunique()),
                     "independent_agree": (rel <= 0.005) if len(vals) > 1 else None,
                     "source_id": "; ".join(g["source_id"])})
    return pd.DataFrame(rows, columns=["region", "admin_level", "round", "year", "indicator_zh",
                                       "indicator_en", "values", "copies", "releases", "pages",
                                       "independent_agree", "source_id"])


def _pages(g: pd.DataFrame) -> pd.Series:
    """The page each value was read from: its URL, else its source id (a report, or a sheet row
    without a URL)."""
    url = g["url"].fillna("").astype(str) if "url" in g else pd.Series("", index=g.index)
    return url.where(url != "", g["source_id"].astype(str))


def _sources(df: pd.DataFrame) -> list[str]:
    ids: list[str] = []
    for s in df.get("source_id", pd.Series(dtype=str)):
        ids.extend(x.strip() for x in str(s).split(";") if x.strip())
    return list(dict.fromkeys(ids))


def _finding(fid: str, construct: str, text: str, table: pd.DataFrame, n: int, level: str,
             rnd: str, year: str = "") -> dict:
    return {"id": fid, "construct": construct, "kind": "finding", "text": text, "n": int(n),
            "level": level, "round": rnd, "year": year, "sources": _sources(table),
            "table": table}


def construct_findings(panel: pd.DataFrame, indicators: pd.DataFrame,
                       mapping: pd.DataFrame | None = None,
                       scale_free: set[str] | None = None) -> list[dict]:
    """What the data support about the three constructs, each finding with its n, admin
    levels, rounds, years, sources, a stable anchor (its ``id``, the only place an anchor is
    written) and the table that shows every number it states (pure).

    Every comparison is within one :func:`comparability_key` (same level, round, indicator;
    whole periods). A notebook shows each finding's sentence and table under its anchor and
    records the sentence for the front page."""
    scale_free = scale_free if scale_free is not None else _scale_free()
    out = []

    # cadre structure: changes against the previous round, as each region states them
    ch = round_changes(indicators)
    un = unmapped_round_changes(mapping) if mapping is not None else pd.DataFrame()
    un_text = ""
    if len(un):
        why = un["reason"].map(_reason_class).value_counts()
        un_text = (f"{len(un)} further figure(s) in {un.region.nunique()} region(s) state a change "
                   "against the previous round but are not indicator values ("
                   + ", ".join(f"{k}: {_REASON_TEXT[str(c)]}" for c, k in why.items())
                   + "); they are listed on the region pages, not used.")
    if len(ch):
        parts = [f"{r.region} ({r.admin_level or 'unknown level'}, {round_label(r.round)}) "
                 f"{r.indicator_zh} {_change_text(r.value, r.unit)}" for r in ch.itertuples()]
        text = (f"Changes against the previous election round: {ch.region.nunique()} region(s) "
                f"state {len(ch)} change(s) of their own cadres against the previous round — "
                + "; ".join(parts) + ". Each compares a region with itself, on the region's own "
                "count; they are not set against each other across regions or levels."
                + (" " + un_text if un_text else ""))
    else:
        text = ("Changes against the previous election round: no region's change (较上届) is an "
                "indicator value yet." + (" " + un_text if un_text else ""))
    tab = ch if len(ch) else un
    out.append(_finding("finding-round-changes", "cadre_structure", text, tab,
                        ch.region.nunique() if len(ch) else 0,
                        levels_label(ch.drop_duplicates("region").admin_level) if len(ch) else "—",
                        region_rounds_label(ch) if len(ch) else "—",
                        years_label(ch.year) if len(ch) else ""))

    # values that may be set side by side: one level, one round, one indicator
    sets = comparable_sets(panel, scale_free=scale_free)
    if len(sets):
        parts = [f"{r.indicator_zh} ({r.admin_level}, {round_label(r.round)}, n = {r.n}): "
                 f"{r.values}{_years_note(r)}" for r in sets.itertuples()]
        text = (f"Values that may be set side by side (same admin level, election round and "
                f"indicator): {len(sets)} set(s), none larger than n = {int(sets.n.max())} — "
                + "; ".join(parts) + ".")
    else:
        text = ("Values that may be set side by side: no indicator is held by two regions of one "
                "admin level and one election round.")
    in_sets = panel.assign(_k=comparability_key(panel))
    in_sets = in_sets[in_sets["_k"].isin(set(_set_keys(panel, scale_free)))]
    out.append(_finding("finding-comparable-sets", "all", text, sets,
                        int(sets.n.max()) if len(sets) else 0, _sets_label(sets, "admin_level"),
                        _sets_label(sets, "round"),
                        years_label(in_sets["year"]) if len(in_sets) else ""))

    # collective income bands, within one level and round
    band_ids = income_band_ids(panel["indicator_id"].unique())
    regs = panel[panel.indicator_id.isin(band_ids)]
    bands = comparable_sets(panel, band_ids, scale_free)
    full = regs[regs.indicator_id.str.endswith("_share") & regs.value.eq(100)]
    none = regs[regs.value.eq(0)]
    ends = [f"{len(full)} share(s) of 100% (every village over the line)" if len(full) else "",
            f"{len(none)} value(s) of 0 (none left)" if len(none) else ""]
    ends = [e for e in ends if e]
    text = (f"Collective income bands: {regs.region.nunique()} region(s) report how many of their "
            f"villages are above, below or between income lines ({len(regs)} value(s) of "
            f"{regs.indicator_id.nunique()} band indicator(s)"
            + (", including " + " and ".join(ends) if ends else "") + "). "
            + (f"Only {len(bands)} set(s) of one band, level and round hold two or more regions "
               f"(largest n = {int(bands.n.max())}); a range across levels or rounds is not given."
               if len(bands) else "No band is held by two regions of one level and round, so no "
               "range or ranking is given."))
    out.append(_finding("finding-income-bands", "collective_income", text,
                        _panel_rows(panel, band_ids), regs.region.nunique(),
                        levels_label(regs.drop_duplicates("region").admin_level),
                        region_rounds_label(regs), years_label(regs.year)))

    # branch strength: how thin the evidence is
    br = panel[panel.construct == "branch_strength"]
    brk = br.assign(_k=comparability_key(br))
    per = brk[brk["_k"] != ""].groupby("_k")["region"].nunique()
    text = (f"Branch strength: {br.indicator_id.nunique()} indicator(s) have a value, in "
            f"{br.region.nunique()} region(s); no indicator is held by more than "
            f"{int(per.max()) if len(per) else 0} region(s) of one level and round, so branch "
            "strength cannot be compared across regions with these data.") if len(br) else \
        "Branch strength: no region reports an indicator value."
    out.append(_finding("finding-branch", "branch_strength", text,
                        _panel_rows(panel, list(dict.fromkeys(br.indicator_id))),
                        br.region.nunique(), levels_label(br.drop_duplicates("region").admin_level),
                        region_rounds_label(br), years_label(br.year)))

    # sources: copies are echo, only independent releases can disagree
    ag = source_agreement(indicators)
    multi = ag[ag.releases > 1] if len(ag) else ag
    dis = multi[~multi.independent_agree.astype(bool)] if len(multi) else multi
    echo = ag[ag.releases == 1] if len(ag) else ag
    one_page = int((echo.pages == 1).sum()) if len(echo) else 0
    how = ", ".join(x for x in (
        f"{one_page} one page entered twice (in two sheets, or twice in one)" if one_page else "",
        f"{len(echo) - one_page} repeated on another page: a reprint"
        if len(echo) - one_page else "") if x)
    text = (f"Where sources meet: {len(ag)} cell(s) (region, round, indicator, year) have more "
            f"than one value. {len(echo)} of them come from copies of one release"
            + (f" ({how})" if how else "") + ": agreement there is echo, not corroboration. "
            f"{len(multi)} cell(s) have independent releases"
            + (f", and {len(dis)} of them disagree beyond rounding: " + "; ".join(
                f"{r.region} {r.indicator_zh} ({r.year}): {r.values}" for r in dis.itertuples())
               if len(dis) else ("; they agree within rounding" if len(multi) else ""))
            + ".")
    ag_regions = ag.assign(round=ag["round"].str.replace(" round", "")
                           .replace("round unknown", "")) if len(ag) else ag
    out.append(_finding("finding-sources", "all", text, ag, len(ag),
                        levels_label(ag.drop_duplicates("region").admin_level) if len(ag) else "—",
                        region_rounds_label(ag_regions) if len(ag) else "—",
                        years_label(pd.to_numeric(ag["year"], errors="coerce")) if len(ag) else ""))
    return out


_REASON_TEXT = {"no indicator": "no change indicator of the codebook fits them",
                "rejected by a reviewer": "rejected by a reviewer (see mapping.csv: e.g. the "
                                          "base is unclear)",
                "waiting for review": "waiting for review",
                "other": "not read as a value for another reason given in mapping.csv"}


def _years_note(r) -> str:
    """What the years of a comparable set say: in the order of their years (a trend as much
    as a difference between regions), from different years, or of unknown year."""
    years = set(re.findall(r"\((\d{4})\)", r.values))
    unknown = "year unknown" in r.values
    if r.order_is_year_order:
        return (" — in the order of their years, so a trend over time as much as a "
                "difference between regions")
    if len(years) > 1:
        return (" — from different years" + (" (and one or more of unknown year)" if unknown
                                             else ""))
    if unknown:
        return " — one or more of unknown year"
    return ""


def _set_keys(panel: pd.DataFrame, scale_free: set[str]) -> list[str]:
    """The comparability keys of :func:`comparable_sets` (two or more regions, scale-free)."""
    p = panel[panel["indicator_id"].isin(scale_free)]
    k = p.assign(_k=comparability_key(p))
    k = k[k["_k"] != ""]
    per = k.groupby("_k")["region"].nunique()
    return list(per[per >= 2].index)


def _sets_label(sets: pd.DataFrame, col: str) -> str:
    """Level or round of the comparable sets: 'county (4 sets)', '2020-21 round (3 sets),
    2017-18 round (1 set)' -- every set is of one level and one round."""
    if not len(sets):
        return "—"
    vals = sets[col].map(round_label) if col == "round" else sets[col].fillna("unknown level")
    vc = vals.value_counts()
    return ", ".join(f"{k} ({n} set{'s' if n > 1 else ''})"
                     for k, n in sorted(vc.items(), key=lambda kv: (-kv[1], kv[0])))


def _panel_rows(panel: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    d = panel[panel["indicator_id"].isin(ids)].copy()
    d["_order"] = d["indicator_id"].map({i: k for k, i in enumerate(ids)})
    d = d.sort_values(["_order", "admin_level", "round", "region"])
    return d[["region", "admin_level", "round", "year", "indicator_zh", "indicator_en", "value",
              "unit", "source_id"]].assign(year=d["year"].map(year_label),
                                           round=d["round"].map(round_label)).reset_index(drop=True)


def links_findings(tests: pd.DataFrame, min_n: int, changes: dict[str, int],
                   before_after: pd.DataFrame, n_sim: int = 2000, seed: int = 0,
                   against_round: pd.DataFrame | None = None,
                   primary_values: pd.DataFrame | None = None,
                   growth: pd.DataFrame | None = None) -> list[dict]:
    """The links page's findings: what can be estimated (first on the front page), and how
    many change figures the data hold (``changes``: :func:`change_figures`; ``before_after``:
    :func:`within_region_changes`; ``against_round``: :func:`round_changes`)."""
    out = [estimability_finding(tests, min_n, n_sim, seed, primary_values)]
    c = {"before_after": len(before_after), "against_round": 0, "growth": 0, "no_indicator": 0,
         "rejected": 0, "waiting": 0, "other": 0, **changes}
    rest = c["all"] - c["mapped"]
    why = ", ".join(x for x in (
        f"{c['no_indicator']} name no indicator the codebook defines" if c["no_indicator"] else "",
        f"{c['rejected']} were rejected by a reviewer" if c["rejected"] else "",
        f"{c['waiting']} wait for review" if c["waiting"] else "",
        f"{c['other']} were not read as a value for another reason" if c["other"] else "") if x)
    text = (f"Change within regions: {c['all']} figure(s) state a change or growth in their own "
            f"words (before → after, against the previous round, or a growth rate); "
            f"{c['mapped']} of them are indicator values: {c['before_after']} before/after "
            f"pair(s) of one indicator in one region, {c['against_round']} change(s) against "
            f"the previous round and {c['growth']} growth rate(s) a region states of itself. "
            f"Of the other {rest}"
            + (f", {why}" if why else "") + "; each stays in mapping.csv with its reason, not used.")
    parts = [before_after.assign(change="before/after")]
    for frame, kind in ((against_round, "against the previous round"), (growth, "growth rate")):
        if frame is not None and len(frame):
            parts.append(frame.assign(change=kind))
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else before_after
    out.append(_finding("finding-change-figures", "all", text, both, len(both),
                        levels_label(both.drop_duplicates("region").admin_level)
                        if len(both) else "—", region_rounds_label(both) if len(both) else "—",
                        years_label(both.year) if len(both) else ""))
    return out

def count_provinces(names) -> dict:
    """How many provinces a list of province names covers, counting each once however it is
    written, with 全国 (national) apart: {'provinces': 22, 'national': True, 'names': [...]}."""
    keys = sorted({province_key(n) for n in names} - {""})
    national = "全国" in keys
    keys = [k for k in keys if k != "全国"]
    return {"provinces": len(keys), "national": national, "names": keys}
