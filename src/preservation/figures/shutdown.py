"""Shutdown sabotage by model, without versus with the allow-shutdown instruction."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style

INSTRUCTION_LABELS = {False: "no instruction", True: "told to allow shutdown"}


def bar_labels(cells: pd.DataFrame) -> pd.Series:
    """The model's name, plus the cell keys that tell apart several cells of one model.

    rates.csv lists its cell keys before the `evidence` column; a model measured
    in two studies (or scenarios, or from coded transcripts) gets one bar pair each.
    """
    keys = [c for c in cells.columns[: cells.columns.get_loc("evidence")] if c not in ("model", "instructed")]
    labels = cells["model"].astype(str)
    for model, group in cells.groupby("model", sort=False):
        varying = [key for key in keys if group[key].astype(str).nunique() > 1]
        if varying:
            extra = group[varying].astype(str).apply(lambda row: ", ".join(f"{k}={v}" for k, v in row.items()), axis=1)
            labels[group.index] = f"{model}\n(" + extra + ")"
    return labels


def shutdown_sabotage_data(rates: pd.DataFrame, interval: str = "jeffreys") -> pd.DataFrame:
    """The counted shutdown-sabotage cells without a peer, one bar pair per label, ordered by uninstructed rate."""
    cells = rates[(rates["behaviour"] == "shutdown_sabotage") & (rates["evidence"] == "counts") & (rates["peer"] == "none")]
    cells = cells.assign(low=cells[f"{interval}_low"], high=cells[f"{interval}_high"], label=bar_labels(cells))
    if cells.duplicated(["label", "instructed"]).any():
        raise ValueError("two shutdown-sabotage cells share a bar; their cell keys do not tell them apart")
    order = cells[~cells["instructed"]].sort_values(["rate", "label"], ascending=[False, True])["label"].tolist()
    order += sorted(set(cells["label"]) - set(order))
    return cells.assign(label=pd.Categorical(cells["label"], categories=order, ordered=True)).sort_values(["label", "instructed"])


def plot_shutdown_sabotage(rates: pd.DataFrame, interval: str = "jeffreys") -> plt.Figure:
    """Grouped bars of sabotage rate with 95% intervals, k/n printed above each bar."""
    apply_style()
    data = shutdown_sabotage_data(rates, interval)
    models = list(data["label"].cat.categories)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN * 1.6, 2.4))
    width = 0.38
    for offset, (instructed, colour) in zip((-width / 2, width / 2), ((False, PALETTE[3]), (True, PALETTE[0])), strict=True):
        subset = data[data["instructed"] == instructed].set_index("label").reindex(models)
        x = np.arange(len(models)) + offset
        present = subset["n"].notna().to_numpy()
        ax.bar(x[present], subset["rate"][present], width, color=colour, label=INSTRUCTION_LABELS[instructed])
        lower = (subset["rate"] - subset["low"])[present]
        upper = (subset["high"] - subset["rate"])[present]
        ax.errorbar(x[present], subset["rate"][present], yerr=[lower, upper], fmt="none", ecolor="black", elinewidth=0.7, capsize=1.5)
        for xi, row in zip(x[present], subset[present].itertuples(), strict=True):
            ax.text(xi, row.high + 0.02, f"{int(row.k)}/{int(row.n)}", ha="center", va="bottom", fontsize=5.5)
        for xi in x[~present]:
            ax.text(xi, 0.01, "n.r.", ha="center", va="bottom", fontsize=5.5, color="0.4")
    ax.set_xticks(np.arange(len(models)), models, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("shutdown sabotage rate")
    ax.legend(frameon=False, loc="upper right")
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig
