"""Row charts: one row per estimate, one panel per study (or fit), values printed in a column.

Why: bars or points annotated in place collide as soon as two estimates lie
close together, and long model names rotated under bars run into each other.
Here the category labels sit on the y axis (wrapped to a fixed share of the
width), each study gets its own panel instead of a longer label, and every
printed value (k/n, a rate, the words of a verbal figure, an odds ratio) goes
in a table beside the panel, one text per row and column, so labels cannot
overlap whatever the data. The figure is as tall as its rows need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from preservation.figures.style import LABEL_PT, NOTE_PT, text_width_in, wrap_to_width

LABEL_SHARE = 0.34  # at most this share of the width for the row labels
COLUMN_GAP_IN = 0.1
LINE_IN = 1.22 / 72  # line pitch per point of type
HEADER_WEIGHT = "bold"


@dataclass(frozen=True)
class ValueColumn:
    """One column of the value table: its header, its colour, and one text per row."""

    header: str
    texts: Sequence[str]
    colour: str = "0.2"


@dataclass(frozen=True)
class Panel:
    """A panel: its title, one label per row (top to bottom) and the value columns."""

    title: str
    labels: Sequence[str]
    columns: Sequence[ValueColumn] = field(default_factory=tuple)


def _column_widths(panels: Sequence[Panel]) -> list[float]:
    """Width of each value-table column: its widest header or value, over all panels."""
    count = max((len(panel.columns) for panel in panels), default=0)
    widths = [0.0] * count
    for panel in panels:
        for i, column in enumerate(panel.columns):
            widest = max([text_width_in(column.header, NOTE_PT, HEADER_WEIGHT), *(text_width_in(t, NOTE_PT) for t in column.texts if t)])
            widths[i] = max(widths[i], widest + COLUMN_GAP_IN)
    return widths


def row_chart(panels: Sequence[Panel], width_in: float, legend: Sequence[Artist] = (), note: str = "",
              min_pitch_pt: float = 11.0) -> tuple[Figure, list[Axes]]:
    """A figure `width_in` wide with one panel per entry (rows at y = 0, 1, ...), x shared.

    Returns the figure and the panels' plotting axes; callers draw each row's
    marks at its index and set the x axis. `legend` goes below the panels in
    as many columns as fit, `note` above them, wrapped to the width.
    """
    label_width = min(LABEL_SHARE * width_in,
                      max((text_width_in(label, LABEL_PT) for panel in panels for label in panel.labels), default=0.0) + 0.02)
    labels = [[wrap_to_width(label, label_width, LABEL_PT) for label in panel.labels] for panel in panels]
    lines = max((label.count("\n") + 1 for panel_labels in labels for label in panel_labels), default=1)
    pitch_in = max(min_pitch_pt / 72, lines * LABEL_PT * LINE_IN + 0.03)
    widths = _column_widths(panels)
    table_in = sum(widths)
    plot_in = width_in - label_width - table_in - 0.25
    # A panel's title starts above its row labels and may run over the plot, not the value table.
    titles = [wrap_to_width(panel.title, label_width + plot_in - 0.1, plt.rcParams["axes.titlesize"]) for panel in panels]
    heights = [max(len(panel.labels), 1) * pitch_in for panel in panels]  # the axes; titles are decorations around them
    decorations = sum(0.1 + (title.count("\n") + 1) * LINE_IN * plt.rcParams["axes.titlesize"] for title in titles)
    ncol = _legend_columns(legend, width_in) if legend else 1
    legend_in = (-(-len(legend) // ncol) * LABEL_PT * LINE_IN * 1.3 + 0.08) if legend else 0.0
    note = wrap_to_width(note, width_in - 0.1, NOTE_PT) if note else ""
    note_in = (note.count("\n") + 1) * NOTE_PT * LINE_IN + 0.06 if note else 0.0
    fig = plt.figure(figsize=(width_in, sum(heights) + decorations + 0.45 + legend_in + note_in), layout="constrained")
    if legend:
        fig.legend(handles=legend, loc="outside lower center", frameon=False, ncol=ncol)
    if note:
        fig.suptitle(note, x=0.01, ha="left", fontsize=NOTE_PT)
    grid = fig.add_gridspec(len(panels), 2 if widths else 1, height_ratios=heights,
                            width_ratios=[plot_in, table_in] if widths else None)
    axes: list[Axes] = []
    for index, (panel, panel_labels, title) in enumerate(zip(panels, labels, titles, strict=True)):
        ax = fig.add_subplot(grid[index, 0], sharex=axes[0] if axes else None)
        ax.set_yticks(range(len(panel_labels)), panel_labels)
        ax.set_ylim(max(len(panel_labels), 1) - 0.5, -0.5)  # first row on top, half a row clear of the axis line
        ax.annotate(title, (0, 1), xycoords="axes fraction", xytext=(-72 * (label_width + 0.05), 3), textcoords="offset points",
                    ha="left", va="bottom", fontsize=plt.rcParams["axes.titlesize"])
        if index < len(panels) - 1:
            ax.tick_params(labelbottom=False)
        if widths:
            _value_table(fig.add_subplot(grid[index, 1], sharey=ax), panel, widths)
        axes.append(ax)
    return fig, axes


def _value_table(ax: Axes, panel: Panel, widths: Sequence[float]) -> None:
    """The panel's value columns as text, left-aligned at fixed offsets from the table's left edge."""
    ax.axis("off")
    offset = 0.0
    for column, width in zip(panel.columns, widths, strict=False):
        place = ax.get_yaxis_transform() + ScaledTranslation(offset + COLUMN_GAP_IN / 2, 0, ax.figure.dpi_scale_trans)
        ax.text(0, -0.5, column.header, transform=place, fontsize=NOTE_PT, color=column.colour, va="bottom", ha="left",
                weight=HEADER_WEIGHT)
        for row, text in enumerate(column.texts):
            ax.text(0, row, text, transform=place, fontsize=NOTE_PT, color="0.2", va="center", ha="left")
        offset += width


def _legend_columns(handles: Sequence[Artist], width_in: float) -> int:
    """As many legend columns as fit in `width_in`."""
    entry = max(text_width_in(handle.get_label(), LABEL_PT) for handle in handles) + 0.35
    return max(1, min(len(handles), int(width_in // entry)))
