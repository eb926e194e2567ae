"""The estimator against lme4's published cbpp results (independent reference values)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from preservation.stats.glmm import MarginalDeviance, fit_glmm

CBPP = Path(__file__).parent / "fixtures" / "cbpp.csv"

# lme4's own tight test values for
# glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial)
LAPLACE_BETA = [-1.39853, -0.99233, -1.12868, -1.58037]
LAPLACE_SE = [0.2312, 0.3032, 0.3228, 0.4220]
LAPLACE_SD = 0.642
AGQ25_BETA = [-1.39923, -0.99141, -1.12782, -1.57947]
# lme4 1.1.31, same model with nAGQ = 25: SEs, herd SD, and -2 logLik, which
# lme4 reports without the binomial constant for nAGQ > 1.
AGQ25_SE = [0.233511, 0.306768, 0.326767, 0.427596]
AGQ25_SD = 0.64752
AGQ25_DEVIANCE = 100.0100305


@pytest.fixture(scope="module")
def cbpp() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = pd.read_csv(CBPP)
    X = np.column_stack([np.ones(len(d))] + [(d["period"] == p).to_numpy(float) for p in (2, 3, 4)])
    herd = pd.factorize(d["herd"], sort=True)[0]
    return X, d["incidence"].to_numpy(), d["size"].to_numpy(), herd


def test_fixture_is_cbpp(cbpp):
    X, k, n, herd = cbpp
    assert len(k) == 56 and herd.max() + 1 == 15 and k.sum() == 99 and n.sum() == 842  # sums from R: sum(cbpp$incidence), sum(cbpp$size)


def test_laplace_matches_lme4(cbpp):
    X, k, n, herd = cbpp
    fit = fit_glmm(X, k, n, [herd], nagq=1)
    assert fit.converged and not fit.singular
    np.testing.assert_allclose(fit.beta, LAPLACE_BETA, atol=0.002)
    np.testing.assert_allclose(fit.se, LAPLACE_SE, rtol=0.02)
    assert abs(fit.sd[0] - LAPLACE_SD) < 0.01
    assert abs(fit.minus2loglik - 184.05) < 0.01


def test_agq25_matches_lme4(cbpp):
    X, k, n, herd = cbpp
    fit = fit_glmm(X, k, n, [herd], nagq=25)
    assert fit.converged
    np.testing.assert_allclose(fit.beta, AGQ25_BETA, atol=0.002)
    np.testing.assert_allclose(fit.se, AGQ25_SE, rtol=0.005)
    assert abs(fit.sd[0] - AGQ25_SD) < 0.001
    deviance = MarginalDeviance(X, k, n, [herd], [15], nagq=25)
    assert abs(deviance(np.r_[fit.beta, fit.sd]) - AGQ25_DEVIANCE) < 0.001
    assert abs(fit.minus2loglik - deviance.constant - AGQ25_DEVIANCE) < 0.001


def test_agq_needs_one_grouping_factor(cbpp):
    X, k, n, herd = cbpp
    with pytest.raises(ValueError, match="one grouping factor"):
        fit_glmm(X, k, n, [herd, herd % 3], nagq=5)
