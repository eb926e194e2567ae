"""Boschloo's exact test against scipy's implementation and against a brute-force maximum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, boschloo_exact, hypergeom

from preservation.stats.boschloo import boschloo_p

NAMED = [
    (7, 100, 79, 100),  # o3, told to allow shutdown vs not
    (0, 100, 3, 100),
    (1, 10, 9, 10),
    (5, 5, 0, 5),
    (0, 5, 0, 7),  # no successes anywhere: p = 1
    (3, 3, 3, 3),  # all successes: p = 1
    (20, 40, 20, 40),
    (2, 12, 2, 12),
    (60, 140, 80, 140),
    (1, 250, 3, 240),
    (0, 1, 1, 1),
    (2, 7, 30, 60),
]


def random_tables(count: int, seed: int) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    tables = []
    for _ in range(count):
        n1, n0 = (int(n) for n in rng.integers(1, 60, 2))
        tables.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n0 + 1)), n0))
    return tables


def scipy_p(k1: int, n1: int, k0: int, n0: int) -> float:
    return min(1.0, boschloo_exact(np.array([[k1, k0], [n1 - k1, n0 - k0]])).pvalue)  # columns are the samples


@pytest.mark.parametrize("table", NAMED + random_tables(100, seed=20261122), ids=str)
def test_agrees_with_scipy(table: tuple[int, int, int, int]) -> None:
    assert boschloo_p(*table) == pytest.approx(scipy_p(*table), rel=1e-9, abs=1e-300)


def brute_force_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """The definition, evaluated directly: region from scipy's hypergeometric cdf, maximum over 20,001 values of pi."""
    pi = np.linspace(0, 1, 20_001)[:, None]
    one_sided = []
    for (a, n), (b, m) in (((k1, n1), (k0, n0)), ((k0, n0), (k1, n1))):
        x, y = np.meshgrid(np.arange(n + 1), np.arange(m + 1), indexing="ij")
        fisher = hypergeom.cdf(x, n + m, x + y, n)
        region = (fisher <= fisher[a, b] * (1 + 1e-7)).astype(float)
        mass = ((binom.pmf(np.arange(n + 1), n, pi) @ region) * binom.pmf(np.arange(m + 1), m, pi)).sum(axis=1)
        one_sided.append(mass.max())
    return min(1.0, 2 * min(one_sided))


# (67, 232, 50, 267): scipy's default search (shgo from 32 points) stops at a lower
# local maximum there, 0.008550 against the maximum 0.008621.
@pytest.mark.parametrize("table", [(2, 7, 30, 60), (7, 30, 22, 30), (3, 40, 9, 25), (0, 30, 4, 12), (67, 232, 50, 267)], ids=str)
def test_finds_the_maximum_over_the_nuisance_parameter(table: tuple[int, int, int, int]) -> None:
    brute = brute_force_p(*table)
    assert brute * (1 - 1e-12) <= boschloo_p(*table) <= brute * (1 + 1e-6)  # a grid can only fall short of the maximum
