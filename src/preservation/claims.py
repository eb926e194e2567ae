"""Machine-checked claims: every statement the paper makes, re-evaluated against the recomputed results.

paper/claims.yaml lists each claim with a selector and what it asserts: a k/n
(with a tolerance on the rate), a rate (with a tolerance), a verbal level (the
words, and the rate band config gives them), an interval (its bounds), an
instruction effect (odds ratio, interval and p of the cell pair), a GLMM
fixed effect (odds ratio, Wald interval and p of a term in fixed_effects.csv),
or a comparison of two cells (direction, and optionally significance on
Fisher's exact test); claims on the meta-analysis and power tables (``kind:
table``) are evaluated by preservation.table_claims. A claim whose selector
matches no row, or several, fails with the reason.

Each result names the cells (or model term) it read and the quantities it
checked, so the numbers in numbers.json it checks can be found by provenance
(`attach_numbers`); `text_coverage` then lists every number the manuscript
prints that no claim checks, as one more result that fails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from preservation.compare import compare_counts
from preservation.labels import is_set
from preservation.manuscript import printed_numbers, swallowed_semicolons
from preservation.numbers import SETTING, fit_notes, instruction_effects


Claim = Mapping[str, Any]
VerbalLevels = Mapping[str, Sequence[float]]
# The result that checks the manuscript itself; no claim in claims.yaml may take this id.
COVERAGE_ID = "every-printed-number-is-checked"
EFFECT_CHECKS = ("odds_ratio", "or_low", "or_high", "p")


class ClaimError(ValueError):
    """A claim that cannot be evaluated as written (no or several matching rows, missing data)."""


@dataclass(frozen=True)
class Evidence:
    """What claims are checked against: rates.csv, and for effect claims the model fits and settings."""

    rates: pd.DataFrame
    verbal_levels: VerbalLevels
    level: float
    interval: str = "jeffreys"
    by: Sequence[str] = ()
    fixed_effects: pd.DataFrame | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # other generated tables, by name (kind table)
    table_paths: Mapping[str, str] = field(default_factory=dict)  # and their paths, as numbers.json names them


@dataclass(frozen=True)
class ClaimResult:
    """Outcome of one claim: expected vs recomputed, the data it rests on, and what it checked.

    `cells` are the rates cells (ids) it read, `term` the model term, `table`
    and `row` the other generated table and the row of it (values as text) a
    `kind: table` claim read, `checks` the quantities it compared with the
    text, `numbers` the numbers.json entries those are (filled by attach_numbers).
    """

    id: str
    text: str
    passed: bool
    expected: str
    recomputed: str
    data: list[str] = field(default_factory=list)
    message: str = ""
    cells: list[str] = field(default_factory=list)
    term: dict[str, str] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    table: str = ""
    row: dict[str, str] = field(default_factory=dict)


def load_claims(path: str | Path, schema_path: str | Path) -> list[Claim]:
    """Claims from YAML, validated against the claims schema (ids must be unique)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    jsonschema.validate(document, yaml.safe_load(Path(schema_path).read_text(encoding="utf-8")))
    claims = document["claims"]
    ids = [claim["id"] for claim in claims]
    duplicated = sorted({name for name in ids if ids.count(name) > 1})
    if duplicated:
        raise ClaimError(f"duplicate claim id(s): {duplicated}")
    if COVERAGE_ID in ids:
        raise ClaimError(f"claim id {COVERAGE_ID!r} is reserved for the check of the manuscript's numbers")
    return claims


def select_row(rates: pd.DataFrame, selector: Mapping[str, Any], table: str = "rates.csv") -> dict[str, Any]:
    """The single row of `table` (rates.csv unless named) matching every key of the selector."""
    unknown = sorted(set(selector) - set(rates.columns))
    if unknown:
        raise ClaimError(f"selector uses unknown column(s) {unknown} of {table}")
    mask = pd.Series(True, index=rates.index)
    for column, wanted in selector.items():
        values = rates[column]
        mask &= values == wanted if isinstance(wanted, bool) else values.astype("string") == str(wanted)
    matches = rates[mask.fillna(False)]
    if matches.empty:
        raise ClaimError(f"selector {dict(selector)} matches no row of {table}")
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


def evaluate_claim(claim: Claim, evidence: Evidence) -> ClaimResult:
    """Evaluate one claim; evaluation errors become failed results carrying the reason.

    ``kind: table`` claims read another generated table (evidence.tables; preservation.table_claims).
    """
    if claim["kind"] == "table":
        from preservation.table_claims import evaluate_table_claim  # it imports this module

        return evaluate_table_claim(claim, evidence.tables, evidence.table_paths)
    try:
        return _EVALUATORS[claim["kind"]](claim, evidence)
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
    if claim["kind"] == "interval":
        return f"[{expected['low']:g}, {expected['high']:g}] ± {claim['tolerance']:g}"
    if claim["kind"] in ("odds_ratio", "model_term"):
        p = f"p < {expected['p_below']:g}" if "p_below" in expected else f"p = {expected['p']:g}"
        return f"OR {expected['odds_ratio']:g} [{expected['low']:g}, {expected['high']:g}], {p} ± {claim['tolerance']:g}"
    significance = claim.get("significance")
    return f"a {claim['direction']} than b" + (f", p < {significance['alpha']:g}" if significance else "")


def _cell(row: Mapping[str, Any]) -> list[str]:
    return [row["cell"]] if is_set(row.get("cell")) else []


def _counts(claim: Claim, evidence: Evidence) -> ClaimResult:
    row = select_row(evidence.rates, claim["select"])
    if row["evidence"] != "counts":
        raise ClaimError(f"claim expects k/n but the matched row is {row['evidence']}")
    k, n = int(row["k"]), int(row["n"])
    expected = claim["expected"]
    gap = abs(k / n - expected["k"] / expected["n"])
    passed = n == expected["n"] and gap <= claim["tolerance"]
    message = "" if passed else f"recomputed {k}/{n} differs from claimed {expected['k']}/{expected['n']} (rate gap {gap:.3g})"
    return ClaimResult(claim["id"], claim["text"], passed, _expected_text(claim), f"{k}/{n}", [describe(row)], message,
                       cells=_cell(row), checks=["k", "n", "rate"])


def _rate(claim: Claim, evidence: Evidence) -> ClaimResult:
    row = select_row(evidence.rates, claim["select"])
    if not is_set(row.get("rate")):
        raise ClaimError(f"claim expects a rate but the matched row is {row['evidence']} with no rate")
    gap = abs(float(row["rate"]) - claim["expected"]["rate"])
    passed = gap <= claim["tolerance"]
    message = "" if passed else f"recomputed rate {row['rate']:g} differs from claimed {claim['expected']['rate']:g} by {gap:.3g}"
    return ClaimResult(claim["id"], claim["text"], passed, _expected_text(claim), f"{row['rate']:g}", [describe(row)], message,
                       cells=_cell(row), checks=["rate"])


def _interval(claim: Claim, evidence: Evidence) -> ClaimResult:
    """The cell's interval (config paper: interval, at ci_level) against the claimed bounds."""
    row = select_row(evidence.rates, claim["select"])
    if row["evidence"] != "counts":
        raise ClaimError(f"claim expects an interval but the matched row is {row['evidence']} (no n, no interval)")
    low, high = float(row[f"{evidence.interval}_low"]), float(row[f"{evidence.interval}_high"])
    expected, tolerance = claim["expected"], claim["tolerance"]
    gaps = {"low": abs(low - expected["low"]), "high": abs(high - expected["high"])}
    problems = [f"{side} bound {value:.4g} differs from claimed {expected[side]:g} by {gaps[side]:.3g}"
                for side, value in (("low", low), ("high", high)) if gaps[side] > tolerance]
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), f"{evidence.interval} [{low:.4g}, {high:.4g}]",
                       [describe(row)], "; ".join(problems), cells=_cell(row), checks=["low", "high"])


def _odds_ratio(claim: Claim, evidence: Evidence) -> ClaimResult:
    """The instruction effect of one cell pair (numbers.instruction_effects) against the claimed OR, interval and p."""
    effects = instruction_effects(evidence.rates, evidence.by, evidence.level)
    row = select_row(effects, claim["select"], "the instruction effects (cells counted with and without the instruction)")
    data = [f"{row['model']}, {row['behaviour']}: {row['k_not']}/{row['n_not']} not instructed vs {row['k_told']}/{row['n_told']} instructed"]
    cells = [cell for cell in (row.get("cell_not"), row.get("cell_told")) if is_set(cell)]
    return _effect_result(claim, row, data, cells=cells)


def _model_term(claim: Claim, evidence: Evidence) -> ClaimResult:
    """A GLMM fixed effect (fixed_effects.csv) against the claimed OR, Wald interval and p; none for a separated or unconverged fit."""
    if evidence.fixed_effects is None:
        raise ClaimError("a model_term claim needs the fixed-effects table")
    fixed = evidence.fixed_effects.assign(note=fit_notes(evidence.fixed_effects))
    row = select_row(fixed, claim["select"], "fixed_effects.csv")
    term = {"study": row["study"], "behaviour": row["behaviour"], "term": row["term"]}
    if row["note"]:
        raise ClaimError(f"the fit of {term} gives no estimate: {row['note']}")
    return _effect_result(claim, row, [f"{row['study']}, {row['behaviour']}: term {row['term']} (estimate {row['estimate']:.4g}, SE {row['se']:.3g})"],
                          term=term)


def _effect_result(claim: Claim, row: Mapping[str, Any], data: list[str], cells: Sequence[str] = (), term: Mapping[str, str] | None = None) -> ClaimResult:
    """Compare an effects row's odds_ratio, or_ci_low, or_ci_high and p with the claim (absolute tolerance; p_below is a bound)."""
    expected, tolerance = claim["expected"], claim["tolerance"]
    problems = [f"{name} {float(row[column]):.4g} differs from claimed {expected[key]:g} by more than {tolerance:g}"
                for name, column, key in (("OR", "odds_ratio", "odds_ratio"), ("lower bound", "or_ci_low", "low"), ("upper bound", "or_ci_high", "high"))
                if not math.isfinite(float(row[column])) or abs(float(row[column]) - expected[key]) > tolerance]
    p = float(row["p"])
    if "p_below" in expected and not p < expected["p_below"]:
        problems.append(f"p = {p:.3g} is not below {expected['p_below']:g}")
    if "p" in expected and not abs(p - expected["p"]) <= tolerance:
        problems.append(f"p = {p:.3g} differs from claimed {expected['p']:g} by more than {tolerance:g}")
    recomputed = f"OR {float(row['odds_ratio']):.4g} [{float(row['or_ci_low']):.4g}, {float(row['or_ci_high']):.4g}], p = {p:.3g}"
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), recomputed, data, "; ".join(problems),
                       cells=list(cells), term=dict(term or {}), checks=list(EFFECT_CHECKS))


def _verbal(claim: Claim, evidence: Evidence) -> ClaimResult:
    row = select_row(evidence.rates, claim["select"])
    words = claim["expected"]["verbal"]
    low, high = verbal_band(words, evidence.verbal_levels)
    problems = []
    if not is_set(row.get("verbal")) or row["verbal"] != words:
        problems.append(f"row reports “{row.get('verbal')}”, not “{words}”")
    if is_set(row.get("rate")) and not low <= float(row["rate"]) <= high:
        problems.append(f"rate {row['rate']:g} lies outside the band [{low:g}, {high:g}] of “{words}”")
    recomputed = f"“{row['verbal']}”" + (f", rate {row['rate']:g}" if is_set(row.get("rate")) else "")
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), recomputed, [describe(row)], "; ".join(problems),
                       cells=_cell(row), checks=["verbal"])


def _comparison(claim: Claim, evidence: Evidence) -> ClaimResult:
    """Direction (and optional significance) of a vs b; it checks a relation, not a printed number."""
    a, b = select_row(evidence.rates, claim["a"]), select_row(evidence.rates, claim["b"])
    (a_low, a_high), (b_low, b_high) = rate_band(a, evidence.verbal_levels), rate_band(b, evidence.verbal_levels)
    holds = a_low > b_high if claim["direction"] == "higher" else a_high < b_low
    recomputed = f"a {_band_text(a_low, a_high)} vs b {_band_text(b_low, b_high)}"
    problems = [] if holds else [f"a is not {claim['direction']} than b ({recomputed})"]
    significance = claim.get("significance")
    if significance:
        if a["evidence"] != "counts" or b["evidence"] != "counts":
            raise ClaimError("a significance condition needs k/n on both sides; "
                             f"a is {a['evidence']}, b is {b['evidence']}")
        result = compare_counts(int(a["k"]), int(a["n"]), int(b["k"]), int(b["n"]), evidence.level)
        recomputed += f"; OR {result.odds_ratio:.3g} [{result.low:.3g}, {result.high:.3g}], Fisher p = {result.p:.3g}"
        if result.p >= significance["alpha"]:
            problems.append(f"Fisher's exact p = {result.p:.3g} is not below {significance['alpha']:g}")
    return ClaimResult(claim["id"], claim["text"], not problems, _expected_text(claim), recomputed,
                       [f"a: {describe(a)}", f"b: {describe(b)}"], "; ".join(problems), cells=[*_cell(a), *_cell(b)])


def _band_text(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"in [{low:g}, {high:g}]"


_EVALUATORS = {"counts": _counts, "rate": _rate, "verbal": _verbal, "interval": _interval, "odds_ratio": _odds_ratio,
               "model_term": _model_term, "comparison": _comparison}


def evaluate_claims(claims: Sequence[Claim], evidence: Evidence) -> list[ClaimResult]:
    """Evaluate every claim, in file order."""
    return [evaluate_claim(claim, evidence) for claim in claims]


def attach_numbers(results: Sequence[ClaimResult], numbers: Mapping[str, Mapping[str, Any]]) -> list[ClaimResult]:
    """Each result with the numbers.json entries it checks: same cells, model term or table row, a quantity it compared.

    Found by provenance, not by name, so a renamed number stays checked and a
    claim cannot check a number it did not read. A number from another table
    is about the row its keys select: a table claim checks it when it read
    that table and its row has those key values.
    """
    by_target: dict[tuple[Any, ...], list[str]] = {}
    for name, entry in sorted(numbers.items()):
        by_target.setdefault(_target(entry.get("keys", {}) if _is_term(entry) else None, entry.get("cells", [])), []).append(name)
    attached = []
    for result in results:
        if result.table:
            candidates = [name for name, entry in sorted(numbers.items()) if entry.get("table") == result.table and entry.get("keys")
                          and all(result.row.get(key) == cell_text(value) for key, value in entry["keys"].items())]
        else:
            candidates = by_target.get(_target(result.term or None, result.cells), []) if result.checks else []
        attached.append(replace(result, numbers=[name for name in candidates if numbers[name].get("quantity") in result.checks]))
    return attached


def cell_text(value: Any) -> str:
    """A table value as text, the same for the number's key and the claim's row (3 and 3.0 alike)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_term(entry: Mapping[str, Any]) -> bool:
    return "term" in entry.get("keys", {})


def _target(term: Mapping[str, str] | None, cells: Sequence[str]) -> tuple[Any, ...]:
    """What a number or claim is about: a model term (study, behaviour, term), else its cells."""
    if term:
        return ("term", term["study"], term["behaviour"], term["term"])
    return ("cells", *sorted(cells))


def text_coverage(source: str, numbers: Mapping[str, Mapping[str, Any]], results: Sequence[ClaimResult]) -> ClaimResult:
    """One more result: every number paper.typ prints is in numbers.json and checked by a claim.

    Settings (numbers.json quantity "setting": the interval level and method,
    the meta-analysis method, the power simulation's settings and declared
    designs) come from config, not data, and are listed, not required. It also fails on
    an embedded typst expression followed by `;`, which typst drops from the text.
    """
    printed = printed_numbers(source)
    checked = {name for result in results for name in result.numbers}
    unknown = [p for p in printed if p.name not in numbers]
    settings = [p.name for p in printed if p.name in numbers and numbers[p.name].get("quantity") == SETTING]
    unchecked = [p for p in printed if p.name in numbers and p.name not in checked and p.name not in settings]
    semicolons = swallowed_semicolons(source)
    problems = [f"{p.name} (line {', '.join(map(str, p.lines))}) is not in numbers.json" for p in unknown]
    problems += [f"{p.name} (line {', '.join(map(str, p.lines))}) is checked by no claim" for p in unchecked]
    problems += [f"line {line}: an embedded expression followed by ';' (typst drops the ';')" for line in semicolons]
    counted = len(printed) - len(settings)
    return ClaimResult(COVERAGE_ID, "Every number the paper text prints is checked by a claim", not problems,
                       "every printed number checked", f"{counted - len(unknown) - len(unchecked)} of {counted} printed numbers checked"
                       + (f"; settings from config, not data: {', '.join(settings)}" if settings else ""),
                       message="; ".join(problems), numbers=[p.name for p in printed])


def claims_markdown(results: Sequence[ClaimResult]) -> str:
    """claims.md: failures first and prominent, then the numbers in the text no claim checks, then one table row per claim."""
    failed = [result for result in results if not result.passed]
    lines = ["# Claims checked against the recomputed results", ""]
    if failed:
        lines += [f"**FAILED: {len(failed)} of {len(results)} claims do not hold.**", ""]
        lines += [f"- `{result.id}`: " + ("see “Numbers in the text that no claim checks” below" if result.id == COVERAGE_ID else result.message)
                  for result in failed] + [""]
    else:
        lines += [f"All {len(results)} claims pass.", ""]
    coverage = [result for result in results if result.id == COVERAGE_ID]
    if coverage:
        lines += ["## Numbers in the text that no claim checks", ""]
        lines += [f"- {problem}" for problem in coverage[0].message.split("; ")] if coverage[0].message else ["None."]
        lines += ["", coverage[0].recomputed + ".", ""]
    lines += ["| result | claim | statement | expected | recomputed | data | numbers checked |", "|---|---|---|---|---|---|---|"]
    for result in results:
        checked = ", ".join(result.numbers) if result.id != COVERAGE_ID else ""
        cells = ["PASS" if result.passed else "**FAIL**", f"`{result.id}`", result.text, result.expected,
                 result.recomputed, "<br>".join(result.data) or result.message, checked]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
