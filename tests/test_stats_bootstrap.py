"""Parametric-bootstrap intervals (stats.bootstrap): reproducible draws and the interval formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scipy import stats

from preservation.stats.bootstrap import (basic_log, between_df, bootstrap_df, bootstrap_replicates, bootstrap_t,
                                          bootstrap_table)
from preservation.stats.glmm import fit_glmm
from preservation.stats.recovery import cell_design
from preservation.stats.simulate import TrueParameters, simulate_cells


@pytest.fixture(scope="module")
def fitted():
    cells = simulate_cells(np.random.default_rng(4), TrueParameters(sd_model=1.0), n_models=6, trials=60)
    X, model = cell_design(cells)
    n = cells["n"].to_numpy()
    return fit_glmm(X, cells["k"].to_numpy(), n, [model]), X, n, [model]


def test_replicates_do_not_depend_on_the_workers(fitted) -> None:
    fit, X, n, groups = fitted
    one, two = (bootstrap_replicates(fit, X, n, groups, 6, seed=9, workers=w) for w in (1, 2))
    for name in ("beta", "se", "sd", "sd_se"):
        assert np.array_equal(getattr(one, name), getattr(two, name), equal_nan=True)
    other = bootstrap_replicates(fit, X, n, groups, 6, seed=10)
    assert not np.array_equal(one.beta, other.beta)


def test_table_has_an_interval_per_fixed_effect_and_sd_with_the_seed(fitted) -> None:
    fit, X, n, groups = fitted
    table = bootstrap_table(fit, X, n, groups, 20, seed=3, level=0.95)
    assert list(table["kind"]) == ["fixed"] * 4 + ["sd"]
    assert (table["boot_low"] < table["boot_high"]).all() and table["seed"].eq(3).all()
    assert set(table["method"]) == {"t, bootstrap df", "basic (log scale)"}


def test_bootstrap_degrees_of_freedom_recover_a_chi_square() -> None:
    rng = np.random.default_rng(0)
    se = np.sqrt(rng.chisquare(9, 20000) / 9)  # squared SEs ~ chi2(9)/9, as for a mean of 10 normal draws
    assert bootstrap_df(se) == pytest.approx(9, rel=0.05)
    low, high, df = bootstrap_t(1.0, 0.5, se, 0.95)
    assert high - 1.0 == pytest.approx(stats.t.ppf(0.975, df) * 0.5)
    assert bootstrap_df(np.r_[se[:999], 1e6]) == pytest.approx(bootstrap_df(se[:1000]), rel=0.05)  # a separated refit
    assert bootstrap_df(np.full(5, 0.3)) == np.inf and bootstrap_t(0.0, 1.0, np.full(5, 0.3), 0.95)[1] == pytest.approx(1.959964, abs=1e-6)


def test_between_level_terms_are_capped_at_the_levels_minus_the_between_columns() -> None:
    model = np.repeat(np.arange(6), 4)
    peer = np.tile([0.0, 1.0, 0.0, 1.0], 6)
    size = (model >= 3).astype(float)  # a model-level covariate
    X = np.column_stack([np.ones(24), peer, size])
    assert list(between_df(X, [model])) == [4, math.inf, 4]  # 6 models - rank(intercept, size)
    assert list(between_df(X[:, :2], [model])) == [5, math.inf]
    scenario = np.tile([0, 0, 1, 1], 6)  # crossed with model: the smaller cap holds
    assert list(between_df(X[:, :2], [model, scenario])) == [1, math.inf]


def test_very_steady_ses_give_infinite_df_without_a_root_search_failure() -> None:
    spread = 1.5e-7  # between trigamma at the cut-off and the old bracket's end
    q = 1.349 * np.sqrt(spread)  # log se^2 uniform on [-q, q]: interquartile range q
    se = np.exp(np.linspace(-q, q, 1001) / 2)
    assert bootstrap_df(se) == np.inf


def test_the_cap_bounds_the_bootstrap_df() -> None:
    se = np.sqrt(np.random.default_rng(1).chisquare(30, 4000) / 30)
    assert bootstrap_t(0.0, 1.0, se, 0.95)[2] > 20
    low, high, df = bootstrap_t(0.0, 1.0, se, 0.95, max_df=5)
    assert df == 5 and high == pytest.approx(stats.t.ppf(0.975, 5))


def test_basic_log_interval_reflects_around_the_fitted_sd() -> None:
    values = np.exp(np.linspace(-1, 1, 101))  # log replicates -1..1 around log s = 0.2
    low, high = basic_log(math.exp(0.2), values, level=0.5)
    q_low, q_high = np.quantile(np.log(values), [0.25, 0.75], method="inverted_cdf")
    assert (low, high) == pytest.approx((math.exp(0.4 - q_high), math.exp(0.4 - q_low)))
    singular = np.r_[np.zeros(10), values[:10]]  # half the replicates at SD 0: no upper bound
    assert basic_log(1.0, singular, 0.5)[1] == math.inf
    assert basic_log(0.0, values, 0.5) == pytest.approx(tuple(np.quantile(values, [0.25, 0.75])))
