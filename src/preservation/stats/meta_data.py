"""The 2x2 tables a cross-study meta-analysis pools, taken from the counted cells of rates.csv.

A unit is one study x model x scenario (x the configured factors) in one
contrast:

* ``instruction``: instructed (treatment) vs not (control), at the same peer level;
* ``peer``: a kind of peer present (treatment, one analysis per kind seen for
  the behaviour) vs no peer (control), at the same instruction.

Each analysis pools one contrast for one behaviour across studies and models
(the instruction to allow shutdown means something different for blackmail
than for shutdown sabotage). Rates without n and verbal figures cannot enter.

The units are the data the GLMMs fit (stats.study_models): cells rebuilt from
published k/n are left out when ``models.include_reconstructed`` is false, and
otherwise a study's logged, coded and reconstructed cells of one model and
condition are one unit whose arms sum them (``origin`` names what it
combines), not separate "independent" units counting the same runs twice.
A unit counted in one arm only is kept with its reason in ``excluded`` and
enters no fit. ``cells1``/``cells0`` list each arm's rates.csv cell ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from preservation.aggregate import cell_keys

log = logging.getLogger(__name__)

UNIT_COLUMNS = ("analysis", "contrast", "treatment", "behaviour", "unit", "study", "citation", "model", "scenario", "origin",
                "k1", "n1", "k0", "n0", "cells1", "cells0", "excluded")
COUNT_COLUMNS = ("k1", "n1", "k0", "n0")
# Where a cell's trials come from, in the order `origin` names them.
ORIGINS = ("logged", "coded", "reconstructed")
# contrast -> (the factor it varies, its control level, the control arm's name)
CONTRASTS: dict[str, tuple[str, object, str]] = {"instruction": ("instructed", False, "uninstructed"), "peer": ("peer", "none", "peer=none")}
# Key columns that tell a cell's origin, not its condition: a unit sums over them.
ORIGIN_KEYS = ("reconstructed", "coded")


def _unit_label(row: pd.Series, keys: Sequence[str]) -> str:
    """study: model, plus every further key that is set to something other than its default."""
    extra = [f"{key}={row[key]}" for key in keys if key not in ("study", "model", "behaviour", "scenario") and pd.notna(row[key])
             and str(row[key]) not in ("", "False", "false") and not (key == "peer" and row[key] == "none")]
    return f"{row['study']}: {row['model']}" + (f" ({', '.join(extra)})" if extra else "")


def pooled_cells(rates: pd.DataFrame, include_reconstructed: bool) -> pd.DataFrame:
    """The counted cells the meta-analysis may pool, with their `origin`: as the GLMMs, reconstructed ones only if included."""
    counted = rates[rates["evidence"] == "counts"]
    if not include_reconstructed:
        rebuilt = counted["reconstructed"].astype(bool)
        if rebuilt.any():
            log.info("meta-analysis: %d reconstructed cell(s) left out (models.include_reconstructed is false)", int(rebuilt.sum()))
        counted = counted[~rebuilt]
    origin = np.where(counted["reconstructed"].astype(bool), "reconstructed", np.where(counted["coded"].astype(bool), "coded", "logged"))
    return counted.assign(origin=origin)


def _treatments(contrast: str, cells: pd.DataFrame) -> list[tuple[str, object]]:
    """(treatment name, factor level) of each analysis of a contrast for one behaviour's cells.

    The instruction has one treatment whether or not any cell received it, so
    every cell of the behaviour is in a unit (kept, or excluded for its missing
    arm); the peer contrast has one per kind of peer seen for the behaviour.
    """
    if contrast == "instruction":
        return [("instructed", True)]
    return [(f"peer={kind}", kind) for kind in sorted(set(cells["peer"]) - {"none"})]


def _arm(cells: pd.DataFrame) -> tuple[object, object, str]:
    """An arm's summed k and n (None when not counted) and its cell ids, space-separated."""
    if cells.empty:
        return None, None, ""
    return int(cells["k"].sum()), int(cells["n"].sum()), " ".join(sorted(cells["cell"]))


def contrast_units(rates: pd.DataFrame, by: Sequence[str], include_reconstructed: bool = True) -> pd.DataFrame:
    """Every unit of every analysis (instruction, and peer by kind), one row each, sorted."""
    counted = pooled_cells(rates, include_reconstructed)
    rows: list[dict[str, object]] = []
    for contrast, (factor, control_level, control_name) in CONTRASTS.items():
        keys = [key for key in cell_keys(by) if key != factor and key not in ORIGIN_KEYS]
        for behaviour, cells in counted.groupby("behaviour", sort=True):
            treatments = _treatments(contrast, cells)
            for _, group in cells.groupby(keys, dropna=False, sort=True):
                control = group[group[factor] == control_level]
                for treatment, level in treatments:
                    treated = group[group[factor] == level]
                    if control.empty and treated.empty:
                        continue
                    missing = [name for name, arm in ((treatment, treated), (control_name, control)) if arm.empty]
                    first = group.iloc[0]
                    k1, n1, cells1 = _arm(treated)
                    k0, n0, cells0 = _arm(control)
                    origins = set(treated["origin"]) | set(control["origin"])
                    rows.append({"analysis": f"{contrast}/{treatment}/{behaviour}" if contrast == "peer" else f"{contrast}/{behaviour}",
                                 "contrast": contrast, "treatment": treatment, "behaviour": behaviour,
                                 "unit": _unit_label(first, keys), "study": first["study"], "citation": first.get("citation"),
                                 "model": first["model"], "scenario": first["scenario"],
                                 "origin": "+".join(origin for origin in ORIGINS if origin in origins),
                                 "k1": k1, "n1": n1, "k0": k0, "n0": n0, "cells1": cells1, "cells0": cells0,
                                 "excluded": f"one arm only: no {missing[0]} cell" if missing else ""})
    units = pd.DataFrame(rows, columns=list(UNIT_COLUMNS)).astype(dict.fromkeys(COUNT_COLUMNS, "Int64"))
    shared = units.duplicated(["analysis", "unit"], keep=False)  # the same model in two scenarios of a study
    units.loc[shared, "unit"] = units.loc[shared, "unit"] + " [" + units.loc[shared, "scenario"].astype(str) + "]"
    return units.sort_values(["analysis", "unit"], kind="stable").reset_index(drop=True)
