"""Forest plot of mixed-model fixed effects: odds ratio and interval per term, grouped by behaviour.

Reads data/processed/models/fixed_effects.csv, whose columns include
FIXED_EFFECT_COLUMNS. A fit that did not converge has no estimate to show
(a separated outcome ends at an odds ratio like 1e12), so it is left out and
named above the plot.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from preservation.figures.marks import NOTE_SIZE, colour_handles
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import fit_ids, pretty

FIXED_EFFECT_COLUMNS = ("study", "behaviour", "term", "estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p", "converged")


def forest_data(effects: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Check the column contract; the converged fits' terms ordered by behaviour, study and term
    (intercepts dropped), and the study/behaviour of each fit left out for not converging."""
    missing = sorted(set(FIXED_EFFECT_COLUMNS) - set(effects.columns))
    if missing:
        raise ValueError(f"fixed-effects table lacks column(s) {missing}")
    rows = effects[~effects["term"].str.lower().str.contains("intercept")]
    converged = rows["converged"].astype(bool)
    return rows[converged].sort_values(["behaviour", "study", "term"]).reset_index(drop=True), fit_ids(rows[~converged])


def plot_forest(effects: pd.DataFrame) -> plt.Figure:
    """Odds ratios on a log axis with their intervals; a dashed line marks no effect (OR = 1)."""
    apply_style()
    data, left_out = forest_data(effects)
    groups = list(dict.fromkeys(zip(data["study"], data["behaviour"], strict=True)))
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.22 * len(data) + 0.5 + 0.15 * len(groups)), layout="constrained")
    for position, row in enumerate(data.to_dict("records")):
        colour = PALETTE[groups.index((row["study"], row["behaviour"])) % len(PALETTE)]
        ax.errorbar(row["odds_ratio"], position,
                    xerr=[[row["odds_ratio"] - row["or_ci_low"]], [row["or_ci_high"] - row["odds_ratio"]]],
                    fmt="s", color=colour, markersize=3.5, elinewidth=0.8, capsize=1.5)
    ax.axvline(1, color="0.5", linestyle="--", linewidth=0.7)
    ax.set_xscale("log")
    ax.set_yticks(range(len(data)), data["term"])
    ax.invert_yaxis()
    ax.set_xlabel("odds ratio (log scale)")
    if left_out:
        ax.set_title(f"Not shown (no converged fit): {', '.join(left_out)}", loc="left", fontsize=NOTE_SIZE)
    labels = [f"{study}: {pretty(behaviour)}" for study, behaviour in groups]
    fig.legend(handles=colour_handles(labels, PALETTE), frameon=False, loc="outside lower center")
    sns.despine(ax=ax)
    return fig
