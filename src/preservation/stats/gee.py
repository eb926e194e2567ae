"""Population-averaged companion to the GLMM: GEE with robust (sandwich) SEs.

The GLMM's fixed effects are conditional on a model's random intercept; the
GEE effects average over models and are therefore pulled towards 0. They
answer "how much more often across these models", which readers also ask,
and their sandwich SEs do not rely on the random-effect distribution. With
few clusters (models) the sandwich SE is optimistic, so the number of
clusters is reported beside every estimate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from preservation.stats.design import CellData


@dataclass(frozen=True)
class GeeFit:
    """GEE estimates (log-odds) with robust SEs, or the reason for none."""

    columns: tuple[str, ...]
    beta: np.ndarray
    se: np.ndarray
    working_correlation: float
    n_clusters: int
    n_trials: int
    status: str


def fit_gee(cells: CellData, cluster: str = "model") -> GeeFit:
    """Exchangeable-correlation logistic GEE, clustered on ``cluster``.

    The cells are expanded back to one 0/1 row per trial (GEE's working
    correlation is between trials of a cluster, so counts cannot stand in).
    """
    nan = np.full(len(cells.columns), np.nan)
    events = int(cells.k.sum())
    if events in (0, cells.n_trials):
        return GeeFit(cells.columns, nan, nan, np.nan, 0, cells.n_trials, f"skipped: outcome is {'never' if events == 0 else 'always'} observed")
    if cluster not in cells.groups:
        return GeeFit(cells.columns, nan, nan, np.nan, 0, cells.n_trials, f"skipped: no varying cluster factor '{cluster}'")
    codes = cells.groups[cluster]
    n = cells.n.astype(np.int64)
    k = cells.k.astype(np.int64)
    order = np.argsort(codes, kind="stable")
    rows = np.repeat(order, n[order])
    within = np.concatenate([np.arange(n[i]) for i in order])
    y = (within < k[rows]).astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.GEE(y, cells.X[rows], groups=codes[rows], family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable())
        result = model.fit(maxiter=100)
    notes = sorted({str(w.message).splitlines()[0] for w in caught})
    return GeeFit(
        columns=cells.columns,
        beta=np.asarray(result.params, dtype=float),
        se=np.asarray(result.bse, dtype=float),
        working_correlation=float(np.asarray(model.cov_struct.dep_params).ravel()[0]),
        n_clusters=len(cells.group_levels[cluster]),
        n_trials=cells.n_trials,
        status="ok" if not notes else "ok; " + "; ".join(notes),
    )
