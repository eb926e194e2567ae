"""Exact 2x2 contrasts and the Holm family, against hand-checkable values."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import hypergeom

from preservation.stats.contrasts import contrast_table, holm, two_by_two


def test_o3_instruction_contrast():
    # o3: 7/100 sabotaged when instructed, 79/100 when not.
    r = two_by_two(7, 100, 79, 100)
    assert r["risk_difference"] == pytest.approx(-0.72)
    assert r["rd_ci_low"] < -0.72 < r["rd_ci_high"] < 0
    # two-sided Fisher p: all tables at most as probable as the observed one
    dist = hypergeom(200, 86, 100)
    probs = dist.pmf(np.arange(0, 87))
    expected = probs[probs <= dist.pmf(7) * (1 + 1e-7)].sum()
    assert r["fisher_p"] == pytest.approx(expected, rel=1e-6)
    assert r["fisher_p"] < 1e-25 and r["boschloo_p"] <= r["fisher_p"]
    assert r["or_ci_low"] < r["odds_ratio"] < r["or_ci_high"] < 0.1


def test_zero_cell_fisher_by_hand():
    # Claude 3.7 Sonnet: 0/100 instructed vs 3/100 not. P(0 of 3 events in arm 1) = C(100,3)/C(200,3), doubled.
    r = two_by_two(0, 100, 3, 100)
    assert r["fisher_p"] == pytest.approx(2 * math.comb(100, 3) / math.comb(200, 3))
    assert r["risk_difference"] == pytest.approx(-0.03)
    assert r["odds_ratio"] == 0.0 and r["or_ci_low"] == 0.0 and r["or_ci_high"] > 1


def test_boschloo_skipped_above_the_cost_limit():
    r = two_by_two(30, 1000, 20, 1000, boschloo_max_product=10_000)
    assert math.isnan(r["boschloo_p"]) and "Boschloo not computed" in r["note"]


def test_holm_by_hand_and_ignores_missing():
    p = pd.Series([0.01, 0.04, 0.03, 0.5, np.nan])
    np.testing.assert_allclose(holm(p).to_numpy()[:4], [0.04, 0.09, 0.09, 0.5])
    assert math.isnan(holm(p).iloc[4])


def test_contrast_table_families_and_orientation():
    rows = []
    for model, (k_not, k_instr) in {"o3": (79, 7), "o4-mini": (6, 1)}.items():
        for instructed, k in ((False, k_not), (True, k_instr)):
            rows += [{"study": "palisade", "behaviour": "shutdown_sabotage", "model": model, "scenario": "math", "peer": "none",
                      "instructed": instructed, "outcome": int(i < k)} for i in range(100)]
    table = contrast_table(pd.DataFrame(rows))
    assert list(table["model"]) == ["o3", "o4-mini"]
    assert set(table["contrast"]) == {"instructed: true vs false"} and set(table["stratum"]) == {"peer=none"}
    o3 = table.iloc[0]
    assert (o3["k1"], o3["n1"], o3["k0"], o3["n0"]) == (7, 100, 79, 100)
    assert o3["risk_difference"] == pytest.approx(-0.72)
    # Holm over the two-member family: the smaller p doubled, the larger kept (monotone)
    p = table["fisher_p"].to_numpy()
    assert table["fisher_p_holm"].iloc[0] == pytest.approx(2 * p[0])
    assert table["fisher_p_holm"].iloc[1] == pytest.approx(max(p[1], 2 * p[0]))


def test_peer_contrasts_per_instruction_level():
    rows = [{"study": "s", "behaviour": "b", "model": "m", "scenario": "x", "peer": peer, "instructed": instructed, "outcome": int(i < k)}
            for peer, instructed, k in (("none", False, 2), ("cooperative", False, 9), ("none", True, 1), ("cooperative", True, 5))
            for i in range(10)]
    table = contrast_table(pd.DataFrame(rows))
    peer_rows = table[table["contrast"] == "peer: cooperative vs none"]
    assert list(peer_rows["stratum"]) == ["instructed=false", "instructed=true"]
    assert list(peer_rows["risk_difference"].round(6)) == [0.7, 0.4]
