"""Draw trial tables of the project's shape from known GLMM parameters.

Used by the parameter-recovery and speed benchmarks and by the tests that
compare the estimator with glmer: models x peer (none/present) x
instructed (false/true), a random intercept per model, optionally a
crossed batch intercept, with rates that can sit near 0 or 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special


@dataclass(frozen=True)
class TrueParameters:
    """Conditional (GLMM) parameters on the log-odds scale."""

    intercept: float = -1.0
    peer: float = 1.0
    instructed: float = -1.5
    interaction: float = 0.5
    sd_model: float = 1.0
    sd_batch: float = 0.0

    @property
    def beta(self) -> np.ndarray:
        return np.array([self.intercept, self.peer, self.instructed, self.interaction])


def simulate_cells(
    rng: np.random.Generator,
    truth: TrueParameters,
    n_models: int = 8,
    trials: int | tuple[int, int] = 100,
    n_batches: int = 0,
    model_shifts: Sequence[float] = (),
) -> pd.DataFrame:
    """Binomial cells: one row per model x peer x instructed (x batch).

    ``trials`` is the number of trials per cell, or a (low, high) range
    drawn uniformly per cell. ``model_shifts`` adds fixed log-odds shifts to
    the first models (e.g. -8 for a model that almost never acts).
    """
    u_model = rng.normal(0.0, truth.sd_model, n_models)
    u_model[: len(model_shifts)] += np.asarray(model_shifts, dtype=float)
    batches = max(n_batches, 1)
    u_batch = rng.normal(0.0, truth.sd_batch, batches) if n_batches else np.zeros(1)
    rows = []
    for m in range(n_models):
        for b in range(batches):
            for peer in (0, 1):
                for instructed in (0, 1):
                    n = trials if isinstance(trials, int) else int(rng.integers(trials[0], trials[1] + 1))
                    eta = (truth.intercept + truth.peer * peer + truth.instructed * instructed
                           + truth.interaction * peer * instructed + u_model[m] + u_batch[b])
                    rows.append({
                        "model": f"m{m:03d}", "batch": f"b{b:02d}" if n_batches else None,
                        "peer": "present" if peer else "none", "instructed": bool(instructed),
                        "k": int(rng.binomial(n, special.expit(eta))), "n": n,
                    })
    return pd.DataFrame(rows)


def expand_trials(cells: pd.DataFrame, study: str = "sim", behaviour: str = "sim") -> pd.DataFrame:
    """One row per trial, in the canonical trial-table layout."""
    reps = cells.loc[cells.index.repeat(cells["n"])].reset_index(drop=True)
    within = np.concatenate([np.arange(n) for n in cells["n"]])
    reps["outcome"] = (within < np.repeat(cells["k"].to_numpy(), cells["n"].to_numpy())).astype(int)
    reps["study"] = study
    reps["behaviour"] = behaviour
    reps["scenario"] = "sim"
    reps["trial_id"] = [f"t{i:07d}" for i in range(len(reps))]
    return reps.drop(columns=["k", "n"])


def draw_counts(
    rng: np.random.Generator,
    X: np.ndarray,
    beta: np.ndarray,
    sd: Sequence[float],
    groups: Sequence[np.ndarray],
    n_levels: Sequence[int],
    n: np.ndarray,
) -> np.ndarray:
    """New successes per cell from a fitted GLMM: fresh random intercepts N(0, sd_f^2) for every
    level of each grouping factor, then k ~ Binomial(n, expit(X beta + sum_f u_f[group_f])).

    The parametric bootstrap and the power simulation both draw their data sets here, so both
    simulate exactly the model the estimator fits (as lme4's ``simulate()`` with ``use.u = FALSE``).
    """
    eta = np.asarray(X, dtype=float) @ np.asarray(beta, dtype=float)
    for scale, codes, levels in zip(sd, groups, n_levels, strict=True):
        eta = eta + scale * rng.standard_normal(levels)[np.asarray(codes)]
    return rng.binomial(np.asarray(n, dtype=np.int64), special.expit(eta))
