"""Per-model 2x2 contrasts with exact tests and a Holm-adjusted family.

The GLMM pools models; readers of these studies also want each model on
its own ("o3 sabotaged 79/100 without the instruction, 7/100 with it").
Counts per model are often small or at 0, where Wald intervals fail, so
each contrast gets exact tests (Fisher; Boschloo, which is uniformly more
powerful for two independent binomials: stats/boschloo.py), the risk difference with a
Newcombe hybrid-score interval, and the conditional-MLE odds ratio with its
exact conditional interval. p-values are Holm-adjusted within each
study x behaviour family, separately for each test.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from preservation.stats.boschloo import boschloo_p
from preservation.stats.conditional_2x2 import exact_2x2
from preservation.stats.design import as_counts

STRATA = ["study", "behaviour", "model", "scenario"]
BOSCHLOO_MAX_PRODUCT = 250 * 250  # n1 * n0 above which Boschloo is not computed (its time and memory grow with n1 * n0)


def two_by_two(k1: int, n1: int, k0: int, n0: int, level: float = 0.95, boschloo_max_product: int = BOSCHLOO_MAX_PRODUCT) -> dict[str, float | str]:
    """Exact tests, risk difference and odds ratio for k1/n1 (exposed) vs k0/n0."""
    exact = exact_2x2(k1, n1 - k1, k0, n0 - k0, level)
    if n1 * n0 <= boschloo_max_product:
        boschloo = boschloo_p(k1, n1, k0, n0)
        note = ""
    else:
        boschloo = np.nan
        note = f"Boschloo not computed (n1*n0 > {boschloo_max_product})"
    rd_low, rd_high = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", compare="diff", alpha=1 - level)
    return {
        "rate1": k1 / n1, "rate0": k0 / n0, "risk_difference": k1 / n1 - k0 / n0,
        "rd_ci_low": float(rd_low), "rd_ci_high": float(rd_high),
        "odds_ratio": exact.odds_ratio, "or_ci_low": exact.low, "or_ci_high": exact.high,
        "fisher_p": exact.fisher_p, "boschloo_p": boschloo, "note": note,
    }


def _pairs(part: pd.DataFrame) -> Iterator[tuple[str, str, pd.Series, pd.Series]]:
    """(contrast, stratum, exposed rows mask, reference rows mask) for one model."""
    peer = part["peer"].astype(str)
    instructed = part["instructed"].astype(bool)
    for level in sorted(peer.unique()):
        yield "instructed: true vs false", f"peer={level}", (peer == level) & instructed, (peer == level) & ~instructed
    for level in sorted(set(peer.unique()) - {"none"}):
        for flag in (False, True):
            stratum = f"instructed={'true' if flag else 'false'}"
            yield f"peer: {level} vs none", stratum, (peer == level) & (instructed == flag), (peer == "none") & (instructed == flag)


def holm(p: pd.Series) -> pd.Series:
    """Holm step-down adjustment, ignoring missing p-values."""
    out = pd.Series(np.nan, index=p.index)
    present = p.notna()
    if present.any():
        out[present] = multipletests(p[present].to_numpy(float), method="holm")[1]
    return out


def contrast_table(
    trials: pd.DataFrame | Iterable[pd.DataFrame], level: float = 0.95, boschloo_max_product: int = BOSCHLOO_MAX_PRODUCT
) -> pd.DataFrame:
    """All per-model 2x2 contrasts (instructed; each peer kind vs none), Holm-adjusted.

    ``trials`` is the counted cell table (stats.model_cells) or one row per
    trial; or its study x behaviour parts (model_cells.read_model_subsets),
    so only one part is held at a time. Other factors (goal conflict,
    urgency, ...) are pooled within study x behaviour x model x scenario.
    """
    rows = []
    for subset in [trials] if isinstance(trials, pd.DataFrame) else trials:
        for key, part in as_counts(subset).groupby(STRATA, sort=True):
            for contrast, stratum, exposed, reference in _pairs(part):
                n1, n0 = int(part.loc[exposed, "n"].sum()), int(part.loc[reference, "n"].sum())
                if n1 == 0 or n0 == 0:
                    continue
                k1, k0 = int(part.loc[exposed, "k"].sum()), int(part.loc[reference, "k"].sum())
                rows.append({**dict(zip(STRATA, key)), "contrast": contrast, "stratum": stratum, "k1": k1, "n1": n1, "k0": k0, "n0": n0,
                             **two_by_two(k1, n1, k0, n0, level, boschloo_max_product)})
    columns = [*STRATA, "contrast", "stratum", "k1", "n1", "k0", "n0", "rate1", "rate0", "risk_difference", "rd_ci_low", "rd_ci_high",
               "odds_ratio", "or_ci_low", "or_ci_high", "fisher_p", "boschloo_p", "fisher_p_holm", "boschloo_p_holm", "note"]
    table = pd.DataFrame(rows, columns=[c for c in columns if not c.endswith("_holm")])
    family = table.groupby(["study", "behaviour"], sort=False)
    table["fisher_p_holm"] = family["fisher_p"].transform(holm) if len(table) else []
    table["boschloo_p_holm"] = family["boschloo_p"].transform(holm) if len(table) else []
    return table[columns].sort_values([*STRATA, "contrast", "stratum"], kind="stable").reset_index(drop=True)
