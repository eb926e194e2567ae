"""Run lme4::glmer on the same cells and tabulate how far the engines differ.

The Python estimator is only trusted because it reproduces glmer; this
module makes that comparison part of every pipeline run. R is optional at
run time: when Rscript or lme4 is missing the comparison is reported as
skipped rather than failing the pipeline.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from preservation.stats.design import CellData
from preservation.stats.glmm import GlmmFit
from preservation.stats.study_models import StudyFit

log = logging.getLogger(__name__)

SKIPPED = "skipped: Rscript/lme4 not found"
SWITCHED_OFF = "skipped: models.crosscheck is false"
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


def glmer_unavailable(rscript: str = "Rscript") -> str | None:
    """None when Rscript with lme4 can be run, else the reason it cannot."""
    exe = shutil.which(rscript)
    if exe is None:
        return SKIPPED
    probe = subprocess.run(
        [exe, "-e", 'quit(status = if (requireNamespace("lme4", quietly = TRUE)) 0 else 1)'],
        capture_output=True, text=True, check=False,
    )
    return None if probe.returncode == 0 else SKIPPED


def _write_inputs(problems: Mapping[str, CellData], nagq: Mapping[str, int], folder: Path) -> Path:
    """One cells CSV per fit (R reads them one at a time, so its memory follows the largest
    fit, not all of them) and the spec CSV listing them; returns the spec's path."""
    spec = []
    for number, (fit_id, d) in enumerate(problems.items()):
        frame = pd.DataFrame({"k": d.k.astype(int), "n": d.n.astype(int)})
        for j in range(d.X.shape[1]):
            frame[f"x{j}"] = d.X[:, j]
        for j, name in enumerate(d.groups):
            frame[f"g{j}"] = np.asarray(d.group_levels[name], dtype=object)[d.groups[name]]
        cells = folder / f"cells{number}.csv"
        frame.to_csv(cells, index=False, float_format="%.17g")
        spec.append({"fit_id": fit_id, "cells": str(cells), "n_fixed": d.X.shape[1], "n_groups": len(d.groups), "nagq": nagq.get(fit_id, 1)})
    spec_path = folder / "spec.csv"
    pd.DataFrame(spec).to_csv(spec_path, index=False)
    return spec_path


def run_glmer(
    problems: Mapping[str, CellData],
    script: Path,
    nagq: Mapping[str, int] | None = None,
    rscript: str = "Rscript",
) -> dict[str, GlmerResult]:
    """Fit every problem with glmer via ``script`` (workflow/scripts/glmer_crosscheck.R)."""
    nagq = dict(nagq or {})
    with tempfile.TemporaryDirectory(prefix="glmer-") as tmp:
        spec, out = _write_inputs(problems, nagq, Path(tmp)), Path(tmp, "out.csv")
        # single-threaded BLAS: threaded reductions are one source of run-to-run variation in glmer's last digits
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        proc = subprocess.run([rscript, str(script), str(spec), str(out)], capture_output=True, text=True, check=False, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"Rscript failed ({proc.returncode}): {proc.stderr.strip()}")
        table = pd.read_csv(out, keep_default_na=True, dtype={"fit_id": str})
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
    """Engine-agreement table for every fitted subset; a skip status when R is unavailable
    or the check is switched off (rscript None)."""
    fitted = {f.fit_id: f for f in fits if f.fit is not None}
    python = {fit_id: f.fit for fit_id, f in fitted.items() if f.fit is not None}
    reason = SWITCHED_OFF if rscript is None else glmer_unavailable(rscript)
    if reason is not None:
        log.warning("engine cross-check %s", reason)
        table = engine_agreement(python, None, status=reason)
    elif not fitted:
        table = engine_agreement({}, {})
    else:
        try:
            glmer = run_glmer({k: f.cells for k, f in fitted.items()}, script, {k: v.nagq for k, v in python.items()}, rscript)
            table = engine_agreement(python, glmer)
        except RuntimeError as err:
            log.warning("engine cross-check failed: %s", err)
            table = engine_agreement(python, None, status=f"glmer run failed: {err}")
    checked = table["glmer_estimate"].notna()
    table["within_tolerance"] = (table["abs_diff"] < ESTIMATE_TOL) & ~(table["se_rel_diff"] >= SE_REL_TOL)
    table["within_tolerance"] = table["within_tolerance"].where(checked, None)
    numeric = ["python_estimate", "glmer_estimate", "abs_diff", "python_se", "glmer_se", "se_rel_diff"]
    table[numeric] = table[numeric].astype(float).round(TABLE_DECIMALS)
    split = table["fit_id"].str.split("/", n=1, expand=True) if len(table) else pd.DataFrame({0: [], 1: []})
    table.insert(0, "study", split[0])
    table.insert(1, "behaviour", split[1])
    return table.drop(columns=["fit_id"])
