"""The analysis notebooks: executed by papermill through the library, on the seed data."""

from __future__ import annotations

import subprocess
import sys
import warnings

import nbformat
import pandas as pd

from ruralstudy import analysis as A
from ruralstudy.charts import configure_matplotlib, coverage_heatmap

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
    shape = f"coverage matrix {panel.region.nunique()} × {panel.indicator_id.nunique()}"
    assert shape in text
    links = _text(nbformat.read(built.executed / "links.ipynb", as_version=4))
    assert "n = " in links and "Inference is not possible" in links
    assert "largest is n = " in links
    from ruralstudy.links import region_slug

    slug = region_slug("六盘水市")
    profile = _text(nbformat.read(built.executed / f"regions-{slug}.ipynb", as_version=4))
    assert "六盘水市" in profile and "000-003020" in profile  # 1.46亿元 with its source


def test_links_notebook_with_small_minimum_estimates(built, tmp_path):
    """Parameters reach the notebook: with min_n=2 it states that minimum and still reports n.

    (The seed data hold no cross-construct pair of two regions at one level, so the estimation
    branch itself is covered by the unit tests of ruralstudy.analysis below.)"""
    out = tmp_path / "links.ipynb"
    r = subprocess.run([sys.executable, "-m", "ruralstudy", "run", str(built.notebooks / "04_links.ipynb"),
                        "-p", "min_n=2", "-p", "n_boot=200", "-p", "seed=7", "--output", str(out),
                        "--root", str(built.root)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    text = _text(nbformat.read(out, as_version=4))
    assert "held by 2 or more regions" in text or "reach n ≥ 2" in text
    assert "(n = " in text


def test_bootstrap_is_seeded_and_reports_n():
    x = pd.Series([1.0, 2, 3, 4, 5, 6], name="a")
    y = pd.Series([2.0, 1, 4, 3, 6, 5], name="b")
    c1 = A.rank_correlation(x, y, n_boot=300, n_perm=300, seed=3)
    c2 = A.rank_correlation(x, y, n_boot=300, n_perm=300, seed=3)
    assert c1 == c2 and c1.n == 6 and c1.ci_low <= c1.rho <= c1.ci_high
    assert 0 < c1.p_perm <= 1 and "Spearman" in c1.test


def test_minimum_n_blocks_inference():
    wide = pd.DataFrame({"a": [1.0, 2, None], "b": [3.0, 1, 2]})
    r = A.pairwise_correlations(wide, [("a", "b")], min_n=3, n_boot=10, seed=1)
    assert pd.isna(r.loc[0, "rho"]) and "no inference" in r.loc[0, "note"] and r.loc[0, "n"] == 2
    assert not A.robust_ols(wide.assign(c=1.0), "a", ["b"], min_n=10)["fitted"]


def test_robust_ols_and_construct_scores():
    rng = __import__("numpy").random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=30)})
    d["y"] = 2 * d["x"] + rng.normal(scale=0.1, size=30)
    res = A.robust_ols(d, "y", ["x"], min_n=10)
    assert res["fitted"] and abs(res["table"].loc["x", "coef"] - 2) < 0.1 and "HC3" in res["note"]
    panel = pd.DataFrame({"region": ["甲", "乙", "丙"], "admin_level": ["county"] * 3,
                          "year": [2021] * 3, "indicator_id": ["cadre_mean_age"] * 3,
                          "value": [40.0, 45.0, 50.0]})
    s = A.construct_scores(panel, {"cadre_structure": ["cadre_mean_age"]})
    assert list(s.sort_values("score")["region"]) == ["丙", "乙", "甲"]  # younger scores higher


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

    from ruralstudy import charts as C

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

    from ruralstudy import charts as C

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
