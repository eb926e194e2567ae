"""Human-readable labels for behaviours, peer levels and design cells.

Figures, tables and the paper name a cell the same way, so a reader can match
a heat-map column to a table row without a legend.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def pretty(name: str) -> str:
    """snake_case identifier -> words ("peer_shutdown_tampering" -> "peer shutdown tampering")."""
    return name.replace("_", " ")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads names as people do: case-insensitive, digits by value ("o3" < "o10" < "Opus 4").

    Plain string order puts capitals first and "o10" before "o3".
    """
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", str(text)) if part)


def natural_order(values: pd.Series) -> pd.Series:
    """`natural_key` for a column, usable as ``sort_values(key=natural_order)``."""
    return values.map(natural_key)


# Fixed-effect terms of the models (stats.design names them factor=level, ":" for interactions) as the text says them.
TERM_WORDS = {("instructed", "true"): "told to allow shutdown", ("instructed", "false"): "not told to allow shutdown"}


def term_label(term: str) -> str:
    """A model term as people write it: "instructed=true" -> "told to allow shutdown",
    "peer=cooperative:instructed=true" -> "peer: cooperative × told to allow shutdown"."""
    parts = []
    for part in term.split(":"):
        factor, _, level = part.partition("=")
        parts.append(TERM_WORDS.get((factor, level.lower()), f"{pretty(factor)}: {pretty(level)}" if level else pretty(factor)))
    return " × ".join(parts)


def fit_ids(rows: pd.DataFrame) -> list[str]:
    """The study/behaviour fits that rows of a model table belong to, sorted: how notes name a fit."""
    return sorted(set(rows["study"].astype(str) + "/" + rows["behaviour"].astype(str)))


def is_set(value: Any) -> bool:
    """True for a real factor level, False for a missing one (None, NaN, pd.NA)."""
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA


def short_citation(row: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """Authors and date of the citation ("Lynch et al. (June 2025)"), or else the study's configured
    short name (config paper: study_names), or else its id."""
    if not isinstance(row.get("citation"), str):
        return (names or {}).get(row["study"], row["study"])
    return re.split(r"[,;]", row["citation"])[0]


def condition_label(row: Mapping[str, Any], factors: Sequence[str]) -> str:
    """Behaviour plus every non-default condition of a rates.csv row (peer, instruction, factors)."""
    parts = [pretty(row["behaviour"])]
    if row["peer"] != "none":
        parts.append(f"peer: {pretty(row['peer'])}")
    if row["instructed"]:
        parts.append("instructed")
    for name in factors:
        # A level the label already names ("subject: peer" of peer shutdown tampering) adds nothing.
        if is_set(row.get(name)) and pretty(str(row[name])) not in " ".join(parts).split():
            parts.append(f"{pretty(name)}: {pretty(str(row[name]))}")
    return ", ".join(parts)
