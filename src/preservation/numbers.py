"""Every number the paper reports, as LaTeX macros (numbers.tex) and JSON (numbers.json).

The manuscript never types a number: it names one of these, so the text can only
say what rates.csv and the model tables say. Names are derived from the data
cell (study, model, behaviour, condition), so they are stable across reruns and
fail loudly when two cells would share one. Each JSON entry also records where
it comes from (its table, the keys of its row, the rates cells by id and their
source files), so a reader can go from any printed number to its trials.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from preservation.aggregate import SOURCES_LISTED, cell_keys
from preservation.compare import compare_counts
from preservation.labels import is_set, natural_key
from preservation.stats.tables import estimable

DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
EFFECT_COUNTS = ("k_not", "n_not", "k_told", "n_told")
# Printed for a quantity a degenerate fit could not estimate (stored as null).
NOT_ESTIMABLE = "n/a"
# Printed instead of every estimate of a fit that is separated or did not converge (stored as null).
NO_ESTIMATE = "not estimable"
TEX_ESCAPES = {"%": r"\%", "<": r"\textless{}", "∞": r"$\infty$", "&": r"\&", "_": r"\_", "#": r"\#"}
# The quantity each name suffix denotes (numbers.json `quantity`); claims check numbers by quantity.
SETTING = "setting"
EFFECT_QUANTITIES = {"OR": "odds_ratio", "ORLow": "or_low", "ORHigh": "or_high", "P": "p"}


@dataclass(frozen=True)
class Origin:
    """What a number was computed from: a table, the keys of its row there, and the rates cells (by id) behind it."""

    table: str
    keys: Mapping[str, Any]
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Number:
    """A reported number: its value (for checks), its text as printed, and where it comes from."""

    value: float | int | str | None
    text: str
    quantity: str = SETTING
    origin: Origin | None = None
    note: str = ""


@dataclass(frozen=True)
class Sources:
    """The tables numbers are read from (paths as the pipeline names them) and every rates cell's sources.

    `fit_cells` gives, per study x behaviour, the counted cells a mixed model
    is fitted from, so a model term points to the trials behind it.
    """

    rates: str = "rates.csv"
    fixed_effects: str = "fixed_effects.csv"
    of_cell: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fit_cells: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, rates: pd.DataFrame, cell_sources: pd.DataFrame, rates_path: str, fixed_effects_path: str,
              include_reconstructed: bool) -> Sources:
        """From rates.csv and cell_sources: sources per cell, and the cells each model subset is fitted from."""
        of_cell = {cell: tuple(part["source"]) for cell, part in cell_sources.groupby("cell", sort=True)}
        counted = rates[rates["evidence"] == "counts"]
        if not include_reconstructed:
            counted = counted[~counted["reconstructed"].astype(bool)]
        fit_cells = {(study, behaviour): tuple(sorted(part["cell"])) for (study, behaviour), part in counted.groupby(["study", "behaviour"])}
        return cls(rates_path, fixed_effects_path, of_cell, fit_cells)

    def behind(self, cells: Sequence[str]) -> list[str]:
        """The distinct sources of some cells, sorted."""
        return sorted({source for cell in cells for source in self.of_cell.get(cell, ())}, key=lambda name: (natural_key(name), name))


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
    rates: pd.DataFrame, by: Sequence[str], interval: str, fmt: Format, study_names: Mapping[str, str], sources: Sources = Sources()
) -> dict[str, Number]:
    """K, N, Rate, Low, High per counted cell; Rate and/or Verbal per reported-only figure."""
    numbers: dict[str, Number] = {}
    keys = [*cell_keys(by), "evidence"]
    stems = cell_stems(rates, keys, study_names)
    for row, stem in zip(rates.to_dict("records"), stems, strict=True):
        origin = Origin(sources.rates, _plain(row, keys), (row["cell"],) if "cell" in row else ())
        if row["evidence"] == "counts":
            numbers[f"{stem}K"] = Number(int(row["k"]), str(int(row["k"])), "k", origin)
            numbers[f"{stem}N"] = Number(int(row["n"]), str(int(row["n"])), "n", origin)
            for suffix, column in (("Low", f"{interval}_low"), ("High", f"{interval}_high")):
                numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.percent(row[column]), suffix.lower(), origin)
        if is_set(row.get("rate")):
            numbers[f"{stem}Rate"] = Number(float(row["rate"]), fmt.percent(row["rate"]), "rate", origin)
        if is_set(row.get("verbal")):
            numbers[f"{stem}Verbal"] = Number(row["verbal"], row["verbal"], "verbal", origin)
    return numbers


def _plain(row: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """A row's key values as JSON can hold them: missing as None, booleans as booleans, the rest as text."""
    plain: dict[str, Any] = {}
    for key in keys:
        value = row.get(key)
        plain[key] = None if not is_set(value) else bool(value) if isinstance(value, (bool, np.bool_)) else str(value)
    return plain


def instruction_effects(rates: pd.DataFrame, by: Sequence[str], level: float) -> pd.DataFrame:
    """Odds ratio (instructed vs not), exact interval and Fisher p for every cell counted both ways.

    `cell_not` and `cell_told` are the two cells' ids (when rates has them).
    """
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
                     "odds_ratio": result.odds_ratio, "or_ci_low": result.low, "or_ci_high": result.high, "p": result.p,
                     "cell_not": untold.get("cell"), "cell_told": told.get("cell")})
    return pd.DataFrame(rows, columns=[*keys, *EFFECT_COUNTS, "odds_ratio", "or_ci_low", "or_ci_high", "p", "cell_not", "cell_told"])


def instruction_effect_numbers(
    effects: pd.DataFrame, by: Sequence[str], fmt: Format, study_names: Mapping[str, str], sources: Sources = Sources()
) -> dict[str, Number]:
    """Numbers for instruction_effects(): one stem per cell pair, named as its uninstructed cell."""
    stems = cell_stems(effects.assign(instructed=False), cell_keys(by), study_names)
    keys = [key for key in cell_keys(by) if key != "instructed"]
    origins = [Origin(sources.rates, _plain(row, keys), tuple(c for c in (row.get("cell_not"), row.get("cell_told")) if is_set(c)))
               for row in effects.to_dict("records")]
    return effect_numbers(effects.assign(stem=stems), fmt, origins=origins)


def effect_numbers(effects: pd.DataFrame, fmt: Format, stem_column: str = "stem", suffix: str = "Instruction",
                   origins: Sequence[Origin | None] | None = None, notes: Sequence[str] | None = None) -> dict[str, Number]:
    """OR, ORLow, ORHigh and P for each row of an effects table (instruction effects or fixed effects).

    A row with a note (its fit is separated or did not converge) has no estimate:
    its four numbers are null and print as NO_ESTIMATE, with the note saying why.
    """
    numbers: dict[str, Number] = {}
    rows = effects.to_dict("records")
    for row, origin, note in zip(rows, origins or [None] * len(rows), notes or [""] * len(rows), strict=True):
        stem = f"{row[stem_column]}{suffix}"
        for name, column, show in (("OR", "odds_ratio", fmt.ratio), ("ORLow", "or_ci_low", fmt.ratio),
                                   ("ORHigh", "or_ci_high", fmt.ratio), ("P", "p", fmt.p)):
            value, text = (None, NO_ESTIMATE) if note else (float(row[column]), show(row[column]))
            numbers[f"{stem}{name}"] = Number(value, text, EFFECT_QUANTITIES[name], origin, note)
    return numbers


def fixed_effect_numbers(fixed_effects: pd.DataFrame, fmt: Format, study_names: Mapping[str, str], sources: Sources = Sources()) -> dict[str, Number]:
    """Numbers for the GLMM fixed_effects.csv: one stem per study x behaviour x term.

    A fit that did not converge or has a separated term (columns `converged`,
    `separated`) gives no odds ratios: its estimates are where an optimiser
    stopped, not estimates, so they are written as "not estimable" with the reason.
    """
    records = fixed_effects.to_dict("records")
    stems = [macro_name(study_prefix(r["study"], study_names), r["behaviour"].replace("_", " "), r["term"]) for r in records]
    origins = [Origin(sources.fixed_effects, {"study": r["study"], "behaviour": r["behaviour"], "term": r["term"]},
                      sources.fit_cells.get((r["study"], r["behaviour"]), ())) for r in records]
    return effect_numbers(fixed_effects.assign(stem=stems), fmt, suffix="Model", origins=origins, notes=fit_notes(fixed_effects))


def fit_notes(fixed_effects: pd.DataFrame) -> list[str]:
    """Per fixed-effects row: why its fit gives no estimate ("" when it does), as stats.tables.estimable decides."""
    if fixed_effects.empty:
        return []
    usable = estimable(fixed_effects).tolist()
    separated = fixed_effects.loc[fixed_effects["separated"].astype(bool)].groupby(["study", "behaviour"])["term"].agg(", ".join)
    notes = []
    for ok, row in zip(usable, fixed_effects.to_dict("records"), strict=True):
        terms = separated.get((row["study"], row["behaviour"]))
        notes.append("" if ok else f"separated fit: no finite estimate for {terms}" if terms else "the fit did not converge")
    return notes


def design_numbers(level: float, interval: str, fmt: Format) -> dict[str, Number]:
    """Settings the methods section states: interval level and method (from config, not from data)."""
    return {
        "CiLevel": Number(level, fmt.percent(level), SETTING, Origin("config", {"ci_level": level})),
        "CiMethod": Number(interval, interval.replace("_", "-").title(), SETTING, Origin("config", {"paper.interval": interval})),
    }


def merge_numbers(*families: Mapping[str, Number]) -> dict[str, Number]:
    """The families of numbers as one mapping; a name two families both make fails, naming it.

    Each family names its own numbers, so only a merge can see a clash, and a
    dict merge would let the later family's number silently replace the other.
    """
    counts = Counter(name for family in families for name in family)
    clashes = sorted(name for name, count in counts.items() if count > 1)
    if clashes:
        raise ValueError(f"number name(s) made by two families: {', '.join(clashes)}")
    return {name: number for family in families for name, number in family.items()}


def write_numbers(numbers: Mapping[str, Number], tex_path: str | Path, json_path: str | Path, sources: Sources = Sources()) -> None:
    """Write both files sorted by name, so equal numbers give equal bytes; numbers.json with each number's provenance."""
    names = sorted(numbers)
    lines = ["% Generated by preservation.numbers from data/processed/rates.csv; do not edit."]
    lines += [rf"\newcommand{{\{name}}}{{{tex_escape(numbers[name].text)}}}" for name in names]
    Path(tex_path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = {name: number_entry(numbers[name], sources) for name in names}
    Path(json_path).write_text(json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def number_entry(number: Number, sources: Sources) -> dict[str, Any]:
    """A numbers.json entry: value and text, then its quantity and provenance.

    `sources` lists the first SOURCES_LISTED distinct sources of its cells (as
    rates.csv does, so the file does not grow with cells x files) and
    `sources_total` counts them all; the full list per cell is
    data/processed/cell_sources.parquet.
    """
    origin = number.origin or Origin("", {})
    behind = sources.behind(origin.cells)
    entry = {"value": _finite_or_none(number.value), "text": number.text, "quantity": number.quantity,
             "table": origin.table, "keys": dict(origin.keys), "cells": list(origin.cells),
             "sources": behind[:SOURCES_LISTED], "sources_total": len(behind)}
    if number.note:
        entry["note"] = number.note
    return entry


def _finite_or_none(value: float | int | str | None) -> float | int | str | None:
    """JSON has no NaN or infinity: a value that is not finite is written as null (its text says why)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def tex_escape(text: str) -> str:
    """Escape the characters LaTeX would misread in text mode."""
    return "".join(TEX_ESCAPES.get(char, char) for char in text)
