"""matplotlib set-up and the charts the notebooks draw. Chinese text must render as glyphs.

:func:`configure_matplotlib` picks an installed CJK font (Debian's fonts-noto-cjk) and fails
loudly when none is installed, instead of letting matplotlib draw empty boxes.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: notebooks and tests never need a display

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Serif CJK SC",
             "WenQuanYi Zen Hei", "Source Han Sans SC", "Droid Sans Fallback")
LEVEL_MARKERS = {"national": "*", "province": "s", "prefecture": "D", "county": "o", "": "x"}
LEVEL_COLOURS = {"national": "#7f3b08", "province": "#b35806", "prefecture": "#2d6a9f",
                 "county": "#1b7837", "": "#777777"}


def find_cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for cand in CJK_FONTS:
        if cand in names:
            return cand
    return None


def configure_matplotlib() -> str:
    """Use a CJK font for all text and deterministic output; return the font's name."""
    font = find_cjk_font()
    if font is None:
        font_manager.fontManager.__init__()  # a font installed after the cache was built
        font = find_cjk_font()
    if font is None:
        raise RuntimeError("no CJK font installed: Chinese labels would render as boxes; "
                           "install Debian's fonts-noto-cjk (make setup does)")
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [font, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "text.parse_math": False,  # a region or label with "$" is text, not mathtext
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.figsize": (6.4, 4.2),
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "svg.fonttype": "path",
        "svg.hashsalt": "ruralstudy",
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    return font


def wrap_title(text: str, width: int = 48) -> str:
    """A title broken into lines so it is never clipped at the figure's edge (Chinese text has
    no spaces: it is broken by characters)."""
    import textwrap

    lines = []
    for part in str(text).split("\n"):
        lines.extend(textwrap.wrap(part, width=width, break_long_words=True) or [""])
    return "\n".join(lines)


def level_legend(ax, levels) -> None:
    """A legend naming the admin level of each bar colour."""
    from matplotlib.patches import Patch

    seen = [lv for lv in LEVEL_COLOURS if lv in set(levels)]
    ax.legend(handles=[Patch(color=LEVEL_COLOURS[lv], label=lv or "unknown level") for lv in seen],
              title="admin level", loc="best", frameon=False)


MAX_BARS = 60  # more regions than this: one bar (or row) each is unreadable, and huge


def coverage_heatmap(matrix: pd.DataFrame, title: str = "Coverage",
                     levels: pd.Series | None = None) -> plt.Figure:
    """Region x indicator heat map of which cells hold a value (title states n). With more
    than :data:`MAX_BARS` regions and their ``levels`` (region -> admin level) given, a row
    per region is unreadable: the map shows, per admin level, the share of its regions with a
    value."""
    n_regions, n_ind = matrix.shape
    if n_regions > MAX_BARS and levels is not None:
        lv = levels.reindex(matrix.index).replace("", None).fillna("unknown level")
        share = matrix.groupby(lv).mean()
        counts = lv.value_counts()
        fig, ax = plt.subplots(figsize=(max(7, 0.32 * n_ind + 3), max(3, 0.5 * len(share) + 2)))
        ax.imshow(share.values, aspect="auto", cmap="Greens", vmin=0, vmax=1)
        ax.set_xticks(range(n_ind), share.columns, rotation=90, fontsize=9)
        ax.set_yticks(range(len(share)), [f"{i} (n = {counts[i]})" for i in share.index],
                      fontsize=10)
        ax.set_title(wrap_title(f"{title}: {int(matrix.values.sum())} of {matrix.size} cells "
                                f"filled (n = {n_regions} regions x {n_ind} indicators); shade = "
                                "share of the level's regions with a value", 70), fontsize=11)
        ax.set_xlabel("indicator")
        ax.set_ylabel("admin level")
        fig.tight_layout()
        return fig
    fig, ax = plt.subplots(figsize=(max(7, 0.32 * n_ind + 3), max(4, 0.28 * n_regions + 1.5)))
    ax.imshow(matrix.values, aspect="auto", cmap="Greens", vmin=0, vmax=1.3)
    ax.set_xticks(range(n_ind), matrix.columns, rotation=90, fontsize=9)
    ax.set_yticks(range(n_regions), matrix.index, fontsize=10)
    filled = int(matrix.values.sum())
    ax.set_title(wrap_title(f"{title}: {filled} of {matrix.size} cells filled "
                            f"(n = {n_regions} regions x {n_ind} indicators); dark = value present",
                            70), fontsize=11)
    ax.set_xlabel("indicator")
    ax.set_ylabel("region")
    fig.tight_layout()
    return fig


def labelled_scatter(df: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str,
                     title: str) -> plt.Figure:
    """Scatter with each point labelled by region, level and year; marker = admin level. The
    points must form one comparable group (one admin level and round)."""
    one_comparable_group(df)
    fig, ax = plt.subplots()
    for level, g in df.groupby("admin_level", sort=True):
        ax.scatter(g[x], g[y], marker=LEVEL_MARKERS.get(level, "x"), s=60,
                   color=LEVEL_COLOURS.get(level, "#777"), label=level or "unknown level")
    for r in df.itertuples():
        ax.annotate(f"{r.region} ({r.admin_level or '?'}, {r.year_label})",
                    (getattr(r, x), getattr(r, y)), fontsize=10, xytext=(4, 4),
                    textcoords="offset points")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(wrap_title(f"{title} (n = {len(df)})"), fontsize=11)
    ax.legend(title="admin level")
    fig.tight_layout()
    return fig


def one_comparable_group(df: pd.DataFrame) -> None:
    """Refuse to draw regions side by side unless they form one comparable group (one admin
    level, one election round, one indicator and income concept, whole periods; the rule's
    :func:`ruralstudy.tables.comparability.mixed_parts`): a chart
    that sorts counties beside provinces, or one round beside another, ranks what the site's
    rule says may not be compared."""
    from ..tables.comparability import mixed_parts

    for col in mixed_parts(df):  # the one rule's parts: level, round, indicator, income concept, period
        vals = sorted(map(str, df[col].fillna("").unique())) if col in df else []
        raise ValueError(f"values of more than one {col} ({', '.join(vals)}) "
                         "would be ranked side by side: draw one comparable group at a time")
    if len(df) and {"admin_level", "round", "indicator_id"} <= set(df.columns):
        # the site's one rule decides (period, income concept too): never a copy of it here
        from ..tables.comparability import comparability_key

        keys = comparability_key(df)
        if (keys == "").any():
            raise ValueError("a value with an unknown admin level or round, or a period that is not "
                             "a whole year or a stock, has no comparable group: list it, never draw it")
        if keys.nunique() > 1:
            raise ValueError(f"values of more than one comparable group ({', '.join(sorted(keys.unique()))}) "
                             "would be ranked side by side: draw one comparable group at a time")


def indicator_bars(df: pd.DataFrame, label: str, unit: str, title: str) -> plt.Figure:
    """Horizontal bars of one indicator across the regions of one comparable group (one admin
    level and round), labelled with year."""
    one_comparable_group(df)
    d = df.sort_values("value")
    fig, ax = plt.subplots(figsize=(6.4, max(2.8, 0.42 * len(d) + 1.6)))
    ax.barh([f"{r.region} ({r.admin_level or '?'}, {r.year_label})" for r in d.itertuples()],
            d["value"], color=[LEVEL_COLOURS.get(lv, "#777") for lv in d["admin_level"]])
    for i, v in enumerate(d["value"]):
        ax.text(v, i, f" {_short(v)}", va="center", fontsize=10)
    ax.set_xlabel(f"{label} ({unit})")
    ax.set_title(wrap_title(f"{title} (n = {len(d)})"), fontsize=11)
    level_legend(ax, d["admin_level"])
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def indicator_chart(df: pd.DataFrame, label: str, unit: str, title: str) -> plt.Figure:
    """One indicator across the regions of one comparable group: a bar per region up to
    :data:`MAX_BARS` regions, else its distribution (every value a point; the table lists
    them)."""
    one_comparable_group(df)
    if len(df) <= MAX_BARS:
        return indicator_bars(df, label, unit, title)
    return indicator_distribution(df, label, unit, title)


def indicator_distribution(df: pd.DataFrame, label: str, unit: str, title: str) -> plt.Figure:
    """Box and points of one indicator per admin level, each level with its n."""
    import numpy as np

    levels = [lv for lv in LEVEL_COLOURS if lv in set(df["admin_level"])] + sorted(
        {lv for lv in df["admin_level"] if lv not in LEVEL_COLOURS}, key=str)
    groups = [df.loc[df["admin_level"] == lv, "value"].to_numpy() for lv in levels]
    fig, ax = plt.subplots(figsize=(6.4, max(2.8, 0.7 * len(levels) + 1.6)))
    import inspect

    horizontal = ({"orientation": "horizontal"}  # matplotlib >= 3.10; `vert` is deprecated
                  if "orientation" in inspect.signature(ax.boxplot).parameters else {"vert": False})
    ax.boxplot(groups, widths=0.5, showfliers=False, **horizontal)
    rng = np.random.default_rng(0)  # fixed jitter: the same data draw the same chart
    for i, (lv, vals) in enumerate(zip(levels, groups), start=1):
        ax.scatter(vals, i + rng.uniform(-0.18, 0.18, len(vals)), s=6, alpha=0.5,
                   color=LEVEL_COLOURS.get(lv, "#777"))
    ax.set_yticks(range(1, len(levels) + 1),
                  [f"{lv or 'unknown level'} (n = {len(v)})" for lv, v in zip(levels, groups)])
    ax.set_xlabel(f"{label} ({unit})")
    ax.set_title(wrap_title(f"{title} (n = {len(df)} regions; distribution by level)"),
                 fontsize=11)
    fig.tight_layout()
    return fig


def need_chart(tests: pd.DataFrame, min_n: int) -> plt.Figure:
    """The n each primary pair has (its largest group of one admin level and round) against
    the minimum for a test and the n needed for 80% power at rho = 0.5 and 0.3."""
    best = (tests.sort_values("n", ascending=False).drop_duplicates(["x", "y"])
            .sort_values(["x", "y"]))
    labels = [f"{r.x} ×\n{r.y}" + (f"\n({r.admin_level}, {r.round})" if r.n else "")
              for r in best.itertuples()]
    n5, n3 = int(tests["n_for_rho_0.5"].iloc[0]), int(tests["n_for_rho_0.3"].iloc[0])
    fig, ax = plt.subplots(figsize=(7.2, 0.62 * len(best) + 2.2))
    ax.barh(range(len(best)), best["n"], color="#1b7837", height=0.5)
    for i, n in enumerate(best["n"]):
        ax.text(n, i, f" n = {int(n)}", va="center", fontsize=10)
    for x, style, lab in ((min_n, ":", f"minimum for a test ({min_n})"),
                          (n5, "--", f"80% power, ρ = 0.5 ({n5})"),
                          (n3, "-", f"80% power, ρ = 0.3 ({n3})")):
        ax.axvline(x, color="#b35806", linestyle=style, linewidth=1.4, label=lab)
    ax.set_yticks(range(len(best)), labels, fontsize=9)
    ax.set_xlim(0, n3 * 1.08)
    ax.set_xlabel("regions of one level and one round holding both values")
    ax.set_title(wrap_title("Regions each primary pair has, and regions a test needs "
                            f"(n = {len(best)} pairs)", 80), fontsize=11)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def change_arrows(df: pd.DataFrame, title: str) -> plt.Figure:
    """Before -> after changes within regions, one row per change, scaled per row."""
    fig, ax = plt.subplots(figsize=(6.4, max(2.5, 0.55 * len(df) + 1.4)))
    for i, r in enumerate(df.itertuples()):
        ax.annotate("", xy=(1, i), xytext=(0, i), arrowprops={"arrowstyle": "->", "lw": 1.5})
        ax.text(-0.02, i, _short(r.value_before), ha="right", va="center", fontsize=10)
        ax.text(1.02, i, f"{_short(r.value)} {r.unit}", ha="left", va="center", fontsize=10)
    ax.set_yticks(range(len(df)), [f"{r.region}: {r.indicator_zh} ({_year(getattr(r, 'year', None))})"
                                   for r in df.itertuples()], fontsize=10)
    ax.set_xlim(-0.5, 1.6)
    ax.set_xticks([])
    ax.set_title(wrap_title(f"{title} (n = {len(df)} changes)"), fontsize=11)
    fig.tight_layout()
    return fig


def _year(y) -> str:
    from .analysis import year_label

    return year_label(y)


def _short(v: float) -> str:
    from .links import human_number

    return human_number(v)


def close(fig: plt.Figure) -> None:
    """Free a figure after it is shown."""
    plt.close(fig)


__all__ = ["configure_matplotlib", "coverage_heatmap", "labelled_scatter", "indicator_bars",
           "change_arrows", "find_cjk_font", "close"]
