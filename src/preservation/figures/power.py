"""Power curves: simulated power against trials per cell, one line per number of models (or other levels).

One panel per effect scenario (the fitted effect, or one set in the config),
each point with its Monte Carlo interval, and the target power as a dashed
line, so the trials a design needs can be read off.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from preservation.figures.marks import MARKER_SIZE
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import pretty


def level_columns(power: pd.DataFrame) -> list[str]:
    return [c for c in power.columns if c.startswith("n_")]


def plot_power(power: pd.DataFrame, target: float) -> plt.Figure:
    """Power vs trials per cell (log axis), a panel per scenario, a line per combination of levels."""
    apply_style()
    scenarios = list(dict.fromkeys(power["scenario"])) or ["no design"]
    fig, axes = plt.subplots(len(scenarios), 1, figsize=(COLUMN_WIDTH_IN, 1.0 + 1.6 * len(scenarios)), sharex=True,
                             squeeze=False, layout="constrained")
    levels = level_columns(power)
    for ax, scenario in zip(axes[:, 0], scenarios, strict=True):
        part = power[power["scenario"] == scenario]
        for colour, (key, line) in zip(PALETTE, part.groupby(levels, sort=True) if levels else [((), part)]):
            key = key if isinstance(key, tuple) else (key,)
            line = line.sort_values("trials")
            label = ", ".join(f"{value} {pretty(name[2:])}s" for name, value in zip(levels, key)) or "fitted levels"
            ax.errorbar(line["trials"], line["power"], yerr=[line["power"] - line["mc_low"], line["mc_high"] - line["power"]],
                        marker="o", markersize=MARKER_SIZE * 0.7, color=colour, linewidth=0.9, elinewidth=0.6, capsize=1.2, label=label)
        ax.axhline(target, color="0.5", linestyle="--", linewidth=0.7)
        if len(part):
            ax.set_title(f"{pretty(scenario)}: {part['term'].iloc[0]} log-odds {part['log_odds'].iloc[0]:.2f} "
                         f"(OR {np.exp(part['log_odds'].iloc[0]):.2g})", loc="left")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("power")
        sns.despine(ax=ax)
    axes[0, 0].legend(frameon=False, loc="lower right")
    axes[-1, 0].set_xscale("log")
    ticks = sorted(power["trials"].unique()) if len(power) else []
    axes[-1, 0].set_xticks(ticks, [str(int(t)) for t in ticks])
    axes[-1, 0].minorticks_off()
    axes[-1, 0].set_xlabel("trials per cell (log scale)")
    return fig
