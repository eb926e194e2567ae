"""Which fixed effects have no finite maximum-likelihood estimate (separation).

When a combination of the fixed-effect columns orders the cells so that the
outcome never occurs on one side and always on the other (complete or
quasi-complete separation; Albert and Anderson, 1984), the likelihood keeps
rising as those coefficients run to infinity. An optimiser stops where the
likelihood is flat to its tolerance, at an odds ratio like 1e12 with an
enormous standard error, and lme4's gradient check calls that converged. No
threshold on |estimate| or SE tells such a fit from a large real effect, so
this is decided exactly, from the design and the counts alone, with the linear
programme of Konis (2007, R package `detectseparation`): coefficient j is
infinite exactly when some direction d with d_j != 0 never lowers the
likelihood, i.e. x_i'd >= 0 for every cell with an event and x_i'd <= 0 for
every cell with a non-event. Random intercepts do not change this: their
penalty does not involve the fixed effects, so the marginal likelihood rises
along d as the binomial one does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize

TOL = 1e-7  # an LP optimum below this is numerical zero


def separated_columns(X: np.ndarray, k: np.ndarray, n: np.ndarray, columns: Sequence[str]) -> tuple[str, ...]:
    """The columns of a full-rank design X whose estimate is infinite, given k events of n per cell (row)."""
    X, k, n = np.asarray(X, dtype=float), np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    # One constraint row per (cell, outcome seen there): events need x'd >= 0, non-events x'd <= 0.
    # Cells differing only in their random-effect groups give the same row: keep each once,
    # so the LPs are as small as the fixed-effect design (a few rows), however many cells.
    signed = np.unique(np.vstack([X[k > 0], -X[n - k > 0]]), axis=0)
    p = X.shape[1]
    infinite = []
    for j in range(p):
        for sign in (1.0, -1.0):
            objective = np.zeros(p)
            objective[j] = -sign  # linprog minimises: maximise sign * d_j
            result = optimize.linprog(objective, A_ub=-signed, b_ub=np.zeros(len(signed)), bounds=[(-1, 1)] * p, method="highs")
            if result.status == 0 and -result.fun > TOL:
                infinite.append(columns[j])
                break
    return tuple(infinite)
