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


def fit_ids(rows: pd.DataFrame) -> list[str]:
    """The study/behaviour fits that rows of a model table belong to, sorted: how notes name a fit."""
    return sorted(set(rows["study"].astype(str) + "/" + rows["behaviour"].astype(str)))


def is_set(value: Any) -> bool:
    """True for a real factor level, False for a missing one (None, NaN, pd.NA)."""
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA


def short_citation(row: Mapping[str, Any]) -> str:
    """Authors and date of the citation ("Lynch et al. (June 2025)"), or the study id without one."""
    if not isinstance(row.get("citation"), str):
        return row["study"]
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
