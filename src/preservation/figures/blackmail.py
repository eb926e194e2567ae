"""Blackmail rate by model, one panel per study: the agentic-misalignment comparison beside the system-card figure."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from preservation.figures.marks import draw_estimate, evidence_handles, value_text
from preservation.figures.rows import Panel, ValueColumn, row_chart
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import is_set, natural_order, short_citation


def blackmail_data(rates: pd.DataFrame, study_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every blackmail row without a peer or instruction, with its label and source; studies in natural
    order of their citation, then highest rate first (verbal-only rows last), ties in natural order."""
    rows = rates[(rates["behaviour"] == "blackmail") & (rates["peer"] == "none") & ~rates["instructed"]]
    records = rows.to_dict("records")
    rows = rows.assign(label=[_label(row) for row in records], source=[short_citation(row, study_names) for row in records])
    rows = rows.sort_values("label", key=natural_order, kind="mergesort")
    rows = rows.sort_values("rate", ascending=False, na_position="last", kind="mergesort")
    return rows.sort_values(["source", "study"], key=natural_order, kind="mergesort").reset_index(drop=True)


def _label(row: dict) -> str:
    label = row["model"]
    if str(row["scenario"]).endswith("_adapted"):
        label += " (adapted)"
    if is_set(row.get("goal_conflict")) and row["goal_conflict"] == "no":
        label += " (control)"
    return label


def plot_blackmail(rates: pd.DataFrame, interval: str, level: float, study_names: Mapping[str, str] | None = None) -> plt.Figure:
    """Dot plot of blackmail rate per model, one panel per study; the values in a column beside it."""
    apply_style()
    data = blackmail_data(rates, study_names)
    parts = [part for _, part in data.groupby(["source", "study"], sort=False)]
    panels = [Panel(part["source"].iloc[0], list(part["label"]), [ValueColumn("value", [value_text(r) for r in part.to_dict("records")])])
              for part in parts]
    fig, axes = row_chart(panels, COLUMN_WIDTH_IN, legend=evidence_handles(level, set(data["evidence"])))
    for ax, part in zip(axes, parts, strict=True):
        for position, row in enumerate(part.to_dict("records")):
            draw_estimate(ax, position, row, PALETTE[0], interval, horizontal=True, words=False)
        sns.despine(ax=ax)
    axes[-1].set_xlim(-0.02, 1.02)
    axes[-1].set_xlabel("blackmail rate")
    return fig
