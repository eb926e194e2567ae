"""Tables the paper typesets (CSV of display strings, read by the manuscript as they are).

A column `X_ref` holds the refs.bib key of column X's study (config paper:
citations); the manuscript prints it as a citation after X, not as a column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from preservation.labels import condition_label, natural_order, short_citation
from preservation.numbers import Format
from preservation.stats.contrasts import holm

STUDY_ORDER = ("behaviour", "study", "model")
# The family each Holm adjustment runs over; the paper's table caption says the same.
HOLM_FAMILY = ("study", "behaviour")


def display_value(row: dict[str, Any], fmt: Format) -> str:
    """k/n (rate) for counts, the rate flagged as rate-only, or the words of a verbal figure."""
    if row["evidence"] == "counts":
        return f"{int(row['k'])}/{int(row['n'])} ({fmt.percent(row['rate'])})"
    if row["evidence"] == "verbal":
        return f"“{row['verbal']}” (words only)"
    qualifier = f"{row['qualifier']} " if isinstance(row.get("qualifier"), str) else ""
    return f"{qualifier}{fmt.percent(row['rate'])} (rate only)"


def results_table(rates: pd.DataFrame, factors: Sequence[str], fmt: Format, names: Mapping[str, str] | None = None,
                  citations: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One line per rates.csv row: source (its short name, which the citation follows), model, condition and value as the paper prints them."""
    rows = rates.sort_values(list(STUDY_ORDER), key=natural_order, kind="mergesort").to_dict("records")
    return pd.DataFrame(
        {
            "source": [(names or {}).get(row["study"]) or short_citation(row) for row in rows],
            "source_ref": [(citations or {}).get(row["study"], "") for row in rows],
            "model": [row["model"] for row in rows],
            "condition": [condition_label(row, factors) for row in rows],
            "value": [display_value(row, fmt) for row in rows],
        }
    )


def effects_table(effects: pd.DataFrame, fmt: Format, names: Mapping[str, str] | None = None,
                  citations: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Instruction effect per model: k/n without and with the instruction, odds ratio [interval], Fisher p and
    Holm-adjusted p (family: HOLM_FAMILY); a study column (short name and citation key) when more than one
    study is shown; natural order."""
    effects = effects.assign(p_holm=effects.groupby(list(HOLM_FAMILY))["p"].transform(holm) if len(effects) else [])
    effects = effects.sort_values(["study", "model"], key=natural_order, kind="mergesort")
    study = {"study": [(names or {}).get(s, s) for s in effects["study"]],
             "study_ref": [(citations or {}).get(s, "") for s in effects["study"]]} if effects["study"].nunique() > 1 else {}
    return pd.DataFrame(
        {
            **study,
            "model": effects["model"],
            "not instructed": effects["k_not"].astype(str) + "/" + effects["n_not"].astype(str),
            "instructed": effects["k_told"].astype(str) + "/" + effects["n_told"].astype(str),
            "odds ratio": [f"{fmt.ratio(e.odds_ratio)} [{fmt.ratio(e.or_ci_low)}, {fmt.ratio(e.or_ci_high)}]" for e in effects.itertuples()],
            "p": effects["p"].map(fmt.p),
            "p (Holm)": effects["p_holm"].map(fmt.p),
        }
    )


def write_table(table: pd.DataFrame, path: str) -> None:
    """CSV with fixed line endings, so equal tables give equal bytes."""
    table.to_csv(path, index=False, lineterminator="\n")
