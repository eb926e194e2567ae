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

* fixed effects: studentized (bootstrap-t), with each refit's Wald SE,
  ``[b - t*_(1-a/2) se, b - t*_(a/2) se]`` for ``t* = (b* - b) / se*``: the
  replicates' t carries the extra spread the Wald interval misses;
* SDs: basic (reflected) percentile on the SD scale,
  ``[2 s - q*_(1-a/2), 2 s - q*_(a/2)]``, floored at 0: the refits' SDs fall
  below the fitted one about as far as the fit falls below the truth, and the
  reflection undoes that bias.

The percentile interval of each is kept beside them for comparison.
Replicate i is seeded by ``SeedSequence(seed, spawn_key=(i,))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def studentized(estimate: float, se: float, beta: np.ndarray, beta_se: np.ndarray, level: float) -> tuple[float, float]:
    """Bootstrap-t interval from the replicates' estimates and Wald SEs."""
    t_low, t_high = _quantiles((beta - estimate) / beta_se, level)
    return estimate - t_high * se, estimate - t_low * se


def basic(estimate: float, values: np.ndarray, level: float, floor: float | None = None) -> tuple[float, float]:
    """Basic (reflected percentile) interval, optionally floored (SDs at 0)."""
    q_low, q_high = _quantiles(values, level)
    low, high = 2 * estimate - q_high, 2 * estimate - q_low
    return (low if floor is None else max(low, floor)), (high if floor is None else max(high, floor))


def interval_rows(fit: GlmmFit, reps: Replicates, level: float) -> list[dict[str, object]]:
    """Per intercept/fixed effect and SD: estimate, bootstrap interval (and method), percentile interval."""
    rows = []
    for j, name in enumerate(fit.columns):
        low, high = studentized(fit.beta[j], fit.se[j], reps.beta[:, j], reps.se[:, j], level)
        p_low, p_high = _quantiles(reps.beta[:, j], level)
        rows.append({"parameter": name, "kind": "fixed", "estimate": fit.beta[j], "boot_low": low, "boot_high": high,
                     "method": "studentized", "percentile_low": p_low, "percentile_high": p_high,
                     "usable": int(np.isfinite(reps.se[:, j]).sum())})
    for j, name in enumerate(fit.group_names):
        low, high = basic(fit.sd[j], reps.sd[:, j], level, floor=0.0)
        p_low, p_high = _quantiles(reps.sd[:, j], level)
        rows.append({"parameter": f"sd({name})", "kind": "sd", "estimate": fit.sd[j], "boot_low": low, "boot_high": high,
                     "method": "basic", "percentile_low": p_low, "percentile_high": p_high,
                     "usable": int(np.isfinite(reps.sd[:, j]).sum())})
    return rows


def bootstrap_table(fit: GlmmFit, X: np.ndarray, n: np.ndarray, groups: Sequence[np.ndarray], replicates: int, seed: int,
                    level: float, workers: int = 1) -> pd.DataFrame:
    """bootstrap rows for one fit, with the replicate count, the non-converged refits and the seed."""
    reps = bootstrap_replicates(fit, X, n, groups, replicates, seed, workers)
    table = pd.DataFrame(interval_rows(fit, reps, level))
    table["replicates"] = replicates
    table["not_converged"] = int((~reps.converged.astype(bool)).sum())
    table["seed"] = seed
    return table
