"""Fit the configured GLMM to every study x behaviour subset of the trial table.

The ``models:`` block of config/config.yaml says which formula and grouping
factors to use; this module applies it subset by subset, so that a study
where a factor never varies still gets a sensible (smaller) model, with the
reason recorded, instead of an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from preservation.stats.design import CellData, build_cells
from preservation.stats.glmm import GlmmFit, fit_glmm
from preservation.stats.model_spec import ModelSpec
from preservation.stats.separation import separated_columns

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class StudyFit:
    """One study x behaviour: its cells, the fit (None if skipped) and why.

    ``separated`` names the fixed effects with no finite estimate (stats.separation):
    the fit reports where the optimiser stopped, which is not an estimate.
    """

    study: str
    behaviour: str
    requested_formula: str
    cells: CellData
    fit: GlmmFit | None
    status: str
    notes: tuple[str, ...] = ()
    separated: tuple[str, ...] = ()

    @property
    def fit_id(self) -> str:
        return f"{self.study}/{self.behaviour}"


def study_cells(trials: pd.DataFrame | Iterable[pd.DataFrame], spec: ModelSpec) -> Iterator[tuple[str, str, str, CellData]]:
    """(study, behaviour, requested formula, cells) for every subset, sorted, one at a time.

    ``trials`` is the counted cell table (stats.model_cells) or one row per
    trial; or its study x behaviour parts in sorted order
    (model_cells.read_model_subsets), so only one part is held at a time.
    """
    parts = (part for _, part in trials.groupby(["study", "behaviour"], sort=True)) if isinstance(trials, pd.DataFrame) else trials
    for part in parts:
        data = part if spec.include_reconstructed else part[~part["reconstructed"].astype(bool)]
        if data.empty:
            continue
        study, behaviour = str(data["study"].iloc[0]), str(data["behaviour"].iloc[0])
        formula = spec.formulas.get(study, spec.formula)
        cells = build_cells(data, formula, spec.groups, spec.reference_levels, spec.declared_levels)
        for reason in cells.dropped:
            log.info("%s/%s: %s", study, behaviour, reason)
        yield study, behaviour, formula, cells


def fit_subset(study: str, behaviour: str, formula: str, cells: CellData, nagq: int = 1) -> StudyFit:
    """Fit one subset's cells, or say why they cannot be fitted."""
    notes = list(cells.dropped)
    total, events = cells.n.sum(), cells.k.sum()
    if total == 0 or events == 0 or events == total:
        status = (f"skipped: outcome is {'never' if events == 0 else 'always'} observed ({int(events)}/{int(total)})"
                  if total else "skipped: no trial has every formula factor recorded")
        log.info("%s/%s: %s", study, behaviour, status)
        return StudyFit(study, behaviour, formula, cells, None, status, tuple(notes))
    if nagq > 1 and len(cells.groups) != 1:
        notes.append(f"nAGQ={nagq} needs exactly one grouping factor; Laplace used")
        nagq = 1
    fit = fit_glmm(cells.X, cells.k, cells.n, list(cells.groups.values()), cells.columns, tuple(cells.groups), nagq=nagq)
    separated = separated_columns(cells.X, cells.k, cells.n, cells.columns)
    status = (f"separated: no finite estimate for {', '.join(separated)}" + ("" if fit.message == "ok" else f"; {fit.message}")
              if separated else fit.message)
    log.info("%s/%s: %s -> %s", study, behaviour, cells.formula, status)
    return StudyFit(study, behaviour, formula, cells, fit, status, tuple(notes), separated)


def fit_study_models(trials: pd.DataFrame | Iterable[pd.DataFrame], spec: ModelSpec) -> list[StudyFit]:
    """Fit the configured GLMM to every study x behaviour subset of counted cells or trials (see study_cells)."""
    return [fit_subset(s, b, f, cells, spec.nagq) for s, b, f, cells in study_cells(trials, spec)]
