"""Claims of kind table (preservation.table_claims): a row of a generated table and bounds on its columns."""

from __future__ import annotations

import pandas as pd

from preservation.claims import evaluate_claim

POOLED = pd.DataFrame({"analysis": ["instruction/x", "instruction/x"], "method": ["REML", "UM.FS"], "primary": [True, False],
                       "or_ci_high": [0.34, 0.24], "or_pi_low": [0.007, 0.01], "or_pi_high": [1.26, 0.9]})
CLAIM = {"id": "c", "text": "t", "kind": "table", "table": "meta_pooled", "select": {"analysis": "instruction/x", "primary": True},
         "bounds": {"or_ci_high": {"below": 1}, "or_pi_high": {"above": 1}}}


def evaluate(claim: dict, tables: dict | None) -> object:
    return evaluate_claim(claim, pd.DataFrame(), {}, 0.95, tables)


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
