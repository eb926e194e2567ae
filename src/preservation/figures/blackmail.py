"""Blackmail rate by model: the agentic-misalignment comparison beside the system-card figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from preservation.figures.marks import draw_estimate, evidence_handles, value_text
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import is_set, short_citation

MARKERS = ("o", "D", "s", "^")


def blackmail_data(rates: pd.DataFrame) -> pd.DataFrame:
    """Every blackmail row without a peer or instruction, highest rate first (verbal-only rows last)."""
    rows = rates[(rates["behaviour"] == "blackmail") & (rates["peer"] == "none") & ~rates["instructed"]]
    rows = rows.assign(label=[_label(row) for row in rows.to_dict("records")])
    return rows.sort_values(["rate", "label"], ascending=[False, True], na_position="last").reset_index(drop=True)


def _label(row: dict) -> str:
    label = row["model"]
    if str(row["scenario"]).endswith("_adapted"):
        label += " (adapted)"
    if is_set(row.get("goal_conflict")) and row["goal_conflict"] == "no":
        label += " (control)"
    return label


def plot_blackmail(rates: pd.DataFrame, interval: str, level: float) -> plt.Figure:
    """Dot plot of blackmail rate per model, one marker and colour per study."""
    apply_style()
    data = blackmail_data(rates)
    studies = sorted(data["study"].unique())
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.18 * len(data) + 0.9))
    for position, row in enumerate(data.to_dict("records")):
        index = studies.index(row["study"])
        colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        draw_estimate(ax, position, row, colour, interval, horizontal=True, marker=marker)
        if is_set(row.get("rate")):
            ax.text(row["rate"] + 0.03, position, value_text(row), va="center", fontsize=5.5, color="0.25")
    ax.set_yticks(range(len(data)), data["label"])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.12)
    ax.set_xlabel("blackmail rate")
    study_handles = [
        plt.Line2D([], [], marker=MARKERS[i % len(MARKERS)], linestyle="none", markerfacecolor="white",
                   markeredgecolor=PALETTE[i % len(PALETTE)], label=short_citation(data[data["study"] == s].iloc[0].to_dict()))
        for i, s in enumerate(studies)
    ]
    ax.legend(handles=study_handles + evidence_handles(level, set(data["evidence"])), frameon=False, loc="upper center",
              bbox_to_anchor=(0.45, -0.22), ncol=1)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig
