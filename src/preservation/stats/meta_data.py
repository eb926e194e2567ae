"""The 2x2 tables a cross-study meta-analysis pools, taken from the counted cells of rates.csv.

A unit is one study x model x scenario (x the configured factors x
reconstructed x coded) counted in both arms of a contrast:

* ``instruction``: instructed (treatment) vs not (control), at the same peer level;
* ``peer``: a kind of peer present (treatment, one analysis per kind) vs no peer (control),
  at the same instruction.

Each analysis pools one contrast for one behaviour across studies and models
(the instruction to allow shutdown means something different for blackmail
than for shutdown sabotage). Rates without n and verbal figures cannot enter.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from preservation.aggregate import cell_keys

UNIT_COLUMNS = ("analysis", "contrast", "treatment", "behaviour", "unit", "study", "model", "scenario", "origin", "k1", "n1", "k0", "n0")


def _unit_label(row: pd.Series, keys: Sequence[str]) -> str:
    """study: model, plus every further key that is set to something other than its default."""
    extra = [f"{key}={row[key]}" for key in keys if key not in ("study", "model", "behaviour", "scenario", "reconstructed", "coded") and pd.notna(row[key])
             and str(row[key]) not in ("", "False", "false") and not (key == "peer" and row[key] == "none")]
    return f"{row['study']}: {row['model']}" + (f" ({', '.join(extra)})" if extra else "")


def contrast_units(rates: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Every unit of every analysis (instruction, and peer by kind), one row each, sorted."""
    counted = rates[rates["evidence"] == "counts"].copy()
    rows: list[dict[str, object]] = []
    for contrast, factor in (("instruction", "instructed"), ("peer", "peer")):
        keys = [key for key in cell_keys(by) if key != factor]
        for _, group in counted.groupby(keys, dropna=False, sort=True):
            control = group[group[factor] == (False if factor == "instructed" else "none")]
            if len(control) != 1:
                continue
            treated = group[group[factor] == True] if factor == "instructed" else group[group[factor] != "none"]  # noqa: E712
            for _, row in treated.iterrows():
                treatment = "instructed" if factor == "instructed" else f"peer={row['peer']}"
                ctrl = control.iloc[0]
                rows.append({"analysis": f"{contrast}/{treatment}/{row['behaviour']}" if factor == "peer"
                             else f"{contrast}/{row['behaviour']}",
                             "contrast": contrast, "treatment": treatment, "behaviour": row["behaviour"],
                             "unit": _unit_label(row, keys), "study": row["study"], "model": row["model"], "scenario": row["scenario"],
                             "origin": "reconstructed" if row["reconstructed"] else ("coded" if row["coded"] else "logged"),
                             "k1": int(row["k"]), "n1": int(row["n"]), "k0": int(ctrl["k"]), "n0": int(ctrl["n"])})
    units = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    shared = units.duplicated(["analysis", "unit"], keep=False)  # the same model in two scenarios of a study
    units.loc[shared, "unit"] = units.loc[shared, "unit"] + " [" + units.loc[shared, "scenario"].astype(str) + "]"
    shared = units.duplicated(["analysis", "unit"], keep=False)  # logged trials beside a study's published counts
    units.loc[shared, "unit"] = units.loc[shared, "unit"] + " [" + units.loc[shared, "origin"] + "]"
    return units.sort_values(["analysis", "unit"], kind="stable").reset_index(drop=True)
