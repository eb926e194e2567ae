"""Claims of kind table (preservation.table_claims): a row of a generated table and bounds on its columns."""

from __future__ import annotations

import pandas as pd

from preservation.claims import Evidence, attach_numbers, evaluate_claim
from preservation.numbers import Number, Origin, Sources, number_entry

POOLED = pd.DataFrame({"analysis": ["instruction/x", "instruction/x"], "method": ["REML", "UM.FS"], "primary": [True, False],
                       "or_ci_high": [0.34, 0.24], "or_pi_low": [0.007, 0.01], "or_pi_high": [1.26, 0.9]})
CLAIM = {"id": "c", "text": "t", "kind": "table", "table": "meta_pooled", "select": {"analysis": "instruction/x", "primary": True},
         "bounds": {"or_ci_high": {"below": 1}, "or_pi_high": {"above": 1}}}


def evaluate(claim: dict, tables: dict | None) -> object:
    return evaluate_claim(claim, Evidence(pd.DataFrame(), {}, 0.95, tables=tables or {}, table_paths={"meta_pooled": "meta/pooled.csv"}))


def test_bounds_that_hold_pass_and_report_the_values() -> None:
    result = evaluate(CLAIM, {"meta_pooled": POOLED})
    assert result.passed and result.recomputed == "or_ci_high = 0.34; or_pi_high = 1.26"


def test_a_bound_that_fails_says_which_and_why() -> None:
    claim = {**CLAIM, "select": {"analysis": "instruction/x", "method": "UM.FS"}}
    result = evaluate(claim, {"meta_pooled": POOLED})
    assert not result.passed and result.message == "or_pi_high = 0.9 is not > 1"


def test_a_missing_table_or_column_fails_with_its_reason() -> None:
    assert "not given" in evaluate(CLAIM, None).message
    missing = evaluate({**CLAIM, "bounds": {"tau2": {"equals": 1}}}, {"meta_pooled": POOLED})
    assert not missing.passed and "no column 'tau2'" in missing.message


def test_a_table_claim_checks_the_numbers_of_its_row_and_bounded_columns_only() -> None:
    """By provenance: the same table, the row the number's keys select, a column the claim bounds."""
    def entry(method: str, quantity: str) -> dict:
        return number_entry(Number(0.3, "0.30", quantity, Origin("meta/pooled.csv", {"analysis": "instruction/x", "method": method})), Sources())
    numbers = {"ReHigh": entry("REML", "or_ci_high"), "ReLowPI": entry("REML", "or_pi_low"), "UmHigh": entry("UM.FS", "or_ci_high")}
    (result,) = attach_numbers([evaluate(CLAIM, {"meta_pooled": POOLED})], numbers)
    assert result.table == "meta/pooled.csv" and result.numbers == ["ReHigh"]


def test_a_selector_matching_no_row_names_the_table_it_read() -> None:
    result = evaluate({**CLAIM, "select": {"analysis": "instruction/y"}}, {"meta_pooled": POOLED})
    assert not result.passed and "matches no row of meta/pooled.csv" in result.message


def test_a_text_value_in_a_bounded_column_fails_that_claim_naming_table_row_and_column() -> None:
    claim = {**CLAIM, "bounds": {"method": {"equals": 1}}}
    result = evaluate(claim, {"meta_pooled": POOLED})
    assert not result.passed
    assert result.message == "meta/pooled.csv, row {'analysis': 'instruction/x', 'primary': True}: column 'method' holds 'REML', not a number"
