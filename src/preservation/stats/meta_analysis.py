"""Random-effects meta-analysis of log odds ratios (DerSimonian-Laird, REML, Hartung-Knapp).

Each unit (stats.meta_data) gives a log odds ratio y_i with sampling variance
v_i = 1/a + 1/b + 1/c + 1/d. Zero cells: a table with a zero cell gets 1/2
added to all four cells (metafor's ``escalc`` default, ``add = 1/2, to =
"only0"``); a table with no events, or only events, in both arms says nothing
about the odds ratio and is left out (``drop00 = TRUE``), with its reason.
Both are recorded per unit.

The pooled effect is the inverse-variance mean with weights 1/(v_i + tau^2);
tau^2 by DerSimonian-Laird (moment estimate, truncated at 0) or by REML (the
root of the restricted score; 0 when the score is negative there). Wald (z)
intervals, or with ``hartung_knapp`` the Hartung-Knapp(-Sidik-Jonkman) SE
sqrt(sum w_i (y_i - mu)^2 / ((k - 1) sum w_i)) with t_(k-1) quantiles. I^2 and
H^2 use the "typical" within-study variance (k - 1) sum w / ((sum w)^2 - sum w^2)
(Higgins & Thompson), and the prediction interval is
mu +- crit sqrt(tau^2 + SE^2) with crit z, or t_(k-1) under Hartung-Knapp:
all as metafor's ``rma``/``predict`` compute them, which the pipeline checks
(stats.metafor_check).

Why not statsmodels' ``combine_effects``: it has DL and Paule-Mandel but no
REML, and its DL tau^2 is (Q - df)/c without the truncation at 0, so it
returns a negative variance for homogeneous studies. The estimators are a
few lines each; the REML score is solved with scipy's brentq.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

CORRECTION = 0.5  # added to every cell of a table with a zero cell (metafor escalc: add = 1/2, to = "only0")
METHODS = ("DL", "REML")


@dataclass(frozen=True)
class LogOddsRatios:
    """Per unit: log odds ratio, its variance, the correction added and why a unit is left out ("" if kept)."""

    yi: np.ndarray
    vi: np.ndarray
    added: np.ndarray
    excluded: np.ndarray


def log_odds_ratios(k1: np.ndarray, n1: np.ndarray, k0: np.ndarray, n0: np.ndarray, add: float = CORRECTION) -> LogOddsRatios:
    """Treatment vs control log odds ratios with the only-zero-tables correction."""
    k1, n1, k0, n0 = (np.asarray(x, dtype=float) for x in (k1, n1, k0, n0))
    cells = np.stack([k1, n1 - k1, k0, n0 - k0])
    added = np.where((cells == 0).any(axis=0), add, 0.0)
    a, b, c, d = cells + added
    excluded = np.where((k1 == 0) & (k0 == 0), "no events in either arm",
                        np.where((k1 == n1) & (k0 == n0), "events in every trial of both arms", ""))
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(a * d / (b * c))
        vi = 1 / a + 1 / b + 1 / c + 1 / d
    return LogOddsRatios(yi, vi, added, excluded)


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian-Laird moment estimate, truncated at 0."""
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu) ** 2)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - (len(y) - 1)) / c)) if c > 0 else 0.0


def _reml_score(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """Derivative of the restricted log-likelihood in tau^2 (times 2)."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w**2 * (y - mu) ** 2) - np.sum(w) + np.sum(w**2) / np.sum(w))


def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate: 0 when the restricted likelihood falls from 0, else the root of its score."""
    if len(y) < 2 or _reml_score(0.0, y, v) <= 0:
        return 0.0
    upper = max(float(np.var(y)), float(np.max(v)), 1e-8)
    while _reml_score(upper, y, v) > 0:
        upper *= 2
    return float(optimize.brentq(_reml_score, 0.0, upper, args=(y, v), xtol=1e-14, rtol=1e-14, maxiter=500))


def typical_variance(v: np.ndarray) -> float:
    """Higgins & Thompson's typical within-study variance (metafor's I^2 denominator)."""
    w = 1 / v
    return float((len(v) - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)))


def heterogeneity(tau2: float, v: np.ndarray) -> dict[str, float]:
    """I^2 (percent) and H^2 from tau^2 and the typical within-study variance."""
    if len(v) < 2:
        return {"i2": float("nan"), "h2": float("nan")}
    s2 = typical_variance(v)
    return {"i2": 100 * tau2 / (s2 + tau2), "h2": tau2 / s2 + 1}


def pool(y: np.ndarray, v: np.ndarray, method: str = "REML", hartung_knapp: bool = False, level: float = 0.95) -> dict[str, float]:
    """Pooled log odds ratio with SE, interval, p, tau^2, I^2, Q and prediction interval."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    k = len(y)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    tau2 = tau2_dl(y, v) if method == "DL" else tau2_reml(y, v)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(np.sqrt(1 / np.sum(w)))
    if hartung_knapp and k > 1:
        se = float(np.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w))))
        distribution = stats.t(df=k - 1)
    else:
        distribution = stats.norm()
    crit = float(distribution.ppf(0.5 + level / 2))
    w_fe = 1 / v
    q = float(np.sum(w_fe * (y - np.sum(w_fe * y) / np.sum(w_fe)) ** 2))
    pi_half = crit * np.sqrt(tau2 + se**2)
    return {"k": k, "estimate": mu, "se": se, "ci_low": mu - crit * se, "ci_high": mu + crit * se,
            "p": float(2 * distribution.sf(abs(mu / se))) if se > 0 else float("nan"),
            "tau2": tau2, "tau": float(np.sqrt(tau2)), **heterogeneity(tau2, v),
            "q": q, "q_df": k - 1, "q_p": float(stats.chi2.sf(q, k - 1)) if k > 1 else float("nan"),
            "pi_low": mu - pi_half, "pi_high": mu + pi_half}


def unit_table(units: pd.DataFrame) -> pd.DataFrame:
    """The units with their log odds ratio, variance, the correction added and any exclusion.

    A unit already excluded (stats.meta_data: counted in one arm only) keeps
    its reason and has no log odds ratio or correction.
    """
    one_arm = (units["excluded"] != "").to_numpy()
    lor = log_odds_ratios(*(units[c].to_numpy(dtype=float, na_value=np.nan) for c in ("k1", "n1", "k0", "n0")))
    return units.assign(yi=lor.yi, vi=lor.vi, added=np.where(one_arm, np.nan, lor.added),
                        excluded=np.where(one_arm, units["excluded"], lor.excluded))
