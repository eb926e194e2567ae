"""Every figure on a stress data set (3 studies x 15 models, 40-character names, separated and singular fits):
no two texts overlap, none leaves the canvas, and none prints under 6 pt at the width paper.typ gives it.

Sizes are read back from what matplotlib draws (text bounding boxes from the
renderer) and from the saved PDF's page, so a tight bounding box or a wrong
column width in style.py shows up here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIGURE_NAMES, REPO
from matplotlib.figure import Figure
from matplotlib.text import Text

from preservation.figures.blackmail import plot_blackmail
from preservation.figures.forest import plot_forest
from preservation.figures.heatmap import plot_rate_heatmap
from preservation.figures.peer import plot_peer_preservation
from preservation.figures.shutdown import plot_shutdown_sabotage
from preservation.figures.style import MIN_TEXT_PT, save_figure

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
FACTORS = CONFIG["aggregate_by"]
PEER_LEVELS = CONFIG["peer_levels"]
STUDIES = ("zeta_lab_2026_replication", "Alpha_2025", "palisade_2025")
RNG = np.random.default_rng(14)


def _model(study: int, index: int) -> str:
    """Model names of up to 40 characters, with and without spaces, some shared across studies."""
    if index < 3:
        return ("o3", "o10", "Claude Opus 4")[index]
    name = f"model-{study}-{index}-" + "extended-thinking-preview-2026" if index % 2 else f"Vendor Model {index} Long Edition {study}"
    return name[:40]


def _row(study: str, behaviour: str, model: str, **values: object) -> dict[str, object]:
    row = {"study": study, "behaviour": behaviour, "model": model, "scenario": f"{behaviour}_scenario", "peer": "none",
           "instructed": False, **{f: np.nan for f in FACTORS}, "reconstructed": False, "coded": False, "evidence": "counts",
           "k": pd.NA, "n": pd.NA, "rate": np.nan, "verbal": np.nan, "qualifier": np.nan,
           "citation": f"{study.split('_')[0].title()} et al. (2026), a report", "locator": "", "note": "", "sources": ""}
    row.update(values)
    if row["evidence"] == "counts":
        k, n = int(row["k"]), int(row["n"])
        row |= {"rate": k / n, "jeffreys_low": max(0.0, k / n - 0.1), "jeffreys_high": min(1.0, k / n + 0.1)}
    return row


def stress_rates() -> pd.DataFrame:
    """rates.csv-shaped rows: every behaviour the figures draw, for 3 studies x 15 models."""
    rows = []
    for s, study in enumerate(STUDIES):
        for i in range(15):
            model = _model(s, i)
            for instructed in (False, True):
                if not (i == 4 and not instructed):  # one model not reported without the instruction
                    rows.append(_row(study, "shutdown_sabotage", model, instructed=instructed, k=int(RNG.integers(0, 101)), n=100))
            evidence = ("counts", "rate_only", "verbal")[i % 3]
            values = {"counts": {"k": int(RNG.integers(0, 51)), "n": 50}, "rate_only": {"rate": float(RNG.random()), "qualifier": "up to"},
                      "verbal": {"verbal": "almost always"}}[evidence]
            rows.append(_row(study, "blackmail", model, evidence=evidence, goal_conflict="yes", **values))
            for peer in PEER_LEVELS[:4] if i < 6 else ():
                for behaviour, subject in (("self_exfiltration", "self"), ("peer_shutdown_tampering", "peer")):
                    rows.append(_row(study, behaviour, model, peer=peer, subject=subject, k=int(RNG.integers(0, 3)), n=2))
    return pd.DataFrame(rows)


def stress_effects() -> pd.DataFrame:
    """fixed_effects.csv-shaped rows: ordinary, singular, separated (OR 3e12, SE 1.2e6, 'converged') and non-converged fits."""
    fits = [("Alpha_2025", "shutdown_sabotage", False, True, False), ("palisade_2025", "shutdown_sabotage", True, True, False),
            ("zeta_lab_2026_replication", "shutdown_sabotage", False, True, True),
            ("zeta_lab_2026_replication", "peer_shutdown_tampering", False, False, False)]
    terms = ("(Intercept)", "instructed=true", "peer=cooperative", "peer=cooperative:instructed=true", "peer=no_relationship")
    rows = []
    for study, behaviour, singular, converged, separated in fits:
        for j, term in enumerate(terms):
            estimate, se = (28.7, 1.2e6) if separated and term == "instructed=true" else (float(RNG.normal(0, 1.5)), 0.2 + 0.1 * j)
            with np.errstate(over="ignore"):  # the separated fit's upper limit is inf, as wald() gives it
                limits = np.exp([estimate - 1.96 * se, estimate + 1.96 * se])
            rows.append({"study": study, "behaviour": behaviour, "term": term, "estimate": estimate, "se": se,
                         "odds_ratio": np.exp(estimate), "or_ci_low": limits[0], "or_ci_high": limits[1], "p": 0.01, "singular": singular, "converged": converged,
                         "separated": separated and term == "instructed=true"})
    return pd.DataFrame(rows)


PLOTS: dict[str, Callable[[], Figure]] = {
    "shutdown_sabotage": lambda: plot_shutdown_sabotage(stress_rates()),
    "blackmail": lambda: plot_blackmail(stress_rates(), "jeffreys", 0.95),
    "peer_preservation": lambda: plot_peer_preservation(stress_rates(), PEER_LEVELS, "jeffreys", 0.95),
    "rate_heatmap": lambda: plot_rate_heatmap(stress_rates(), FACTORS),
    "forest": lambda: plot_forest(stress_effects()),
}


def print_widths() -> dict[str, float]:
    """Width in inches at which paper/paper.typ prints each figure: a share of the column, or of the
    text width for a figure placed with scope: "parent" (page and margins as paper.typ sets them)."""
    source = (REPO / "paper" / "paper.typ").read_text(encoding="utf-8")
    assert 'paper: "us-letter"' in source
    margin = float(re.search(r"margin: \(x: ([\d.]+)in", source).group(1))
    gutter = float(re.search(r"gutter: ([\d.]+)in", source).group(1))
    text = 8.5 - 2 * margin
    widths = {}
    for match in re.finditer(r'#figure\(\s*image\(figures \+ "/(\w+)\.pdf", width: (\d+)%\)(.*?)\) <', source, re.S):
        name, share, rest = match.group(1), int(match.group(2)) / 100, match.group(3)
        widths[name] = share * (text if 'scope: "parent"' in rest else (text - gutter) / 2)
    return widths


def drawn_texts(fig: Figure) -> list[Text]:
    """Every non-empty text the renderer draws: tick labels of the ticks in view only (Axis keeps spare Tick objects)."""
    tick_labels = {label for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                   for tick in axis.majorTicks + axis.minorTicks for label in (tick.label1, tick.label2)}
    in_view = [label for ax in fig.axes if ax.axison for label in (*ax.get_xticklabels(which="both"), *ax.get_yticklabels(which="both"))]
    texts = [t for t in fig.findobj(Text) if t not in tick_labels] + in_view
    return [t for t in dict.fromkeys(texts) if t.get_visible() and t.get_text().strip()]


def test_paper_prints_every_figure() -> None:
    assert set(print_widths()) == set(FIGURE_NAMES)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_text_fits_at_print_size(name: str, tmp_path: Path) -> None:
    fig = PLOTS[name]()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = drawn_texts(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    canvas = fig.bbox
    outside = [t.get_text() for t, b in boxes if b.x0 < canvas.x0 - 1 or b.y0 < canvas.y0 - 1 or b.x1 > canvas.x1 + 1 or b.y1 > canvas.y1 + 1]
    assert not outside, f"{name}: text leaves the canvas: {outside[:5]}"
    overlaps = [(a.get_text(), b.get_text()) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
                if box_a.shrunk(0.98, 0.9).overlaps(box_b.shrunk(0.98, 0.9))]
    assert not overlaps, f"{name}: texts overlap: {overlaps[:5]}"

    save_figure(fig, tmp_path / f"{name}.pdf", tmp_path / f"{name}.png")
    page = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", (tmp_path / f"{name}.pdf").read_bytes())
    scale = print_widths()[name] / (float(page.group(1)) / 72)
    smallest = min(t.get_fontsize() for t in texts) * scale
    assert smallest >= MIN_TEXT_PT - 1e-6, f"{name}: smallest text prints at {smallest:.2f} pt"
    plt.close(fig)


def test_forest_leaves_out_separated_and_unconverged_fits_and_marks_singular_ones() -> None:
    fig = plot_forest(stress_effects())
    note = re.sub(r"\s", "", fig.get_suptitle())  # wrapped to the width
    assert "(separated,nofiniteestimate):zeta_lab_2026_replication/shutdown_sabotage" in note
    assert "(notconverged):zeta_lab_2026_replication/peer_shutdown_tampering" in note
    labels = {t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.get_yticklabels()}
    assert {"told to allow shutdown", "peer: cooperative × told to allow shutdown"} <= labels
    titles = [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.texts if t.get_text().startswith(("Alpha", "palisade"))]
    assert titles == ["Alpha_2025: shutdown sabotage", "palisade_2025: shutdown sabotage (singular fit)"]
    assert fig.axes[-1].get_xlim()[1] < 1e6  # the separated estimate does not stretch the axis
    plt.close(fig)
