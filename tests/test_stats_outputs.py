"""GEE companion, engine-agreement skip path, and byte-stable table output."""

import os

import numpy as np
import pandas as pd
import pytest

from preservation.stats.crosscheck import SKIPPED, SWITCHED_OFF, agreement_table, crosscheck_fits, read_glmer_estimates, write_fitted_cells
from preservation.stats.design import build_cells
from preservation.stats.gee import fit_gee
from preservation.stats.r_session import glmer_status, glmer_unavailable
from preservation.stats.study_models import ModelSpec, fit_study_models
from preservation.stats.simulate import TrueParameters, expand_trials, simulate_cells
from preservation.stats.tables import (
    fits_table, fixed_effects_table, format_frame, gee_table, latex_escape, random_effects_table, write_csv, write_gee_latex,
    write_glmm_latex,
)


def sim_trials(seed: int = 11) -> pd.DataFrame:
    cells = simulate_cells(np.random.default_rng(seed), TrueParameters(sd_model=1.0), n_models=8, trials=60)
    return expand_trials(cells, study="sim_study", behaviour="peer_shutdown_tampering").assign(reconstructed=False)


def test_gee_is_attenuated_towards_zero_relative_to_glmm():
    trials = sim_trials()
    (fit,) = fit_study_models(trials, ModelSpec())
    gee = fit_gee(fit.cells, "model")
    assert gee.status == "ok" and gee.n_clusters == 8 and gee.columns == fit.fit.columns
    j = gee.columns.index("instructed=true")
    assert np.sign(gee.beta[j]) == np.sign(fit.fit.beta[j]) and abs(gee.beta[j]) < abs(fit.fit.beta[j])
    assert np.all(gee.se > 0) and 0 <= gee.working_correlation < 1


def test_gee_without_cluster_factor_is_skipped():
    trials = sim_trials()
    trials = trials[trials["model"] == "m000"]
    gee = fit_gee(build_cells(trials, "outcome ~ peer * instructed", ["model"]), "model")
    assert gee.status.startswith("skipped") and np.isnan(gee.beta).all()


def test_crosscheck_without_r_reports_skipped(tmp_path):
    fits = fit_study_models(sim_trials(), ModelSpec())
    table = crosscheck_fits(fits, tmp_path / "unused.R", rscript="no-such-Rscript-here")
    assert len(table) == len(fits[0].fit.beta) + 1
    assert set(table["status"]) == {SKIPPED} == {"skipped: Rscript/lme4 not found"}
    assert table["glmer_estimate"].isna().all() and table["python_estimate"].notna().all()
    write_csv(table, tmp_path / "engine_agreement.csv")
    assert "skipped: Rscript/lme4 not found" in (tmp_path / "engine_agreement.csv").read_text()


def test_crosscheck_switched_off_is_skipped_even_with_r(tmp_path):
    fits = fit_study_models(sim_trials(), ModelSpec())
    table = crosscheck_fits(fits, tmp_path / "unused.R", None)  # the glmer job's rscript when models.crosscheck is false
    assert set(table["status"]) == {SWITCHED_OFF}
    assert table["glmer_estimate"].isna().all() and table["within_tolerance"].isna().all()


def test_outputs_are_byte_identical_across_runs(tmp_path):
    texts = []
    for run in range(2):
        fits = fit_study_models(sim_trials(), ModelSpec())
        fixed = fixed_effects_table(fits)
        write_csv(fixed, tmp_path / f"fixed{run}.csv")
        write_csv(fits_table(fits), tmp_path / f"fits{run}.csv")
        write_glmm_latex(fixed, tmp_path / f"fixed{run}.tex")
        texts.append([(tmp_path / f"{name}{run}.{ext}").read_bytes() for name, ext in (("fixed", "csv"), ("fits", "csv"), ("fixed", "tex"))])
    assert texts[0] == texts[1]
    assert b"\r" not in texts[0][0] and b"peer=present:instructed=true" in texts[0][0]


def test_number_formatting():
    frame = pd.DataFrame({"x": [1.0, -0.0, np.nan, np.inf, 3e-9], "flag": [True, False, None, True, False], "n": [1, 2, 3, 4, 5]})
    out = format_frame(frame, digits=4)
    assert list(out["x"]) == ["1.0000", "0.0000", "NA", "inf", "3.000e-09"]
    assert list(out["flag"]) == ["true", "false", "NA", "true", "false"]
    assert latex_escape("a_b & 95%") == r"a\_b \& 95\%"


def test_tables_of_no_fits_keep_every_column(tmp_path):
    """A trial table with no model subsets (every log quarantined, say) still gives complete, headed outputs."""
    fits = fit_study_models(sim_trials(), ModelSpec())
    gee = {(f.study, f.behaviour): fit_gee(f.cells, "model") for f in fits}
    for build, full, empty in ((fits_table, fits, []), (fixed_effects_table, fits, []), (gee_table, gee, {})):
        assert list(build(empty).columns) == list(build(full).columns)
    write_glmm_latex(fixed_effects_table([]), tmp_path / "glmm.tex")
    write_gee_latex(gee_table({}), tmp_path / "gee.tex")
    assert "\\toprule" in (tmp_path / "gee.tex").read_text() and "\\toprule" in (tmp_path / "glmm.tex").read_text()


def test_glmer_job_says_why_it_did_not_run_and_still_writes_its_estimates(tmp_path):
    fits = fit_study_models(sim_trials(), ModelSpec())
    spec = write_fitted_cells(fits, tmp_path / "inputs", True)
    assert (tmp_path / "inputs" / "cells0.csv").exists()
    cases = {None: SWITCHED_OFF, "no-such-Rscript-here": SKIPPED}
    for rscript, expected in cases.items():
        estimates = tmp_path / f"estimates-{rscript}.csv"
        assert glmer_status(tmp_path / "unused.R", spec, estimates, rscript) == expected
        assert read_glmer_estimates(estimates) == {}
    nothing = write_fitted_cells(fits, tmp_path / "off", False)  # switched off: no cells written at all
    assert sorted(p.name for p in nothing.parent.iterdir()) == ["spec.csv"]
    assert glmer_status(tmp_path / "unused.R", nothing, tmp_path / "none.csv", "no-such-Rscript-here") == "ok"
    assert agreement_table({f.fit_id: f.fit for f in fits}, None, SKIPPED)["status"].eq(SKIPPED).all()


@pytest.mark.skipif(glmer_unavailable() is not None and not os.environ.get("CI"), reason="Rscript/lme4 not installed")
def test_glmer_job_reports_a_failed_r_run(tmp_path):
    spec = write_fitted_cells(fit_study_models(sim_trials(), ModelSpec()), tmp_path / "inputs", True)
    status = glmer_status(tmp_path / "no-such-script.R", spec, tmp_path / "estimates.csv", "Rscript")
    assert status.startswith("glmer run failed: Rscript failed") and read_glmer_estimates(tmp_path / "estimates.csv") == {}


def test_a_fit_without_a_result_is_named_not_shown_as_one(tmp_path):
    """A separated outcome: the GLMM does not converge and the GEE gives no estimate. The LaTeX tables leave
    both out and name them; the random-effects table flags the SD as not converged."""
    trials = sim_trials()
    separated = trials.assign(study="sep_study", outcome=(~trials["instructed"].astype(bool)).astype(int))
    fits = fit_study_models(pd.concat([trials, separated]), ModelSpec())
    assert [f.fit.converged for f in fits] == [False, True]
    write_glmm_latex(fixed_effects_table(fits), tmp_path / "glmm.tex")
    write_gee_latex(gee_table({(f.study, f.behaviour): fit_gee(f.cells, "model") for f in fits}), tmp_path / "gee.tex")
    for name in ("glmm", "gee"):
        body, note = (tmp_path / f"{name}.tex").read_text().split("\\bottomrule")
        assert "sim\\_study" in body and "sep\\_study" not in body
        assert "Not shown" in note and "sep\\_study/peer\\_shutdown\\_tampering" in note
    random = random_effects_table(fits)
    assert random.groupby("study")["converged"].unique().map(list).to_dict() == {"sep_study": [False], "sim_study": [True]}
