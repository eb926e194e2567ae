"""Forest plot of mixed-model fixed effects: odds ratio and interval per term, one panel per fit.

Reads data/processed/models/fixed_effects.csv, whose columns include
FIXED_EFFECT_COLUMNS. A fit that did not converge, or in which a term is
separated (stats.separation: the estimate is where the optimiser stopped on
its way to infinity, an odds ratio like 1e12), has no estimates to show, so
it is left out and named above the plot; drawing it would also stretch the
axis over twelve decades. A singular fit (a random-effect SD of 0) is shown,
hollow, and its panel says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from preservation.figures.marks import EDGE_WIDTH, MARKER_SIZE
from preservation.figures.rows import Panel, ValueColumn, row_chart
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import fit_ids, natural_key, pretty, term_label
from preservation.stats.tables import estimable

FIXED_EFFECT_COLUMNS = ("study", "behaviour", "term", "estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p",
                        "singular", "converged", "separated")


def forest_data(effects: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Check the column contract; the estimable fits' terms (intercepts dropped) ordered by study, behaviour
    and term in natural order, and the fits left out, by reason."""
    missing = sorted(set(FIXED_EFFECT_COLUMNS) - set(effects.columns))
    if missing:
        raise ValueError(f"fixed-effects table lacks column(s) {missing}")
    usable = estimable(effects)
    separated = effects.groupby(["study", "behaviour"])["separated"].transform("any").astype(bool)
    left_out = {"separated, no finite estimate": fit_ids(effects[~usable & separated]),
                "not converged": fit_ids(effects[~usable & ~separated])}
    rows = effects[usable & ~effects["term"].str.lower().str.contains("intercept")]
    keys = [(natural_key(s), natural_key(b), natural_key(term_label(t))) for s, b, t in zip(rows["study"], rows["behaviour"], rows["term"])]
    rows = rows.iloc[sorted(range(len(rows)), key=keys.__getitem__)].reset_index(drop=True)
    return rows, {why: fits for why, fits in left_out.items() if fits}


def _interval_text(row: dict) -> str:
    return f"{row['odds_ratio']:.2g} [{row['or_ci_low']:.2g}, {row['or_ci_high']:.2g}]"


def plot_forest(effects: pd.DataFrame, names: Mapping[str, str] | None = None) -> plt.Figure:
    """Odds ratios on a log axis with their intervals, a panel per fit, titled with the study's short name
    (config paper: study_names) where it has one; a dashed line marks no effect (OR = 1)."""
    apply_style()
    data, left_out = forest_data(effects)
    parts = [part for _, part in data.groupby(["study", "behaviour"], sort=False)]
    panels = [Panel(f"{(names or {}).get(part['study'].iloc[0], part['study'].iloc[0])}: {pretty(part['behaviour'].iloc[0])}"
                    + (" (singular fit)" if part["singular"].astype(bool).any() else ""),
                    [term_label(term) for term in part["term"]],
                    [ValueColumn("OR [CI]", [_interval_text(r) for r in part.to_dict("records")])]) for part in parts]
    note = "; ".join(f"Not shown ({why}): {', '.join(fits)}" for why, fits in left_out.items())
    legend = [Line2D([], [], marker="s", linestyle="none", markerfacecolor="white", markeredgecolor=PALETTE[0],
                     markeredgewidth=EDGE_WIDTH, markersize=MARKER_SIZE, label="singular fit (a random-effect SD is 0)")]
    singular = data["singular"].astype(bool).any()
    if not panels:
        panels = [Panel("no fit to show", [])]
    fig, axes = row_chart(panels, COLUMN_WIDTH_IN, legend=legend if singular else (), note=note)
    for ax, part in zip(axes, parts, strict=False):
        for position, row in enumerate(part.to_dict("records")):
            hollow = {"markerfacecolor": "white", "markeredgewidth": EDGE_WIDTH} if row["singular"] else {}
            ax.errorbar(row["odds_ratio"], position,
                        xerr=[[row["odds_ratio"] - row["or_ci_low"]], [row["or_ci_high"] - row["odds_ratio"]]],
                        fmt="s", color=PALETTE[0], markersize=MARKER_SIZE, elinewidth=0.8, capsize=1.5, **hollow)
        ax.axvline(1, color="0.5", linestyle="--", linewidth=0.7)
        sns.despine(ax=ax)
    axes[-1].set_xscale("log")
    if len(data):
        low, high = np.log10(data["or_ci_low"].min()), np.log10(data["or_ci_high"].max())
        axes[-1].set_xlim(10 ** (min(low, 0) - 0.15), 10 ** (max(high, 0) + 0.15))
    axes[-1].set_xlabel("odds ratio (log scale)")
    return fig
