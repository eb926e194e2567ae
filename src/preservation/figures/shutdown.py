"""Shutdown sabotage by model, without versus with the allow-shutdown instruction, one panel per study."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from preservation.figures.rows import Panel, ValueColumn, row_chart
from preservation.figures.style import COLUMN_WIDTH_IN, PALETTE, apply_style
from preservation.labels import natural_key, pretty, short_citation

INSTRUCTION_LABELS = {False: "not told to allow shutdown", True: "told to allow shutdown"}
INSTRUCTION_HEADERS = {False: "not told", True: "told"}
INSTRUCTION_COLOURS = {False: PALETTE[3], True: PALETTE[0]}
BAR_HEIGHT = 0.36


def bar_labels(cells: pd.DataFrame) -> pd.Series:
    """The model's name, plus the cell keys that tell apart several cells of one model in one study.

    rates.csv lists its cell keys before the `evidence` column; a model measured
    in two scenarios (or from coded transcripts) gets one row each. The study
    is not named: each study has its own panel.
    """
    keys = [c for c in cells.columns[: cells.columns.get_loc("evidence")] if c not in ("study", "model", "instructed")]
    labels = cells["model"].astype(str)
    for (_, model), group in cells.groupby(["study", "model"], sort=False):
        varying = [key for key in keys if group[key].astype(str).nunique() > 1]
        if varying:
            extra = group[varying].astype(str).apply(lambda row: ", ".join(f"{pretty(k)}: {v}" for k, v in row.items()), axis=1)
            labels[group.index] = f"{model} (" + extra + ")"
    return labels


def shutdown_sabotage_data(rates: pd.DataFrame, interval: str = "jeffreys", study_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The counted shutdown-sabotage cells without a peer: study, label (one row each), low/high.

    Studies in natural order of their short citation; within a study, rows by
    uninstructed rate, highest first (rows without one last), ties in natural order.
    """
    cells = rates[(rates["behaviour"] == "shutdown_sabotage") & (rates["evidence"] == "counts") & (rates["peer"] == "none")]
    cells = cells.assign(low=cells[f"{interval}_low"], high=cells[f"{interval}_high"], label=bar_labels(cells),
                         source=[short_citation(row, study_names) for row in cells.to_dict("records")])
    if cells.duplicated(["study", "label", "instructed"]).any():
        raise ValueError("two shutdown-sabotage cells share a row; their cell keys do not tell them apart")
    rows = cells[["source", "study", "label"]].drop_duplicates().merge(
        cells.loc[~cells["instructed"], ["study", "label", "rate"]], how="left", on=["study", "label"])
    rows = sorted(rows.itertuples(), key=lambda r: (natural_key(r.source), r.study, np.isnan(r.rate), -np.nan_to_num(r.rate),
                                                    natural_key(r.label)))
    position = {(r.study, r.label): i for i, r in enumerate(rows)}
    order = [position[key] for key in zip(cells["study"], cells["label"], strict=True)]
    return cells.assign(order=order).sort_values(["order", "instructed"]).drop(columns="order").reset_index(drop=True)


def plot_shutdown_sabotage(rates: pd.DataFrame, interval: str = "jeffreys", study_names: Mapping[str, str] | None = None) -> plt.Figure:
    """Horizontal bars of sabotage rate with intervals per model and instruction; k/n in a table beside them."""
    apply_style()
    data = shutdown_sabotage_data(rates, interval, study_names)
    studies = list(dict.fromkeys(zip(data["study"], data["source"], strict=True)))
    panels, cells = [], []
    for study, source in studies:
        part = data[data["study"] == study]
        labels = list(dict.fromkeys(part["label"]))
        by_flag = {flag: part[part["instructed"] == flag].set_index("label").reindex(labels) for flag in (False, True)}
        columns = [ValueColumn(INSTRUCTION_HEADERS[flag], [f"{int(r.k)}/{int(r.n)}" if pd.notna(r.n) else "n.r." for r in by_flag[flag].itertuples()],
                               INSTRUCTION_COLOURS[flag]) for flag in (False, True)]
        panels.append(Panel(source, labels, columns))
        cells.append(by_flag)
    legend = [Patch(color=INSTRUCTION_COLOURS[flag], label=INSTRUCTION_LABELS[flag]) for flag in (False, True)]
    fig, axes = row_chart(panels, COLUMN_WIDTH_IN, legend=legend, min_pitch_pt=13)
    for ax, by_flag in zip(axes, cells, strict=True):
        for offset, flag in zip((-BAR_HEIGHT / 2, BAR_HEIGHT / 2), (False, True), strict=True):
            subset = by_flag[flag]
            present = subset["n"].notna().to_numpy()
            y = np.arange(len(subset))[present] + offset
            rate, low, high = (subset[c].to_numpy(float)[present] for c in ("rate", "low", "high"))
            ax.barh(y, rate, BAR_HEIGHT, color=INSTRUCTION_COLOURS[flag])
            ax.errorbar(rate, y, xerr=[rate - low, high - rate], fmt="none", ecolor="black", elinewidth=0.7, capsize=1.2)
        sns.despine(ax=ax)
    axes[-1].set_xlim(0, 1)
    axes[-1].set_xlabel("shutdown sabotage rate")
    return fig
