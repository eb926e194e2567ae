"""The meta-analyses against R's metafor on the same units (estimates within 1e-4, SEs within 1%).

Skipped when Rscript or metafor is absent, except in CI, where `make test`
installs both and their absence is a failure, not a skip.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from preservation.stats.meta_tables import agreement_table, metafor_inputs, pooled_table, read_metafor
from preservation.stats.r_session import metafor_unavailable, run_glmer_script

SCRIPT = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "metafor_crosscheck.R"
UNAVAILABLE = metafor_unavailable()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None and not os.environ.get("CI"), reason=f"metafor cross-check {UNAVAILABLE}")


def units_frame(analysis: str, k1, n1, k0, n0) -> pd.DataFrame:
    return pd.DataFrame({"analysis": analysis, "contrast": "instruction", "treatment": "instructed", "behaviour": "x",
                         "unit": [f"u{i:02d}" for i in range(len(k1))], "k1": k1, "n1": n1, "k0": k0, "n0": n0, "excluded": ""})


def simulated(units: int, seed: int, tau: float, with_zero: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n1, n0 = rng.integers(30, 200, units), rng.integers(30, 200, units)
    alpha = rng.normal(-1.5, 1.0, units)
    effect = -0.8 + tau * rng.normal(size=units)
    k1, k0 = rng.binomial(n1, special.expit(alpha + effect)), rng.binomial(n0, special.expit(alpha))
    if with_zero:
        k1[0], k0[1], k1[2], k0[2] = 0, 0, 0, 0  # zero cells, and one table with no events at all
    return units_frame(f"sim{seed}", k1, n1, k0, n0)


@pytest.fixture(scope="module")
def pooled_and_agreement() -> tuple[pd.DataFrame, pd.DataFrame]:
    shipped = units_frame("palisade", [0, 0, 12, 7, 1], [100] * 5, [3, 9, 30, 79, 6], [100] * 5)
    units = pd.concat([shipped, simulated(20, 1, 0.5, True), simulated(12, 2, 0.0, False)], ignore_index=True)
    _, pooled = pooled_table(units, 0.95, "REML", False)
    with tempfile.TemporaryDirectory() as tmp:
        metafor_inputs(units).to_csv(Path(tmp, "units.csv"), index=False)
        run_glmer_script(SCRIPT, Path(tmp, "units.csv"), Path(tmp, "out.csv"))
        return pooled, agreement_table(pooled, read_metafor(str(Path(tmp, "out.csv"))))


@pytest.fixture(scope="module")
def agreement(pooled_and_agreement: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return pooled_and_agreement[1]


def test_metafor_is_available_where_ci_runs() -> None:
    assert UNAVAILABLE is None, f"metafor cross-check {UNAVAILABLE}: scripts/install-system-deps.sh should have installed r-cran-metafor"


@pytest.mark.parametrize("method", ["DL", "REML", "DL+HK", "REML+HK", "UM.FS"])
@pytest.mark.parametrize("analysis", ["palisade", "sim1", "sim2"])
def test_every_pooled_number_agrees_with_metafor(agreement: pd.DataFrame, analysis: str, method: str) -> None:
    rows = agreement[(agreement["analysis"] == analysis) & (agreement["method"] == method)]
    assert len(rows) == 8 and rows["metafor"].notna().all(), rows
    assert rows["within_tolerance"].all(), rows[["parameter", "python", "metafor", "abs_diff", "rel_diff"]]


def test_the_double_zero_table_is_left_out_by_both(pooled_and_agreement: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    # pooled_table drops it itself; metafor is given every unit and drops it (drop00): the estimates above agree
    pooled = pooled_and_agreement[0].set_index(["analysis", "method"])
    assert pooled.loc[("sim1", "UM.FS"), "k"] == 19 and pooled.loc[("sim1", "REML"), "excluded"] == 1
