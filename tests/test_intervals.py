"""Binomial intervals checked against closed forms and exact beta quantiles, not against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta, norm

from preservation.intervals import binomial_intervals

CASES = [(79, 100), (7, 100), (0, 100), (100, 100), (5, 10), (1, 3)]


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    z = norm.ppf(1 - (1 - level) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), CASES)
def test_against_closed_forms(k, n):
    result = binomial_intervals([k], [n])
    assert np.allclose([result["wilson"][0][0], result["wilson"][1][0]], wilson(k, n), atol=1e-9)
    cp_low = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    cp_high = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    assert np.allclose([result["clopper_pearson"][0][0], result["clopper_pearson"][1][0]], [cp_low, cp_high], atol=1e-9)
    j_low = 0.0 if k == 0 else beta.ppf(0.025, k + 0.5, n - k + 0.5)
    j_high = 1.0 if k == n else beta.ppf(0.975, k + 0.5, n - k + 0.5)
    assert np.allclose([result["jeffreys"][0][0], result["jeffreys"][1][0]], [j_low, j_high], atol=1e-9)


def test_known_values():
    # Clopper-Pearson upper bound for 0/100 is 1 - 0.025**(1/100); Wilson 79/100 is the textbook worked value (0.7002, 0.8583).
    result = binomial_intervals([0, 79], [100, 100])
    assert result["clopper_pearson"][1][0] == pytest.approx(1 - 0.025 ** (1 / 100), abs=1e-9)
    assert result["wilson"][0][1] == pytest.approx(0.7002, abs=5e-5)
    assert result["wilson"][1][1] == pytest.approx(0.8583, abs=5e-5)


def test_rejects_impossible_counts():
    with pytest.raises(ValueError):
        binomial_intervals([5], [3])
