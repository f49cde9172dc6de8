"""The simulation check of the whole path, in its small CI version (deterministic, seconds).

The full version (20 corpora of 300 reports per scenario, every replication on recovered
values) is ``benchmarks/simulation.py``; its runtime belongs there, not in a timed test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ruralstudy.build import simulate as M
from ruralstudy.evaluation import stats as S
from ruralstudy.language.numparse import parse_number


@pytest.fixture(scope="module")
def mcar():
    corpus = M.generate_corpus(150, seed=11, scenario="mcar")
    return corpus, M.run_path(corpus)


def test_expected_sample_spearman_matches_simulation():
    """Moran's expectation of the sample rho against 20,000 simulated samples of n = 10."""
    rng = np.random.default_rng(8)
    x, y = S.gaussian_copula_sample(0.5, 10, rng, size=20000)
    rhos = [S.spearman_test(a, b, n_perm=1).rho for a, b in zip(x[:4000], y[:4000])]
    want = M.expected_sample_spearman(0.5, 10)
    assert 0.45 < want < 0.5
    assert abs(np.mean(rhos) - want) < 4 * np.std(rhos) / math.sqrt(len(rhos))
    assert M.expected_sample_spearman(0.0, 10) == 0.0
    assert M.expected_sample_spearman(0.4, 10_000) == pytest.approx(0.4, abs=1e-3)


def test_copula_is_valid_and_marginals_keep_the_spearman_correlations():
    c = M.latent_correlation()
    assert np.all(np.linalg.eigvalsh(c) > 0.1)
    # 4,000 generated counties (values only): each sample rho within 4 SE of the truth
    truth = pd.concat([M.generate_corpus(400, seed=s, scenario="complete").truth()
                       for s in range(10)], ignore_index=True)
    n = len(truth)
    for (a, b), rho in M.TRUE_SPEARMAN.items():
        got = S.spearman_test(truth[a], truth[b], n_perm=1).rho
        se = math.sqrt((1 + rho ** 2 / 2) / (n - 3)) * (1 - rho ** 2)
        assert abs(got - rho) < 4 * se, (a, b, got, rho)
    # realistic ranges
    assert truth["secretary_college_share"].between(0, 100).all()
    assert truth["cadre_mean_age"].between(30, 60).all()
    assert truth["one_shoulder_share"].between(0, 100).all()
    assert 200_000 < truth["collective_income_per_village"].median() < 300_000
    assert truth["villages_income_over_10w_share"].between(0, 100).all()


def test_generation_is_deterministic_and_names_are_distinct():
    a = M.generate_corpus(50, seed=3, scenario="selective")
    b = M.generate_corpus(50, seed=3, scenario="selective")
    assert [c.text for c in a.counties] == [c.text for c in b.counties]
    assert len({c.name for c in a.counties}) == 50
    real = M._real_stems()
    assert len(real) > 2000  # cpca's table of counties, cities and districts
    assert not any(c.name[:-1] in real for c in M.generate_corpus(300, seed=0).counties)
    assert M.generate_corpus(50, seed=4).counties[0].text != a.counties[0].text
    with pytest.raises(ValueError):
        M.generate_corpus(5, scenario="nonsense")


@pytest.mark.parametrize("n,cn", [(0, "零"), (7, "七"), (15, "十五"), (40, "四十"), (306, "三百零六"),
                                  (1010, "一千零一十"), (2418, "二千四百一十八")])
def test_chinese_integers(n, cn):
    assert M.cn_int(n) == cn
    assert parse_number(cn + "个").value == n


def test_chinese_decimals_parse_back():
    for x in (52.3, 45.0, 98.7, 4.1):
        assert parse_number("百分之" + M.cn_decimal(x)).value == pytest.approx(x)
        assert parse_number(M.cn_decimal(x) + "岁").value == pytest.approx(x)


def test_every_style_and_every_gold_span_reads_back(mcar):
    corpus, _ = mcar
    assert {c.style for c in corpus.counties} == set(M.STYLES)
    for c in corpus.counties:
        for g in c.gold:
            printed = c.text[g.start:g.end]
            assert printed and printed[0] in "0123456789百十一二三四五六七八九", printed


def test_path_recovers_the_published_values(mcar):
    """Extraction and mapping on the synthetic text, scored exactly (the generator knows every
    number it printed). Measured at seed 11: extraction precision 1.000 and recall 0.988;
    mapping precision 1.000; study indicators precision 1.000, recall 0.98 (the misses are
    per-village income written in Chinese numerals with a decimal, which the number parser
    does not read)."""
    corpus, rec = mcar
    sc = M.score_recovery(corpus, rec)
    assert sc.extraction_precision >= 0.99
    assert sc.extraction_recall >= 0.97
    assert sc.mapping_precision >= 0.99, sc.wrong.head().to_string()
    assert sc.study_precision == 1.0, sc.wrong.to_string()
    assert sc.study_recall >= 0.95, sc.misses.to_string()
    assert sc.panel_exact >= 0.95
    # no recovered value differs from the printed one, and the printed ones are the generated
    # values up to their rounding (0.05 points, 0.05 years, 50 yuan; a band share is a count
    # over the villages: within 50 / 120 points)
    pub = corpus.published().set_index("region")
    truth = corpus.truth().set_index("region")
    wide = rec.wide().set_index("region")
    tol = {"secretary_college_share": 0.05, "cadre_mean_age": 0.05, "one_shoulder_share": 0.05,
           "collective_income_per_village": 500.0, "villages_income_over_10w_share": 0.5}
    for k in M.STUDY_INDICATORS:
        got = wide[k].dropna()
        assert len(got) > 0.6 * len(corpus.counties)  # 0.8 published, nearly all recovered
        assert np.allclose(got, pub.loc[got.index, k], rtol=1e-9, atol=0), k
        assert (got - truth.loc[got.index, k]).abs().max() <= tol[k] + 1e-9, k
    # the templates every style uses for the study indicators map, except speech_I
    by_t = sc.by_template.set_index("template")
    study = by_t[by_t["indicator_id"].isin(M.STUDY_INDICATORS)]
    assert (study.drop(index="speech_I")["recall"] == 1.0).all(), study.to_string()


def _published_wides(scenario: str, n_corpora: int, n_regions: int = 30) -> list[pd.DataFrame]:
    out = []
    for s in range(n_corpora):
        p = M.generate_corpus(300, seed=100 + s, scenario=scenario).published()
        out += [p.iloc[k * n_regions:(k + 1) * n_regions] for k in range(300 // n_regions)]
    return out


def test_intervals_cover_and_power_matches_on_replications():
    """200 replications of a 30-region study (MCAR publication, so about 19 complete pairs).

    The replications use the published values: ``test_path_recovers_the_published_values``
    shows the path returns exactly these, and the benchmark repeats this on recovered values.
    Bands: coverage within 4 binomial SEs of 0.95 (SE 0.015 at 200 replications); the
    observed rejection rate within 4 SEs of spearman_power's stated power at each
    replication's n (SE from the Bernoulli variance of each replication plus the power
    simulation's own)."""
    res = M.check_links(_published_wides("mcar", 20), n_perm=999, n_sim=2000).set_index("y")
    assert (res["replications"] == 200).all()
    for r in res.itertuples():
        assert abs(r.coverage - 0.95) < 4 * r.coverage_se, r
        assert abs(r.rejection_rate - r.stated_power) < 4 * r.power_se, r
        # the mean estimate is the estimator's expectation at these n, within 4 SEs
        assert abs(r.mean_rho - r.expected_rho) < 4 * r.sd_rho / math.sqrt(r.replications), r
    null = res.loc["collective_income_per_village"]
    null = null[null["true_rho"] == 0.0].iloc[0]
    assert null.rejection_rate < 0.05 + 4 * math.sqrt(0.05 * 0.95 / 200)


def test_selective_publication_biases_levels_and_shrinks_n():
    """Low-income counties publish less: the published mean income is far above the
    population's, the pairs lose about a third of their n, and rho is pulled toward zero."""
    rel = {}
    for scenario in ("mcar", "selective"):
        parts = [M.generate_corpus(300, seed=200 + s, scenario=scenario) for s in range(5)]
        truth = pd.concat([c.truth() for c in parts])
        pub = pd.concat([c.published() for c in parts])
        k = "collective_income_per_village"
        rel[scenario] = pub[k].mean() / truth[k].mean() - 1
    # MCAR: within 3 SEs of 0 (lognormal CV about 0.8, n about 1,200: SE 0.023)
    assert abs(rel["mcar"]) < 0.07
    assert rel["selective"] > 0.25
    sel = M.check_links(_published_wides("selective", 10)).set_index("y")
    mc = M.check_links(_published_wides("mcar", 10)).set_index("y")
    primary = "collective_income_per_village"
    s_row = sel[sel["true_rho"] == 0.4].iloc[0]
    m_row = mc[mc["true_rho"] == 0.4].iloc[0]
    assert s_row.mean_n < 0.8 * m_row.mean_n
    assert s_row.mean_rho < m_row.mean_rho
    assert primary in sel.index


@pytest.mark.slow  # runs the build's steps in a temporary project (about 5 CPU-seconds)
def test_the_build_itself_gives_the_same_panel(tmp_path):
    """``run_path`` calls the build's functions in memory; the build's own steps (``ruralstudy
    indicators`` on a temporary project) give the same figures, mapping and panel."""
    corpus = M.generate_corpus(25, seed=5, scenario="mcar")
    # the build applies the committed publishing threshold (values below it wait for review),
    # so the in-memory path is run with the same calibration to compare like with like
    a, b = M.run_path(corpus, calibration="committed"), M.run_build(corpus)
    assert len(a.figures) == len(b.figures)
    assert (a.observations["indicator_id"].tolist() == b.observations["indicator_id"].tolist())
    assert (a.observations["status"].tolist() == b.observations["status"].tolist())
    assert (a.observations["indicator_id"] != "").sum() >= 25  # the comparison is not empty
    key = ["region", "indicator_id"]
    pa = a.panel[[*key, "value"]].sort_values(key).reset_index(drop=True)
    pb = b.panel[[*key, "value"]].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, pb)
    with pytest.raises(ValueError):
        M.write_project(corpus, M.__file__.rsplit("/src/", 1)[0] + "/data/sim")
    M.write_project(corpus, tmp_path / "p")
    assert len(list((tmp_path / "p" / "data" / "raw" / "reports").glob("*.txt"))) == 25
