"""The analysis notebooks: executed by papermill through the library, on the seed data."""

from __future__ import annotations

import subprocess
import sys
import warnings

import nbformat
import pandas as pd
import pytest

from ruralstudy.findings import analysis as A
from ruralstudy.findings.charts import configure_matplotlib, coverage_heatmap

NOTEBOOKS = ["01_corpus", "02_quality", "03_indicators", "04_links", "05_region_profile"]


def _text(nb) -> str:
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            out.append(data.get("text/markdown", "") + data.get("text/html", "") + o.get("text", ""))
    return "\n".join(out)


def test_committed_notebooks_are_clean_and_parameterised(root):
    for name in NOTEBOOKS:
        nb = nbformat.read(root / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1, name


def test_every_notebook_executed_without_error(built):
    executed = sorted(p.name for p in built.executed.glob("*.ipynb"))
    for page in ("sources", "quality", "indicators", "links"):
        assert f"{page}.ipynb" in executed
    profiles = [n for n in executed if n.startswith("regions-")]
    regions = pd.read_parquet(built.processed / "mapping.parquet")["region"].nunique()
    assert len(profiles) == regions  # one profile per region with data
    for p in built.executed.glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", [])), p
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells), p


def test_key_outputs(built):
    panel = pd.read_parquet(built.processed / "panel.parquet")
    ind = nbformat.read(built.executed / "indicators.ipynb", as_version=4)
    text = _text(ind)
    shape = f"for {panel.region.nunique()} regions and {panel.indicator_id.nunique()} indicators"
    assert shape in text and "Cells by round: 2014-16" in text
    links = _text(nbformat.read(built.executed / "links.ipynb", as_version=4))
    assert "n = " in links and "cannot estimate" in links
    assert "largest is n = " in links and "80% power needs about" in links
    from ruralstudy.findings.links import region_slug

    slug = region_slug("六盘水市")
    profile = _text(nbformat.read(built.executed / f"regions-{slug}.ipynb", as_version=4))
    assert "六盘水市" in profile and "000-003010" in profile  # 8.05亿元 with its source


def test_links_notebook_with_small_minimum_estimates(built, tmp_path):
    """Parameters reach the notebook: with min_n=2 it states that minimum and still reports n.

    (The seed data hold no cross-construct pair of two regions at one level, so the estimation
    branch itself is covered by the unit tests of ruralstudy.findings.analysis below.)"""
    out = tmp_path / "links.ipynb"
    r = subprocess.run([sys.executable, "-m", "ruralstudy", "run", str(built.notebooks / "04_links.ipynb"),
                        "-p", "min_n=2", "-p", "n_perm=200", "-p", "n_sim=100", "-p", "seed=7",
                        "--output", str(out),
                        "--root", str(built.root)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    text = _text(nbformat.read(out, as_version=4))
    assert "held by 2 or more regions" in text or "reach n ≥ 2" in text
    assert "even at the minimum n = 2" in text
    assert "(n = " in text


def _panel(rows):
    """Panel rows (region, level, round, indicator, value[, year])."""
    out = []
    for r in rows:
        region, level, rnd, ind, value, *year = r
        out.append({"region": region, "admin_level": level, "round": rnd, "period": "",
                    "indicator_id": ind, "value": float(value), "year": year[0] if year else 2022,
                    "indicator_zh": ind, "indicator_en": ind, "unit": "%",
                    "source_id": f"sheet:s.csv:{len(out) + 2}"})
    df = pd.DataFrame(out)
    df["year"] = df["year"].astype("Int64")
    return df


PRIMARY = {"branch_strength": "b", "cadre_structure": "c", "collective_income": "i"}


def test_primary_tests_at_a_realistic_n_with_holm_and_power():
    import numpy as np

    rng = np.random.default_rng(1)
    n = 30
    b = rng.normal(size=n)
    c = 0.8 * b + 0.6 * rng.normal(size=n)
    rows = [(f"县{k}", "county", "2020-21", ind, v) for k in range(n)
            for ind, v in (("b", b[k]), ("c", c[k]), ("i", rng.normal()))]
    rows += [("省甲", "province", "2020-21", "b", 1.0), ("省甲", "province", "2020-21", "c", 2.0)]
    t = A.primary_tests(_panel(rows), PRIMARY, min_n=8, n_perm=999, seed=3, n_sim=200)
    county = t[t.admin_level == "county"].set_index(["x", "y"])
    assert len(county) == 3 and (county.n == n).all()
    assert county.loc[("b", "c"), "rho"] > 0.5 and county.loc[("b", "c"), "p_holm"] < 0.05
    assert (county.p_holm >= county.p_exact - 1e-12).all()  # Holm never lowers a p-value
    assert county.loc[("b", "c"), "ci_low"] < county.loc[("b", "c"), "rho"] < county.loc[("b", "c"), "ci_high"]
    prov = t[t.admin_level == "province"].iloc[0]
    assert prov.n == 1 and np.isnan(prov.rho) and "not tested" in prov.note  # never pooled
    assert (t["n_for_rho_0.5"] < t["n_for_rho_0.3"]).all()
    assert 0 <= county.loc[("b", "c"), "power_rho_0.3"] <= county.loc[("b", "c"), "power_rho_0.5"] <= 1
    again = A.primary_tests(_panel(rows), PRIMARY, min_n=8, n_perm=999, seed=3, n_sim=200)
    pd.testing.assert_frame_equal(t, again)  # seeded: the same numbers


def test_below_the_minimum_no_test_but_power_and_n_needed():
    rows = [("甲县", "county", "2020-21", "b", 1), ("甲县", "county", "2020-21", "c", 40),
            ("乙县", "county", "2020-21", "b", 2), ("乙县", "county", "2020-21", "c", 42),
            ("丙县", "county", "2017-18", "b", 3), ("丙县", "county", "2017-18", "c", 44)]
    t = A.primary_tests(_panel(rows), PRIMARY, min_n=8, n_sim=100)
    bc = t[(t.x == "b") & (t.y == "c")]
    assert sorted(bc.n) == [1, 2]  # two rounds: never one group of three
    assert bc.rho.isna().all() and (bc["power_rho_0.5"] == 0).all()
    f = A.estimability_finding(t, 8, n_sim=200)
    assert f["kind"] == "limits" and "cannot estimate" in f["text"] and f["n"] == 2
    assert f"{int(t['n_for_rho_0.5'].iloc[0])} regions for ρ = 0.5" in f["text"]


def test_primary_rule_chooses_by_coverage_alone():
    rows = [(f"县{k}", "county", "2020-21", "cadre_mean_age", 40 + k) for k in range(3)]
    rows += [(f"县{k}", "county", "2020-21", "cadre_college_share", 10 + k) for k in range(2)]
    rows += [(f"市{k}", "prefecture", "2017-18", "cadre_college_share", 5) for k in range(2)]
    chosen = A.choose_primary(_panel(rows), {"cadre_structure": ["cadre_college_share", "cadre_mean_age"]},
                              scale_free={"cadre_college_share", "cadre_mean_age"})
    assert chosen == {"cadre_structure": "cadre_mean_age"}  # 3 in one group beats 2 + 2 apart
    assert A.primary_pairs(PRIMARY) == [("b", "c"), ("b", "i"), ("c", "i")]


def test_comparable_sets_flag_a_campaign_trend():
    rows = [("甲县", "county", "2020-21", "v", 38.4, 2015), ("乙县", "county", "2020-21", "v", 60.0, 2019),
            ("丙县", "county", "2020-21", "v", 90.6, 2022), ("丁省", "province", "2020-21", "v", 50.0, 2020)]
    sets = A.comparable_sets(_panel(rows), scale_free={"v"})
    assert len(sets) == 1 and sets.iloc[0].n == 3 and "丁省" not in sets.iloc[0]["values"]
    assert bool(sets.iloc[0].order_is_year_order)  # 2015 < 2019 < 2022: a trend, not a ranking
    two = A.comparable_sets(_panel(rows[:2]), scale_free={"v"})
    assert not bool(two.iloc[0].order_is_year_order)  # two values always sit in some year order


def test_chinese_text_renders_without_missing_glyphs():
    import matplotlib.pyplot as plt

    configure_matplotlib()
    m = pd.DataFrame([[1, 0], [0, 1]], index=["六盘水市", "达拉特旗"], columns=["一肩挑比例", "村均收入"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = coverage_heatmap(m, "覆盖 coverage")
        fig.savefig(__import__("io").BytesIO(), format="png")
        plt.close(fig)
    missing = [w for w in caught if "missing from font" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]


def test_glyph_check_detects_a_font_without_chinese():
    """The check above can fail: with a Latin-only font matplotlib warns of missing glyphs."""
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.sans-serif": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots()
            ax.set_title("六盘水市")
            fig.savefig(__import__("io").BytesIO(), format="png")
            plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_indicator_chart_draws_a_distribution_beyond_max_bars():
    """Past MAX_BARS regions a bar per region is unreadable: the chart shows each level's
    distribution with its n instead (the table still lists every value)."""
    import pandas as pd

    from ruralstudy.findings import charts as C

    C.configure_matplotlib()

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"region": [f"县{i}" for i in range(n)],
                             "admin_level": "county",
                             "year_label": "2023", "value": [float(i % 17) for i in range(n)]})

    small = C.indicator_chart(frame(C.MAX_BARS), "平均年龄", "岁", "Mean age")
    assert len(small.axes[0].patches) == C.MAX_BARS  # one bar each
    C.close(small)
    big = C.indicator_chart(frame(C.MAX_BARS + 1), "平均年龄", "岁", "Mean age")
    labels = [t.get_text() for t in big.axes[0].get_yticklabels()]
    assert labels == ["county (n = 61)"]
    assert "n = 61 regions" in big.axes[0].get_title()
    C.close(big)
    mixed = frame(4).assign(admin_level=["county", "province", "county", "county"])
    with pytest.raises(ValueError, match="more than one admin_level"):
        C.indicator_chart(mixed, "平均年龄", "岁", "Mean age")  # counties beside a province
    with pytest.raises(ValueError, match="more than one round"):
        C.indicator_bars(frame(3).assign(round=["2017-18", "2020-21", "2020-21"]), "x", "%", "t")


def test_coverage_map_shows_shares_by_level_beyond_max_bars():
    import pandas as pd

    from ruralstudy.findings import charts as C

    C.configure_matplotlib()
    n = C.MAX_BARS + 5
    regions = [f"县{i}" for i in range(n)]
    matrix = pd.DataFrame({"a": [1.0] * n, "b": [float(i % 2) for i in range(n)]}, index=regions)
    levels = pd.Series(["county"] * (n - 5) + ["prefecture"] * 5, index=regions)
    fig = C.coverage_heatmap(matrix, "Coverage", levels=levels)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"county (n = {n - 5})",
                                                            "prefecture (n = 5)"]
    assert f"n = {n} regions" in ax.get_title()
    C.close(fig)
    levels.iloc[0] = ""  # a region whose level is not known
    fig = C.coverage_heatmap(matrix, "Coverage", levels=levels)
    assert "unknown level (n = 1)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    C.close(fig)
    fig = C.coverage_heatmap(matrix.iloc[:C.MAX_BARS], "Coverage", levels=levels)
    assert len(fig.axes[0].get_yticklabels()) == C.MAX_BARS  # a row per region
    C.close(fig)


def test_scatter_of_a_primary_pair_labels_every_region():
    import numpy as np

    from ruralstudy.findings import charts as C

    C.configure_matplotlib()
    rng = np.random.default_rng(0)
    rows = [(f"县{k}", "county", "2020-21", ind, rng.normal()) for k in range(9) for ind in ("b", "c")]
    rows += [("市甲", "prefecture", "2020-21", "b", 1.0), ("市甲", "prefecture", "2020-21", "c", 1.0)]
    d = A.pair_frame(_panel(rows), "b", "c")
    county = d[d.admin_level == "county"]
    assert len(county) == 9 and set(d.group) == {"county|2020-21", "prefecture|2020-21"}
    assert county.source_id.str.count("sheet:").eq(2).all()  # both values carry their sources
    fig = C.labelled_scatter(county, "b", "c", "b", "c", "b vs c (county, 2020-21 round)")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) == 9 and all(lab.startswith("县") and "county" in lab for lab in labels)
    assert "n = 9" in fig.axes[0].get_title()
    C.close(fig)
