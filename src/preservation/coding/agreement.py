"""Agreement between a study's labels and the rule-based coder.

Reported per study x behaviour: the 2x2 confusion matrix, raw agreement and
Cohen's kappa; and every trial where the two disagree, with the rule and
command that decided a positive verdict and all the trial's commands, so a
reader can judge each one. Kappa is computed here (a few lines) to avoid a dependency for
one formula; it is left empty when undefined (both raters constant and equal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

AGREEMENT_COLUMNS = (
    "study", "behaviour", "detector", "n", "label1_coded1", "label1_coded0", "label0_coded1", "label0_coded0",
    "agreement", "kappa",
)
PAIR_COLUMNS = (
    "study", "behaviour", "detector", "source_file", "source_line", "trial_id", "label", "coded", "rule", "evidence", "commands",
)


def cohens_kappa(labels: Iterable[int], coded: Iterable[int]) -> tuple[dict[str, int], float | None]:
    """Confusion counts and Cohen's kappa for two binary raters."""
    pairs = list(zip(labels, coded, strict=True))
    counts = {f"label{a}_coded{b}": sum(1 for pair in pairs if pair == (a, b)) for a in (1, 0) for b in (1, 0)}
    n = len(pairs)
    if n == 0:
        return counts, None
    observed = (counts["label1_coded1"] + counts["label0_coded0"]) / n
    p_label = (counts["label1_coded1"] + counts["label1_coded0"]) / n
    p_coded = (counts["label1_coded1"] + counts["label0_coded1"]) / n
    expected = p_label * p_coded + (1 - p_label) * (1 - p_coded)
    return counts, None if expected == 1 else (observed - expected) / (1 - expected)


def agreement_table(pairs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per study x behaviour x detector from label/coded pairs."""
    frame = pd.DataFrame(list(pairs), columns=list(PAIR_COLUMNS))
    rows = []
    for (study, behaviour, detector), group in frame.groupby(["study", "behaviour", "detector"], sort=True):
        counts, kappa = cohens_kappa(group["label"].astype(int), group["coded"].astype(int))
        agree = (counts["label1_coded1"] + counts["label0_coded0"]) / len(group)
        rows.append({"study": study, "behaviour": behaviour, "detector": detector, "n": len(group), **counts,
                     "agreement": agree, "kappa": kappa})
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def disagreements(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs whose label and coder verdict differ, in a fixed order, for the disagreement report."""
    frame = pairs.reindex(columns=list(PAIR_COLUMNS))
    differ = frame[frame["label"].astype(int) != frame["coded"].astype(int)]
    return differ.sort_values(["study", "behaviour", "source_file", "source_line"], kind="stable").reset_index(drop=True)
