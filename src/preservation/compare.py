"""Two-cell comparisons on counts: odds ratio, its exact interval and Fisher's exact p.

Used by the paper's numbers and by comparative claims alike, so a claim checks
exactly the odds ratio and p-value the text reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import fisher_exact
from scipy.stats.contingency import odds_ratio


@dataclass(frozen=True)
class Comparison:
    """Odds of cell a relative to cell b (conditional MLE), with an exact interval and two-sided p."""

    odds_ratio: float
    low: float
    high: float
    p: float


def compare_counts(k_a: int, n_a: int, k_b: int, n_b: int, level: float = 0.95) -> Comparison:
    """Exact (conditional) odds ratio of a vs b, its interval at `level` and Fisher's two-sided p."""
    table = [[k_a, n_a - k_a], [k_b, n_b - k_b]]
    result = odds_ratio(table, kind="conditional")
    interval = result.confidence_interval(confidence_level=level)
    p = fisher_exact(table, alternative="two-sided").pvalue
    return Comparison(float(result.statistic), float(interval.low), float(interval.high), float(p))
