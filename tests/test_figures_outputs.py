"""Every figure is produced as PDF and PNG, and rate-only/verbal figures are never drawn with an interval."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
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


def _effects(**columns: object) -> pd.DataFrame:
    estimate = np.asarray(columns.pop("estimate"), float)
    se = np.asarray(columns.pop("se"), float)
    with np.errstate(over="ignore"):  # a separated term's upper limit is inf
        high = np.exp(estimate + 2 * se)
    return pd.DataFrame({"estimate": estimate, "se": se, "odds_ratio": np.exp(estimate), "or_ci_low": np.exp(estimate - 2 * se),
                         "or_ci_high": high, "p": 0.01, "singular": False, "converged": True,
                         "separated": False, **columns})


def test_forest_plot_on_a_small_fixed_effects_table(tmp_path: Path) -> None:
    effects = _effects(study="palisade_2025", behaviour="shutdown_sabotage", term=["(Intercept)", "instructed=true", "model=o3"],
                       estimate=[-1.0, -3.9, 0.8], se=[0.2, 0.4, 0.3])
    fig = plot_forest(effects)
    assert [tick.get_text() for tick in fig.axes[0].get_yticklabels()] == ["model: o3", "told to allow shutdown"]
    assert fig.get_suptitle() == ""
    save_figure(fig, tmp_path / "forest.pdf", tmp_path / "forest.png")
    assert (tmp_path / "forest.pdf").stat().st_size > 1000 and (tmp_path / "forest.png").stat().st_size > 1000


def test_forest_plot_leaves_out_a_fit_that_did_not_converge_and_names_it() -> None:
    effects = _effects(study=["palisade_2025", "potter_2026"], behaviour=["shutdown_sabotage", "peer_shutdown_tampering"],
                       term=["instructed=true", "peer=cooperative"], estimate=[-2.7, 27.5], se=[0.3, np.nan], converged=[True, False])
    fig = plot_forest(effects)
    assert [tick.get_text() for tick in fig.axes[0].get_yticklabels()] == ["told to allow shutdown"]
    assert fig.get_suptitle() == "Not shown (not converged): potter_2026/peer_shutdown_tampering"
    plt.close(fig)


def test_forest_plot_with_no_fit_to_show_still_names_the_fits() -> None:
    effects = _effects(study="s", behaviour="b", term=["instructed=true"], estimate=[28.7], se=[1.2e6], separated=True)
    fig = plot_forest(effects)
    assert fig.get_suptitle() == "Not shown (separated, no finite estimate): s/b"
    plt.close(fig)


def test_forest_plot_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="or_ci_high"):
        plot_forest(pd.DataFrame(columns=[c for c in FIXED_EFFECT_COLUMNS if c != "or_ci_high"]))


def test_heatmap_refuses_two_values_in_one_cell() -> None:
    row = {"study": "s", "scenario": "x", "behaviour": "blackmail", "model": "m", "peer": "none", "instructed": False}
    with pytest.raises(ValueError, match="several rows"):
        heatmap_data(pd.DataFrame([row, row]), [])


def test_heatmap_gives_a_study_its_panel_and_a_condition_one_column_per_scenario(built: Path, config) -> None:
    rates, factors = read_rates(built / "data/processed/rates.csv"), config["aggregate_by"]
    assert not heatmap_data(rates, factors)["condition"].str.contains("(", regex=False).any()  # no clash: labels as they were
    o3 = rates[(rates["model"] == "o3") & (rates["behaviour"] == "shutdown_sabotage")]
    mine = o3.assign(study="my_lab_2026", citation=np.nan)
    both = pd.concat([rates, mine, mine.assign(scenario="other")], ignore_index=True)
    data = heatmap_data(both, factors)
    # o3 twice in my_lab_2026 (two scenarios): a column per scenario there; palisade_2025 keeps its labels
    mine = {f"shutdown sabotage ({scenario})" for scenario in ("math_tasks_shutdown", "other")}
    assert mine <= set(data.loc[data["study"] == "my_lab_2026", "condition"])
    assert "shutdown sabotage" in set(data.loc[data["study"] == "palisade_2025", "condition"])
    fig = plot_rate_heatmap(both, factors)
    assert "my_lab_2026" in {ax.get_title(loc="left") for ax in fig.axes}
    plt.close(fig)


def test_a_model_in_two_studies_gets_a_row_in_each_study_panel(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    o3 = rates[(rates["model"] == "o3") & (rates["behaviour"] == "shutdown_sabotage")]
    both = pd.concat([rates, o3.assign(study="my_lab_2026", reconstructed=False, citation=np.nan)], ignore_index=True)
    data = shutdown_sabotage_data(both)
    assert set(data.loc[data["model"] == "o3", "label"]) == {"o3"}
    assert list(dict.fromkeys(data["source"])) == ["my_lab_2026", "Palisade Research (May 2025)"]  # natural order
    fig = plot_shutdown_sabotage(both)
    assert [label.get_text() for label in fig.axes[0].get_yticklabels()] == ["o3"]
    plt.close(fig)


def test_a_study_from_logs_alone_is_titled_by_its_configured_name(built: Path, config) -> None:
    """A study with no published citation (logs only) shows its paper name, never its id, in every rates figure."""
    rates = read_rates(built / "data/processed/rates.csv")
    mine = rates[rates["study"] == "palisade_2025"].assign(study="my_lab_2026", citation=np.nan, reconstructed=False)
    both, names = pd.concat([rates, mine], ignore_index=True), {"my_lab_2026": "My Lab"}
    assert "My Lab" in set(shutdown_sabotage_data(both, study_names=names)["source"])
    assert "My Lab" in set(heatmap_data(both, config["aggregate_by"], study_names=names)["source"])
    for fig in (plot_shutdown_sabotage(both, study_names=names), plot_rate_heatmap(both, config["aggregate_by"], study_names=names)):
        texts = {text.get_text() for text in fig.findobj(Text)}  # titles are axes titles or annotations
        assert "My Lab" in texts and not any("my_lab_2026" in text for text in texts)
        plt.close(fig)
