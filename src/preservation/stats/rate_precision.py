"""How precisely a design pins down a single rate: closed-form interval half-widths and trials needed.

"How many runs bound 7/100 to +-3 points?" needs no simulation: the Wald
half-width is z sqrt(p(1-p)/n), so n = ceil(z^2 p(1-p) / h^2). The Wilson
interval (the reported default for rates) is not symmetric about p; its
half-width, z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4 n^2)), is given beside
it, with the fewest trials that bring it within h (found by bisection on
that closed form, which falls monotonically in n).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from preservation.intervals import z_value


def wald_half_width(rate: float, trials: int, level: float) -> float:
    return z_value(level) * math.sqrt(rate * (1 - rate) / trials)


def wilson_half_width(rate: float, trials: int, level: float) -> float:
    z = z_value(level)
    return z / (1 + z * z / trials) * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials))


def wald_trials(rate: float, half_width: float, level: float) -> int:
    """Fewest trials whose Wald half-width at ``rate`` is at most ``half_width``."""
    return max(1, math.ceil(z_value(level) ** 2 * rate * (1 - rate) / half_width**2 - 1e-9))


def wilson_trials(rate: float, half_width: float, level: float) -> int:
    """Fewest trials whose Wilson half-width at ``rate`` is at most ``half_width``."""
    low, high = 1, max(2, 4 * wald_trials(rate, half_width, level) + 16)
    while wilson_half_width(rate, high, level) > half_width:
        high *= 2
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if wilson_half_width(rate, middle, level) > half_width else (low, middle)
    return low


def precision_table(rates: Sequence[float], half_widths: Sequence[float], trials: Sequence[int], level: float) -> pd.DataFrame:
    """Per rate: the trials each half-width needs, and the half-widths each trial count gives."""
    rows = []
    for rate in rates:
        for h in half_widths:
            rows.append({"rate": rate, "level": level, "half_width": h, "trials": math.nan,
                         "wald_trials": wald_trials(rate, h, level), "wilson_trials": wilson_trials(rate, h, level),
                         "wald_half_width": math.nan, "wilson_half_width": math.nan})
        for n in trials:
            rows.append({"rate": rate, "level": level, "half_width": math.nan, "trials": n, "wald_trials": math.nan,
                         "wilson_trials": math.nan, "wald_half_width": wald_half_width(rate, n, level),
                         "wilson_half_width": wilson_half_width(rate, n, level)})
    return pd.DataFrame(rows)
