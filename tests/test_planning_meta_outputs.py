"""The planning, bootstrap and meta-analysis outputs of a clean run on the shipped data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import load_config
from preservation.figures.meta_forest import plot_meta_forest, unit_label
from preservation.stats.meta_tables import read_units
from preservation.stats.r_session import metafor_unavailable

CONFIG = load_config()


def test_power_table_covers_every_declared_design_with_its_seed(built: Path) -> None:
    power = pd.read_csv(built / "data/processed/planning/power.csv")
    block = CONFIG["power"]
    assert len(power) == len(block["scenarios"]) * len(block["trials"]) * len(block["levels"]["model"])
    assert power["seed"].eq(block["seed"]).all() and power["simulations"].eq(block["simulations"]).all()
    assert ((power["mc_low"] <= power["power"]) & (power["power"] <= power["mc_high"])).all()
    # more trials never cost much power (Monte Carlo noise aside)
    for _, line in power.groupby(["scenario", "n_model"]):
        assert line.sort_values("trials")["power"].diff().dropna().min() > -0.1


def test_bootstrap_intervals_sit_beside_the_wald_ones(built: Path) -> None:
    table = pd.read_csv(built / "data/processed/models/bootstrap_intervals.csv")
    palisade = table[table["study"] == "palisade_2025"].set_index("parameter")
    assert {"(Intercept)", "sd(model)"} <= set(palisade.index)
    for name in ("(Intercept)", "sd(model)"):
        row = palisade.loc[name]
        assert row["wald_low"] < row["estimate"] < row["wald_high"] and row["boot_low"] < row["boot_high"]
    assert table["seed"].eq(CONFIG["bootstrap"]["seed"]).all()
    assert table["replicates"].eq(CONFIG["bootstrap"]["replicates"]).all()


def test_meta_analysis_pools_the_instruction_effect_and_agrees_with_metafor(built: Path) -> None:
    pooled = pd.read_csv(built / "data/processed/meta/pooled.csv")
    instruction = pooled[pooled["analysis"] == "instruction/shutdown_sabotage"].set_index("method")
    assert set(instruction.index) == {"DL", "REML", "DL+HK", "REML+HK", "UM.FS"}
    assert instruction.loc["REML", "k"] == 5 and bool(instruction.loc["REML", "primary"])
    assert "0.5 added" in instruction.loc["REML", "correction"] and instruction.loc["UM.FS", "correction"].startswith("none")
    agreement = pd.read_csv(built / "data/processed/meta/engine_agreement.csv")
    assert len(agreement) == 5 * 8
    if metafor_unavailable() is None:
        assert agreement["status"].str.startswith("ok").all()
        assert agreement["within_tolerance"].all(), agreement[~agreement["within_tolerance"].astype(bool)]
    else:
        assert agreement["status"].str.startswith("skipped").all()


def test_paper_numbers_and_claims_include_the_pooled_effect_and_the_design(built: Path) -> None:
    numbers = json.loads((built / "paper/numbers.json").read_text(encoding="utf-8"))
    pooled = pd.read_csv(built / "data/processed/meta/pooled.csv")
    reml = pooled[(pooled["analysis"] == "instruction/shutdown_sabotage") & (pooled["method"] == "REML")].iloc[0]
    assert numbers["MetaInstructionShutdownSabotageORHigh"]["value"] == pytest.approx(reml["or_ci_high"])
    assert numbers["MetaInstructionShutdownSabotagePILow"]["value"] == pytest.approx(reml["or_pi_low"])
    smallest = pd.read_csv(built / "data/processed/planning/power_smallest.csv").set_index(["scenario", "n_model"])
    assert numbers["DesignOddsHalvedSixModelsTrials"]["value"] == smallest.loc[("odds_halved", 6), "trials"]
    claims = {c["id"]: c for c in json.loads((built / "paper/claims.json").read_text(encoding="utf-8"))}
    table_claims = [c for c in claims if c.startswith(("meta-", "design-"))]
    assert table_claims and all(claims[c]["passed"] for c in table_claims), [claims[c] for c in table_claims]


def test_meta_forest_names_studies_as_the_rates_figures_do(built: Path) -> None:
    units = read_units(built / "data/processed/meta/units.csv")
    pooled = pd.read_csv(built / "data/processed/meta/pooled.csv")
    fig = plot_meta_forest(units, pooled, 0.95, {"palisade_2025": "unused: the study has a citation"})
    labels = [label.get_text().replace("\n", " ") for ax in fig.axes for label in ax.get_yticklabels()]
    assert "Palisade Research (May 2025): o3" in labels
    assert not any(label.startswith("palisade_2025") for label in labels)
    assert "Palisade Research (May 2025): Grok 3 (one arm only" in fig._suptitle.get_text().replace("\n", " ")
    logged_only = units.assign(citation=None)  # a study known only from its logs: its configured short name
    assert unit_label(logged_only.iloc[0].to_dict(), {logged_only["study"].iloc[0]: "Short"}).startswith("Short: ")
