"""Every figure is produced as PDF and PNG, and rate-only/verbal figures are never drawn with an interval."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import FIGURE_NAMES

from preservation.aggregate import read_rates
from preservation.figures.forest import FIXED_EFFECT_COLUMNS, plot_forest
from preservation.figures.heatmap import heatmap_data, plot_rate_heatmap
from preservation.figures.marks import draw_estimate
from preservation.figures.shutdown import plot_shutdown_sabotage, shutdown_sabotage_data
from preservation.figures.style import save_figure


@pytest.mark.parametrize("name", FIGURE_NAMES)
@pytest.mark.parametrize("ext", ["pdf", "png"])
def test_figure_files_exist_and_are_non_empty(built: Path, name: str, ext: str) -> None:
    path = built / "figures" / f"{name}.{ext}"
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:4] == (b"%PDF" if ext == "pdf" else b"\x89PNG")


def _row(evidence: str, **values: object) -> dict[str, object]:
    return {"evidence": evidence, "k": pd.NA, "n": pd.NA, "rate": np.nan, "verbal": np.nan, "qualifier": np.nan,
            "jeffreys_low": np.nan, "jeffreys_high": np.nan, **values}


@pytest.mark.parametrize(
    ("row", "whiskers", "texts"),
    [
        (_row("counts", k=7, n=100, rate=0.07, jeffreys_low=0.03, jeffreys_high=0.13), 1, 0),
        (_row("rate_only", rate=0.84), 0, 0),
        (_row("verbal", verbal="rarely"), 0, 1),
    ],
)
def test_only_counted_cells_get_an_interval(row: dict[str, object], whiskers: int, texts: int) -> None:
    fig, ax = plt.subplots()
    draw_estimate(ax, 0, row, "black", "jeffreys")
    assert len(ax.collections) == whiskers  # errorbar draws its whisker as a LineCollection
    assert len(ax.texts) == texts
    plt.close(fig)


def test_forest_plot_on_a_small_fixed_effects_table(tmp_path: Path) -> None:
    estimate = np.array([-1.0, -3.9, 0.8])
    se = np.array([0.2, 0.4, 0.3])
    effects = pd.DataFrame({
        "study": ["palisade_2025"] * 3, "behaviour": ["shutdown_sabotage"] * 3,
        "term": ["(Intercept)", "instructed[T.True]", "model[T.o3]"], "estimate": estimate, "se": se,
        "odds_ratio": np.exp(estimate), "or_ci_low": np.exp(estimate - 2 * se), "or_ci_high": np.exp(estimate + 2 * se),
        "p": [0.01, 1e-6, 0.008], "converged": True,
    })
    fig = plot_forest(effects)
    assert [tick.get_text() for tick in fig.axes[0].get_yticklabels()] == ["instructed[T.True]", "model[T.o3]"]
    assert fig.axes[0].get_title(loc="left") == ""
    save_figure(fig, tmp_path / "forest.pdf", tmp_path / "forest.png")
    assert (tmp_path / "forest.pdf").stat().st_size > 1000 and (tmp_path / "forest.png").stat().st_size > 1000


def test_forest_plot_leaves_out_a_fit_that_did_not_converge_and_names_it() -> None:
    effects = pd.DataFrame({
        "study": ["palisade_2025", "potter_2026"], "behaviour": ["shutdown_sabotage", "peer_shutdown_tampering"],
        "term": ["instructed[T.True]", "peer[T.cooperative]"], "estimate": [-2.7, 27.5], "se": [0.3, np.nan],
        "odds_ratio": [0.067, 9e11], "or_ci_low": [0.038, np.nan], "or_ci_high": [0.118, np.nan], "p": [1e-21, np.nan],
        "converged": [True, False],
    })
    ax = plot_forest(effects).axes[0]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["instructed[T.True]"]
    assert ax.get_title(loc="left") == "Not shown (no converged fit): potter_2026/peer_shutdown_tampering"
    plt.close(ax.figure)


def test_forest_plot_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="or_ci_high"):
        plot_forest(pd.DataFrame(columns=[c for c in FIXED_EFFECT_COLUMNS if c != "or_ci_high"]))


def test_heatmap_refuses_two_values_in_one_cell() -> None:
    row = {"study": "s", "scenario": "x", "behaviour": "blackmail", "model": "m", "peer": "none", "instructed": False}
    with pytest.raises(ValueError, match="several rows"):
        heatmap_data(pd.DataFrame([row, row]), [])


def test_heatmap_gives_a_condition_one_column_per_study_or_scenario_when_a_model_has_it_twice(built: Path, config) -> None:
    rates, factors = read_rates(built / "data/processed/rates.csv"), config["aggregate_by"]
    assert not heatmap_data(rates, factors)["condition"].str.contains("(", regex=False).any()  # no clash: labels as they were
    o3 = rates[(rates["model"] == "o3") & (rates["behaviour"] == "shutdown_sabotage")]
    both = pd.concat([rates, o3.assign(study="my_lab_2026"), o3.assign(study="my_lab_2026", scenario="other")], ignore_index=True)
    conditions = set(heatmap_data(both, factors)["condition"])
    # o3 twice in my_lab_2026 (two scenarios), once in palisade_2025: study first, then scenario where still needed
    mine = {f"shutdown sabotage (my_lab_2026) ({scenario})" for scenario in ("math_tasks_shutdown", "other")}
    assert {"shutdown sabotage (palisade_2025)", *mine} <= conditions and "shutdown sabotage" not in conditions
    plt.close(plot_rate_heatmap(both, factors))


def test_a_model_in_two_studies_gets_a_bar_pair_per_study(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    o3 = rates[(rates["model"] == "o3") & (rates["behaviour"] == "shutdown_sabotage")]
    both = pd.concat([rates, o3.assign(study="my_lab_2026", reconstructed=False)], ignore_index=True)
    data = shutdown_sabotage_data(both)
    assert {"o3\n(study=my_lab_2026, reconstructed=False)", "o3\n(study=palisade_2025, reconstructed=True)"} <= set(data["label"])
    plt.close(plot_shutdown_sabotage(both))
