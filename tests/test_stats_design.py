"""Cells, design matrices, term dropping and the singular-fit flag."""

import numpy as np
import pandas as pd
import pytest

from preservation.stats.design import build_cells, parse_formula
from preservation.stats.glmm import fit_glmm
from preservation.stats.study_models import ModelSpec, fit_study_models
from preservation.stats.simulate import TrueParameters, expand_trials, simulate_cells

# Palisade shutdown counts (sabotaged / 100 runs): no instruction, instructed.
PALISADE = {"o3": (79, 7), "codex-mini": (30, 12), "o4-mini": (6, 1), "claude-3.7-sonnet": (3, 0), "gemini-2.5-pro": (9, 0)}


def palisade_trials() -> pd.DataFrame:
    rows = []
    for model, counts in PALISADE.items():
        for instructed, k in zip((False, True), counts):
            rows += [{"study": "palisade", "behaviour": "shutdown_sabotage", "model": model, "scenario": "math",
                      "peer": "none", "instructed": instructed, "reconstructed": True, "batch": None, "outcome": int(i < k)}
                     for i in range(100)]
    return pd.DataFrame(rows)


def test_parse_formula_expands_star():
    assert parse_formula("outcome ~ peer * instructed") == ("outcome", [("peer",), ("instructed",), ("peer", "instructed")])
    assert parse_formula("outcome ~ a + a:b + a") == ("outcome", [("a",), ("a", "b")])
    with pytest.raises(ValueError):
        parse_formula("outcome peer")


def test_palisade_drops_peer_terms_and_counts_cells():
    cells = build_cells(palisade_trials(), "outcome ~ peer * instructed", ["model", "batch", "scenario"])
    assert cells.formula == "outcome ~ instructed=true + (1|model)"
    assert cells.columns == ("(Intercept)", "instructed=true")
    assert len(cells.k) == 10 and cells.n_trials == 1000 and set(cells.n) == {100}
    assert sorted(cells.k.astype(int)) == sorted(k for pair in PALISADE.values() for k in pair)
    reasons = " | ".join(cells.dropped)
    assert "term peer dropped: 'peer' is 'none' throughout" in reasons
    assert "term peer:instructed dropped" in reasons
    assert "grouping factor 'batch' dropped" in reasons and "grouping factor 'scenario' dropped: a single level" in reasons


def test_aliased_interaction_column_is_dropped():
    # peer present only when not instructed: the interaction cannot be estimated.
    trials = palisade_trials()
    trials.loc[(trials["model"] == "o3") & ~trials["instructed"], "peer"] = "present"
    cells = build_cells(trials, "outcome ~ peer * instructed", ["model"])
    assert "peer=present" in cells.columns and "peer=present:instructed=true" not in cells.columns
    assert any("not estimable" in r for r in cells.dropped)
    assert np.linalg.matrix_rank(cells.X) == cells.X.shape[1]


def test_reference_levels_and_declared_order():
    trials = palisade_trials()
    trials["urgency"] = np.where(trials.index % 2 == 0, "none", "replacement")
    cells = build_cells(trials, "outcome ~ urgency", [], reference_levels={"urgency": "replacement"})
    assert cells.columns == ("(Intercept)", "urgency=none")


def test_study_models_palisade():
    fits = fit_study_models(palisade_trials(), ModelSpec())
    assert len(fits) == 1 and fits[0].fit is not None
    fit = fits[0].fit
    assert fit.columns == ("(Intercept)", "instructed=true") and fit.group_names == ("model",)
    assert fit.converged and fit.beta[1] < -1.5  # instruction strongly lowers sabotage


def test_outcome_never_observed_is_skipped_not_fitted():
    trials = palisade_trials().assign(outcome=0)
    (only,) = fit_study_models(trials, ModelSpec())
    assert only.fit is None and only.status.startswith("skipped: outcome is never observed")


def test_singular_fit_is_flagged_not_raised():
    cells = simulate_cells(np.random.default_rng(1), TrueParameters(sd_model=0.0), n_models=8, trials=(50, 200))
    d = build_cells(expand_trials(cells), "outcome ~ peer * instructed", ["model"])
    fit = fit_glmm(d.X, d.k, d.n, list(d.groups.values()), d.columns, tuple(d.groups))
    assert fit.singular and fit.sd[0] == 0.0
    assert "singular" in fit.message
    assert np.all(np.isfinite(fit.se)) and np.all(fit.se > 0)


def test_nonsingular_fit_is_not_flagged():
    cells = simulate_cells(np.random.default_rng(3), TrueParameters(sd_model=1.0), n_models=8, trials=100)
    d = build_cells(expand_trials(cells), "outcome ~ peer * instructed", ["model"])
    fit = fit_glmm(d.X, d.k, d.n, list(d.groups.values()))
    assert not fit.singular and fit.sd[0] > 0.3 and fit.message == "ok"
