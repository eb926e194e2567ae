"""One figure style for the paper, and saving that gives identical bytes on every run.

Figures are drawn at the width paper/paper.typ prints them (a column, or the
page for figures placed with ``scope: "parent"``) and saved at exactly that
size (no tight bounding box), so a font size here is the size in print; no
text is smaller than MIN_TEXT_PT. tests/test_figures_layout.py checks both
against paper.typ on a stress data set.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# paper.typ: US letter (8.5 in), 0.75 in side margins, two columns with a 0.3 in gutter.
DOUBLE_WIDTH_IN = 8.5 - 2 * 0.75
COLUMN_WIDTH_IN = (DOUBLE_WIDTH_IN - 0.3) / 2
MIN_TEXT_PT = 6.0
LABEL_PT = 6.5  # tick labels, legend, table text
NOTE_PT = MIN_TEXT_PT  # k/n and other annotations


_TEXT_PATH = TextToPath()


def apply_style() -> None:
    """Seaborn theme plus rcParams that make output deterministic and journal-ready."""
    sns.set_theme(context="paper", style="ticks", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update(
        {
            "font.size": 7,
            "axes.titlesize": 7,
            "axes.labelsize": 7,
            "figure.titlesize": 7,
            "legend.fontsize": LABEL_PT,
            "xtick.labelsize": LABEL_PT,
            "ytick.labelsize": LABEL_PT,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.hashsalt": "preservation",
            "savefig.dpi": 300,
            "savefig.bbox": None,  # keep the page size the layout was made for
        }
    )


def text_width_in(text: str, size: float, weight: str = "normal") -> float:
    """Width in inches of `text` (its longest line) set at `size` points in the figure font."""
    font = FontProperties(family=plt.rcParams["font.family"], size=size, weight=weight)
    return max(_TEXT_PATH.get_text_width_height_descent(line, font, ismath=False)[0] for line in text.split("\n")) / 72


def wrap_to_width(text: str, width_in: float, size: float) -> str:
    """Break `text` into lines no wider than `width_in` at `size` points.

    Breaks at spaces, then after "-", "_" or "/" (model ids rarely have spaces),
    and inside a word only when nothing else fits.
    """
    pieces = [piece for piece in re.split(r"(?<=[ \-_/])", text) if piece]
    lines: list[str] = []
    line = ""
    for piece in pieces:
        while text_width_in(piece, size) > width_in and len(piece) > 1:  # one piece too long: cut it
            cut = max(i for i in range(1, len(piece) + 1) if i == 1 or text_width_in(piece[:i], size) <= width_in)
            if line:
                lines.append(line.rstrip())
                line = ""
            lines.append(piece[:cut])
            piece = piece[cut:]
        if line and text_width_in(line + piece.rstrip(), size) > width_in:
            lines.append(line.rstrip())
            line = ""
        line += piece
    return "\n".join([*lines, line.rstrip()] if line else lines)


def save_figure(fig: plt.Figure, pdf_path: str | Path, png_path: str | Path) -> None:
    """Write vector PDF and 300-dpi PNG with no creation dates or software stamps."""
    fig.savefig(pdf_path, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    fig.savefig(png_path, format="png", metadata={"Software": None})
    plt.close(fig)
