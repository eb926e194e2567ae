"""Peer preservation: behaviour rate by peer condition, one panel per study and whose preservation is at stake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from preservation.figures.marks import MARKER_SIZE, draw_estimate, evidence_handles, value_text
from preservation.figures.rows import Panel, ValueColumn, row_chart
from preservation.figures.style import DOUBLE_WIDTH_IN, PALETTE, apply_style
from preservation.labels import is_set, natural_key, pretty, short_citation

# `subject` says whose preservation a behaviour serves (self_exfiltration is the model's own, not its shutdown).
SUBJECTS = {"self": "the model itself", "peer": "its peer"}
MARKERS = ("o", "s", "D", "^", "v", "P")
DODGE = 0.5  # share of a row the peer conditions of one series spread over


def peer_data(rates: pd.DataFrame, peer_levels: Sequence[str], study_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rows that say whose preservation is at stake (subject), with a series label (model: behaviour),
    source and peer order; sorted by source, subject, series (natural order) and peer level."""
    rows = rates[rates["subject"].isin(SUBJECTS)]
    rows = rows.assign(series=rows["model"] + ": " + rows["behaviour"].map(pretty),
                       source=[short_citation(row, study_names) for row in rows.to_dict("records")],
                       order=rows["peer"].map({level: i for i, level in enumerate(peer_levels)}))
    keys = [(natural_key(source), study, list(SUBJECTS).index(subject), natural_key(series), order)
            for source, study, subject, series, order in zip(*(rows[c] for c in ("source", "study", "subject", "series", "order")))]
    return rows.iloc[sorted(range(len(rows)), key=keys.__getitem__)].reset_index(drop=True)


def _value(row: dict) -> str:
    """value_text, plus the words when a rate also has them ("99.7% “almost always”")."""
    words = row["evidence"] != "verbal" and is_set(row.get("verbal"))
    return value_text(row) + (f" “{row['verbal']}”" if words else "")


def plot_peer_preservation(
    rates: pd.DataFrame, peer_levels: Sequence[str], interval: str, level: float, study_names: Mapping[str, str] | None = None
) -> plt.Figure:
    """One panel per study x subject; a row per model and behaviour, one marker per peer condition, values beside."""
    apply_style()
    data = peer_data(rates, peer_levels, study_names)
    levels = [name for name in peer_levels if name in set(data["peer"])]
    style = {name: (PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]) for i, name in enumerate(levels)}
    parts = [part for _, part in data.groupby(["source", "study", "subject"], sort=False)]
    panels = []
    for part in parts:
        series = list(dict.fromkeys(part["series"]))
        texts = {(r["series"], r["peer"]): _value(r) for r in part.to_dict("records")}
        # Every panel lists every peer condition, so a condition's column lines up down the figure.
        columns = [ValueColumn(pretty(name), [texts.get((s, name), "") for s in series], style[name][0]) for name in levels]
        panels.append(Panel(f"{part['source'].iloc[0]}: at stake, {SUBJECTS[part['subject'].iloc[0]]}", series, columns))
    legend = [Line2D([], [], marker=style[name][1], linestyle="none", color=style[name][0], markersize=MARKER_SIZE,
                     label=f"peer: {pretty(name)}") for name in levels] + evidence_handles(level, set(data["evidence"]))
    fig, axes = row_chart(panels, DOUBLE_WIDTH_IN, legend=legend, min_pitch_pt=4 + 3 * len(levels))
    for ax, part in zip(axes, parts, strict=True):
        series = list(dict.fromkeys(part["series"]))
        for row in part.to_dict("records"):
            shift = (levels.index(row["peer"]) / max(len(levels) - 1, 1) - 0.5) * DODGE
            colour, marker = style[row["peer"]]
            draw_estimate(ax, series.index(row["series"]) + shift, row, colour, interval, horizontal=True, marker=marker, words=False)
        sns.despine(ax=ax)
    axes[-1].set_xlim(-0.02, 1.02)
    axes[-1].set_xlabel("behaviour rate")
    return fig
