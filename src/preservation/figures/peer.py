"""Peer-preservation: behaviour rate by peer condition, for the model's own and its peer's shutdown."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from preservation.figures.marks import colour_handles, draw_estimate, evidence_handles, value_text
from preservation.figures.style import DOUBLE_WIDTH_IN, PALETTE, apply_style
from preservation.labels import is_set, pretty

SUBJECTS = ("self", "peer")


def peer_data(rates: pd.DataFrame, peer_levels: Sequence[str]) -> pd.DataFrame:
    """Rows that say whose shutdown is at stake (subject), with a series label and peer order."""
    rows = rates[rates["subject"].isin(SUBJECTS)]
    rows = rows.assign(series=rows["model"] + ": " + rows["behaviour"].map(pretty),
                       order=rows["peer"].map({level: i for i, level in enumerate(peer_levels)}))
    return rows.sort_values(["subject", "series", "order"]).reset_index(drop=True)


def plot_peer_preservation(rates: pd.DataFrame, peer_levels: Sequence[str], interval: str, level: float) -> plt.Figure:
    """One panel per subject (self, peer); x = peer condition, one colour per model x behaviour."""
    apply_style()
    data = peer_data(rates, peer_levels)
    series = sorted(data["series"].unique())
    fig, axes = plt.subplots(1, len(SUBJECTS), figsize=(DOUBLE_WIDTH_IN, 2.3), sharey=True)
    for ax, subject in zip(axes, SUBJECTS, strict=True):
        panel = data[data["subject"] == subject]
        levels = [level_ for level_ in peer_levels if level_ in set(panel["peer"])]
        shift = {name: (i - (len(series) - 1) / 2) * 0.12 for i, name in enumerate(series)}
        for row in panel.to_dict("records"):
            position = levels.index(row["peer"]) + shift[row["series"]]
            colour = PALETTE[series.index(row["series"]) % len(PALETTE)]
            draw_estimate(ax, position, row, colour, interval)
            if is_set(row.get("rate")):
                note = value_text(row) + (f"\n“{row['verbal']}”" if is_set(row.get("verbal")) else "")
                ax.text(position + 0.08, row["rate"], note, fontsize=5.5, va="center", ha="left", color="0.25")
        ax.set_xticks(range(len(levels)), [pretty(name) for name in levels])
        ax.set_xlim(-0.5, len(levels) - 0.5)
        ax.set_title(f"shutdown of the {'model itself' if subject == 'self' else 'peer'}")
        ax.set_xlabel("peer condition")
    axes[0].set_ylim(-0.03, 1.08)
    axes[0].set_ylabel("behaviour rate")
    fig.legend(handles=colour_handles(series, PALETTE) + evidence_handles(level, set(data["evidence"])), frameon=False, loc="lower center", ncol=3,
               bbox_to_anchor=(0.5, -0.02))
    sns.despine(fig=fig)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    return fig
