"""Forest plot of a cross-study meta-analysis: each unit's odds ratio, then the pooled estimate.

One panel per analysis (a contrast for one behaviour): every unit (study x
model) with its odds ratio and Wald interval on the log-OR scale (with the
continuity correction the log-OR model used, marked), then the primary
pooled estimate as a diamond spanning its interval, with the prediction
interval as a line through it. The units of those analyses left out (no
events in either arm, or counted in one arm only) are named above the plot.
A unit's study is named as in the rates figures (its citation, else its
configured short name). Drawn at the full text width: it is not a column
figure of the paper, and unit labels are long.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from preservation.figures.marks import EDGE_WIDTH, MARKER_SIZE
from preservation.figures.rows import Panel, ValueColumn, row_chart
from preservation.figures.style import DOUBLE_WIDTH_IN, PALETTE, apply_style
from preservation.intervals import z_value
from preservation.labels import pretty, short_citation


def _or_text(value: float, low: float, high: float) -> str:
    return f"{value:.2g} [{low:.2g}, {high:.2g}]"


def unit_label(unit: Mapping[str, Any], study_names: Mapping[str, str] | None = None) -> str:
    """A unit's label (stats.meta_data: "study: model ...") with the study as the rates figures name it."""
    return short_citation(unit, study_names) + str(unit["unit"]).removeprefix(str(unit["study"]))


def plot_meta_forest(units: pd.DataFrame, pooled: pd.DataFrame, level: float, study_names: Mapping[str, str] | None = None) -> plt.Figure:
    """Units and the primary pooled row of every analysis, as odds ratios on a log axis."""
    apply_style()
    z = z_value(level)
    primary = pooled[pooled["primary"].astype(str).str.lower() == "true"] if len(pooled) else pooled
    panels, parts = [], []
    for analysis, row in (primary.set_index("analysis").iterrows() if len(primary) else []):
        kept = units[(units["analysis"] == analysis) & (units["excluded"].fillna("") == "")].reset_index(drop=True)
        low, high = np.exp(kept["yi"] - z * np.sqrt(kept["vi"])), np.exp(kept["yi"] + z * np.sqrt(kept["vi"]))
        texts = [_or_text(o, lo, hi) + ("*" if a > 0 else "") for o, lo, hi, a in zip(np.exp(kept["yi"]), low, high, kept["added"])]
        texts.append(_or_text(row["odds_ratio"], row["or_ci_low"], row["or_ci_high"]))
        labels = [*(unit_label(unit, study_names) for unit in kept.to_dict("records")), f"pooled ({row['method']}), PI {row['or_pi_low']:.2g}-{row['or_pi_high']:.2g}"]
        title = f"{pretty(row['treatment'])} vs not: {pretty(row['behaviour'])} (tau² {row['tau2']:.2f}, I² {row['i2']:.0f}%)"
        panels.append(Panel(title, labels, [ValueColumn("OR [CI]", texts)]))
        parts.append((kept, low, high, row))
    notes = []
    excluded = units[units["analysis"].isin(primary["analysis"] if len(primary) else []) & (units["excluded"].fillna("") != "")]
    if len(excluded):
        notes.append("Not pooled: " + "; ".join(f"{unit_label(u, study_names)} ({u['excluded']})" for u in excluded.to_dict("records")))
    if any((part[0]["added"] > 0).any() for part in parts):
        notes.append("* 1/2 added to every cell (a zero cell)")
    if not panels:
        panels = [Panel("no analysis with two or more units", [])]
    legend = [Line2D([], [], marker="D", linestyle="-", color=PALETTE[3], markersize=MARKER_SIZE, label="pooled; line: prediction interval")]
    fig, axes = row_chart(panels, DOUBLE_WIDTH_IN, legend=legend if parts else (), note=". ".join(notes))
    lows, highs = [], []
    for ax, (kept, low, high, row) in zip(axes, parts, strict=False):
        for position, (value, lo, hi) in enumerate(zip(np.exp(kept["yi"]), low, high)):
            ax.errorbar(value, position, xerr=[[value - lo], [hi - value]], fmt="s", color=PALETTE[0], markersize=MARKER_SIZE,
                        elinewidth=0.8, capsize=1.5, markeredgewidth=EDGE_WIDTH)
        y = len(kept)
        ax.plot([row["or_pi_low"], row["or_pi_high"]], [y, y], color=PALETTE[3], linewidth=0.8)
        ax.add_patch(Polygon([(row["or_ci_low"], y), (row["odds_ratio"], y - 0.3), (row["or_ci_high"], y), (row["odds_ratio"], y + 0.3)],
                             closed=True, color=PALETTE[3]))
        ax.axvline(1, color="0.5", linestyle="--", linewidth=0.7)
        sns.despine(ax=ax)
        lows += [*low, row["or_pi_low"]]
        highs += [*high, row["or_pi_high"]]
    axes[-1].set_xscale("log")
    if lows:
        axes[-1].set_xlim(10 ** (min(np.log10(min(lows)), 0) - 0.15), 10 ** (max(np.log10(max(highs)), 0) + 0.15))
    axes[-1].set_xlabel("odds ratio (log scale)")
    return fig
