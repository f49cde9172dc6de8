"""Analysis helpers for the notebooks: comparable groups, construct scores, rank correlations
with bootstrap intervals and permutation tests, robust regressions, MICE, within-region change.

Everything is seeded and pure: same data and seed, same numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np
import pandas as pd

DEFAULT_CONSTRUCTS: dict[str, list[str]] = {
    "branch_strength": ["branch_election_completion", "branches_standardised_share",
                        "star_branches_share", "weak_branches_rectified_share"],
    "cadre_structure": ["cadre_mean_age", "secretary_mean_age", "cadre_college_share",
                        "one_shoulder_share", "cadre_under35_share"],
    "collective_income": ["collective_income_per_village", "villages_income_over_10w_share",
                          "villages_income_over_50w_share", "weak_villages_share"],
}
#: +1 when a higher value means a stronger construct, -1 when lower is stronger.
DEFAULT_DIRECTIONS: dict[str, int] = {"cadre_mean_age": -1, "secretary_mean_age": -1,
                                      "weak_villages_share": -1}


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
    """Region rows with admin level, year span and one column per indicator."""
    p = panel[panel["indicator_id"].isin(indicators)]
    if p.empty:
        return pd.DataFrame(columns=["region", "admin_level", "year_min", "year_max", *indicators])
    w = p.pivot_table(index="region", columns="indicator_id", values="value", aggfunc="first")
    meta = p.groupby("region").agg(admin_level=("admin_level", "first"),
                                   year_min=("year", "min"), year_max=("year", "max"))
    out = meta.join(w).reset_index()
    for c in indicators:
        if c not in out:
            out[c] = np.nan
    return out


def construct_scores(panel: pd.DataFrame, constructs: dict[str, list[str]],
                     directions: dict[str, int] | None = None, min_indicators: int = 1,
                     min_regions: int = 3) -> pd.DataFrame:
    """Standardised construct scores per region.

    Each indicator is z-scored across the regions holding it (only when at least
    ``min_regions`` do, else it is left out and reported), signed by ``directions``, and a
    region's construct score is the mean of its available z-scores when it has at least
    ``min_indicators``. Returns one row per region and construct with the score, the
    indicators used and those missing.
    """
    directions = directions or DEFAULT_DIRECTIONS
    rows = []
    for construct, inds in constructs.items():
        w = wide_panel(panel, inds)
        usable = [i for i in inds if w[i].notna().sum() >= min_regions]
        z = pd.DataFrame(index=w.index)
        for i in usable:
            col = w[i]
            sd = col.std(ddof=1)
            z[i] = (col - col.mean()) / sd * directions.get(i, 1) if sd and sd > 0 else np.nan
        for idx, r in w.iterrows():
            have = [i for i in usable if pd.notna(z.loc[idx, i])] if usable else []
            rows.append({
                "region": r["region"], "admin_level": r["admin_level"], "construct": construct,
                "score": float(np.mean([z.loc[idx, i] for i in have]))
                if len(have) >= min_indicators else np.nan,
                "n_indicators": len(have), "used": ", ".join(have),
                "missing": ", ".join(i for i in inds if i not in have),
                "left_out_too_few_regions": ", ".join(i for i in inds if i not in usable)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation with its bootstrap interval and permutation p-value."""

    x: str
    y: str
    n: int
    rho: float
    ci_low: float
    ci_high: float
    p_perm: float
    n_boot: int
    n_perm: int
    test: str = "Spearman rank correlation; percentile bootstrap CI; two-sided permutation test"

    def as_row(self) -> dict:
        return asdict(self)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (nan when either side is constant)."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    from scipy import stats  # imported here: the site step needs this module, not scipy

    return float(stats.spearmanr(x, y).statistic)


def rank_correlation(x: pd.Series, y: pd.Series, n_boot: int = 2000, n_perm: int = 2000,
                     seed: int = 20261122, ci: float = 0.95) -> Correlation:
    """Spearman's rho on paired non-missing values, with a seeded bootstrap CI and permutation p."""
    d = pd.DataFrame({"x": x, "y": y}).dropna()
    xv, yv = d["x"].to_numpy(float), d["y"].to_numpy(float)
    n = len(d)
    rho = spearman(xv, yv)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        r = spearman(xv[idx], yv[idx])
        if not np.isnan(r):
            boots.append(r)
    a = (1 - ci) / 2
    lo, hi = (np.quantile(boots, [a, 1 - a]) if boots else (np.nan, np.nan))
    perm = [spearman(xv, rng.permutation(yv)) for _ in range(n_perm)]
    perm = np.array([p for p in perm if not np.isnan(p)])
    p = float((np.sum(np.abs(perm) >= abs(rho) - 1e-12) + 1) / (len(perm) + 1)) \
        if len(perm) and not np.isnan(rho) else float("nan")
    return Correlation(str(x.name), str(y.name), n, rho, float(lo), float(hi), p, n_boot, n_perm)


def pairwise_correlations(wide: pd.DataFrame, pairs: list[tuple[str, str]], min_n: int,
                          n_boot: int, seed: int) -> pd.DataFrame:
    """Correlations for each pair with at least ``min_n`` regions; others listed as too few."""
    rows = []
    for i, (a, b) in enumerate(pairs):
        d = wide[[a, b]].dropna()
        if len(d) < min_n:
            rows.append({"x": a, "y": b, "n": len(d), "rho": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p_perm": np.nan,
                         "note": f"n = {len(d)} < minimum {min_n}: no inference"})
            continue
        c = rank_correlation(d[a], d[b], n_boot=n_boot, n_perm=n_boot, seed=seed + i)
        rows.append({**{k: v for k, v in c.as_row().items() if k in
                        ("x", "y", "n", "rho", "ci_low", "ci_high", "p_perm")},
                     "note": c.test})
    return pd.DataFrame(rows, columns=["x", "y", "n", "rho", "ci_low", "ci_high", "p_perm", "note"])


def cross_construct_pairs(constructs: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every pair of indicators from two different constructs."""
    out = []
    for (_, a), (_, b) in combinations(constructs.items(), 2):
        out.extend((x, y) for x in a for y in b)
    return out


def robust_ols(df: pd.DataFrame, y: str, xs: list[str], min_n: int) -> dict:
    """OLS with HC3 robust standard errors when n allows; else a dict saying why not."""
    d = df[[y, *xs]].dropna()
    if len(d) < max(min_n, len(xs) + 3):
        return {"n": len(d), "fitted": False,
                "note": f"n = {len(d)} is below the minimum {max(min_n, len(xs) + 3)}: no regression"}
    import statsmodels.api as sm

    X = sm.add_constant(d[xs].astype(float))
    res = sm.OLS(d[y].astype(float), X).fit(cov_type="HC3")
    table = pd.DataFrame({"coef": res.params, "se_hc3": res.bse, "p": res.pvalues,
                          "ci_low": res.conf_int()[0], "ci_high": res.conf_int()[1]})
    return {"n": len(d), "fitted": True, "r2": float(res.rsquared), "table": table,
            "note": "OLS with HC3 heteroskedasticity-robust standard errors (statsmodels)"}


def mice_sensitivity(df: pd.DataFrame, y: str, xs: list[str], min_n: int, n_imputations: int = 10,
                     seed: int = 20261122) -> dict:
    """Multiple imputation by chained equations (statsmodels MICE) as a sensitivity check."""
    d = df[[y, *xs]].astype(float)
    complete = len(d.dropna())
    any_rows = len(d.dropna(how="all"))
    if any_rows < max(min_n, len(xs) + 3) or complete < len(xs) + 2:
        return {"n_rows": any_rows, "n_complete": complete, "fitted": False,
                "note": f"{any_rows} regions with any value, {complete} complete: too few for MICE"}
    from statsmodels.imputation.mice import MICE, MICEData
    import statsmodels.api as sm

    np.random.seed(seed)  # statsmodels' MICE draws from numpy's global generator
    data = d.dropna(how="all").rename(columns=lambda c: c.replace("-", "_"))
    imp = MICEData(data)
    formula = f"{y} ~ " + " + ".join(xs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = MICE(formula, sm.OLS, imp).fit(n_burnin=5, n_imputations=n_imputations)
    table = pd.DataFrame({"coef": res.params, "se": res.bse}, index=res.model.exog_names
                         if hasattr(res.model, "exog_names") else None)
    return {"n_rows": any_rows, "n_complete": complete, "fitted": True, "table": table,
            "note": f"statsmodels MICE, {n_imputations} imputations, OLS; seed {seed}"}


def within_region_changes(ind: pd.DataFrame) -> pd.DataFrame:
    """Before/after figures (kind change) and reported growth, one row each, with sources."""
    ch = ind[ind["kind"] == "change"].copy()
    ch["delta"] = ch["value"] - ch["value_before"]
    ch["rel_change_pct"] = (ch["delta"] / ch["value_before"] * 100).round(2)
    cols = ["region", "admin_level", "year", "indicator_id", "indicator_zh", "value_before",
            "value", "unit", "delta", "rel_change_pct", "source_id", "source_ref"]
    return ch[cols].reset_index(drop=True)


def comparable_groups(wide: pd.DataFrame, max_year_span: int = 5) -> pd.DataFrame:
    """Group regions by admin level; flag groups whose years span more than ``max_year_span``."""
    rows = []
    for level, g in wide.groupby("admin_level", sort=True):
        ymin, ymax = g["year_min"].min(), g["year_max"].max()
        span = (ymax - ymin) if pd.notna(ymin) and pd.notna(ymax) else np.nan
        rows.append({"admin_level": level or "unknown", "n_regions": len(g),
                     "years": f"{year_label(ymin)}–{year_label(ymax)}",
                     "comparable_period": bool(pd.notna(span) and span <= max_year_span)})
    return pd.DataFrame(rows)


# --- like with like ------------------------------------------------------------------------

#: Village election rounds (村“两委”换届) by the years their results describe. Since 2018 the
#: term is five years; before, three.
ELECTION_ROUNDS: tuple[tuple[int, int, str], ...] = (
    (2005, 2010, "2008 round"), (2011, 2013, "2011 round"), (2014, 2016, "2014 round"),
    (2017, 2019, "2017 round"), (2020, 2025, "2021 round"), (2026, 2031, "2026 round"))


def election_round(year: object) -> int | None:
    """Index of the election round a year falls in (None when unknown or out of range)."""
    if year is None or pd.isna(year):
        return None
    y = int(year)
    for i, (a, b, _) in enumerate(ELECTION_ROUNDS):
        if a <= y <= b:
            return i
    return None


def round_label(year: object) -> str:
    """'2021 round', or 'year unknown'."""
    i = election_round(year)
    return ELECTION_ROUNDS[i][2] if i is not None else "year unknown"


def comparable_years(a: object, b: object, max_rounds: int = 1) -> bool:
    """Are two years within ``max_rounds`` election rounds of each other (both known)?"""
    ra, rb = election_round(a), election_round(b)
    return ra is not None and rb is not None and abs(ra - rb) <= max_rounds


def national_comparison(region_panel: pd.DataFrame, national_panel: pd.DataFrame,
                        scale_free: set[str]) -> pd.DataFrame:
    """A region's values beside national values of the *same* indicator (so the same entity,
    property and conditions) from a year within one election round; every other pairing is
    listed with the reason it is not compared."""
    nat = national_panel.set_index("indicator_id")
    rows = []
    for r in region_panel.itertuples():
        if r.indicator_id not in nat.index:
            continue
        n = nat.loc[r.indicator_id]
        if r.indicator_id not in scale_free:
            reason = "a total or count: grows with a region's size"
        elif not comparable_years(r.year, n.year):
            reason = (f"years {year_label(r.year)} and {year_label(n.year)} are more than one "
                      "election round apart (or unknown)")
        else:
            reason = ""
        rows.append({"indicator_zh": r.indicator_zh, "indicator_en": r.indicator_en,
                     "value": r.value, "year": year_label(r.year), "national": n.value,
                     "national_year": year_label(n.year), "unit": r.unit,
                     "compared": not reason, "not_compared_because": reason,
                     "source_id": f"{r.source_id}; {n.source_id}"})
    return pd.DataFrame(rows, columns=["indicator_zh", "indicator_en", "value", "year", "national",
                                       "national_year", "unit", "compared",
                                       "not_compared_because", "source_id"])


def region_values(panel: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator a region reports: the chosen value with what it measures (entity,
    property, conditions), its year, and every other source's value beside it."""
    rows = []
    for r in panel.itertuples():
        others = indicators[(indicators["indicator_id"] == r.indicator_id) &
                            (indicators["source_id"] != r.source_id) &
                            indicators["kind"].isin(["level", "change"])]
        also = "; ".join(f"{_value_text(o.value, o.unit)} ({year_label(o.year)}, {o.source_id})"
                         for o in others.itertuples())
        sel = indicators[indicators["source_id"] == r.source_id]
        ent = sel["entity"].iloc[0] if len(sel) else ""
        what = " · ".join(x for x in (sel["property"].iloc[0] if len(sel) else "",
                                      sel["conditions"].iloc[0] if len(sel) else "") if x)
        rows.append({"construct": r.construct, "indicator_zh": r.indicator_zh,
                     "indicator_en": r.indicator_en, "entity": ent, "measures": what,
                     "scope": "whole region", "value": r.value, "unit": r.unit,
                     "qualifier": r.qualifier, "year": year_label(r.year),
                     "n_sources": r.n_sources, "other_sources": also,
                     "checked": _checked(sel), "source_id": r.source_id})
    return pd.DataFrame(rows, columns=["construct", "indicator_zh", "indicator_en", "entity",
                                       "measures", "scope", "value", "unit", "qualifier", "year",
                                       "n_sources", "other_sources", "checked", "source_id"])


def _checked(sel: pd.DataFrame) -> str:
    """'reviewed' when a person checked the value, else 'machine-read' (with its calibrated
    confidence)."""
    if not len(sel) or "status" not in sel.columns:
        return "machine-read"
    if sel["status"].iloc[0] == "reviewed":
        return "reviewed"
    conf = sel["confidence"].iloc[0] if "confidence" in sel.columns else None
    return "machine-read" + (f" ({conf:.2f})" if conf is not None and pd.notna(conf) else "")


def construct_scores_within(panel: pd.DataFrame, constructs: dict[str, list[str]],
                            min_indicators: int = 1, min_regions: int = 3) -> pd.DataFrame:
    """Construct scores computed separately within each admin level and election round, so no
    score pools levels or years."""
    parts = []
    p = panel.assign(_round=[round_label(y) for y in panel["year"]])
    for (level, rnd), g in p.groupby(["admin_level", "_round"], sort=True):
        if rnd == "year unknown":
            continue
        s = construct_scores(g, constructs, min_indicators=min_indicators, min_regions=min_regions)
        if s.empty:
            continue
        s.insert(2, "election_round", rnd)
        parts.append(s)
    cols = ["region", "admin_level", "election_round", "construct", "score", "n_indicators", "used",
            "missing", "left_out_too_few_regions"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


# --- findings for the front page ----------------------------------------------------------

#: Age and education indicators of village cadres (两委 members and secretaries).
CADRE_AGE_EDUCATION = ["cadre_mean_age", "cadre_college_share", "cadre_highschool_share",
                       "secretary_mean_age", "secretary_college_share", "vc_member_mean_age",
                       "vc_member_college_share"]
#: Collective income bands: villages (number or share) above or below an income line.
INCOME_BANDS = ["villages_income_over_10w", "villages_income_over_10w_share",
                "villages_income_over_50w", "villages_income_over_50w_share",
                "villages_income_under_5w", "villages_income_under_5w_share",
                "villages_no_income_share", "weak_villages", "weak_villages_share"]


def levels_label(levels) -> str:
    """'county 3, province 1' (most frequent first; unknown levels spelled out)."""
    s = pd.Series([lv or "unknown level" for lv in levels])
    if s.empty:
        return "no region"
    vc = s.value_counts()
    return ", ".join(f"{lv} {n}" for lv, n in sorted(vc.items(), key=lambda kv: (-kv[1], kv[0])))


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
    return f"{sign}{human_number(delta)} {'pp' if unit == '%' else unit}".strip()


def cadre_across_rounds(indicators: pd.DataFrame, ids: list[str] | None = None) -> pd.DataFrame:
    """Regions that report the *same* cadre age or education indicator (same definition) in two
    different village election rounds: earliest and latest value side by side."""
    ids = ids or CADRE_AGE_EDUCATION
    d = indicators[indicators["indicator_id"].isin(ids) & (indicators["kind"] == "level")].copy()
    d = d[d["year"].notna()]
    d["_round"] = [election_round(y) for y in d["year"]]
    d = d[d["_round"].notna()]
    rows = []
    for (region, ind), g in d.groupby(["region", "indicator_id"], sort=True):
        if g["_round"].nunique() < 2:
            continue
        g = g.sort_values(["year", "source_id"])
        a, b = g.iloc[0], g.iloc[-1]
        rows.append({"region": region, "admin_level": a["admin_level"],
                     "indicator_zh": a["indicator_zh"], "indicator_en": a["indicator_en"],
                     "earlier": a["value"], "earlier_year": year_label(a["year"]),
                     "earlier_round": round_label(a["year"]), "later": b["value"],
                     "later_year": year_label(b["year"]), "later_round": round_label(b["year"]),
                     "unit": a["unit"], "change": _change_text(b["value"] - a["value"], a["unit"]),
                     "source_id": f"{a['source_id']}; {b['source_id']}"})
    return pd.DataFrame(rows, columns=["region", "admin_level", "indicator_zh", "indicator_en",
                                       "earlier", "earlier_year", "earlier_round", "later",
                                       "later_year", "later_round", "unit", "change", "source_id"])


def _panel_rows(panel: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    d = panel[panel["indicator_id"].isin(ids)].copy()
    d["_order"] = d["indicator_id"].map({i: k for k, i in enumerate(ids)})
    d = d.sort_values(["_order", "admin_level", "region"])
    return d[["region", "admin_level", "year", "indicator_zh", "indicator_en", "value", "unit",
              "source_id"]].assign(year=d["year"].map(year_label)).reset_index(drop=True)


def source_agreement(indicators: pd.DataFrame) -> pd.DataFrame:
    """Region-indicator-year cells that more than one source reports, and whether they agree
    (within 0.5%, the conflict rule's rounding)."""
    d = indicators[indicators["kind"] == "level"]
    rows = []
    for (region, ind, year), g in d.groupby(["region", "indicator_id",
                                             d["year"].fillna(-1)], sort=True):
        if len(g) < 2:
            continue
        vals = g["value"].astype(float)
        hi = vals.abs().max()
        rel = float((vals.max() - vals.min()) / hi) if hi else 0.0
        rows.append({"region": region, "admin_level": g["admin_level"].iloc[0],
                     "year": year_label(None if year == -1 else year),
                     "indicator_zh": g["indicator_zh"].iloc[0],
                     "indicator_en": g["indicator_en"].iloc[0],
                     "values": "; ".join(_value_text(v, u) for v, u in zip(vals, g["unit"])),
                     "n_sources": len(g), "agree": rel <= 0.005,
                     "source_id": "; ".join(g["source_id"])})
    return pd.DataFrame(rows, columns=["region", "admin_level", "year", "indicator_zh",
                                       "indicator_en", "values", "n_sources", "agree", "source_id"])


def construct_findings(panel: pd.DataFrame, indicators: pd.DataFrame) -> list[dict]:
    """What the data show about the three constructs, each finding with its n, admin levels,
    years, a stable anchor and the table that shows every number it states (pure).

    A notebook shows each finding's sentence and table under its anchor and records the
    sentence for the front page, so every number on the front page can be checked where it
    links to."""
    out = []

    # cadre structure: the same age/education indicator in two election rounds
    ch = cadre_across_rounds(indicators)
    if len(ch):
        parts = [f"{r.region} ({r.admin_level or 'unknown level'}), {r.indicator_zh} "
                 f"{_value_text(r.earlier, r.unit)} ({r.earlier_year}) → "
                 f"{_value_text(r.later, r.unit)} ({r.later_year})" for r in ch.itertuples()]
        text = (f"Cadre age and education across village election rounds: {ch.region.nunique()} "
                f"region(s) report the same age or education indicator in two rounds — "
                + "; ".join(parts) + ". No other region reports one indicator in two rounds.")
    else:
        text = ("Cadre age and education across village election rounds: no region reports the "
                "same age or education indicator in two rounds, so no change can be shown.")
    years = list(ch["earlier_year"]) + list(ch["later_year"])
    out.append({"id": "finding-cadre-rounds", "construct": "cadre_structure", "text": text,
                "n": int(ch.region.nunique()), "level": levels_label(ch.drop_duplicates("region").admin_level),
                "year": years_label(pd.to_numeric(pd.Series(years), errors="coerce")) if years else "—",
                "table": ch})

    # cadre structure: mean age of 两委 members, one value per region
    age = _panel_rows(panel, ["cadre_mean_age", "secretary_mean_age"])
    a1 = panel[panel.indicator_id == "cadre_mean_age"]
    parts = [f"{r.region} {_value_text(r.value, r.unit)} ({r.admin_level or 'unknown level'}, "
             f"{year_label(r.year)})" for r in a1.sort_values("value").itertuples()]
    same_level = a1.groupby("admin_level").size().max() if len(a1) else 0
    text = (f"Mean age of 两委 members: {len(a1)} region(s) report it — " + "; ".join(parts) + ". "
            + ("Each is at a different admin level, so they are shown side by side, not ranked."
               if same_level <= 1 else "Compare only regions of one level and election round.")) \
        if len(a1) else "Mean age of 两委 members: no region reports it."
    out.append({"id": "finding-cadre-age", "construct": "cadre_structure", "text": text,
                "n": len(a1), "level": levels_label(a1.admin_level), "year": years_label(a1.year),
                "table": age})

    # collective income: income bands
    inc = _panel_rows(panel, INCOME_BANDS)
    regs = inc.drop_duplicates("region")
    shares = panel[panel.indicator_id.isin([i for i in INCOME_BANDS if i.endswith("_share")])]
    over10 = panel[panel.indicator_id == "villages_income_over_10w_share"]
    rng = (f" The share of villages with collective income over 10万元 ranges from "
           f"{_value_text(over10.value.min(), '%')} to {_value_text(over10.value.max(), '%')} "
           f"across the {len(over10)} region(s) that report it ({levels_label(over10.admin_level)}; "
           f"{years_label(over10.year)}): different levels and years, so a range, not a trend."
           if len(over10) >= 2 else "")
    text = (f"Collective income bands: {len(regs)} region(s) report how many villages have collective "
            f"income above or below a line (over 10万 or 50万元, under 5万元, none, or weak "
            f"villages), {len(shares)} of the {len(inc)} values as a share of villages." + rng)
    out.append({"id": "finding-income-bands", "construct": "collective_income", "text": text,
                "n": len(regs), "level": levels_label(regs.admin_level),
                "year": years_label(panel[panel.indicator_id.isin(INCOME_BANDS)].year), "table": inc})

    # branch strength: how thin the evidence is
    br = panel[panel.construct == "branch_strength"]
    per = br.groupby("indicator_id").size()
    text = (f"Branch strength: {br.indicator_id.nunique()} indicator(s) have a value, in "
            f"{br.region.nunique()} region(s); no indicator is reported by more than "
            f"{int(per.max()) if len(per) else 0} region(s), so branch strength cannot be compared "
            "across regions with these data.") if len(br) else \
        "Branch strength: no region reports an indicator value."
    out.append({"id": "finding-branch", "construct": "branch_strength", "text": text,
                "n": int(br.region.nunique()), "level": levels_label(br.drop_duplicates("region").admin_level),
                "year": years_label(br.year), "table": _panel_rows(panel, list(dict.fromkeys(br.indicator_id)))})

    # where sources disagree
    ag = source_agreement(indicators)
    dis = ag[~ag.agree.astype(bool)] if len(ag) else ag
    text = (f"Where sources disagree: {len(ag)} region-indicator-year cell(s) have more than one source; "
            f"{len(dis)} of them disagree beyond rounding"
            + (": " + "; ".join(f"{r.region} {r.indicator_zh} ({r.year}): {r.values}"
                                for r in dis.itertuples()) if len(dis) else "")
            + ".")
    out.append({"id": "finding-sources", "construct": "all", "text": text, "n": len(ag),
                "level": levels_label(ag.drop_duplicates("region").admin_level),
                "year": years_label(pd.to_numeric(ag.year, errors="coerce")) if len(ag) else "—",
                "table": ag})
    return out


def province_key(name: object) -> str:
    """One key per province however it is written: 内蒙古 and 内蒙古自治区 -> 内蒙古;
    广西壮族自治区 -> 广西; traditional characters are read as simplified. '' for no province."""
    from .regions import strip_suffix, to_simplified

    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    n = to_simplified(str(name).strip())
    if not n:
        return ""
    for suffix in ("维吾尔自治区", "回族自治区", "壮族自治区", "特别行政区", "自治区", "省", "市"):
        if n.endswith(suffix) and len(n) - len(suffix) >= 2:
            return n[: -len(suffix)]
    return strip_suffix(n)


def count_provinces(names) -> dict:
    """How many provinces a list of province names covers, counting each once however it is
    written, with 全国 (national) apart: {'provinces': 22, 'national': True, 'names': [...]}."""
    keys = sorted({province_key(n) for n in names} - {""})
    national = "全国" in keys
    keys = [k for k in keys if k != "全国"]
    return {"provinces": len(keys), "national": national, "names": keys}
