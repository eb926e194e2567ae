"""Every meta-analysis of the run as tables, and their agreement with R's metafor.

Each analysis (stats.meta_data) is pooled five ways: log odds ratios with
DerSimonian-Laird or REML tau^2, each with Wald or Hartung-Knapp intervals
(stats.meta_analysis), and the binomial-normal model on the counts
(stats.binomial_normal, metafor's UM.FS). The configured method and
Hartung-Knapp choice mark the ``primary`` row, the one the paper reports.
The agreement table sets each against metafor run on the same units
(workflow/scripts/metafor_crosscheck.R): estimates within 1e-4, SEs within 1%.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from preservation.intervals import z_value
from preservation.stats.binomial_normal import fit_binomial_normal
from preservation.stats.meta_analysis import CORRECTION, heterogeneity, pool, unit_table

log = logging.getLogger(__name__)

LOG_OR_METHODS = ("DL", "REML", "DL+HK", "REML+HK")
COUNTS_METHOD = "UM.FS"
COMPARED = ("estimate", "se", "tau2", "i2", "ci_low", "ci_high", "pi_low", "pi_high")
ESTIMATE_TOL = 1e-4
SE_REL_TOL = 0.01
TABLE_DECIMALS = 8
# A pooled row's columns before `primary` and the odds-ratio columns (those of OR_COLUMNS).
POOLED_COLUMNS = ("analysis", "contrast", "treatment", "behaviour", "units", "excluded", "method", "model", "k", "estimate", "se",
                  "ci_low", "ci_high", "p", "tau2", "tau", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high", "corrected",
                  "correction", "converged", "message")
OR_COLUMNS = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")


def _counts_row(units: pd.DataFrame, level: float) -> dict[str, object]:
    fit = fit_binomial_normal(*(units[c].to_numpy() for c in ("k1", "n1", "k0", "n0")))
    z = z_value(level)
    half = z * fit.se
    pi_half = z * np.sqrt(fit.tau2 + fit.se**2)
    return {"k": fit.k, "estimate": fit.estimate, "se": fit.se, "ci_low": fit.estimate - half, "ci_high": fit.estimate + half,
            "p": float(2 * stats.norm.sf(abs(fit.estimate / fit.se))) if fit.se > 0 else float("nan"),
            "tau2": fit.tau2, "tau": float(np.sqrt(fit.tau2)),
            **heterogeneity(fit.tau2, units["vi"].to_numpy()), "q": float("nan"), "q_df": fit.k - 1, "q_p": float("nan"),
            "pi_low": fit.estimate - pi_half, "pi_high": fit.estimate + pi_half,
            "corrected": 0, "correction": "none (binomial likelihood of the counts)", "converged": fit.converged, "message": fit.message}


def pooled_table(units: pd.DataFrame, level: float, method: str, hartung_knapp: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units with log odds ratios and exclusions, one pooled row per analysis and method).

    Only the units not excluded (both arms counted, some information on the
    odds ratio) are pooled; `units` and `excluded` count all of them and those left out.
    """
    table = unit_table(units)
    primary = method if method == COUNTS_METHOD else method + ("+HK" if hartung_knapp else "")
    rows = []
    for analysis, part in table.groupby("analysis", sort=True):
        kept = part[part["excluded"] == ""]
        corrected = int((kept["added"] > 0).sum())
        info = {"analysis": analysis, **part[["contrast", "treatment", "behaviour"]].iloc[0].to_dict(),
                "units": len(part), "excluded": int((part["excluded"] != "").sum())}
        if len(kept) < 2:
            log.info("%s: fewer than 2 units to pool (%d excluded); not pooled", analysis, info["excluded"])
            continue
        for label in LOG_OR_METHODS:
            name, _, hk = label.partition("+")
            result = pool(kept["yi"].to_numpy(), kept["vi"].to_numpy(), name, bool(hk), level)
            rows.append({**info, "method": label, "model": "log odds ratio", **result, "corrected": corrected, "correction": correction_text(corrected),
                         "converged": True, "message": "ok"})
        rows.append({**info, "method": COUNTS_METHOD, "model": "binomial-normal", **_counts_row(kept, level)})
    if not rows:  # nothing to pool (no contrast has two units): the columns still, for every reader
        return table, pd.DataFrame(columns=[*POOLED_COLUMNS, "primary", "odds_ratio", *(f"or_{c}" for c in OR_COLUMNS[1:])])
    pooled = pd.DataFrame(rows)
    pooled["primary"] = pooled["method"] == primary
    for column in OR_COLUMNS:
        pooled[f"or_{column}" if column != "estimate" else "odds_ratio"] = np.exp(pooled[column])
    return table, pooled


def correction_text(corrected: int) -> str:
    """What the log-OR rows' `correction` says, worded to stand in the paper's text as printed."""
    if not corrected:
        return "no table has a zero cell, so none is corrected"
    return f"{CORRECTION:g} added to every cell of the {corrected} table{'s' if corrected > 1 else ''} with a zero cell"


def metafor_inputs(units: pd.DataFrame) -> pd.DataFrame:
    """What metafor_crosscheck.R reads: every unit with both arms counted (zero-event exclusions are its own to make)."""
    return units.loc[units["excluded"] == "", ["analysis", "k1", "n1", "k0", "n0"]]


def read_units(path: str | Path) -> pd.DataFrame:
    """meta/units.csv as written: only "NA" is missing, so an empty `excluded` stays "" (a unit pooled)."""
    return pd.read_csv(path, keep_default_na=False, na_values=["NA"])


def read_metafor(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"analysis": str, "method": str, "parameter": str, "message": str}, keep_default_na=True)


def agreement_table(pooled: pd.DataFrame, metafor: pd.DataFrame | None, status: str = "ok") -> pd.DataFrame:
    """Per analysis, method and parameter: Python vs metafor, the difference and whether it is within tolerance."""
    reference: Mapping[tuple[str, str, str], tuple[float, str]] = {}
    if metafor is not None:
        reference = {(r.analysis, r.method, r.parameter): (float(r.value), "" if pd.isna(r.message) else str(r.message))
                     for r in metafor.itertuples()}
    rows = []
    for row in pooled.to_dict("records"):
        for parameter in COMPARED:
            python = float(row[parameter])
            ref, message = reference.get((row["analysis"], row["method"], parameter), (float("nan"), ""))
            diff = abs(python - ref)
            rel = diff / abs(ref) if parameter == "se" and ref == ref and ref != 0 else float("nan")
            checked = ref == ref
            within = (rel < SE_REL_TOL if parameter == "se" else diff < ESTIMATE_TOL) if checked else None
            row_status = status if metafor is None else ("ok" if checked else "metafor gave no estimate")
            if checked and message:
                row_status += f"; metafor: {message}"
            rows.append({"analysis": row["analysis"], "method": row["method"], "parameter": parameter,
                         "python": python, "metafor": ref, "abs_diff": diff, "rel_diff": rel,
                         "within_tolerance": within, "status": row_status})
    table = pd.DataFrame(rows, columns=["analysis", "method", "parameter", "python", "metafor", "abs_diff", "rel_diff",
                                        "within_tolerance", "status"])
    # Rounded, so R's last digits (which may differ between sessions) cannot change the file's bytes.
    numeric = ["python", "metafor", "abs_diff", "rel_diff"]
    table[numeric] = table[numeric].astype(float).round(TABLE_DECIMALS)
    return table
