"""Overview heat map: every model x condition cell, coloured by rate and annotated with k/n."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Rectangle

from preservation.figures.marks import NOTE_SIZE, value_text
from preservation.figures.style import DOUBLE_WIDTH_IN, apply_style
from preservation.labels import condition_label, is_set

CMAP = "cividis"


def heatmap_data(rates: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
    """rates.csv rows with a column label per condition.

    A condition that some model has in two studies (a new lab's run of o3 beside
    Palisade's) or two scenarios gets one column per study, then per scenario,
    named in its label; rows that still share a model x condition cell are an error.
    """
    rows = rates.assign(condition=[condition_label(row, factors) for row in rates.to_dict("records")])
    for name in ("study", "scenario"):
        clash = rows.duplicated(["model", "condition"], keep=False)
        shared = rows["condition"].isin(rows.loc[clash, "condition"])
        rows.loc[shared, "condition"] += " (" + rows.loc[shared, name].astype(str) + ")"
    clash = rows.duplicated(["model", "condition"], keep=False)
    if clash.any():
        raise ValueError(f"several rows per model x condition: {rows.loc[clash, ['model', 'condition']].values.tolist()}")
    return rows


def plot_rate_heatmap(rates: pd.DataFrame, factors: Sequence[str]) -> plt.Figure:
    """Heat map of rates; rate-only and verbal cells hatched, counted cells annotated with k/n."""
    apply_style()
    data = heatmap_data(rates, factors)
    columns = list(dict.fromkeys(data.sort_values(["behaviour", "study", "condition"])["condition"]))
    models = list(dict.fromkeys(data.sort_values(["behaviour", "study", "model"])["model"]))
    grid = data.pivot(index="model", columns="condition", values="rate").reindex(index=models, columns=columns)
    fig, ax = plt.subplots(figsize=(DOUBLE_WIDTH_IN, 0.2 * len(models) + 2.2))
    sns.heatmap(grid.astype(float), ax=ax, cmap=CMAP, vmin=0, vmax=1, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "rate", "shrink": 0.6}, xticklabels=True, yticklabels=True)
    colormap = plt.get_cmap(CMAP)
    for row in data.to_dict("records"):
        x, y = columns.index(row["condition"]), models.index(row["model"])
        rated = is_set(row.get("rate"))
        if row["evidence"] != "counts":
            ax.add_patch(Rectangle((x, y), 1, 1, fill=False, hatch="////", edgecolor="0.55", linewidth=0))
        shade = np.mean(colormap(float(row["rate"]))[:3]) if rated else 1.0
        ax.text(x + 0.5, y + 0.5, value_text(row), ha="center", va="center", fontsize=NOTE_SIZE,
                color="white" if shade < 0.5 else "black", style="normal" if rated else "italic")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticklabels(ax.get_xticklabels(), rotation=35, ha="right")
    ax.tick_params(length=0)
    fig.tight_layout()
    return fig
