"""Small-sample statistics for the links analysis: Spearman's rank correlation with an exact
(or seeded Monte Carlo) permutation p-value and a Fisher-z interval, Holm's adjustment, and
the power and sample size of that test.

Everything here is pure and deterministic: the same inputs and seed give the same numbers.

How the permutation null is drawn. Under the null hypothesis the pairing of x with y is
arbitrary, so the null distribution of rho depends only on the two multisets of ranks (which
carry the ties), not on how they are paired. The null is therefore computed from the sorted
rank vectors: all n! pairings when n <= 8, else ``n_perm`` pairings drawn with the seed. With
no ties (continuous data) the sorted ranks are 1..n on both sides, so the null sample is the
same for every data set of one n and seed; :func:`spearman_power` relies on that to apply
:func:`spearman_test`'s own decision rule to thousands of simulated samples at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

#: Largest n for which the p-value enumerates every permutation (8! = 40,320).
EXACT_MAX_N = 8
#: Two-sided level of the confidence interval of rho.
CI_LEVEL = 0.95
#: Floating tolerance when counting permuted statistics at least as extreme as the observed.
_TOL = 1e-10
#: Rows of permutations drawn per block (bounds memory for large n).
_BLOCK = 2048


@dataclass(frozen=True)
class SpearmanResult:
    """Spearman's rho on the complete pairs, its two-sided permutation p-value and a 95%
    confidence interval (Fisher z, Bonett-Wright standard error; NaN when n < 4)."""

    rho: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    method: str


def _ranks(v: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1-d array; ties share the mean of their ranks."""
    from scipy.stats import rankdata

    return cast(np.ndarray, rankdata(v, method="average"))


def _centred_unit(v: np.ndarray) -> np.ndarray | None:
    """v centred and scaled to unit length along the last axis (None when constant)."""
    c = v - v.mean(axis=-1, keepdims=True)
    norm = np.sqrt((c * c).sum(axis=-1, keepdims=True))
    if np.any(norm == 0):
        return None
    return cast(np.ndarray, c / norm)


@lru_cache(maxsize=16)
def _all_permutations(n: int) -> np.ndarray:
    """Every permutation of range(n), one per row (n <= EXACT_MAX_N)."""
    return np.array(list(permutations(range(n))), dtype=np.int8 if n < 128 else np.int64)


def _mc_permutation_block(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """``rows`` uniform random permutations of range(n), drawn from ``rng``."""
    return np.argsort(rng.random((rows, n)), axis=1, kind="stable")


@lru_cache(maxsize=64)
def _null_abs_sorted(sorted_rx: tuple[float, ...], sorted_ry: tuple[float, ...], n_perm: int,
                     seed: int) -> tuple[np.ndarray, bool]:
    """Sorted |rho| over the permutation null of two rank multisets, and whether it is exact.

    Exact (every permutation) when n <= EXACT_MAX_N, else ``n_perm`` seeded random ones."""
    a = _centred_unit(np.asarray(sorted_rx, dtype=float))
    b = _centred_unit(np.asarray(sorted_ry, dtype=float))
    assert a is not None and b is not None
    n = len(a)
    if n <= EXACT_MAX_N:
        perms = _all_permutations(n)
        null = np.abs(b[perms] @ a)
        exact = True
    else:
        rng = np.random.default_rng(seed)
        parts, left = [], n_perm
        while left > 0:
            k = min(_BLOCK, left)
            parts.append(np.abs(b[_mc_permutation_block(rng, k, n)] @ a))
            left -= k
        null = np.concatenate(parts) if parts else np.empty(0)
        exact = False
    null.sort()
    null.flags.writeable = False
    return null, exact


def _p_from_null(abs_rho: np.ndarray | float, null_sorted: np.ndarray, exact: bool) -> Any:
    """Two-sided p-value(s): the share of the null with |rho| at least the observed one
    (Monte Carlo: (count + 1) / (n_perm + 1), so p is never 0)."""
    count = len(null_sorted) - np.searchsorted(null_sorted, np.asarray(abs_rho) - _TOL, side="left")
    if exact:
        return count / len(null_sorted)
    return (count + 1) / (len(null_sorted) + 1)


def fisher_ci(rho: float, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Confidence interval of Spearman's rho: Fisher z with the Bonett-Wright (2000) standard
    error sqrt((1 + rho^2 / 2) / (n - 3)); NaN when n < 4 or rho is NaN."""
    if n < 4 or not np.isfinite(rho):
        return float("nan"), float("nan")
    from scipy.stats import norm

    q = float(norm.ppf(0.5 + level / 2))
    r = float(np.clip(rho, -1 + 1e-15, 1 - 1e-15))
    z = math.atanh(r)
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    return math.tanh(z - q * se), math.tanh(z + q * se)


def _complete_pairs(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    xv = np.asarray(x, dtype=float).ravel()
    yv = np.asarray(y, dtype=float).ravel()
    if xv.shape != yv.shape:
        raise ValueError(f"x and y differ in length ({xv.size} and {yv.size})")
    keep = np.isfinite(xv) & np.isfinite(yv)
    return xv[keep], yv[keep]


def spearman_test(x: ArrayLike, y: ArrayLike, *, n_perm: int = 9999, seed: int = 0) -> SpearmanResult:
    """Spearman's rank correlation of the pairs where both x and y are finite (ties get average
    ranks), with a two-sided permutation p-value: exact over all n! permutations when n <= 8,
    else Monte Carlo over ``n_perm`` seeded permutations, p = (count + 1) / (n_perm + 1).
    The 95% CI is Fisher z with the Bonett-Wright SE (NaN below n = 4). rho and p are NaN when
    n < 2 or either side is constant."""
    xv, yv = _complete_pairs(x, y)
    n = int(xv.size)
    if n_perm < 1:
        raise ValueError("n_perm must be at least 1")
    nan = float("nan")
    if n < 2:
        return SpearmanResult(nan, nan, nan, nan, n, "Spearman rank correlation; n < 2: none")
    rx, ry = _ranks(xv), _ranks(yv)
    a, b = _centred_unit(rx), _centred_unit(ry)
    if a is None or b is None:
        return SpearmanResult(nan, nan, nan, nan, n,
                              "Spearman rank correlation; a constant variable: none")
    rho = float(np.clip(a @ b, -1.0, 1.0))
    # the exact null does not depend on n_perm or the seed: one cache entry serves every call
    key = (0, 0) if n <= EXACT_MAX_N else (int(n_perm), int(seed))
    null, exact = _null_abs_sorted(tuple(np.sort(rx)), tuple(np.sort(ry)), *key)
    p = float(_p_from_null(abs(rho), null, exact))
    lo, hi = fisher_ci(rho, n)
    how = (f"exact permutation p (all {len(null):,} permutations)" if exact else
           f"Monte Carlo permutation p ({n_perm:,} permutations, seed {seed})")
    ci = ("95% CI: Fisher z, Bonett-Wright SE" if n >= 4 else "no CI below n = 4")
    return SpearmanResult(rho, p, lo, hi, n, f"Spearman rank correlation; two-sided {how}; {ci}")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given. NaN entries stay NaN and do not
    count among the tests."""
    p = np.asarray(list(p_values), dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return cast(list[float], out.tolist())
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(adj)
    return cast(list[float], out.tolist())


def pearson_for_spearman(rho: float) -> float:
    """Pearson correlation of a bivariate normal whose Spearman correlation is ``rho``
    (Pearson 1907: rho_S = (6 / pi) asin(r / 2))."""
    return 2.0 * math.sin(math.pi * rho / 6.0)


def gaussian_copula_sample(rho: float, n: int, rng: np.random.Generator,
                           size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draws from a bivariate standard normal whose Spearman correlation is ``rho``: arrays of
    shape (n,) or (size, n). Any monotone marginal transform keeps the Spearman correlation."""
    r = pearson_for_spearman(rho)
    shape = (n,) if size is None else (size, n)
    z1 = rng.standard_normal(shape)
    z2 = r * z1 + math.sqrt(max(0.0, 1 - r * r)) * rng.standard_normal(shape)
    return z1, z2


def spearman_power(rho: float, n: int, *, alpha: float = 0.05, n_sim: int = 2000,
                   seed: int = 0) -> float:
    """Share of ``n_sim`` samples of n pairs from a bivariate normal with Spearman correlation
    ``rho`` (a Gaussian copula: the marginals do not matter) in which :func:`spearman_test`,
    at its defaults, rejects at ``alpha`` (p <= alpha).

    The samples have no ties, so spearman_test's null for n is the same for every sample; it is
    computed once and applied to all of them (the test suite checks the decisions agree with
    calling spearman_test on each sample)."""
    if n < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    x, y = gaussian_copula_sample(rho, n, rng, size=n_sim)
    rx = np.argsort(np.argsort(x, axis=1), axis=1) + 1.0
    ry = np.argsort(np.argsort(y, axis=1), axis=1) + 1.0
    a, b = _centred_unit(rx), _centred_unit(ry)
    assert a is not None and b is not None  # ranks 1..n (n >= 2) are never constant
    rhos = np.clip((a * b).sum(axis=1), -1.0, 1.0)
    ranks = tuple(float(i) for i in range(1, n + 1))
    null, exact = _null_abs_sorted(ranks, ranks, *((0, 0) if n <= EXACT_MAX_N else (9999, 0)))
    p = _p_from_null(np.abs(rhos), null, exact)
    return float(np.mean(p <= alpha))


def n_needed(rho: float, *, power: float = 0.8, alpha: float = 0.05) -> int:
    """Regions needed for a two-sided test of Spearman's rho = 0 at ``alpha`` to reach
    ``power`` when the true correlation is ``rho``: the Fisher-z approximation
    n = 3 + ((z_{1-alpha/2} + z_{power}) / atanh(rho))^2, rounded up. Checked against
    :func:`spearman_power` by simulation in the tests."""
    if not 0 < abs(rho) < 1:
        raise ValueError("rho must be in (-1, 0) or (0, 1)")
    from scipy.stats import norm

    q = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    return int(math.ceil(3 + (q / math.atanh(abs(rho))) ** 2))
