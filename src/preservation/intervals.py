"""Binomial confidence intervals for per-condition rates (via statsmodels), and the normal quantile of a level.

Wilson is the default for reporting, Jeffreys matches the shutdown-resistance
study's published analysis, and Clopper-Pearson is the conservative exact
interval reviewers often ask for.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special
from statsmodels.stats.proportion import proportion_confint

METHODS: dict[str, str] = {"wilson": "wilson", "jeffreys": "jeffreys", "clopper_pearson": "beta"}


def z_value(level: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 at 0.95): every Wald-type interval's half-width in SEs."""
    return float(special.ndtri(0.5 + level / 2))


def binomial_intervals(
    k: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return {method: (low, high)} for every method in METHODS, elementwise over k and n."""
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(n_arr <= 0) or np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("intervals need 0 <= k <= n and n > 0")
    alpha = 1.0 - level
    result = {}
    for name, method in METHODS.items():
        low, high = proportion_confint(k_arr, n_arr, alpha=alpha, method=method)
        low, high = np.clip(np.asarray(low, dtype=float), 0, 1), np.clip(np.asarray(high, dtype=float), 0, 1)
        if name == "jeffreys":
            # Brown, Cai & DasGupta (2001): the Jeffreys interval is closed at 0 when
            # k = 0 and at 1 when k = n; statsmodels returns the raw beta quantiles.
            low = np.where(k_arr == 0, 0.0, low)
            high = np.where(k_arr == n_arr, 1.0, high)
        result[name] = (low, high)
    return result
