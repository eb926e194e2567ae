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

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Format:
        return cls(**config["paper"]["format"])

    def percent(self, rate: float) -> str:
        text = f"{100 * rate:.{self.percent_decimals}f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"

    def ratio(self, value: float) -> str:
        return "∞" if math.isinf(value) else f"{value:.{self.ratio_decimals}f}"

    def p(self, value: float) -> str:
        return f"< {self.p_floor:g}" if value < self.p_floor else f"{value:.{self.ratio_decimals + 1}f}"


def macro_name(*parts: str) -> str:
    """CamelCase letters-only name (LaTeX macros allow no digits): ("o3", "no") -> "OThreeNo"."""
    words = re.findall(r"[A-Za-z]+|\d", " ".join(parts))
    return "".join(DIGITS[int(word)] if word.isdigit() else word[0].upper() + word[1:] for word in words)


def row_stem(row: Mapping[str, Any]) -> str:
    """Name stem of a rates.csv cell: study author, model, behaviour, and its non-default conditions."""
    parts = [row["study"].split("_")[0], row["model"], row["behaviour"].replace("_", " ")]
    if row["peer"] != "none":
        parts.append(f"peer {row['peer'].replace('_', ' ')}")
    if row["instructed"]:
        parts.append("instructed")
    return macro_name(*parts)


def rate_numbers(rates: pd.DataFrame, interval: str, fmt: Format) -> dict[str, Number]:
    """K, N, Rate, Low, High per counted cell; Rate and/or Verbal per reported-only figure."""
    numbers: dict[str, Number] = {}
    seen: set[str] = set()
    for row in rates.to_dict("records"):
        stem = row_stem(row)
        if stem in seen:
            raise ValueError(f"two rates.csv rows share the number name {stem!r}; the paper could not tell them apart")
        seen.add(stem)
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
        rows.append({**untold[keys].to_dict(), "stem": row_stem(untold.to_dict()),
                     "k_not": int(untold["k"]), "n_not": int(untold["n"]), "k_told": int(told["k"]), "n_told": int(told["n"]),
                     "odds_ratio": result.odds_ratio, "or_low": result.low, "or_high": result.high, "p": result.p})
    return pd.DataFrame(rows, columns=[*keys, "stem", *EFFECT_COUNTS, "odds_ratio", "or_low", "or_high", "p"])


def effect_numbers(effects: pd.DataFrame, fmt: Format, stem_column: str = "stem", suffix: str = "Instruction") -> dict[str, Number]:
    """OR, ORLow, ORHigh and P for each row of an effects table (instruction effects or fixed effects)."""
    numbers: dict[str, Number] = {}
    for row in effects.to_dict("records"):
        stem = f"{row[stem_column]}{suffix}"
        numbers[f"{stem}OR"] = Number(float(row["odds_ratio"]), fmt.ratio(row["odds_ratio"]))
        numbers[f"{stem}ORLow"] = Number(float(row["or_low"]), fmt.ratio(row["or_low"]))
        numbers[f"{stem}ORHigh"] = Number(float(row["or_high"]), fmt.ratio(row["or_high"]))
        numbers[f"{stem}P"] = Number(float(row["p"]), fmt.p(row["p"]))
    return numbers


def fixed_effect_numbers(fixed_effects: pd.DataFrame, fmt: Format) -> dict[str, Number]:
    """Numbers for the statistics branch's fixed_effects.csv: one stem per study x behaviour x term."""
    stems = [macro_name(r["study"].split("_")[0], r["behaviour"].replace("_", " "), r["term"])
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
    payload = {name: {"value": numbers[name].value, "text": numbers[name].text} for name in names}
    Path(json_path).write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def tex_escape(text: str) -> str:
    """Escape the characters LaTeX would misread in text mode."""
    return "".join(TEX_ESCAPES.get(char, char) for char in text)
