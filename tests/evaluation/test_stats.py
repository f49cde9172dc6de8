"""ruralstudy.evaluation.stats against scipy and statsmodels, and its power against direct simulation."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from scipy import stats as ss

from ruralstudy.evaluation import stats as S


def _abs_rho_against(y):
    """|Spearman rho| of x (any leading batch axes) against a fixed y, vectorised for scipy's
    permutation_test (scipy's own idiom for correlations: permute one sample's pairings)."""
    ry = ss.rankdata(np.asarray(y, float))

    def statistic(x, axis=-1):
        rx = ss.rankdata(np.moveaxis(x, axis, -1), axis=-1)
        a = rx - rx.mean(axis=-1, keepdims=True)
        b = ry - ry.mean()
        return np.abs((a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum()))

    return statistic


def _scipy_p(x, y, n_resamples=np.inf, random_state=None) -> float:
    """Two-sided permutation p of Spearman's rho from scipy.stats.permutation_test: |rho| as
    the statistic, pairings permuted (every one when n_resamples is inf)."""
    res = ss.permutation_test((np.asarray(x, float),), _abs_rho_against(y), vectorized=True,
                              permutation_type="pairings", alternative="greater",
                              n_resamples=n_resamples, random_state=random_state)
    return float(res.pvalue)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8])
def test_exact_p_matches_scipy_permutation_test(n):
    rng = np.random.default_rng(100 + n)
    x = rng.normal(size=n)
    y = 0.6 * x + rng.normal(size=n)
    r = S.spearman_test(x, y)
    assert r.n == n
    assert r.rho == pytest.approx(ss.spearmanr(x, y).statistic, abs=1e-12)
    assert r.p_value == pytest.approx(_scipy_p(x, y), abs=1e-12)
    assert "exact" in r.method


def test_exact_p_with_ties_matches_scipy():
    x = [1, 2, 2, 3, 4, 4, 5]
    y = [10, 12, 11, 11, 15, 20, 20]
    r = S.spearman_test(x, y)
    assert r.rho == pytest.approx(ss.spearmanr(x, y).statistic, abs=1e-12)
    assert r.p_value == pytest.approx(_scipy_p(x, y), abs=1e-12)


def test_exact_p_of_a_perfect_order():
    # n = 5 in the same order: only the identity and its reverse reach |rho| = 1 (2 of 120)
    r = S.spearman_test([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert r.rho == 1.0
    assert r.p_value == pytest.approx(2 / 120)


def test_monte_carlo_p_within_error_of_scipy_and_seeded():
    rng = np.random.default_rng(7)
    x = rng.normal(size=20)
    y = 0.3 * x + rng.normal(size=20)
    r = S.spearman_test(x, y, n_perm=9999, seed=3)
    assert "Monte Carlo" in r.method and "seed 3" in r.method
    ref = _scipy_p(x, y, n_resamples=20000, random_state=np.random.default_rng(11))
    # two independent Monte Carlo estimates of one p: SE of the difference
    se = math.sqrt(ref * (1 - ref) * (1 / 9999 + 1 / 20000))
    assert abs(r.p_value - ref) < 4 * se + 1e-4
    assert S.spearman_test(x, y, n_perm=9999, seed=3) == r           # deterministic
    assert S.spearman_test(x, y, n_perm=9999, seed=4).p_value != r.p_value or r.p_value < 1e-3
    # p is never zero under Monte Carlo
    big = S.spearman_test(np.arange(30), np.arange(30), n_perm=999)
    assert big.p_value == pytest.approx(1 / 1000)


def test_rho_matches_scipy_with_ties_and_missing_pairs():
    x = np.array([1.0, 2, 2, np.nan, 5, 6, 6, 8, 9, 10, 11, 12])
    y = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, np.nan, 5, 3, 5])
    keep = ~np.isnan(x) & ~np.isnan(y)
    r = S.spearman_test(x, y)
    assert r.n == int(keep.sum()) == 10
    assert r.rho == pytest.approx(ss.spearmanr(x[keep], y[keep]).statistic, abs=1e-12)


def test_ci_fisher_z_bonett_wright():
    rng = np.random.default_rng(5)
    x = rng.normal(size=25)
    y = x + rng.normal(size=25)
    r = S.spearman_test(x, y)
    z, se = math.atanh(r.rho), math.sqrt((1 + r.rho ** 2 / 2) / 22)
    assert r.ci_low == pytest.approx(math.tanh(z - 1.959963984540054 * se), abs=1e-12)
    assert r.ci_high == pytest.approx(math.tanh(z + 1.959963984540054 * se), abs=1e-12)
    assert r.ci_low < r.rho < r.ci_high


def test_ci_nan_below_four_and_degenerate_inputs():
    r3 = S.spearman_test([1, 2, 3], [1, 3, 2])
    assert math.isnan(r3.ci_low) and math.isnan(r3.ci_high) and not math.isnan(r3.rho)
    r4 = S.spearman_test([1, 2, 3, 4], [1, 3, 2, 4])
    assert not math.isnan(r4.ci_low)
    const = S.spearman_test([1, 2, 3, 4, 5], [2, 2, 2, 2, 2])
    assert math.isnan(const.rho) and math.isnan(const.p_value)
    one = S.spearman_test([1.0, np.nan], [2.0, 3.0])
    assert one.n == 1 and math.isnan(one.rho)
    with pytest.raises(ValueError):
        S.spearman_test([1, 2, 3], [1, 2])


def test_result_is_frozen():
    r = S.spearman_test([1, 2, 3, 4, 5], [1, 3, 2, 5, 4])
    with pytest.raises(FrozenInstanceError):
        r.rho = 0.0  # type: ignore[misc]


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(2)
    for m in (1, 2, 5, 17, 224):
        p = rng.uniform(0, 0.2, size=m) ** 2
        p[: m // 3] = p[0]  # ties
        want = multipletests(p, method="holm")[1]
        assert S.holm(p.tolist()) == pytest.approx(want.tolist(), abs=1e-15)


def test_holm_leaves_nan_out():
    from statsmodels.stats.multitest import multipletests

    p = [0.01, float("nan"), 0.04, 0.03]
    got = S.holm(p)
    want = multipletests([0.01, 0.04, 0.03], method="holm")[1]
    assert math.isnan(got[1])
    assert [got[0], got[2], got[3]] == pytest.approx(want.tolist())
    assert S.holm([]) == []


def test_power_uses_spearman_tests_own_decisions():
    """The vectorised power applies exactly spearman_test's rule to the same samples."""
    n, n_sim, seed, rho = 12, 200, 9, 0.4
    x, y = S.gaussian_copula_sample(rho, n, np.random.default_rng(seed), size=n_sim)
    direct = np.mean([S.spearman_test(a, b).p_value <= 0.05 for a, b in zip(x, y)])
    assert S.spearman_power(rho, n, n_sim=n_sim, seed=seed) == direct
    x, y = S.gaussian_copula_sample(rho, 7, np.random.default_rng(seed), size=n_sim)
    direct = np.mean([S.spearman_test(a, b).p_value <= 0.05 for a, b in zip(x, y)])
    assert S.spearman_power(rho, 7, n_sim=n_sim, seed=seed) == direct


@pytest.mark.parametrize("rho,n", [(0.5, 8), (0.5, 15), (0.3, 25)])
def test_power_within_monte_carlo_error_of_direct_simulation(rho, n):
    """An independent simulation (scipy's multivariate normal at the Pearson r that gives
    Spearman rho, spearman_test called on each sample with its own seed) agrees with
    spearman_power within 4 standard errors of the difference of two binomial shares."""
    n_sim = 400
    r = S.pearson_for_spearman(rho)
    draws = ss.multivariate_normal([0, 0], [[1, r], [r, 1]]).rvs(
        size=(n_sim, n), random_state=np.random.default_rng(1000 + n))
    direct = np.mean([S.spearman_test(d[:, 0], d[:, 1], n_perm=999, seed=i).p_value <= 0.05
                      for i, d in enumerate(draws)])
    stated = S.spearman_power(rho, n, n_sim=4000, seed=2)
    se = math.sqrt(stated * (1 - stated) * (1 / n_sim + 1 / 4000))
    assert abs(direct - stated) < 4 * se


def test_power_at_zero_is_the_size():
    p = S.spearman_power(0.0, 20, n_sim=4000, seed=1)
    assert abs(p - 0.05) < 4 * math.sqrt(0.05 * 0.95 / 4000)


def test_power_is_deterministic_and_increases_with_n():
    assert S.spearman_power(0.4, 20, seed=5) == S.spearman_power(0.4, 20, seed=5)
    assert S.spearman_power(0.4, 10) < S.spearman_power(0.4, 20) < S.spearman_power(0.4, 40)
    assert S.spearman_power(0.5, 1) == 0.0


def test_n_needed_fisher_z_and_checked_by_simulation():
    # Fisher z: 3 + ((1.95996 + 0.84162) / atanh(rho))^2 -> 29.01 and 84.87
    assert S.n_needed(0.5) == 30
    assert S.n_needed(0.3) == 85
    assert S.n_needed(-0.3) == 85
    assert S.n_needed(0.5, power=0.9) > 30
    with pytest.raises(ValueError):
        S.n_needed(0.0)
    # at those n the simulated power of spearman_test is 0.80 (SE 0.0063 at 4000 draws)
    for rho in (0.5, 0.3):
        pw = S.spearman_power(rho, S.n_needed(rho), n_sim=4000, seed=3)
        assert abs(pw - 0.80) < 4 * math.sqrt(0.16 / 4000), (rho, pw)


def test_nullable_pandas_columns_are_read_as_complete_pairs():
    import pandas as pd

    x = pd.Series([1, 2, 3, None, 5, 6], dtype="Float64")
    y = pd.Series([2, 1, 4, 3, 6, 5], dtype="Int64")
    r = S.spearman_test(x, y)
    assert r.n == 5
    assert r.rho == pytest.approx(ss.spearmanr([1, 2, 3, 5, 6], [2, 1, 4, 6, 5]).statistic)
