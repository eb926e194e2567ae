"""Simulated data of the project's shape, fitted here and by lme4::glmer in the same session.

Skipped when Rscript or lme4 is absent, except in CI, where `make test`
installs both and their absence is a failure, not a skip.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from preservation.stats.crosscheck import engine_agreement, glmer_unavailable, run_glmer
from preservation.stats.design import build_cells
from preservation.stats.glmm import fit_glmm
from preservation.stats.simulate import TrueParameters, expand_trials, simulate_cells

SCRIPT = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "glmer_crosscheck.R"
UNAVAILABLE = glmer_unavailable()

IN_CI = bool(os.environ.get("CI"))

pytestmark = pytest.mark.skipif(UNAVAILABLE is not None and not IN_CI, reason=f"glmer cross-check {UNAVAILABLE}")


def test_glmer_is_available_where_ci_runs():
    assert UNAVAILABLE is None, f"glmer cross-check {UNAVAILABLE}: scripts/install-system-deps.sh should have installed r-cran-lme4"

# name: (truth, simulate_cells arguments, seed, nAGQ)
CASES = {
    "ten_models": (TrueParameters(), {"n_models": 10, "trials": (50, 200)}, 1, 1),
    "near_zero_model": (TrueParameters(), {"n_models": 8, "trials": (50, 200), "model_shifts": [-9.0]}, 2, 1),
    "singular": (TrueParameters(sd_model=0.0), {"n_models": 8, "trials": (50, 200)}, 1, 1),
    "crossed_batch": (TrueParameters(sd_batch=0.5), {"n_models": 8, "trials": (50, 100), "n_batches": 3}, 4, 1),
    "agq7": (TrueParameters(sd_model=1.5), {"n_models": 9, "trials": (50, 200)}, 5, 7),
}


@pytest.fixture(scope="module")
def agreement():
    problems, fits, nagq = {}, {}, {}
    for name, (truth, kwargs, seed, q) in CASES.items():
        cells = build_cells(expand_trials(simulate_cells(np.random.default_rng(seed), truth, **kwargs)),
                            "outcome ~ peer * instructed", ["model", "batch"])
        problems[name], nagq[name] = cells, q
        fits[name] = fit_glmm(cells.X, cells.k, cells.n, list(cells.groups.values()), cells.columns, tuple(cells.groups), nagq=q)
    return fits, engine_agreement(fits, run_glmer(problems, SCRIPT, nagq))


@pytest.mark.parametrize("name", sorted(CASES))
def test_estimates_and_ses_agree_with_glmer(agreement, name):
    fits, table = agreement
    rows = table[table["fit_id"] == name]
    assert len(rows) == len(fits[name].beta) + len(fits[name].sd)
    assert rows["status"].str.startswith("ok").all(), rows["status"].tolist()
    assert rows["abs_diff"].max() < 0.01, rows[["parameter", "python_estimate", "glmer_estimate"]]
    fixed = rows[rows["kind"] == "fixed"]
    assert fixed["se_rel_diff"].max() < 0.05, fixed[["parameter", "python_se", "glmer_se"]]


def test_singular_case_is_singular_in_both(agreement):
    fits, table = agreement
    assert fits["singular"].singular and fits["singular"].sd[0] == 0.0
    assert table.loc[table["fit_id"] == "singular", "glmer_singular"].all()


def test_crossed_case_has_two_grouping_factors(agreement):
    fits, _ = agreement
    assert fits["crossed_batch"].group_names == ("model", "batch")
