"""One figure style for the paper, and saving that gives identical bytes on every run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
COLUMN_WIDTH_IN = 3.4
DOUBLE_WIDTH_IN = 7.0


def apply_style() -> None:
    """Seaborn theme plus rcParams that make output deterministic and journal-ready."""
    sns.set_theme(context="paper", style="ticks", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update(
        {
            "font.size": 8,
            "axes.titlesize": 8,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.hashsalt": "preservation",
            "savefig.dpi": 300,
            "savefig.bbox": "tight",
        }
    )


def save_figure(fig: plt.Figure, pdf_path: str | Path, png_path: str | Path) -> None:
    """Write vector PDF and 300-dpi PNG with no creation dates or software stamps."""
    fig.savefig(pdf_path, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    fig.savefig(png_path, format="png", metadata={"Software": None})
    plt.close(fig)
