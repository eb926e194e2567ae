"""The count-based GEE against statsmodels' GEE on the same trials, one row each."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from preservation.stats.design import CellData, build_cells
from preservation.stats.gee import fit_gee
from preservation.stats.simulate import TrueParameters, expand_trials, simulate_cells


def statsmodels_gee(cells: CellData, cluster: str) -> tuple[np.ndarray, np.ndarray, float]:
    """The reference: statsmodels' exchangeable GEE on one 0/1 row per trial."""
    n, k = cells.n.astype(int), cells.k.astype(int)
    rows = np.repeat(np.arange(len(n)), n)
    y = (np.concatenate([np.arange(m) for m in n]) < k[rows]).astype(float)
    model = sm.GEE(y, cells.X[rows], groups=cells.groups[cluster][rows], family=sm.families.Binomial(),
                   cov_struct=sm.cov_struct.Exchangeable())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(maxiter=100)
    return np.asarray(result.params), np.asarray(result.bse), float(np.ravel(model.cov_struct.dep_params)[0])


@pytest.mark.parametrize(("seed", "formula", "trials", "shifts"), [
    (1, "outcome ~ peer * instructed", (5, 60), ()),
    (2, "outcome ~ peer + instructed", 40, (-3.0,)),
    (3, "outcome ~ instructed", (1, 30), (2.5, -2.5)),
])
def test_count_gee_matches_statsmodels_on_expanded_trials(seed, formula, trials, shifts):
    cells = simulate_cells(np.random.default_rng(seed), TrueParameters(sd_model=0.8), n_models=7, trials=trials, model_shifts=shifts)
    design = build_cells(expand_trials(cells), formula, ["model"])
    fit = fit_gee(design, "model")
    beta, se, rho = statsmodels_gee(design, "model")
    assert fit.status == "ok" and fit.n_clusters == 7 and fit.n_trials == int(cells["n"].sum())
    np.testing.assert_allclose(fit.beta, beta, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.se, se, rtol=1e-7, atol=1e-9)
    assert fit.working_correlation == pytest.approx(rho, rel=1e-7, abs=1e-10)


def test_count_gee_is_the_same_whether_trials_are_counted_or_listed():
    trials = expand_trials(simulate_cells(np.random.default_rng(4), TrueParameters(), n_models=5, trials=(2, 25)))
    counted = trials.groupby(["model", "peer", "instructed"], as_index=False)["outcome"].agg(k="sum", n="count")
    listed, summed = (fit_gee(build_cells(t, "outcome ~ peer * instructed", ["model"]), "model") for t in (trials, counted))
    np.testing.assert_array_equal(listed.beta, summed.beta)
    np.testing.assert_array_equal(listed.se, summed.se)


def test_separated_outcome_is_reported_not_estimated():
    """Every uninstructed trial acts and no instructed one does: the GLM start runs off to infinity."""
    rows = [{"model": f"m{m}", "peer": "none", "instructed": flag, "k": 0 if flag else 10, "n": 10} for m in range(4) for flag in (False, True)]
    fit = fit_gee(build_cells(pd.DataFrame(rows), "outcome ~ instructed", ["model"]), "model")
    assert fit.status == "not converged: the independence (GLM) start did not converge"
    assert np.isnan(fit.beta).all() and np.isnan(fit.se).all() and fit.n_clusters == 4


def test_zero_sandwich_is_reported_not_shown_as_an_exact_estimate():
    """Two models with the same counts: each cluster's residuals sum to 0, so the sandwich is 0, not a precise SE."""
    rows = [{"model": m, "peer": "none", "instructed": flag, "k": 14, "n": 40} for m in ("a", "b") for flag in (False, True)]
    fit = fit_gee(build_cells(pd.DataFrame(rows), "outcome ~ instructed", ["model"]), "model")
    assert fit.status.startswith("no robust SE for (Intercept), instructed=true:")
    np.testing.assert_allclose(fit.beta, [np.log(14 / 26), 0.0], atol=1e-9)
    assert np.isnan(fit.se).all() and fit.n_clusters == 2
