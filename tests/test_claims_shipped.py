"""Every claim passes on the shipped data, and every published figure is restated by a claim."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO

from preservation.aggregate import read_rates
from preservation.claims import ClaimError, evaluate_claim, evaluate_claims, load_claims, select_row

CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())
VERBAL = CONFIG["claims"]["verbal_levels"]
LEVEL = CONFIG["ci_level"]


def _claims() -> list[dict]:
    return load_claims(REPO / "paper/claims.yaml", REPO / "workflow/schemas/claims.schema.yaml")


def test_every_claim_passes_on_the_shipped_data(built: Path) -> None:
    tables = {"meta_pooled": pd.read_csv(built / "data/processed/meta/pooled.csv"),
              **{name: pd.read_csv(built / f"data/processed/planning/{name}.csv") for name in ("power", "power_smallest")}}
    results = evaluate_claims(_claims(), read_rates(built / "data/processed/rates.csv"), VERBAL, LEVEL, tables)
    assert [(r.id, r.message) for r in results if not r.passed] == []
    assert (built / "paper/claims.md").read_text().splitlines()[2] == f"All {len(results)} claims pass."


def test_every_published_figure_is_claimed() -> None:
    figure_ids = {row["figure_id"] for path in (REPO / "data/raw/published").glob("*.csv") for row in csv.DictReader(path.open())}
    assert figure_ids - {claim.get("source") for claim in _claims()} == set()


def test_a_selector_matching_no_row_fails_with_its_reason(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    claim = {"id": "x", "text": "t", "kind": "rate", "select": {"model": "no-such-model"}, "expected": {"rate": 0.5}, "tolerance": 0.0}
    result = evaluate_claim(claim, rates, VERBAL, LEVEL)
    assert not result.passed and "matches no row of rates.csv" in result.message


def test_an_ambiguous_selector_names_what_differs(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    with pytest.raises(ClaimError, match=r"matches 2 rows; they differ in .*instructed"):
        select_row(rates, {"study": "palisade_2025", "model": "o3"})


def test_significance_needs_counts_on_both_sides(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    claim = {"id": "x", "text": "t", "kind": "comparison", "direction": "higher",
             "a": {"study": "lynch_2025_agentic_misalignment", "model": "Claude Opus 4"},
             "b": {"study": "lynch_2025_agentic_misalignment", "model": "o3"},
             "significance": {"test": "fisher_exact", "alpha": 0.05}}
    result = evaluate_claim(claim, rates, VERBAL, LEVEL)
    assert not result.passed and "needs k/n on both sides" in result.message


def test_verbal_claim_checks_the_band() -> None:
    rates = pd.DataFrame([{"study": "s", "model": "m", "evidence": "rate_only", "rate": 0.5, "verbal": "almost always",
                           "behaviour": "b", "sources": "f.csv:2"}])
    claim = {"id": "x", "text": "t", "kind": "verbal", "select": {"model": "m"}, "expected": {"verbal": "almost always"}}
    result = evaluate_claim(claim, rates, VERBAL, LEVEL)
    assert not result.passed and "outside the band" in result.message
