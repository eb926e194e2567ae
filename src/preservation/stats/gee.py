"""Population-averaged companion to the GLMM: GEE with robust (sandwich) SEs.

The GLMM's fixed effects are conditional on a model's random intercept; the
GEE effects average over models and are therefore pulled towards 0. They
answer "how much more often across these models", which readers also ask,
and their sandwich SEs do not rely on the random-effect distribution. With
few clusters (models) the sandwich SE is optimistic, so the number of
clusters is reported beside every estimate.

Why not statsmodels' GEE: it needs one 0/1 row per trial, and at a million
trials its job took 1.3 GiB (bench/run.py). With an exchangeable working
correlation every estimating equation, the moment estimate of the
correlation and the sandwich depend on a cluster's trials only through sums
over its cells, so this module runs statsmodels' own algorithm (start at the
independence (GLM) estimate; same updates, same stopping rule) on k of n
counts. tests/test_stats_gee.py checks it against statsmodels' GEE on the
expanded trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from preservation.stats.design import CellData

# statsmodels' Binomial variance clips p to this distance from 0 and 1.
FLOAT_EPS = np.finfo(float).eps
MAXITER = 100
CTOL = 1e-6  # statsmodels' default: stop when the score's L2 norm falls below it
# The start: the independence estimate (rho = 0 is a logistic GLM), iterated to well below CTOL.
START_TOL = 1e-10
# A robust SE below this fraction of the model-based one is rounding noise of a sandwich that is exactly 0.
ZERO_SE_RTOL = 1e-8


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


@dataclass(frozen=True)
class _ClusteredCells:
    """Cells with their cluster membership, and the per-cluster sums the equations need."""

    X: np.ndarray
    k: np.ndarray
    n: np.ndarray
    member: sparse.csr_matrix  # clusters x cells indicator
    size: np.ndarray  # trials per cluster

    def score_and_information(self, beta: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-cluster scores D_i' V_i^-1 (y_i - mu_i) (clusters x p) and the summed D_i' V_i^-1 D_i.

        V_i^-1 = S^-1 [I / (1 - rho) - c_i 11'] S^-1 with S = diag(sd), so sums over a
        cluster's trials reduce to sums over its cells, weighted by n (or by k - n mu).
        """
        mu, var, d = self._means(beta)
        sd = np.sqrt(var)
        c = rho / (1 - rho) / (1 + rho * (self.size - 1))
        load = self.member @ (d * (self.n / sd)[:, None])  # sum over trials of d / sd, per cluster
        residual = self.k - self.n * mu  # sum of y - mu over a cell's trials
        standardised = self.member @ (residual / sd)
        scores = self.member @ (d * (residual / var)[:, None]) / (1 - rho) - c[:, None] * load * standardised[:, None]
        information = (d * (self.n / var)[:, None]).T @ d / (1 - rho) - (load * c[:, None]).T @ load
        return scores, information

    def exchangeable_rho(self, beta: np.ndarray) -> float:
        """statsmodels' moment estimate of the within-cluster correlation of Pearson residuals."""
        mu, var, _ = self._means(beta)
        squares = self.member @ ((self.k * (1 - mu) ** 2 + (self.n - self.k) * mu**2) / var)
        sums = self.member @ ((self.k - self.n * mu) / np.sqrt(var))
        ddof = self.X.shape[1]
        scale = squares.sum() / (self.n.sum() - ddof)
        pairs = (self.size * (self.size - 1) / 2).sum()
        return float(((sums**2 - squares) / 2).sum() / scale / (pairs - ddof))

    def _means(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, clipped binomial variance and d mu / d beta per cell, computed as statsmodels does."""
        linear = self.X @ beta
        mu = 1.0 / (1.0 + np.exp(-linear))
        p = np.clip(mu, FLOAT_EPS, 1 - FLOAT_EPS)
        slope = np.exp(linear) / (1 + np.exp(linear)) ** 2
        return mu, p * (1 - p), self.X * slope[:, None]


def fit_gee(cells: CellData, cluster: str = "model") -> GeeFit:
    """Exchangeable-correlation logistic GEE, clustered on ``cluster``, from the cells' counts."""
    nan = np.full(len(cells.columns), np.nan)
    events = int(cells.k.sum())
    if events in (0, cells.n_trials):
        return GeeFit(cells.columns, nan, nan, np.nan, 0, cells.n_trials, f"skipped: outcome is {'never' if events == 0 else 'always'} observed")
    if cluster not in cells.groups:
        return GeeFit(cells.columns, nan, nan, np.nan, 0, cells.n_trials, f"skipped: no varying cluster factor '{cluster}'")
    codes = cells.groups[cluster]
    clusters = len(cells.group_levels[cluster])
    member = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(clusters, len(codes)))
    data = _ClusteredCells(cells.X, cells.k, cells.n, member, member @ cells.n)
    start, independent = _independence_start(data)
    beta, rho, converged = _solve(data, start) if independent else (start, np.nan, False)
    if not converged:  # e.g. an outcome separated by a factor: the estimates run off to infinity
        why = "the independence (GLM) start" if not independent else f"the GEE iterations ({MAXITER})"
        return GeeFit(cells.columns, nan, nan, np.nan, clusters, cells.n_trials, f"not converged: {why} did not converge")
    scores, information = data.score_and_information(beta, rho)
    bread = _inverse(information)
    variance = np.diag(bread @ (scores.T @ scores) @ bread)
    # Every cluster's score is 0 along these terms (e.g. each cluster is fitted exactly): the
    # sandwich says nothing there (its rounding noise may even be negative), and a 0 SE would
    # print as infinite precision.
    zero = variance <= ZERO_SE_RTOL**2 * np.abs(np.diag(bread))
    se = np.sqrt(np.where(zero, np.nan, variance))
    if zero.any():
        terms = ", ".join(c for c, z in zip(cells.columns, zero) if z)
        status = f"no robust SE for {terms}: the clusters' scores are all 0 there (sandwich is 0)"
        return GeeFit(cells.columns, beta, se, rho, clusters, cells.n_trials, status)
    return GeeFit(cells.columns, beta, se, rho, clusters, cells.n_trials, "ok")


def _independence_start(data: _ClusteredCells) -> tuple[np.ndarray, bool]:
    """The logistic GLM estimate by Fisher scoring (the GEE equations at rho = 0), from beta = 0."""
    beta = np.zeros(data.X.shape[1])
    for _ in range(MAXITER):
        scores, information = data.score_and_information(beta, 0.0)
        step = _solve_or_pinv(information, scores.sum(axis=0))
        beta = beta + step
        if np.max(np.abs(step)) < START_TOL:
            return beta, True
    return beta, False


def _solve(data: _ClusteredCells, beta: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """statsmodels' GEE.fit loop: a scoring step, then a correlation update, until the
    score (taken before the step) is below CTOL after at least one correlation update."""
    rho = 0.0
    for iteration in range(MAXITER):
        scores, information = data.score_and_information(beta, rho)
        score = scores.sum(axis=0)
        beta = beta + _solve_or_pinv(information, score)
        if np.sqrt(np.sum(score**2)) < CTOL and iteration > 0:
            return beta, rho, True
        rho = data.exchangeable_rho(beta)
    return beta, rho, False


def _solve_or_pinv(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(matrix, vector)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix) @ vector


def _inverse(matrix: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix)
