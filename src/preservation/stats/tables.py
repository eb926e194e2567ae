"""Result tables as data frames, and their byte-stable CSV and LaTeX forms.

Outputs must be identical byte for byte from run to run, so numbers are
written with fixed formats (never pandas' repr), missing values as "NA",
booleans as true/false, and rows in a fixed sort order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: that import alone costs a model job about 25 MiB

from preservation.labels import fit_ids
from preservation.stats.gee import GeeFit
from preservation.stats.glmm import SINGULAR_TOL
from preservation.stats.study_models import StudyFit


WALD_COLUMNS = ("z", "p", "ci_low", "ci_high", "odds_ratio", "or_ci_low", "or_ci_high")
FITS_COLUMNS = ("study", "behaviour", "formula_requested", "formula_fitted", "method", "n_trials", "n_cells", "n_groups",
                "converged", "singular", "minus2loglik", "status", "notes")


def wald(beta: np.ndarray, se: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """z, two-sided p and the Wald interval, on log-odds and odds-ratio scales."""
    z = beta / se
    half = special.ndtri(0.5 + level / 2) * se  # the normal quantile
    with np.errstate(over="ignore"):  # a separated term's limit is inf, which is what it is
        return {
            "z": z, "p": 2 * special.ndtr(-np.abs(z)), "ci_low": beta - half, "ci_high": beta + half,
            "odds_ratio": np.exp(beta), "or_ci_low": np.exp(beta - half), "or_ci_high": np.exp(beta + half),
        }


def fits_table(fits: Sequence[StudyFit]) -> pd.DataFrame:
    """One row per study x behaviour: model fitted, sizes, convergence, singularity, drops."""
    rows = []
    for f in fits:
        fit = f.fit
        rows.append({
            "study": f.study, "behaviour": f.behaviour, "formula_requested": f.requested_formula, "formula_fitted": f.cells.formula,
            "method": "none" if fit is None else ("Laplace" if fit.nagq <= 1 else f"AGQ nAGQ={fit.nagq}"),
            "n_trials": f.cells.n_trials, "n_cells": len(f.cells.k),
            "n_groups": "; ".join(f"{g}={len(v)}" for g, v in f.cells.group_levels.items()),
            "converged": None if fit is None else fit.converged, "singular": None if fit is None else fit.singular,
            "minus2loglik": np.nan if fit is None else fit.minus2loglik,
            "status": f.status, "notes": " | ".join(f.notes),
        })
    return pd.DataFrame(rows, columns=list(FITS_COLUMNS))


def fixed_effects_table(fits: Sequence[StudyFit], level: float = 0.95) -> pd.DataFrame:
    """Fixed effects of every fitted GLMM: log-odds, SE, Wald CI and p, odds ratios; whether the fit
    was singular or converged, and whether the term is separated (no finite estimate)."""
    frames = []
    for f in fits:
        if f.fit is None:
            continue
        frame = pd.DataFrame({"study": f.study, "behaviour": f.behaviour, "term": f.fit.columns, "estimate": f.fit.beta, "se": f.fit.se})
        frames.append(frame.assign(**wald(f.fit.beta, f.fit.se, level), singular=f.fit.singular, converged=f.fit.converged,
                                   separated=frame["term"].isin(f.separated)))
    columns = ["study", "behaviour", "term", "estimate", "se", *WALD_COLUMNS, "singular", "converged", "separated"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def estimable(fixed: pd.DataFrame) -> pd.Series:
    """Per fixed_effects.csv row: whether its fit gave estimates to report.

    A fit that did not converge, or in which any term is separated, is left out
    whole: with one coefficient at infinity, the others are conditional on that.
    """
    bad = ~fixed["converged"].astype(bool) | fixed["separated"].astype(bool)
    return ~bad.groupby([fixed["study"], fixed["behaviour"]]).transform("any")


def random_effects_table(fits: Sequence[StudyFit]) -> pd.DataFrame:
    """Random-intercept SDs (0 on a singular fit), their Wald SEs and the number of levels.

    `converged` is repeated from the fit, as in the fixed-effects table: the SD
    of a fit that did not converge is where the optimiser stopped, not an estimate.
    """
    rows = [
        {"study": f.study, "behaviour": f.behaviour, "group": g, "sd": f.fit.sd[j], "sd_se": f.fit.sd_se[j], "variance": f.fit.sd[j] ** 2,
         "n_levels": f.fit.n_levels[j], "singular": f.fit.sd[j] < SINGULAR_TOL, "converged": f.fit.converged}
        for f in fits if f.fit is not None for j, g in enumerate(f.fit.group_names)
    ]
    return pd.DataFrame(rows, columns=["study", "behaviour", "group", "sd", "sd_se", "variance", "n_levels", "singular", "converged"])


def gee_table(gees: Mapping[tuple[str, str], GeeFit], level: float = 0.95) -> pd.DataFrame:
    """Population-averaged (GEE) effects with robust SEs, per study x behaviour."""
    frames = []
    for (study, behaviour), g in sorted(gees.items()):
        frame = pd.DataFrame({"study": study, "behaviour": behaviour, "term": g.columns, "estimate": g.beta, "robust_se": g.se})
        frames.append(frame.assign(**wald(g.beta, g.se, level), working_correlation=g.working_correlation,
                                   n_clusters=g.n_clusters, n_trials=g.n_trials, status=g.status))
    columns = ["study", "behaviour", "term", "estimate", "robust_se", *WALD_COLUMNS, "working_correlation", "n_clusters", "n_trials", "status"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _cell(value: object, digits: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value) + 0.0  # -0.0 -> 0.0
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.{digits - 1}e}"  # keep tiny p-values readable
        return f"{value:.{digits}f}"
    return str(value)


def format_frame(frame: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    """Every value as a fixed-format string."""
    return pd.DataFrame({c: [_cell(v, digits) for v in frame[c].astype(object)] for c in frame.columns}, index=frame.index)


def write_csv(frame: pd.DataFrame, path: str | Path, digits: int = 6) -> None:
    """Byte-stable CSV: fixed number formats, "\\n" line ends."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    format_frame(frame, digits).to_csv(path, index=False, lineterminator="\n")


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text)


def write_latex(frame: pd.DataFrame, columns: Mapping[str, tuple[str, int]], path: str | Path, note: str) -> None:
    """A booktabs tabular of ``columns`` (name -> (header, digits)); ``note`` goes beneath."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    align = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in columns)
    lines = ["% Generated by preservation.stats; do not edit.", f"\\begin{{tabular}}{{{align}}}", "\\toprule",
             " & ".join(latex_escape(h) for h, _ in columns.values()) + " \\\\", "\\midrule"]
    for _, row in frame.iterrows():
        lines.append(" & ".join(latex_escape(_cell(row[c], d)) for c, (_, d) in columns.items()) + " \\\\")
    lines += ["\\bottomrule", f"\\multicolumn{{{len(columns)}}}{{l}}{{\\footnotesize {latex_escape(note)}}} \\\\", "\\end{tabular}", ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def write_glmm_latex(fixed: pd.DataFrame, path: str | Path, level: float = 0.95) -> None:
    """Odds ratios of the estimable GLMMs' fixed effects (intercept omitted; other fits named in the note)."""
    rows, omitted = _results_and_omissions(fixed, estimable(fixed), "not converged or separated; see fits.csv")
    pct = f"{100 * level:g}"
    write_latex(rows, {"study": ("Study", 0), "behaviour": ("Behaviour", 0), "term": ("Term", 0), "odds_ratio": ("OR", 2),
                       "or_ci_low": (f"{pct}% CI low", 2), "or_ci_high": ("high", 2), "p": ("p", 4)},
                path, f"Conditional odds ratios from binomial GLMMs (random intercepts as in fits.csv); Wald {pct}% intervals.{omitted}")


def write_gee_latex(gee: pd.DataFrame, path: str | Path, level: float = 0.95) -> None:
    """Population-averaged odds ratios (GEE, robust SEs; fits without estimates named in the note)."""
    rows, omitted = _results_and_omissions(gee, gee["estimate"].notna(), "no estimate; see the status in gee.csv")
    pct = f"{100 * level:g}"
    write_latex(rows, {"study": ("Study", 0), "behaviour": ("Behaviour", 0), "term": ("Term", 0), "odds_ratio": ("OR", 2),
                       "or_ci_low": (f"{pct}% CI low", 2), "or_ci_high": ("high", 2), "p": ("p", 4), "n_clusters": ("Clusters", 0)},
                path, f"Population-averaged odds ratios: GEE, exchangeable working correlation, robust {pct}% intervals.{omitted}")


def _results_and_omissions(effects: pd.DataFrame, usable: pd.Series, why: str) -> tuple[pd.DataFrame, str]:
    """The non-intercept rows with a usable result, and a sentence naming the fits left out.

    A fit that gave no usable estimate must not vanish from a published table
    unremarked, nor be printed as if it were a result.
    """
    terms = effects["term"] != "(Intercept)"
    fits = fit_ids(effects[terms & ~usable])
    return effects[terms & usable], f" Not shown ({why}): {', '.join(fits)}." if fits else ""


def write_contrasts_latex(contrasts: pd.DataFrame, path: str | Path, level: float = 0.95) -> None:
    """Per-model 2x2 contrasts: counts, risk difference, exact odds ratio and Holm-adjusted p."""
    rows = contrasts.assign(exposed=contrasts["k1"].astype(str) + "/" + contrasts["n1"].astype(str),
                            reference=contrasts["k0"].astype(str) + "/" + contrasts["n0"].astype(str))
    pct = f"{100 * level:g}"
    write_latex(rows, {"study": ("Study", 0), "model": ("Model", 0), "contrast": ("Contrast", 0), "stratum": ("Stratum", 0),
                       "exposed": ("k/n", 0), "reference": ("vs k/n", 0), "risk_difference": ("RD", 2),
                       "rd_ci_low": (f"{pct}% CI low", 2), "rd_ci_high": ("high", 2), "odds_ratio": ("OR", 2),
                       "fisher_p_holm": ("Fisher p (Holm)", 4), "boschloo_p_holm": ("Boschloo p (Holm)", 4)},
                path, f"RD: Newcombe {pct}% interval. OR: conditional MLE. Holm adjustment within study and behaviour.")
