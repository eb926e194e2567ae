"""Evidence-aware marks: how every figure draws a counted, a rate-only and a verbal figure.

A k/n cell is a filled marker with its interval; a rate reported without n is a
hollow marker with no whisker; a figure reported only in words is printed as
words. One module, so no figure can draw a rate-only figure as if measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from preservation.figures.style import NOTE_PT
from preservation.labels import is_set

MARKER_SIZE = 4.5
EDGE_WIDTH = 0.9


def value_text(row: Mapping[str, Any]) -> str:
    """Short annotation: "k/n" for counts, "≤97%" style for rate-only, the words for verbal."""
    if row["evidence"] == "counts":
        return f"{int(row['k'])}/{int(row['n'])}"
    if row["evidence"] == "verbal":
        return f"“{row['verbal']}”"
    qualifier = "≤" if is_set(row.get("qualifier")) and row["qualifier"] == "up to" else ""
    return f"{qualifier}{100 * row['rate']:.4g}%"


def draw_estimate(
    ax: Axes, position: float, row: Mapping[str, Any], colour: str, interval: str, *, horizontal: bool = False, marker: str = "o",
    words: bool = True,
) -> None:
    """Draw one rates.csv row at `position` on the category axis, in the style its evidence allows.

    `words=False` draws nothing for a figure reported only in words, for figures
    that print every value in a table beside the plot (figures.rows).
    """
    if row["evidence"] == "verbal" and not is_set(row.get("rate")):
        if not words:
            return
        x, y = (0.0, position) if horizontal else (position, 0.0)
        ax.text(x, y, value_text(row), color=colour, fontsize=NOTE_PT, style="italic",
                ha="left" if horizontal else "center", va="center" if horizontal else "bottom")
        return
    rate = float(row["rate"])
    x, y = (rate, position) if horizontal else (position, rate)
    if row["evidence"] == "counts":
        low, high = rate - float(row[f"{interval}_low"]), float(row[f"{interval}_high"]) - rate
        error = {"xerr" if horizontal else "yerr": [[low], [high]]}
        ax.errorbar(x, y, **error, fmt=marker, color=colour, markersize=MARKER_SIZE, elinewidth=0.8, capsize=1.5)
    else:
        ax.plot(x, y, marker=marker, linestyle="none", markersize=MARKER_SIZE,
                markerfacecolor="white", markeredgecolor=colour, markeredgewidth=EDGE_WIDTH)


def evidence_handles(level: float, evidence: set[str], colour: str = "0.3") -> list[Line2D]:
    """Legend entries for the kinds of evidence a figure shows (`level`: the intervals' coverage)."""
    handles = {
        "counts": Line2D([], [], marker="o", color=colour, markersize=MARKER_SIZE, label=f"k/n with {level:.0%} interval"),
        "rate_only": Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=colour,
                            markeredgewidth=EDGE_WIDTH, markersize=MARKER_SIZE, label="rate only (n not stated)"),
        "verbal": Line2D([], [], linestyle="none", label="“words”: reported only in words"),
    }
    return [handle for kind, handle in handles.items() if kind in evidence]
