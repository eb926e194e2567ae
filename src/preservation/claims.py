"""Machine-checked claims: every statement the paper makes, re-evaluated against rates.csv.

paper/claims.yaml lists each claim with a selector into rates.csv and what it
asserts: a k/n (with a tolerance on the rate), a rate (with a tolerance), a
verbal level (the words, and the rate band config gives them), or a comparison
of two cells (direction, and optionally significance on Fisher's exact test).
A claim whose selector matches no row, or several, fails with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from preservation.compare import compare_counts
from preservation.labels import is_set


Claim = Mapping[str, Any]
VerbalLevels = Mapping[str, Sequence[float]]


class ClaimError(ValueError):
    """A claim that cannot be evaluated as written (no or several matching rows, missing data)."""


@dataclass(frozen=True)
class ClaimResult:
    """Outcome of one claim: expected vs recomputed, and the data it rests on."""

    id: str
    text: str
    passed: bool
    expected: str
    recomputed: str
    data: list[str] = field(default_factory=list)
    message: str = ""


def load_claims(path: str | Path, schema_path: str | Path) -> list[Claim]:
    """Claims from YAML, validated against the claims schema (ids must be unique)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    jsonschema.validate(document, yaml.safe_load(Path(schema_path).read_text(encoding="utf-8")))
    claims = document["claims"]
    ids = [claim["id"] for claim in claims]
    duplicated = sorted({name for name in ids if ids.count(name) > 1})
    if duplicated:
        raise ClaimError(f"duplicate claim id(s): {duplicated}")
    return claims


def select_row(rates: pd.DataFrame, selector: Mapping[str, Any]) -> dict[str, Any]:
    """The single rates.csv row matching every key of the selector."""
    unknown = sorted(set(selector) - set(rates.columns))
    if unknown:
        raise ClaimError(f"selector uses unknown column(s) {unknown}")
    mask = pd.Series(True, index=rates.index)
    for column, wanted in selector.items():
        values = rates[column]
        mask &= values == wanted if isinstance(wanted, bool) else values.astype("string") == str(wanted)
    matches = rates[mask.fillna(False)]
    if matches.empty:
        raise ClaimError(f"selector {dict(selector)} matches no row of rates.csv")
    if len(matches) > 1:
        varying = [c for c in rates.columns if matches[c].astype("string").nunique(dropna=False) > 1]
        raise ClaimError(f"selector {dict(selector)} matches {len(matches)} rows; they differ in {varying}")
    return matches.iloc[0].to_dict()


def describe(row: Mapping[str, Any]) -> str:
    """The data behind a recomputed value: the cell's evidence and its source."""
    if row["evidence"] == "counts":
        value = f"k/n = {int(row['k'])}/{int(row['n'])}"
    elif is_set(row.get("rate")):
        value = f"rate {row['rate']:g} (n not stated)"
    else:
        value = f"verbal “{row['verbal']}”"
    return f"{row['model']}, {row['behaviour']}: {value}; source {row['sources'] if is_set(row.get('sources')) else row['study']}"


def rate_band(row: Mapping[str, Any], verbal_levels: VerbalLevels) -> tuple[float, float]:
    """The range a cell's value is known to lie in: its rate, or the band of its verbal level."""
    if is_set(row.get("rate")):
        return float(row["rate"]), float(row["rate"])
    return verbal_band(row["verbal"], verbal_levels)


def verbal_band(words: str, verbal_levels: VerbalLevels) -> tuple[float, float]:
    """The rate band config gives a verbal level ("rarely" -> [0, 0.1])."""
    if words not in verbal_levels:
        raise ClaimError(f"verbal level “{words}” has no band in config claims: verbal_levels")
    low, high = verbal_levels[words]
    return float(low), float(high)


def evaluate_claim(claim: Claim, rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float,
                   tables: Mapping[str, pd.DataFrame] | None = None) -> ClaimResult:
    """Evaluate one claim; evaluation errors become failed results carrying the reason.

    ``kind: table`` claims read ``tables`` (other generated tables), not rates (preservation.table_claims).
    """
    if claim["kind"] == "table":
        from preservation.table_claims import evaluate_table_claim  # it imports this module

        return evaluate_table_claim(claim, tables or {})
    try:
        return _EVALUATORS[claim["kind"]](claim, rates, verbal_levels, level)
    except ClaimError as error:
        return ClaimResult(claim["id"], claim["text"], False, _expected_text(claim), "—", message=str(error))


def _expected_text(claim: Claim) -> str:
    expected = claim.get("expected", {})
    if claim["kind"] == "counts":
        return f"{expected['k']}/{expected['n']} ± {claim['tolerance']:g}"
    if claim["kind"] == "rate":
        return f"{expected['rate']:g} ± {claim['tolerance']:g}"
    if claim["kind"] == "verbal":
        return f"“{expected['verbal']}”"
    significance = claim.get("significance")
    return f"a {claim['direction']} than b" + (f", p < {significance['alpha']:g}" if significance else "")


def _counts(claim: Claim, rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float) -> ClaimResult:
    row = select_row(rates, claim["select"])
    if row["evidence"] != "counts":
        raise ClaimError(f"claim expects k/n but the matched row is {row['evidence']}")
    k, n = int(row["k"]), int(row["n"])
    expected = claim["expected"]
    gap = abs(k / n - expected["k"] / expected["n"])
    passed = n == expected["n"] and gap <= claim["tolerance"]
    message = "" if passed else f"recomputed {k}/{n} differs from claimed {expected['k']}/{expected['n']} (rate gap {gap:.3g})"
    return ClaimResult(claim["id"], claim["text"], passed, _expected_text(claim), f"{k}/{n}", [describe(row)], message)


def _rate(claim: Claim, rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float) -> ClaimResult:
    row = select_row(rates, claim["select"])
    if not is_set(row.get("rate")):
        raise ClaimError(f"claim expects a rate but the matched row is {row['evidence']} with no rate")
    gap = abs(float(row["rate"]) - claim["expected"]["rate"])
    passed = gap <= claim["tolerance"]
    message = "" if passed else f"recomputed rate {row['rate']:g} differs from claimed {claim['expected']['rate']:g} by {gap:.3g}"
    return ClaimResult(claim["id"], claim["text"], passed, _expected_text(claim), f"{row['rate']:g}", [describe(row)], message)


def _verbal(claim: Claim, rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float) -> ClaimResult:
    row = select_row(rates, claim["select"])
    words = claim["expected"]["verbal"]
    low, high = verbal_band(words, verbal_levels)
    problems = []
    if not is_set(row.get("verbal")) or row["verbal"] != words:
        problems.append(f"row reports “{row.get('verbal')}”, not “{words}”")
    if is_set(row.get("rate")) and not low <= float(row["rate"]) <= high:
        problems.append(f"rate {row['rate']:g} lies outside the band [{low:g}, {high:g}] of “{words}”")
    recomputed = f"“{row['verbal']}”" + (f", rate {row['rate']:g}" if is_set(row.get("rate")) else "")
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), recomputed, [describe(row)], "; ".join(problems))


def _comparison(claim: Claim, rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float) -> ClaimResult:
    a, b = select_row(rates, claim["a"]), select_row(rates, claim["b"])
    (a_low, a_high), (b_low, b_high) = rate_band(a, verbal_levels), rate_band(b, verbal_levels)
    holds = a_low > b_high if claim["direction"] == "higher" else a_high < b_low
    recomputed = f"a {_band_text(a_low, a_high)} vs b {_band_text(b_low, b_high)}"
    problems = [] if holds else [f"a is not {claim['direction']} than b ({recomputed})"]
    significance = claim.get("significance")
    if significance:
        if a["evidence"] != "counts" or b["evidence"] != "counts":
            raise ClaimError("a significance condition needs k/n on both sides; "
                             f"a is {a['evidence']}, b is {b['evidence']}")
        result = compare_counts(int(a["k"]), int(a["n"]), int(b["k"]), int(b["n"]), level)
        recomputed += f"; OR {result.odds_ratio:.3g} [{result.low:.3g}, {result.high:.3g}], Fisher p = {result.p:.3g}"
        if result.p >= significance["alpha"]:
            problems.append(f"Fisher's exact p = {result.p:.3g} is not below {significance['alpha']:g}")
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), recomputed,
                       [f"a: {describe(a)}", f"b: {describe(b)}"], "; ".join(problems))


def _band_text(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"in [{low:g}, {high:g}]"


_EVALUATORS = {"counts": _counts, "rate": _rate, "verbal": _verbal, "comparison": _comparison}


def evaluate_claims(claims: Sequence[Claim], rates: pd.DataFrame, verbal_levels: VerbalLevels, level: float,
                    tables: Mapping[str, pd.DataFrame] | None = None) -> list[ClaimResult]:
    """Evaluate every claim, in file order."""
    return [evaluate_claim(claim, rates, verbal_levels, level, tables) for claim in claims]


def claims_markdown(results: Sequence[ClaimResult]) -> str:
    """claims.md: failures first and prominent, then one table row per claim."""
    failed = [result for result in results if not result.passed]
    lines = ["# Claims checked against the recomputed results", ""]
    if failed:
        lines += [f"**FAILED: {len(failed)} of {len(results)} claims do not hold.**", ""]
        lines += [f"- `{result.id}`: {result.message}" for result in failed] + [""]
    else:
        lines += [f"All {len(results)} claims pass.", ""]
    lines += ["| result | claim | statement | expected | recomputed | data |", "|---|---|---|---|---|---|"]
    for result in results:
        cells = ["PASS" if result.passed else "**FAIL**", f"`{result.id}`", result.text, result.expected,
                 result.recomputed, "<br>".join(result.data) or result.message]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
