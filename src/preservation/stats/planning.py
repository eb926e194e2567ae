"""Glue for the planning and bootstrap rules: the fitted subsets' cells, and their tables.

The glmm rule stores every fit (fits.json); these rules rebuild the same
cells from cells.parquet with the same model fields, so they simulate from
and refit exactly the design that was fitted, without fitting it again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from preservation.intervals import z_value
from preservation.stats.bootstrap import bootstrap_table
from preservation.stats.design import CellData
from preservation.stats.glmm import GlmmFit
from preservation.stats.model_cells import read_model_subsets
from preservation.stats.model_spec import ModelSpec
from preservation.stats.power import SMALLEST_COLUMNS, Design, Generator, power_table, smallest_design
from preservation.stats.study_models import study_cells
from preservation.stats.tables import wald

log = logging.getLogger(__name__)

POWER_COLUMNS = ["study", "behaviour", "scenario", "term", "log_odds", "trials", "cells", "simulations", "rejections", "power",
                 "mc_low", "mc_high", "mc_level", "failed", "test", "alpha", "seed", "seed_key"]


def fitted_cells(cells_path: str, spec: ModelSpec) -> dict[str, CellData]:
    """Every subset's cells as the glmm rule built them, keyed by ``study/behaviour``."""
    return {f"{s}/{b}": cells for s, b, _, cells in study_cells(read_model_subsets(cells_path), spec)}


def designs_from(trials: Sequence[int], levels: Mapping[str, Sequence[int]]) -> list[Design]:
    """Every combination of trials per cell and level counts (the config's grid), in a fixed order."""
    names = sorted(levels)
    grids = np.meshgrid(*(np.asarray(levels[name]) for name in names), indexing="ij") if names else []
    combos = list(zip(*(g.ravel().tolist() for g in grids))) if names else [()]
    return [Design(int(t), tuple(zip(names, map(int, combo)))) for combo in combos for t in sorted(trials)]


def power_tables(fits: Mapping[str, GlmmFit], cells: Mapping[str, CellData], block: Mapping[str, Any], level: float,
                 workers: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(power per scenario and design with MC intervals at ``level``, fewest trials whose interval reaches the target, status)."""
    fit_id = f"{block['study']}/{block['behaviour']}"
    fit = fits.get(fit_id)
    if fit is None or fit_id not in cells:
        status = f"skipped: no fitted model for {fit_id}"
        log.warning("power: %s", status)
        return pd.DataFrame(columns=POWER_COLUMNS), pd.DataFrame(columns=["scenario", *SMALLEST_COLUMNS]), status
    frames = []
    designs = designs_from(block["trials"], block["levels"])
    for scenario, effects in sorted(block["scenarios"].items()):
        gen = Generator.from_fit(fit, cells[fit_id].X, effects)
        table = power_table(gen, designs, block["term"], block["simulations"], block["seed"], block["alpha"], block["test"], workers, level)
        frames.append(table.assign(study=block["study"], behaviour=block["behaviour"], scenario=scenario))
        log.info("power %s/%s: %d designs x %d simulations", fit_id, scenario, len(designs), block["simulations"])
    power = pd.concat(frames, ignore_index=True)
    levels = [c for c in power.columns if c.startswith("n_")]
    power = power[[*POWER_COLUMNS[:6], *levels, *POWER_COLUMNS[6:]]]
    declared = [column for column in levels if column[2:] in block["levels"]]  # a factor kept at its fitted count is no design choice
    return power, smallest_design(power, block["target"], ["scenario", *declared]), "ok"


def bootstrap_tables(fits: Mapping[str, GlmmFit], cells: Mapping[str, CellData], replicates: int, seed: int, level: float,
                     workers: int = 1) -> pd.DataFrame:
    """Bootstrap intervals beside the Wald ones for every stored fit (Wald SD interval on the log scale)."""
    z = z_value(level)
    frames = []
    for fit_id in sorted(fits):
        fit, data = fits[fit_id], cells.get(fit_id)
        if data is None:
            continue
        table = bootstrap_table(fit, data.X, data.n.astype(np.int64), list(data.groups.values()), replicates, seed, level, workers)
        fixed = wald(fit.beta, fit.se, level)
        wald_low = np.r_[fixed["ci_low"], fit.sd * np.exp(-z * fit.sd_se / np.where(fit.sd > 0, fit.sd, np.nan))]
        wald_high = np.r_[fixed["ci_high"], fit.sd * np.exp(z * fit.sd_se / np.where(fit.sd > 0, fit.sd, np.nan))]
        study, behaviour = fit_id.split("/", 1)
        frames.append(table.assign(study=study, behaviour=behaviour, wald_low=wald_low, wald_high=wald_high))
        log.info("bootstrap %s: %d replicates, %d not converged", fit_id, replicates, table["not_converged"].iloc[0])
    columns = ["study", "behaviour", "parameter", "kind", "estimate", "wald_low", "wald_high", "boot_low", "boot_high", "method",
               "df", "percentile_low", "percentile_high", "usable", "replicates", "not_converged", "seed"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
