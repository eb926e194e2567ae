"""Overview heat map: every model x condition cell, coloured by rate and annotated with k/n, one panel per study.

Why panels: studies rarely share models or conditions, so one grid of all of
them is mostly empty and grows in both directions at once. A study's panel
holds its own models and conditions; a study with more conditions than fit
across the page continues in a further panel. Columns are as wide as the
widest annotation at print size, and condition names are wrapped to that width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from preservation.figures.marks import value_text
from preservation.figures.style import DOUBLE_WIDTH_IN, LABEL_PT, NOTE_PT, apply_style, text_width_in, wrap_to_width
from preservation.labels import condition_label, is_set, natural_key, short_citation

CMAP = "cividis"
MIN_COLUMN_IN = 0.55
LABEL_MAX_IN = 2.0
COLOURBAR_IN = 0.7
LINE_IN = 1.22 / 72


def heatmap_data(rates: pd.DataFrame, factors: Sequence[str], study_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """rates.csv rows with a column label per condition and the study's short citation (source).

    A condition that a model has in two scenarios of one study gets one column
    per scenario, named in its label; rows that still share a study x model x
    condition cell are an error.
    """
    rows = rates.assign(condition=[condition_label(row, factors) for row in rates.to_dict("records")],
                        source=[short_citation(row, study_names) for row in rates.to_dict("records")])
    clash = rows.duplicated(["study", "model", "condition"], keep=False)
    rows.loc[clash, "condition"] += " (" + rows.loc[clash, "scenario"].astype(str) + ")"
    clash = rows.duplicated(["study", "model", "condition"], keep=False)
    if clash.any():
        raise ValueError(f"several rows per model x condition: {rows.loc[clash, ['study', 'model', 'condition']].values.tolist()}")
    return rows


def _panels(data: pd.DataFrame, per_panel: int) -> list[tuple[str, list[str], list[str], pd.DataFrame]]:
    """(title, models, conditions, rows) per panel: studies in natural order of their citation, conditions
    by behaviour then name, models by name, at most `per_panel` conditions each."""
    panels = []
    for (source, _), part in sorted(data.groupby(["source", "study"]), key=lambda item: (natural_key(item[0][0]), item[0][1])):
        conditions = list(dict.fromkeys(sorted(zip(part["behaviour"], part["condition"], strict=True),
                                               key=lambda bc: (natural_key(bc[0]), natural_key(bc[1])))))
        conditions = [condition for _, condition in conditions]
        for start in range(0, len(conditions), per_panel):
            chunk = conditions[start:start + per_panel]
            rows = part[part["condition"].isin(chunk)]
            models = sorted(rows["model"].unique(), key=natural_key)
            panels.append((source + (" (continued)" if start else ""), models, chunk, rows))
    return panels


def plot_rate_heatmap(rates: pd.DataFrame, factors: Sequence[str], study_names: Mapping[str, str] | None = None) -> plt.Figure:
    """Heat map of rates per study; rate-only and verbal cells hatched, every cell annotated with its value."""
    apply_style()
    data = heatmap_data(rates, factors, study_names)
    narrowest = max(MIN_COLUMN_IN, max(text_width_in(value_text(row), NOTE_PT) for row in data.to_dict("records")) + 0.08)
    label_in = min(LABEL_MAX_IN, max(text_width_in(str(model), LABEL_PT) for model in data["model"]) + 0.02)
    grid_in = DOUBLE_WIDTH_IN - label_in - COLOURBAR_IN - 0.2
    panels = _panels(data, max(1, int(grid_in // narrowest)))
    columns = max(len(conditions) for _, _, conditions, _ in panels)
    column_in = grid_in / columns  # the widest panel spread over the page
    heads = [[wrap_to_width(c, column_in - 0.06, LABEL_PT) for c in conditions] for _, _, conditions, _ in panels]
    labels = [[wrap_to_width(str(m), label_in, LABEL_PT) for m in models] for _, models, _, _ in panels]
    pitch = max(12 / 72, max(label.count("\n") + 1 for panel in labels for label in panel) * LABEL_PT * LINE_IN + 0.03)
    heights = [len(models) * pitch for _, models, _, _ in panels]
    decorations = sum((max(h.count("\n") for h in head) + 1) * LABEL_PT * LINE_IN + 0.3 for head in heads)
    fig = plt.figure(figsize=(DOUBLE_WIDTH_IN, sum(heights) + decorations + 0.1), layout="constrained")
    grid = fig.add_gridspec(len(panels), 1, height_ratios=heights)
    colormap, norm = plt.get_cmap(CMAP), Normalize(0, 1)
    axes = []
    for index, ((title, models, conditions, rows), head, label) in enumerate(zip(panels, heads, labels, strict=True)):
        ax = fig.add_subplot(grid[index, 0])
        grid_values = rows.pivot(index="model", columns="condition", values="rate").reindex(index=models, columns=conditions)
        mesh = ax.pcolormesh(np.ma.masked_invalid(grid_values.to_numpy(float)), cmap=colormap, norm=norm, edgecolors="white",
                             linewidth=0.5)
        for row in rows.to_dict("records"):
            x, y = conditions.index(row["condition"]), models.index(row["model"])
            rated = is_set(row.get("rate"))
            if row["evidence"] != "counts":
                ax.add_patch(Rectangle((x, y), 1, 1, fill=False, hatch="////", edgecolor="0.55", linewidth=0))
            shade = np.mean(colormap(float(row["rate"]))[:3]) if rated else 1.0
            ax.text(x + 0.5, y + 0.5, value_text(row), ha="center", va="center", fontsize=NOTE_PT,
                    color="white" if shade < 0.5 else "black", style="normal" if rated else "italic")
        ax.set_xlim(0, columns)  # equal column widths in every panel
        ax.set_ylim(len(models), 0)
        ax.set_xticks(np.arange(len(conditions)) + 0.5, head)
        ax.set_yticks(np.arange(len(models)) + 0.5, label)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.set_title(title, loc="left", pad=4)
        for spine in ax.spines.values():
            spine.set_visible(False)
        axes.append(ax)
    fig.colorbar(mesh, ax=axes, label="rate", shrink=min(1.0, 2.0 / sum(heights)), aspect=15)
    return fig
