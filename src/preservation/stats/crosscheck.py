"""Run lme4::glmer on the same cells and tabulate how far the engines differ.

The Python estimator is only trusted because it reproduces glmer; this
module makes that comparison part of every pipeline run. R is optional at
run time: when Rscript or lme4 is missing the comparison is reported as
skipped rather than failing the pipeline.

The pipeline runs it in three jobs (workflow/rules/models.smk): the cells
are written for R (:func:`write_glmer_inputs`), R fits them in a job of its
own (stats.r_session), and the table compares R's estimates with the
stored Python fits (:func:`agreement_table`). :func:`crosscheck_fits` does
the same in one process.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from preservation.stats.design import CellData
from preservation.stats.glmm import GlmmFit
from preservation.stats.r_session import SKIPPED, SWITCHED_OFF, glmer_unavailable, run_glmer_script
from preservation.stats.study_models import StudyFit

log = logging.getLogger(__name__)

__all__ = ["SKIPPED", "SWITCHED_OFF", "glmer_unavailable"]  # re-exported: callers read them with the rest of the check
ESTIMATE_TOL = 0.01  # absolute, log-odds and SD scale
SE_REL_TOL = 0.05  # relative difference of standard errors
# glmer's digits beyond ~1e-6 differ between R sessions on identical input
# (measured: up to 2e-7 in estimates for a crossed model, with reference
# BLAS and a single thread), so the table keeps 4 decimals.
TABLE_DECIMALS = 4


@dataclass(frozen=True)
class GlmerResult:
    """glmer's estimates for one fit (NaN-filled when glmer failed)."""

    beta: np.ndarray
    se: np.ndarray
    sd: np.ndarray
    singular: bool
    seconds: float
    message: str


def write_glmer_inputs(problems: Mapping[str, CellData], nagq: Mapping[str, int], folder: Path) -> Path:
    """One cells CSV per fit (R reads them one at a time, so its memory follows the largest
    fit, not all of them) and the spec CSV listing them by name; returns the spec's path."""
    spec = []
    for number, (fit_id, d) in enumerate(problems.items()):
        frame = pd.DataFrame({"k": d.k.astype(int), "n": d.n.astype(int)})
        for j in range(d.X.shape[1]):
            frame[f"x{j}"] = d.X[:, j]
        for j, name in enumerate(d.groups):
            frame[f"g{j}"] = np.asarray(d.group_levels[name], dtype=object)[d.groups[name]]
        cells = f"cells{number}.csv"
        frame.to_csv(folder / cells, index=False, float_format="%.17g")
        spec.append({"fit_id": fit_id, "cells": cells, "n_fixed": d.X.shape[1], "n_groups": len(d.groups), "nagq": nagq.get(fit_id, 1)})
    spec_path = folder / "spec.csv"
    pd.DataFrame(spec, columns=["fit_id", "cells", "n_fixed", "n_groups", "nagq"]).to_csv(spec_path, index=False)
    return spec_path


def write_fitted_cells(fits: Sequence[StudyFit], folder: str | Path, crosscheck: bool) -> Path:
    """The glmer inputs for every fitted subset (none when the cross-check is off)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fitted = {f.fit_id: f for f in fits if f.fit is not None} if crosscheck else {}
    return write_glmer_inputs({k: f.cells for k, f in fitted.items()}, {k: f.fit.nagq for k, f in fitted.items() if f.fit}, folder)


def run_glmer(
    problems: Mapping[str, CellData],
    script: Path,
    nagq: Mapping[str, int] | None = None,
    rscript: str = "Rscript",
) -> dict[str, GlmerResult]:
    """Fit every problem with glmer via ``script`` (workflow/scripts/glmer_crosscheck.R)."""
    with tempfile.TemporaryDirectory(prefix="glmer-") as tmp:
        spec, estimates = write_glmer_inputs(problems, dict(nagq or {}), Path(tmp)), Path(tmp, "estimates.csv")
        run_glmer_script(script, spec, estimates, rscript)
        return read_glmer_estimates(estimates)


def read_glmer_estimates(path: str | Path) -> dict[str, GlmerResult]:
    """glmer's estimates per fit, as glmer_crosscheck.R writes them."""
    table = pd.read_csv(path, keep_default_na=True, dtype={"fit_id": str})
    results: dict[str, GlmerResult] = {}
    for fit_id, rows in table.groupby("fit_id", sort=False):
        fixed = rows[rows.kind == "fixed"].sort_values("index")
        sds = rows[rows.kind == "sd"].sort_values("index")
        message = rows["message"].fillna("").iloc[0]
        results[str(fit_id)] = GlmerResult(
            beta=fixed.estimate.to_numpy(float),
            se=fixed.se.to_numpy(float),
            sd=sds.estimate.to_numpy(float),
            singular=bool(rows.singular.fillna(False).iloc[0]),
            seconds=float(rows.seconds.iloc[0]),
            message=str(message).strip(),
        )
    return results


def engine_agreement(fits: Mapping[str, GlmmFit], glmer: Mapping[str, GlmerResult] | None, status: str = "ok") -> pd.DataFrame:
    """One row per parameter: Python vs glmer estimate, SE and SD differences.

    ``glmer=None`` writes the parameters with the given (skip) status, so
    the table always exists and says why a comparison is absent.
    """
    columns = ["fit_id", "kind", "parameter", "python_estimate", "glmer_estimate", "abs_diff", "python_se", "glmer_se",
               "se_rel_diff", "python_singular", "glmer_singular", "status"]
    rows = []
    for fit_id in sorted(fits):
        fit = fits[fit_id]
        ref = None if glmer is None else glmer.get(fit_id)
        if glmer is None:
            row_status = status
        elif ref is None or len(ref.beta) != len(fit.beta):
            row_status = "glmer gave no estimates" + (f": {ref.message}" if ref is not None and ref.message else "")
            ref = None
        else:
            row_status = "ok" if not ref.message else f"ok; glmer: {ref.message}"
        params = [("fixed", c, fit.beta[j], fit.se[j], j) for j, c in enumerate(fit.columns)]
        params += [("sd", f"sd({g})", fit.sd[j], np.nan, j) for j, g in enumerate(fit.group_names)]
        for kind, name, est, se, j in params:
            r_est = np.nan if ref is None else (ref.beta[j] if kind == "fixed" else ref.sd[j])
            r_se = np.nan if ref is None or kind == "sd" else ref.se[j]
            rows.append({
                "fit_id": fit_id, "kind": kind, "parameter": name,
                "python_estimate": est, "glmer_estimate": r_est, "abs_diff": abs(est - r_est),
                "python_se": se, "glmer_se": r_se, "se_rel_diff": abs(se - r_se) / r_se if r_se == r_se and r_se > 0 else np.nan,
                "python_singular": fit.singular, "glmer_singular": None if ref is None else ref.singular,
                "status": row_status,
            })
    return pd.DataFrame(rows, columns=columns)


def crosscheck_fits(fits: Sequence[StudyFit], script: Path, rscript: str | None = "Rscript") -> pd.DataFrame:
    """Engine-agreement table for every fitted subset, in one process; a skip status when R
    is unavailable or the check is switched off (rscript None)."""
    fitted = {f.fit_id: f for f in fits if f.fit is not None}
    python = {fit_id: f.fit for fit_id, f in fitted.items() if f.fit is not None}
    reason = SWITCHED_OFF if rscript is None else glmer_unavailable(rscript)
    if reason is not None or not fitted:
        return agreement_table(python, None if reason else {}, reason or "ok")
    try:
        glmer = run_glmer({k: f.cells for k, f in fitted.items()}, script, {k: v.nagq for k, v in python.items()}, rscript)
    except RuntimeError as err:
        return agreement_table(python, None, f"glmer run failed: {err}")
    return agreement_table(python, glmer)


def agreement_table(python: Mapping[str, GlmmFit], glmer: Mapping[str, GlmerResult] | None, status: str = "ok") -> pd.DataFrame:
    """engine_agreement.csv: per parameter both engines, their differences and whether they are
    within tolerance, rounded to TABLE_DECIMALS; ``glmer=None`` gives every row ``status``."""
    if glmer is None:
        log.warning("engine cross-check %s", status)
    table = engine_agreement(python, glmer, status)
    checked = table["glmer_estimate"].notna()
    table["within_tolerance"] = (table["abs_diff"] < ESTIMATE_TOL) & ~(table["se_rel_diff"] >= SE_REL_TOL)
    table["within_tolerance"] = table["within_tolerance"].where(checked, None)
    numeric = ["python_estimate", "glmer_estimate", "abs_diff", "python_se", "glmer_se", "se_rel_diff"]
    table[numeric] = table[numeric].astype(float).round(TABLE_DECIMALS)
    split = table["fit_id"].str.split("/", n=1, expand=True) if len(table) else pd.DataFrame({0: [], 1: []})
    table.insert(0, "study", split[0])
    table.insert(1, "behaviour", split[1])
    return table.drop(columns=["fit_id"])
