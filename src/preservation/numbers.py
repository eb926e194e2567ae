"""Every number the paper reports, as LaTeX macros (numbers.tex) and JSON (numbers.json).

The manuscript never types a number: it names one of these, so the text can only
say what rates.csv (and, once merged, the model tables) say. Names are derived
from the data cell (study, model, behaviour, condition), so they are stable
across reruns and fail loudly when two cells would share one.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from preservation.aggregate import cell_keys
from preservation.compare import compare_counts
from preservation.labels import is_set

DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
EFFECT_COUNTS = ("k_not", "n_not", "k_told", "n_told")
# Printed for a quantity a degenerate fit could not estimate (stored as null).
NOT_ESTIMABLE = "n/a"
TEX_ESCAPES = {"%": r"\%", "<": r"\textless{}", "∞": r"$\infty$", "&": r"\&", "_": r"\_", "#": r"\#"}


@dataclass(frozen=True)
class Number:
    """A reported number: its value (for checks) and its text as printed."""

    value: float | int | str
    text: str


@dataclass(frozen=True)
class Format:
    """How numbers are printed; from config `paper: format`."""

    percent_decimals: int
    ratio_decimals: int
    p_floor: float

    def percent(self, rate: float) -> str:
        text = f"{100 * rate:.{self.percent_decimals}f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"

    def ratio(self, value: float) -> str:
        if math.isnan(value):
            return NOT_ESTIMABLE
        return "∞" if math.isinf(value) else f"{value:.{self.ratio_decimals}f}"

    def p(self, value: float) -> str:
        if math.isnan(value):
            return NOT_ESTIMABLE
        return f"< {self.p_floor:g}" if value < self.p_floor else f"{value:.{self.ratio_decimals + 1}f}"


def macro_name(*parts: str) -> str:
    """CamelCase letters-only name (LaTeX macros allow no digits): ("o3", "no") -> "OThreeNo".

    Accented letters keep their base letter ("Möbel" -> "Mobel"), so names that
    differ only in an accent's letter stay apart; other scripts have no ASCII letters.
    """
    ascii_text = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z]+|\d", ascii_text)
    return "".join(DIGITS[int(word)] if word.isdigit() else word[0].upper() + word[1:] for word in words)


def study_prefix(study: str, study_names: Mapping[str, str]) -> str:
    """The study's short name declared in config `paper: study_names`, else its whole id.

    Whole ids keep names unique when new studies arrive; only the studies the
    paper talks about need a short name.
    """
    return macro_name(study_names.get(study, study.replace("_", " ")))


def row_stem(row: Mapping[str, Any], study_names: Mapping[str, str]) -> str:
    """Name stem of a rates.csv cell: study, model, behaviour, and its non-default conditions."""
    parts = [study_prefix(row["study"], study_names), row["model"], row["behaviour"].replace("_", " ")]
    if row["peer"] != "none":
        parts.append(f"peer {row['peer'].replace('_', ' ')}")
    if row["instructed"]:
        parts.append("instructed")
    return macro_name(*parts)


def cell_stems(cells: pd.DataFrame, keys: Sequence[str], study_names: Mapping[str, str]) -> list[str]:
    """row_stem per cell, extended by the key columns that tell apart cells sharing one.

    Cells with a unique short stem keep it, so the names the manuscript uses do
    not change when unrelated data arrive. For the same reason, where one cell
    of a colliding group is a published figure and the others come from logs
    (a study's own logs arriving beside its published figures), the published
    figure keeps the short name and the others are told apart. A collision that
    the keys cannot resolve fails loudly.
    """
    rows = cells.to_dict("records")
    base = [row_stem(row, study_names) for row in rows]
    shared = Counter(base)
    published = Counter(stem for row, stem in zip(rows, base, strict=True) if _published(row))
    stems = []
    for row, stem in zip(rows, base, strict=True):
        keeps_name = published[stem] == 1 and _published(row)
        if shared[stem] > 1 and not keeps_name:
            group = [other for other, other_stem in zip(rows, base, strict=True) if other_stem == stem]
            varying = [key for key in keys if len({str(other.get(key)) for other in group}) > 1]
            stem += macro_name(*(f"{key} {row[key]}" for key in varying if is_set(row.get(key))))
        stems.append(stem)
    duplicated = sorted(stem for stem, count in Counter(stems).items() if count > 1)
    if duplicated:
        raise ValueError(f"rates.csv rows share the number name(s) {duplicated}; the paper could not tell them apart")
    return stems


def _published(row: Mapping[str, Any]) -> bool:
    """Whether a rates cell is a published figure (rebuilt from k/n, or carried as a rate or word)."""
    return row.get("reconstructed") in (True, "True", "true") or row.get("evidence") in ("rate_only", "verbal")


def rate_numbers(
    rates: pd.DataFrame, by: Sequence[str], interval: str, fmt: Format, study_names: Mapping[str, str]
) -> dict[str, Number]:
    """K, N, Rate, Low, High per counted cell; Rate and/or Verbal per reported-only figure."""
    numbers: dict[str, Number] = {}
    stems = cell_stems(rates, [*cell_keys(by), "evidence"], study_names)
    for row, stem in zip(rates.to_dict("records"), stems, strict=True):
        if row["evidence"] == "counts":
            numbers[f"{stem}K"] = Number(int(row["k"]), str(int(row["k"])))
            numbers[f"{stem}N"] = Number(int(row["n"]), str(int(row["n"])))
            for suffix, column in (("Low", f"{interval}_low"), ("High", f"{interval}_high")):
                numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.percent(row[column]))
        if is_set(row.get("rate")):
            numbers[f"{stem}Rate"] = Number(float(row["rate"]), fmt.percent(row["rate"]))
        if is_set(row.get("verbal")):
            numbers[f"{stem}Verbal"] = Number(row["verbal"], row["verbal"])
    return numbers


def instruction_effects(rates: pd.DataFrame, by: Sequence[str], level: float) -> pd.DataFrame:
    """Odds ratio (instructed vs not), exact interval and Fisher p for every cell counted both ways."""
    counted = rates[rates["evidence"] == "counts"]
    keys = [key for key in cell_keys(by) if key != "instructed"]
    rows = []
    for _, pair in counted.groupby(keys, dropna=False, sort=True):
        if sorted(pair["instructed"]) != [False, True]:
            continue
        told, untold = (pair[pair["instructed"] == flag].iloc[0] for flag in (True, False))
        result = compare_counts(int(told["k"]), int(told["n"]), int(untold["k"]), int(untold["n"]), level)
        rows.append({**untold[keys].to_dict(),
                     "k_not": int(untold["k"]), "n_not": int(untold["n"]), "k_told": int(told["k"]), "n_told": int(told["n"]),
                     "odds_ratio": result.odds_ratio, "or_ci_low": result.low, "or_ci_high": result.high, "p": result.p})
    return pd.DataFrame(rows, columns=[*keys, *EFFECT_COUNTS, "odds_ratio", "or_ci_low", "or_ci_high", "p"])


def instruction_effect_numbers(
    effects: pd.DataFrame, by: Sequence[str], fmt: Format, study_names: Mapping[str, str]
) -> dict[str, Number]:
    """Numbers for instruction_effects(): one stem per cell pair, named as its uninstructed cell."""
    stems = cell_stems(effects.assign(instructed=False), cell_keys(by), study_names)
    return effect_numbers(effects.assign(stem=stems), fmt)


def effect_numbers(effects: pd.DataFrame, fmt: Format, stem_column: str = "stem", suffix: str = "Instruction") -> dict[str, Number]:
    """OR, ORLow, ORHigh and P for each row of an effects table (instruction effects or fixed effects)."""
    numbers: dict[str, Number] = {}
    for row in effects.to_dict("records"):
        stem = f"{row[stem_column]}{suffix}"
        numbers[f"{stem}OR"] = Number(float(row["odds_ratio"]), fmt.ratio(row["odds_ratio"]))
        numbers[f"{stem}ORLow"] = Number(float(row["or_ci_low"]), fmt.ratio(row["or_ci_low"]))
        numbers[f"{stem}ORHigh"] = Number(float(row["or_ci_high"]), fmt.ratio(row["or_ci_high"]))
        numbers[f"{stem}P"] = Number(float(row["p"]), fmt.p(row["p"]))
    return numbers


def fixed_effect_numbers(fixed_effects: pd.DataFrame, fmt: Format, study_names: Mapping[str, str]) -> dict[str, Number]:
    """Numbers for the GLMM fixed_effects.csv: one stem per study x behaviour x term."""
    stems = [macro_name(study_prefix(r["study"], study_names), r["behaviour"].replace("_", " "), r["term"])
             for r in fixed_effects.to_dict("records")]
    return effect_numbers(fixed_effects.assign(stem=stems), fmt, suffix="Model")


def design_numbers(level: float, interval: str, fmt: Format) -> dict[str, Number]:
    """Settings the methods section states: interval level and method."""
    return {
        "CiLevel": Number(level, fmt.percent(level)),
        "CiMethod": Number(interval, interval.replace("_", "-").title()),
    }


def write_numbers(numbers: Mapping[str, Number], tex_path: str | Path, json_path: str | Path) -> None:
    """Write both files sorted by name, so equal numbers give equal bytes."""
    names = sorted(numbers)
    lines = ["% Generated by preservation.numbers from data/processed/rates.csv; do not edit."]
    lines += [rf"\newcommand{{\{name}}}{{{tex_escape(numbers[name].text)}}}" for name in names]
    Path(tex_path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = {name: {"value": _finite_or_none(numbers[name].value), "text": numbers[name].text} for name in names}
    Path(json_path).write_text(json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def _finite_or_none(value: float | int | str) -> float | int | str | None:
    """JSON has no NaN or infinity: a value that is not finite is written as null (its text says why)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def tex_escape(text: str) -> str:
    """Escape the characters LaTeX would misread in text mode."""
    return "".join(TEX_ESCAPES.get(char, char) for char in text)
