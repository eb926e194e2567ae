"""Human-readable labels for behaviours, peer levels and design cells.

Figures, tables and the paper name a cell the same way, so a reader can match
a heat-map column to a table row without a legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def pretty(name: str) -> str:
    """snake_case identifier -> words ("peer_shutdown_tampering" -> "peer shutdown tampering")."""
    return name.replace("_", " ")


def is_set(value: Any) -> bool:
    """True for a real factor level, False for a missing one (None, NaN, pd.NA)."""
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA


def condition_label(row: Mapping[str, Any], factors: Sequence[str]) -> str:
    """Behaviour plus every non-default condition of a rates.csv row (peer, instruction, factors)."""
    parts = [pretty(row["behaviour"])]
    if row["peer"] != "none":
        parts.append(f"peer: {pretty(row['peer'])}")
    if row["instructed"]:
        parts.append("instructed")
    parts += [f"{pretty(name)}: {pretty(str(row[name]))}" for name in factors if is_set(row.get(name))]
    return ", ".join(parts)
