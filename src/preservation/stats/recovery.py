"""Parameter recovery: do the estimator's intervals cover the truth?

Agreement with glmer shows the arithmetic is right; this shows the
intervals mean what they say on data of this project's shape (few models,
rates near 0 and 1), where Wald intervals for a GLMM can undercover. With
``bootstrap > 0`` each data set also gets parametric-bootstrap intervals
(stats.bootstrap), scored beside the Wald ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from preservation.intervals import z_value
from preservation.stats.bootstrap import between_df, bootstrap_replicates, interval_rows
from preservation.stats.glmm import fit_glmm
from preservation.stats.parallel import run_tasks
from preservation.stats.simulate import TrueParameters, simulate_cells

TERMS = ("(Intercept)", "peer", "instructed", "peer:instructed")
SD_NAME = "sd(model)"


@dataclass(frozen=True)
class Recovery:
    """Coverage (share of intervals containing the truth) and bias per parameter.

    ``bootstrap_coverage`` (bootstrap intervals, stats.bootstrap) and
    ``percentile_coverage`` (plain percentile intervals) are empty unless
    bootstrap replicates were asked for.
    """

    n_datasets: int
    coverage: dict[str, float]
    mean_error: dict[str, float]
    n_singular: int
    n_not_converged: int
    seconds_per_fit: float
    bootstrap_coverage: dict[str, float] = field(default_factory=dict)
    percentile_coverage: dict[str, float] = field(default_factory=dict)
    replicates: int = 0


def cell_design(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Treatment-coded peer x instructed design and model codes for simulated cells."""
    peer = (cells["peer"] != "none").to_numpy(float)
    instructed = cells["instructed"].to_numpy(float)
    X = np.column_stack([np.ones(len(cells)), peer, instructed, peer * instructed])
    return X, pd.factorize(cells["model"], sort=True)[0]


def _score(cells: pd.DataFrame, truth: TrueParameters, z: float, level: float, bootstrap: int, seed: tuple[int, ...]) -> dict:
    """Fit one data set (and bootstrap it): per parameter, whether each interval covers the truth."""
    X, model = cell_design(cells)
    n = cells["n"].to_numpy()
    fit = fit_glmm(X, cells["k"].to_numpy(), n, [model], columns=TERMS, group_names=("model",))
    true = dict(zip(TERMS, truth.beta)) | {SD_NAME: truth.sd_model}
    wald, error = {}, {}
    for name, est, se in zip(TERMS, fit.beta, fit.se):
        wald[name] = bool(abs(est - true[name]) <= z * se)
        error[name] = est - true[name]
    sd, sd_se = fit.sd[0], fit.sd_se[0]
    wald[SD_NAME] = bool(sd > 0 and np.isfinite(sd_se) and abs(np.log(sd) - np.log(truth.sd_model)) <= z * sd_se / sd)
    error[SD_NAME] = sd - truth.sd_model
    boot, percentile = {}, {}
    if bootstrap:
        reps = bootstrap_replicates(fit, X, n, [model], bootstrap, seed)
        for row in interval_rows(fit, reps, level, between_df(X, [model])):
            name = str(row["parameter"])
            boot[name] = bool(row["boot_low"] <= true[name] <= row["boot_high"])
            percentile[name] = bool(row["percentile_low"] <= true[name] <= row["percentile_high"])
    return {"wald": wald, "error": error, "boot": boot, "percentile": percentile,
            "singular": fit.singular, "converged": fit.converged}


def parameter_recovery(truth: TrueParameters, n_datasets: int, n_models: int = 10, trials: int = 100,
                       seed: int = 2025, level: float = 0.95, bootstrap: int = 0, workers: int = 1) -> Recovery:
    """Simulate ``n_datasets`` data sets, fit each, and score the intervals.

    Fixed effects: Wald intervals. Model SD: Wald on the log-SD scale (delta
    method); a singular fit (SD 0) counts as not covering a positive SD. The
    data sets are drawn in order from one generator seeded with ``seed``;
    data set i's bootstrap is seeded by ``(seed, i)``, so the figures do not
    depend on ``workers``.
    """
    rng = np.random.default_rng(seed)
    z = z_value(level)
    data = [simulate_cells(rng, truth, n_models=n_models, trials=trials) for _ in range(n_datasets)]
    start = time.perf_counter()
    scores = run_tasks(_score, [(cells, truth, z, level, bootstrap, (seed, i)) for i, cells in enumerate(data)], workers)
    seconds = (time.perf_counter() - start) / n_datasets

    def share(kind: str) -> dict[str, float]:
        names = scores[0][kind] if scores else {}
        return {name: float(np.mean([s[kind][name] for s in scores])) for name in names}

    return Recovery(n_datasets, share("wald"), share("error"), sum(s["singular"] for s in scores),
                    sum(not s["converged"] for s in scores), seconds, share("boot"), share("percentile"), bootstrap)
