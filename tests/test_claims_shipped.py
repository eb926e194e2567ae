"""Every claim passes on the shipped data, and every published figure is restated by a claim."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO

from preservation.aggregate import read_rates
from preservation.claims import (
    COVERAGE_ID,
    ClaimError,
    ClaimResult,
    Evidence,
    attach_numbers,
    evaluate_claim,
    evaluate_claims,
    load_claims,
    select_row,
    text_coverage,
)
from preservation.manuscript import printed_numbers

CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())
VERBAL = CONFIG["claims"]["verbal_levels"]
LEVEL = CONFIG["ci_level"]
MANUSCRIPT = (REPO / "paper/paper.typ").read_text()


def _claims() -> list[dict]:
    return load_claims(REPO / "paper/claims.yaml", REPO / "workflow/schemas/claims.schema.yaml")


def _evidence(built: Path) -> Evidence:
    paths = {"meta_pooled": built / "data/processed/meta/pooled.csv",
             **{name: built / f"data/processed/planning/{name}.csv" for name in ("power", "power_smallest")}}
    return Evidence(read_rates(built / "data/processed/rates.csv"), VERBAL, LEVEL, CONFIG["paper"]["interval"], CONFIG["aggregate_by"],
                    pd.read_csv(built / "data/processed/models/fixed_effects.csv"), {name: pd.read_csv(path) for name, path in paths.items()},
                    {name: f"data/processed/{path.parent.name}/{path.name}" for name, path in paths.items()})


def _numbers(built: Path) -> dict[str, dict]:
    return json.loads((built / "paper/numbers.json").read_text())


def test_every_claim_passes_on_the_shipped_data(built: Path) -> None:
    results = evaluate_claims(_claims(), _evidence(built))
    assert [(r.id, r.message) for r in results if not r.passed] == []
    assert (built / "paper/claims.md").read_text().splitlines()[2] == f"All {len(results) + 1} claims pass."


def test_every_number_the_text_prints_is_checked_including_the_abstract(built: Path) -> None:
    numbers = _numbers(built)
    results = attach_numbers(evaluate_claims(_claims(), _evidence(built)), numbers)
    coverage = text_coverage(MANUSCRIPT, numbers, results)
    assert coverage.passed, coverage.message
    abstract = MANUSCRIPT[MANUSCRIPT.index("*Abstract.*"):MANUSCRIPT.index("= Introduction")]
    checked = {name for result in results for name in result.numbers}
    in_abstract = {p.name for p in printed_numbers(abstract)} - {"CiLevel", "CiMethod"}
    assert in_abstract and in_abstract <= checked
    by_id = {result.id: result for result in results}
    assert by_id["palisade-o3-default-interval"].numbers == ["PalisadeOThreeShutdownSabotageHigh", "PalisadeOThreeShutdownSabotageLow"]
    # the model term's numbers, and the design paragraph's effect "as fitted", which is that term's odds ratio
    assert set(by_id["glmm-instruction-palisade"].numbers) == {
        "DesignAsFittedOR", *(f"PalisadeShutdownSabotageInstructedTrueModel{s}" for s in ("OR", "ORLow", "ORHigh", "P"))}


def test_a_printed_number_without_a_claim_is_listed_and_fails(built: Path) -> None:
    """Drop the interval and pooled-OR claims: their numbers are printed in the abstract and results, so the check fails naming them."""
    numbers = _numbers(built)
    kept = [claim for claim in _claims() if claim["id"] not in ("palisade-o3-default-interval", "glmm-instruction-palisade")]
    coverage = text_coverage(MANUSCRIPT, numbers, attach_numbers(evaluate_claims(kept, _evidence(built)), numbers))
    assert not coverage.passed
    unchecked = re.findall(r"(\w+) \(line [\d, ]+\) is checked by no claim", coverage.message)
    assert sorted(unchecked) == ["DesignAsFittedOR", "PalisadeOThreeShutdownSabotageHigh", "PalisadeOThreeShutdownSabotageLow",
                                 *(f"PalisadeShutdownSabotageInstructedTrueModel{s}" for s in ("OR", "ORHigh", "ORLow", "P"))]


def test_the_text_check_catches_unknown_numbers_and_swallowed_semicolons() -> None:
    numbers = {"XK": {"quantity": "k", "cells": ["c1"], "keys": {}}, "XN": {"quantity": "n", "cells": ["c1"], "keys": {}},
               "CiLevel": {"quantity": "setting", "cells": [], "keys": {}}}
    checks_k = ClaimResult("x", "t", True, "", "", cells=["c1"], checks=["k"])
    source = "in {{kn:X}} runs ({{CiLevel}}), // {{Ignored}}\nand {{Y}}; o3 in #kn(\"X\"); done\n"
    coverage = text_coverage(source, numbers, attach_numbers([checks_k], numbers))
    assert not coverage.passed and coverage.id == COVERAGE_ID
    assert coverage.message == ("Y (line 2) is not in numbers.json; XN (line 1) is checked by no claim; "
                                "line 2: an embedded expression followed by ';' (typst drops the ';')")
    assert "settings from config, not data: CiLevel" in coverage.recomputed


def test_effect_claims_check_the_printed_odds_ratio_and_refuse_a_separated_fit(built: Path) -> None:
    evidence = _evidence(built)
    claim = {"id": "x", "text": "t", "kind": "odds_ratio", "select": {"study": "palisade_2025", "model": "o3"},
             "expected": {"odds_ratio": 0.2, "low": 0.01, "high": 0.05, "p_below": 0.001}, "tolerance": 0.005}
    result = evaluate_claim(claim, evidence)
    assert not result.passed and result.message.startswith("OR 0.02064 differs from claimed 0.2")
    separated = evidence.fixed_effects.assign(separated=evidence.fixed_effects["term"] == "instructed=true")
    term = {"id": "y", "text": "t", "kind": "model_term", "select": {"study": "palisade_2025", "behaviour": "shutdown_sabotage", "term": "instructed=true"},
            "expected": {"odds_ratio": 0.07, "low": 0.04, "high": 0.12, "p_below": 0.001}, "tolerance": 0.005}
    assert evaluate_claim(term, evidence).passed
    refused = evaluate_claim(term, Evidence(evidence.rates, VERBAL, LEVEL, fixed_effects=separated))
    assert not refused.passed and "gives no estimate: separated fit" in refused.message


def test_every_published_figure_is_claimed() -> None:
    figure_ids = {row["figure_id"] for path in (REPO / "data/raw/published").glob("*.csv") for row in csv.DictReader(path.open())}
    assert figure_ids - {claim.get("source") for claim in _claims()} == set()


def test_a_selector_matching_no_row_fails_with_its_reason(built: Path) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    claim = {"id": "x", "text": "t", "kind": "rate", "select": {"model": "no-such-model"}, "expected": {"rate": 0.5}, "tolerance": 0.0}
    result = evaluate_claim(claim, Evidence(rates, VERBAL, LEVEL))
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
    result = evaluate_claim(claim, Evidence(rates, VERBAL, LEVEL))
    assert not result.passed and "needs k/n on both sides" in result.message


def test_verbal_claim_checks_the_band() -> None:
    rates = pd.DataFrame([{"study": "s", "model": "m", "evidence": "rate_only", "rate": 0.5, "verbal": "almost always",
                           "behaviour": "b", "sources": "f.csv:2"}])
    claim = {"id": "x", "text": "t", "kind": "verbal", "select": {"model": "m"}, "expected": {"verbal": "almost always"}}
    result = evaluate_claim(claim, Evidence(rates, VERBAL, LEVEL))
    assert not result.passed and "outside the band" in result.message
