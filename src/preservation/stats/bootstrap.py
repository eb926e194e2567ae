"""Parametric-bootstrap intervals for a GLMM's intercept and random-effect SDs.

Why: with few models (the usual case here) the ML model SD is biased low, so
Wald intervals for quantities that depend on the between-model spread
undercover (bench/recovery.py: 0.902 for the intercept, 0.914 for the model
SD at 10 models, nominal 0.95). The bootstrap draws data sets from the fitted
model on the same cells (same conditions, levels and trials, fresh random
intercepts; simulate.draw_counts, as lme4's ``bootMer(type = "parametric")``)
and refits each with the same estimator.

Intervals (chosen by their measured coverage in bench/recovery.py, see
docs/statistics.md):

* fixed effects: the Wald interval with t quantiles whose degrees of freedom
  come from the bootstrap, ``b +- t_(df, 1-a/2) se``, df matched to the
  spread of the refits' squared SEs as for a scaled chi-square (bootstrap_df;
  how well the data pin down the SE: about m - 1 for the intercept with m
  models, large for within-model contrasts far from separation, few where
  some refits nearly separate the term and its SE swings), capped for a term that varies
  only between the levels of a grouping factor at that factor's
  between-level df (between_df: m minus the between-level columns, as the
  between-within df of linear mixed models). Why the cap: such a term's SE
  rests on the model SD, which m levels inform, however steady the refits'
  SEs happen to be; within-level terms rest on the binomial variance, which
  is known, so they get no cap. Measured alternatives fell short for the
  intercept at 10 models: the studentized (bootstrap-t) and percentile
  intervals covered 0.90, as Wald does, also when the replicates were drawn
  from a bias-corrected SD (0.905): the t ratio of the intercept is not
  pivotal here (its tails are heavier where the fitted SD is small), so the
  replicates' t cannot learn them;
* SDs: basic (reflected) percentile on the log scale,
  ``[s^2 / q*_(1-a/2), s^2 / q*_(a/2)]``: the refits' SDs fall below the
  fitted one about as far as the fit falls below the truth, and the
  reflection undoes that bias (the plain percentile interval, which keeps it,
  covered 0.77).

The percentile interval of each is kept beside them for comparison.
Replicate i is seeded by ``SeedSequence(seed, spawn_key=(i,))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from preservation.intervals import z_value
from preservation.stats.glmm import GlmmFit, fit_glmm
from preservation.stats.parallel import chunk_bounds, run_tasks
from preservation.stats.simulate import draw_counts


@dataclass(frozen=True)
class Replicates:
    """Refitted estimates of every replicate (rows), NaN where a refit gave no SE."""

    beta: np.ndarray
    se: np.ndarray
    sd: np.ndarray
    sd_se: np.ndarray
    converged: np.ndarray


Seed = int | tuple[int, ...]
MAX_LOG_DF = 16.0  # df above e^16 (9e6) is a normal quantile to 7 digits: reported as inf


def _replicate_chunk(fit: GlmmFit, X: np.ndarray, n: np.ndarray, groups: Sequence[np.ndarray], seed: Seed,
                     start: int, stop: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]]:
    out = []
    for index in range(start, stop):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
        k = draw_counts(rng, X, fit.beta, fit.sd, groups, fit.n_levels, n)
        refit = fit_glmm(X, k, n, groups, nagq=fit.nagq)
        out.append((refit.beta, refit.se, refit.sd, refit.sd_se, refit.converged))
    return out


def bootstrap_replicates(fit: GlmmFit, X: np.ndarray, n: np.ndarray, groups: Sequence[np.ndarray], replicates: int,
                         seed: Seed, workers: int = 1) -> Replicates:
    """Simulate ``replicates`` data sets from ``fit`` on its own cells and refit each."""
    tasks = [(fit, X, n, list(groups), seed, a, b) for a, b in chunk_bounds(replicates, workers)]
    rows = [row for chunk in run_tasks(_replicate_chunk, tasks, workers) for row in chunk]
    return Replicates(*(np.array([row[j] for row in rows]) for j in range(5)))


def _quantiles(values: np.ndarray, level: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return float("nan"), float("nan")
    low, high = np.quantile(finite, [0.5 - level / 2, 0.5 + level / 2])
    return float(low), float(high)


def bootstrap_df(replicate_se: np.ndarray) -> float:
    """Degrees of freedom of the Wald SE, from how much the refits' SEs vary.

    If se^2 ~ sigma^2 chi^2_df / df, then Var(log se^2) = trigamma(df / 2);
    the spread of log se*^2 is taken robustly (interquartile range / 1.349),
    because a refit that nearly separates a term has an SE of 1e5 or more and
    would swamp a moment estimate (on the shipped Palisade fit, Satterthwaite's
    2 E[se^2]^2 / Var[se^2] gave 0.01 df for the instruction). inf when the SEs
    do not vary.
    """
    finite = replicate_se[np.isfinite(replicate_se) & (replicate_se > 0)]
    if len(finite) < 4:
        return float("nan")
    q1, q3 = np.percentile(np.log(finite**2), [25, 75])
    spread = ((q3 - q1) / 1.349) ** 2
    if spread <= special.polygamma(1, np.exp(MAX_LOG_DF) / 2):
        return float("inf")
    return float(np.exp(optimize.brentq(lambda log_df: special.polygamma(1, np.exp(log_df) / 2) - spread, -20.0, MAX_LOG_DF)))


def between_df(X: np.ndarray, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Per column of X, the between-level df of a column constant within every level of a grouping factor, else inf.

    For such a column and factor g: levels(g) minus the rank of all columns
    constant within g's levels (the intercept among them); the smallest over
    the factors it is constant within.
    """
    caps = np.full(X.shape[1], np.inf)
    for level_of in groups:
        levels, first, index = np.unique(level_of, return_index=True, return_inverse=True)
        per_level = X[first]
        between = np.all(X == per_level[index], axis=0)
        if between.any():
            df = len(levels) - np.linalg.matrix_rank(per_level[:, between])
            caps[between] = np.minimum(caps[between], max(df, 1))
    return caps


def bootstrap_t(estimate: float, se: float, replicate_se: np.ndarray, level: float,
                max_df: float = float("inf")) -> tuple[float, float, float]:
    """Wald interval with t quantiles on the bootstrap degrees of freedom, at most max_df: (low, high, df)."""
    df = min(bootstrap_df(replicate_se), max_df)
    crit = float(stats.t.ppf(0.5 + level / 2, df)) if np.isfinite(df) else z_value(level)
    return estimate - crit * se, estimate + crit * se, df


def basic_log(estimate: float, values: np.ndarray, level: float) -> tuple[float, float]:
    """Basic (reflected percentile) interval on the log scale, for an SD: [s^2 / q*_hi, s^2 / q*_lo].

    A singular replicate (SD 0) counts as log 0 = -inf: when such replicates
    reach the lower tail the upper bound is infinite, which is what the data
    say. A singular fit (s = 0) has no log scale; its interval is the
    replicates' percentile one.
    """
    finite = values[~np.isnan(values)]
    if estimate <= 0 or not len(finite):
        return _quantiles(values, level)
    with np.errstate(divide="ignore"):
        logs = np.log(finite)
    q_low, q_high = np.quantile(logs, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf")  # order statistics: no -inf arithmetic
    return float(np.exp(2 * np.log(estimate) - q_high)), float(np.exp(2 * np.log(estimate) - q_low))


def interval_rows(fit: GlmmFit, reps: Replicates, level: float, max_df: np.ndarray) -> list[dict[str, object]]:
    """Per intercept/fixed effect and SD: estimate, bootstrap interval (and method), percentile interval.

    ``max_df``: per fixed effect, the cap on its df (between_df).
    """
    rows = []
    for j, name in enumerate(fit.columns):
        low, high, df = bootstrap_t(fit.beta[j], fit.se[j], reps.se[:, j], level, max_df[j])
        p_low, p_high = _quantiles(reps.beta[:, j], level)
        rows.append({"parameter": name, "kind": "fixed", "estimate": fit.beta[j], "boot_low": low, "boot_high": high,
                     "method": "t, bootstrap df", "df": df, "percentile_low": p_low, "percentile_high": p_high,
                     "usable": int(np.isfinite(reps.se[:, j]).sum())})
    for j, name in enumerate(fit.group_names):
        low, high = basic_log(fit.sd[j], reps.sd[:, j], level)
        p_low, p_high = _quantiles(reps.sd[:, j], level)
        rows.append({"parameter": f"sd({name})", "kind": "sd", "estimate": fit.sd[j], "boot_low": low, "boot_high": high,
                     "method": "basic (log scale)", "df": float("nan"), "percentile_low": p_low, "percentile_high": p_high,
                     "usable": int(np.isfinite(reps.sd[:, j]).sum())})
    return rows


def bootstrap_table(fit: GlmmFit, X: np.ndarray, n: np.ndarray, groups: Sequence[np.ndarray], replicates: int, seed: int,
                    level: float, workers: int = 1) -> pd.DataFrame:
    """bootstrap rows for one fit, with the replicate count, the non-converged refits and the seed."""
    reps = bootstrap_replicates(fit, X, n, groups, replicates, seed, workers)
    table = pd.DataFrame(interval_rows(fit, reps, level, between_df(X, groups)))
    table["replicates"] = replicates
    table["not_converged"] = int((~reps.converged.astype(bool)).sum())
    table["seed"] = seed
    return table
