"""Claims about generated tables other than rates.csv: the pooled meta-analysis and the simulated designs.

A ``kind: table`` claim names a table (``meta_pooled``: meta/pooled.csv;
``power``/``power_smallest``: planning/power.csv and power_smallest.csv),
selects one row as the rates claims do (preservation.claims.select_row), and
bounds some of its columns (``above``, ``below``, ``at_least``, ``at_most``,
``equals``). Kept beside preservation.claims rather than in it: those claims
read rates.csv only, these read the tables their rule is given.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from typing import Any

import pandas as pd

from preservation.claims import ClaimError, ClaimResult, cell_text, select_row

TABLES = ("meta_pooled", "power", "power_smallest")
_CHECKS = {
    "above": (operator.gt, ">"),
    "below": (operator.lt, "<"),
    "at_least": (operator.ge, ">="),
    "at_most": (operator.le, "<="),
    "equals": (operator.eq, "=="),
}


def _expected(bounds: Mapping[str, Mapping[str, float]]) -> str:
    return "; ".join(f"{column} {_CHECKS[check][1]} {bound:g}" for column, checks in bounds.items() for check, bound in checks.items())


def _number(value: Any, table: str, selector: Mapping[str, Any], column: str) -> float:
    """A bounded cell as a float; text there is a claim that cannot be checked, not a crash of the claims rule."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ClaimError(f"{table}, row {dict(selector)}: column {column!r} holds {value!r}, not a number") from None


def evaluate_table_claim(claim: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], paths: Mapping[str, str] | None = None) -> ClaimResult:
    """One ``kind: table`` claim; evaluation errors become failed results carrying the reason.

    The result names the table (by its path in `paths`, as numbers.json does)
    and the row it read, and checks the bounded columns: the numbers.json
    entries with those quantities from that row are the ones it checks.
    """
    expected = _expected(claim["bounds"])
    try:
        if claim["table"] not in tables:
            raise ClaimError(f"table {claim['table']!r} was not given to the claims rule")
        table = (paths or {}).get(claim["table"], claim["table"])
        row = select_row(tables[claim["table"]], claim["select"], table)
        problems, recomputed = [], []
        for column, checks in claim["bounds"].items():
            if column not in row:
                raise ClaimError(f"table {table} has no column {column!r}")
            value = _number(row[column], table, claim["select"], column)
            recomputed.append(f"{column} = {value:.4g}")
            for check, bound in checks.items():
                test, sign = _CHECKS[check]
                if math.isnan(value) or not test(value, bound):
                    problems.append(f"{column} = {value:.4g} is not {sign} {bound:g}")
        data = [f"{claim['table']}: " + ", ".join(f"{k}={v}" for k, v in claim["select"].items())]
        return ClaimResult(claim["id"], claim["text"], not problems, expected, "; ".join(recomputed), data, "; ".join(problems),
                           checks=list(claim["bounds"]), table=table,
                           row={str(column): cell_text(value) for column, value in row.items()})
    except ClaimError as error:
        return ClaimResult(claim["id"], claim["text"], False, expected, "—", message=str(error))
