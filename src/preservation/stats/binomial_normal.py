"""Binomial-normal random-effects meta-analysis of odds ratios on the counts themselves.

The model of metafor's ``rma.glmm(measure = "OR", model = "UM.FS")`` (its
default: unconditional model, fixed study effects): for unit i,

    logit p_i1 = alpha_i + beta + tau u_i / 2,   logit p_i0 = alpha_i - tau u_i / 2,   u_i ~ N(0, 1),

with events k_i1 of n_i1 and k_i0 of n_i0 binomial, a fixed intercept alpha_i
per unit, and the pooled log odds ratio beta. metafor fits it with
``lme4::glmer(cbind(k, n - k) ~ -1 + treat + unit + (group - 1 | unit),
nAGQ = 7)`` with group = +-1/2; this module maximises the same adaptive
Gauss-Hermite likelihood (7 nodes centred and scaled at each unit's
conditional mode, as stats.glmm does for lme4) and reports beta, its SE (lme4's:
twice the inverse Hessian of the deviance in (tau, beta, alpha)), and tau^2.
No continuity correction is needed: a zero cell is an ordinary binomial
outcome. A unit with no events (or only events) in both arms has alpha_i at
infinity and no information on beta; it is left out, as ``drop00 = TRUE`` does.

Why not stats.glmm.fit_glmm: its random effects are intercepts (a column of
ones), not the +-1/2 slope, and a general optimiser over the k + 2
parameters with finite-difference AGQ gradients takes seconds at 50 studies.
Here Newton's method runs on all k + 2 parameters with an arrowhead Hessian:
the deviance is a sum over units, each depending on its own alpha_i only, so
a finite difference in every alpha_i at once gives every unit's own
derivatives, and 19 deviance evaluations give the whole Hessian at any k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

NAGQ = 7  # metafor's rma.glmm default
SINGULAR_TOL = 1e-4  # as stats.glmm (lme4's isSingular tolerance on the SD)
STEP = 1e-4  # finite-difference step of the gradient and Hessian (lme4's deriv12 step)


@dataclass(frozen=True)
class BinomialNormalFit:
    """Pooled log odds ratio, its SE, tau^2 and the fit's state."""

    estimate: float
    se: float
    tau2: float
    k: int
    deviance: float  # summed unit deviances, binomial constants and saturated terms omitted
    converged: bool
    singular: bool
    message: str


class _Deviance:
    """-2 log-likelihood per unit by adaptive Gauss-Hermite quadrature (binomial constants omitted)."""

    def __init__(self, k1: np.ndarray, n1: np.ndarray, k0: np.ndarray, n0: np.ndarray, nagq: int = NAGQ) -> None:
        self.k = np.stack([np.asarray(k1, float), np.asarray(k0, float)])  # arm x unit
        self.n = np.stack([np.asarray(n1, float), np.asarray(n0, float)])
        self.sat = special.xlogy(self.k, self.k / self.n) + special.xlogy(self.n - self.k, (self.n - self.k) / self.n)
        nodes, weights = np.polynomial.hermite_e.hermegauss(nagq)
        self.nodes, self.logw = nodes, np.log(weights / weights.sum()) + nodes**2 / 2
        self.u = np.zeros(self.k.shape[1])
        self.sign = np.array([0.5, -0.5])[:, None]

    def __call__(self, alpha: np.ndarray, beta: float, tau: float) -> np.ndarray:
        """Each unit's deviance at (alpha_i, beta, tau); the conditional modes start from the last ones."""
        base = np.stack([alpha + beta, alpha])
        scale = tau * self.sign
        k, n = self.k, self.n
        u = self.u.copy()

        def penalised(u_: np.ndarray) -> np.ndarray:
            eta_ = base + scale * u_
            return (k * np.logaddexp(0, -eta_) + (n - k) * np.logaddexp(0, eta_)).sum(axis=0) + 0.5 * u_ * u_

        value = penalised(u)
        for _ in range(100):  # Newton on the penalised deviance (convex in u), halving a unit's step where it overshoots
            mu = special.expit(base + scale * u)
            prec = 1 + (scale * scale * n * mu * (1 - mu)).sum(axis=0)
            step = ((scale * (k - n * mu)).sum(axis=0) - u) / prec
            candidate = u + step
            new_value = penalised(candidate)
            for _ in range(50):
                worse = new_value > value + 1e-12 * np.abs(value)
                if not worse.any():
                    break
                step = np.where(worse, step / 2, step)
                candidate = u + step
                new_value = penalised(candidate)
            u, value = candidate, new_value
            if np.max(np.abs(step)) < 1e-12:
                break
        self.u = u
        mu = special.expit(base + scale * u)
        prec = 1 + (scale * scale * n * mu * (1 - mu)).sum(axis=0)
        u_nodes = u[:, None] + self.nodes[None, :] / np.sqrt(prec)[:, None]  # unit x node
        eta = base[:, :, None] + scale[:, :, None] * u_nodes[None]  # arm x unit x node
        k3, n3, sat3 = k[:, :, None], n[:, :, None], self.sat[:, :, None]
        dev_nodes = 2 * (sat3 + k3 * np.logaddexp(0, -eta) + (n3 - k3) * np.logaddexp(0, eta)).sum(axis=0)
        log_terms = self.logw[None, :] - 0.5 * dev_nodes - 0.5 * u_nodes**2
        top = log_terms.max(axis=1)
        return np.log(prec) - 2 * (top + np.log(np.exp(log_terms - top[:, None]).sum(axis=1)))


def _derivatives(dev: _Deviance, x: np.ndarray, free_tau: bool) -> tuple[float, np.ndarray, np.ndarray]:
    """Deviance, gradient and Hessian over (tau, beta, alpha_1..alpha_m) by central differences.

    The deviance is a sum of unit terms, each depending on its own alpha_i
    only, so the Hessian is an arrowhead: shifting every alpha_i at once gives
    each unit's own derivatives, and 19 evaluations give them all, however
    many units there are. Without ``free_tau`` the tau row and column are 0.
    """
    tau, beta, alpha = x[0], x[1], x[2:]
    h = STEP
    m = len(alpha)

    def d(da: float = 0.0, db: float = 0.0, dt: float = 0.0) -> np.ndarray:
        return dev(alpha + da, beta + db, tau + dt)

    c, ap, am, bp, bm = d(), d(da=h), d(da=-h), d(db=h), d(db=-h)
    g = np.zeros(m + 2)
    H = np.zeros((m + 2, m + 2))
    g[2:], g[1] = (ap - am) / (2 * h), np.sum(bp - bm) / (2 * h)
    H[2:, 2:] = np.diag((ap - 2 * c + am) / h**2)
    H[1, 1] = np.sum(bp - 2 * c + bm) / h**2
    H[1, 2:] = H[2:, 1] = (d(h, h) - d(h, -h) - d(-h, h) + d(-h, -h)) / (4 * h**2)
    if free_tau:
        tp, tm = d(dt=h), d(dt=-h)
        g[0] = np.sum(tp - tm) / (2 * h)
        H[0, 0] = np.sum(tp - 2 * c + tm) / h**2
        H[0, 2:] = H[2:, 0] = (d(da=h, dt=h) - d(da=h, dt=-h) - d(da=-h, dt=h) + d(da=-h, dt=-h)) / (4 * h**2)
        H[0, 1] = H[1, 0] = np.sum(d(db=h, dt=h) - d(db=h, dt=-h) - d(db=-h, dt=h) + d(db=-h, dt=-h)) / (4 * h**2)
    else:
        H[0, 0] = 1.0  # tau held at 0: a unit row that the step leaves at 0
    return float(c.sum()), g, H


def _newton(dev: _Deviance, x: np.ndarray, free_tau: bool, iterations: int = 100) -> tuple[np.ndarray, bool]:
    """Damped Newton on the deviance (Levenberg shift where the Hessian is not positive definite).

    Where no step along the Newton direction, down to 1e-8 of it, lowers the
    deviance, the search has stalled rather than converged: it returns the
    last point that did, unconverged, instead of a step that raised it.
    """
    value = float(dev(x[2:], x[1], x[0]).sum())
    for _ in range(iterations):
        _, g, H = _derivatives(dev, x, free_tau)
        shift = 0.0
        while True:
            try:
                chol = np.linalg.cholesky(H + shift * np.eye(len(x)))
                break
            except np.linalg.LinAlgError:
                shift = max(2 * shift, 1e-3)
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
        factor = 1.0
        while True:
            trial = x - factor * step
            new_value = float(dev(trial[2:], trial[1], trial[0]).sum())
            if new_value <= value + 1e-12 * abs(value):
                break
            factor /= 2
            if factor <= 1e-8:
                return x, False
        x, decrease, value = trial, value - new_value, new_value
        if np.max(np.abs(factor * step)) < 1e-9:
            return x, True
        if 0 <= decrease < 1e-14 and np.max(np.abs(factor * step)) < 1e-6:
            return x, True
    return x, False


def fit_binomial_normal(k1: np.ndarray, n1: np.ndarray, k0: np.ndarray, n0: np.ndarray, nagq: int = NAGQ) -> BinomialNormalFit:
    """Fit the UM.FS binomial-normal model to units with information on the odds ratio (see module doc)."""
    k1, n1, k0, n0 = (np.asarray(x, dtype=float) for x in (k1, n1, k0, n0))
    keep = ~(((k1 == 0) & (k0 == 0)) | ((k1 == n1) & (k0 == n0)))
    k1, n1, k0, n0 = k1[keep], n1[keep], k0[keep], n0[keep]
    if len(k1) < 2:
        return BinomialNormalFit(float("nan"), float("nan"), float("nan"), len(k1), float("nan"), False, False,
                                 "fewer than 2 units with events")
    dev = _Deviance(k1, n1, k0, n0, nagq)
    alpha0 = special.logit((k0 + 0.5) / (n0 + 1))
    beta0 = float(np.mean(special.logit((k1 + 0.5) / (n1 + 1)) - alpha0))
    # tau starts away from 0, where its gradient vanishes (the deviance is even in tau); |tau| is reported.
    x, converged = _newton(dev, np.concatenate([[0.5, beta0], alpha0]), free_tau=True)
    x[0] = abs(x[0])
    singular = bool(x[0] < SINGULAR_TOL)
    if singular:
        x[0] = 0.0
        x, converged = _newton(dev, x, free_tau=False)
    value, g, H = _derivatives(dev, x, free_tau=not singular)
    message, se = "ok", float("nan")
    try:
        chol = np.linalg.cholesky(H)
        converged = converged and bool(np.max(np.abs(np.linalg.solve(chol, g))) < 1e-3)
        V = 2 * np.linalg.inv(H)
        se = float(np.sqrt(V[1, 1]))
    except np.linalg.LinAlgError:
        converged, message = False, "Hessian of the deviance is not positive definite"
    if not converged and message == "ok":
        message = "Newton iterations did not converge"
    if singular:
        message = (message + "; " if message != "ok" else "") + "boundary (singular) fit: tau^2 is 0"
    return BinomialNormalFit(float(x[1]), se, float(x[0] ** 2), len(k1), value, converged, singular, message)
