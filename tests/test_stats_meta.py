"""Cross-study meta-analysis: units from rates, log-OR pooling (DL, REML, Hartung-Knapp), binomial-normal fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special
from statsmodels.stats.meta_analysis import combine_effects

from preservation.stats.binomial_normal import _Deviance, _newton, fit_binomial_normal
from preservation.stats.meta_analysis import log_odds_ratios, pool, tau2_dl, tau2_reml
from preservation.stats.meta_data import contrast_units
from preservation.stats.meta_tables import agreement_table, metafor_inputs, pooled_table

# The shipped Palisade counts: instructed vs not, per model (two zero cells).
K1, K0, N = np.array([0, 0, 12, 7, 1]), np.array([3, 9, 30, 79, 6]), np.full(5, 100)


def units_of(k1: np.ndarray, k0: np.ndarray, n: np.ndarray = N) -> pd.DataFrame:
    """One instruction analysis's units, both arms counted."""
    return pd.DataFrame({"analysis": "instruction/x", "contrast": "instruction", "treatment": "instructed", "behaviour": "x",
                         "unit": [f"u{i}" for i in range(len(k1))], "k1": k1, "n1": n, "k0": k0, "n0": n, "excluded": ""})


def heterogeneous(units: int = 12, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(-1.0, 0.6, units)
    return y + rng.normal(0, 0.3, units), rng.uniform(0.05, 0.4, units)


def test_zero_cells_get_a_half_and_double_zero_tables_are_left_out() -> None:
    lor = log_odds_ratios(np.array([0, 3, 0, 5]), np.full(4, 10), np.array([2, 4, 0, 10]), np.array([10, 10, 10, 10]))
    assert list(lor.added) == [0.5, 0.0, 0.5, 0.5]
    assert lor.yi[0] == pytest.approx(np.log(0.5 * 8.5 / (10.5 * 2.5)))
    assert lor.vi[1] == pytest.approx(1 / 3 + 1 / 7 + 1 / 4 + 1 / 6)
    assert list(lor.excluded) == ["", "", "no events in either arm", ""]
    all_events = log_odds_ratios(np.array([10]), np.array([10]), np.array([10]), np.array([10]))
    assert all_events.excluded[0] == "events in every trial of both arms"


def test_dl_and_hartung_knapp_agree_with_statsmodels_where_its_dl_is_valid() -> None:
    y, v = heterogeneous()
    ours, hk = pool(y, v, "DL"), pool(y, v, "DL", hartung_knapp=True)
    theirs = combine_effects(y, v, method_re="dl")
    assert ours["tau2"] > 0
    assert ours["tau2"] == pytest.approx(theirs.tau2, rel=1e-12)
    assert ours["estimate"] == pytest.approx(theirs.mean_effect_re, rel=1e-12)
    assert ours["se"] == pytest.approx(theirs.sd_eff_w_re, rel=1e-12)
    assert hk["se"] == pytest.approx(np.sqrt(theirs.var_hksj_re), rel=1e-12)
    assert ours["q"] == pytest.approx(theirs.q, rel=1e-12)


def test_dl_is_truncated_at_zero_for_homogeneous_units() -> None:
    y, v = np.array([-1.0, -1.01, -0.99, -1.0]), np.array([0.2, 0.3, 0.25, 0.2])
    with np.errstate(invalid="ignore"):  # statsmodels takes the square root of its negative variance
        assert combine_effects(y, v, method_re="dl").tau2 < 0  # why statsmodels' DL is not used
    assert tau2_dl(y, v) == 0.0 and tau2_reml(y, v) == 0.0
    assert pool(y, v, "REML")["i2"] == 0.0


def test_reml_maximises_the_restricted_likelihood() -> None:
    y, v = heterogeneous()

    def minus_restricted(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    direct = optimize.minimize_scalar(minus_restricted, bounds=(0, 10), method="bounded", options={"xatol": 1e-12}).x
    assert tau2_reml(y, v) == pytest.approx(direct, abs=1e-7)


def test_prediction_interval_and_i2_follow_their_definitions() -> None:
    y, v = heterogeneous()
    result = pool(y, v, "REML")
    half = (result["pi_high"] - result["pi_low"]) / 2
    assert half == pytest.approx(1.959963984540054 * np.sqrt(result["tau2"] + result["se"] ** 2))
    w = 1 / v
    typical = (len(v) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
    assert result["i2"] == pytest.approx(100 * result["tau2"] / (result["tau2"] + typical))


def test_binomial_normal_is_at_the_optimum_of_its_likelihood() -> None:
    fit = fit_binomial_normal(K1, N, K0, N)
    assert fit.converged and not fit.singular and fit.k == 5
    deviance = _Deviance(K1, N, K0, N)

    def profile(beta: float, tau: float) -> float:  # alpha_i re-optimised one unit at a time, independently of the fit's Newton
        total = 0.0
        for i in range(5):
            one = _Deviance(K1[i:i + 1], N[i:i + 1], K0[i:i + 1], N[i:i + 1])
            total += optimize.minimize_scalar(lambda a: float(one(np.array([a]), beta, tau)[0]), bounds=(-10, 5),
                                              method="bounded", options={"xatol": 1e-10}).fun
        return total

    best = profile(fit.estimate, np.sqrt(fit.tau2))
    assert fit.deviance == pytest.approx(best, abs=1e-7)
    for db, dt in ((0.02, 0), (-0.02, 0), (0, 0.02), (0, -0.02)):
        assert profile(fit.estimate + db, np.sqrt(fit.tau2) + dt) > best
    assert deviance.u.shape == (5,)


def test_binomial_normal_without_heterogeneity_is_singular_and_close_to_the_common_effect() -> None:
    rng = np.random.default_rng(8)
    n = np.full(20, 200)
    alpha = rng.normal(-1, 0.5, 20)
    k1, k0 = rng.binomial(n, special.expit(alpha - 0.7)), rng.binomial(n, special.expit(alpha))
    fit = fit_binomial_normal(k1, n, k0, n)
    assert fit.tau2 < 0.05
    assert fit.estimate == pytest.approx(-0.7, abs=3 * fit.se)


def test_a_stalled_line_search_keeps_the_last_point_and_is_not_converged() -> None:
    """A kink at beta = 0 that central differences cannot see: the Newton step points uphill at every length."""
    def kinked(alpha: np.ndarray, beta: float, tau: float) -> np.ndarray:
        return (beta - 1) ** 2 + 1e3 * abs(beta) + alpha**2 + tau**2

    start = np.array([0.0, 0.0, 0.0])
    x, converged = _newton(kinked, start.copy(), free_tau=False)
    assert not converged
    assert np.array_equal(x, start)  # not the last trial step, which raised the deviance


def _cell(model: str, instructed: bool, k: int, n: int = 50, peer: str = "none", origin: str = "logged", evidence: str = "counts") -> dict:
    """A rates.csv row of study s, shutdown sabotage, scenario x; its id tells its model, condition and origin."""
    return {"study": "s", "behaviour": "shutdown_sabotage", "model": model, "scenario": "x", "peer": peer, "instructed": instructed,
            "reconstructed": origin == "reconstructed", "coded": origin == "coded", "evidence": evidence,
            "k": k if evidence == "counts" else None, "n": n if evidence == "counts" else None,
            "cell": f"{model}-{'told' if instructed else 'not'}-{peer}-{origin}"}


def test_units_pair_arms_of_one_contrast_and_skip_rates_without_counts() -> None:
    rows = [_cell(model, instructed, k) for model, (k_not, k_told) in {"a": (30, 5), "b": (10, 2)}.items()
            for instructed, k in ((False, k_not), (True, k_told))]
    rows += [_cell("a", False, 40, peer="present"), _cell("c", True, 0, evidence="rate_only")]
    units = contrast_units(pd.DataFrame(rows), [])
    assert sorted(units["analysis"].unique()) == ["instruction/shutdown_sabotage", "peer/peer=present/shutdown_sabotage"]
    told = units[(units["contrast"] == "instruction") & (units["excluded"] == "")].set_index("model")
    assert told.loc["a", ["k1", "k0"]].tolist() == [5, 30] and told.loc["b", "unit"] == "s: b"
    assert told.loc["a", ["cells1", "cells0"]].tolist() == ["a-told-none-logged", "a-not-none-logged"]
    peer = units[(units["contrast"] == "peer") & (units["excluded"] == "")].iloc[0]
    assert (peer["k1"], peer["k0"]) == (40, 30)
    assert "c" not in set(units["model"])  # a rate without n is no unit


def test_a_study_logs_beside_its_published_counts_are_one_unit_or_the_logs_alone() -> None:
    """As the GLMMs: the same study x model is one unit summing its origins, or without the rebuilt cells when they are not fitted."""
    rows = [_cell("a", False, 30, origin="reconstructed"), _cell("a", True, 5, origin="reconstructed"),
            _cell("a", False, 20, n=40, origin="logged"), _cell("a", True, 4, n=40, origin="logged"),
            _cell("b", False, 10, origin="coded"), _cell("b", True, 2, origin="coded")]
    units = contrast_units(pd.DataFrame(rows), []).set_index("model")
    assert list(units.index) == ["a", "b"] and (units["excluded"] == "").all()
    assert units.loc["a", ["origin", "k1", "n1", "k0", "n0"]].tolist() == ["logged+reconstructed", 9, 90, 50, 90]
    assert units.loc["a", "cells1"].split() == ["a-told-none-logged", "a-told-none-reconstructed"]
    assert units.loc["b", "origin"] == "coded"
    logged = contrast_units(pd.DataFrame(rows), [], include_reconstructed=False).set_index("model")
    assert logged.loc["a", ["origin", "k1", "n1", "k0", "n0", "cells0"]].tolist() == ["logged", 4, 40, 20, 40, "a-not-none-logged"]


def test_a_model_counted_in_one_arm_is_a_unit_excluded_with_its_reason_and_not_pooled() -> None:
    rows = [_cell(model, instructed, int(k), n=100) for model, k_told, k_not in zip("abcde", K1, K0, strict=True)
            for instructed, k in ((True, k_told), (False, k_not))]
    rows += [_cell("told-only", True, 0), _cell("not-only", False, 3)]
    units = contrast_units(pd.DataFrame(rows), [])
    one_arm = units.set_index("model").loc[["told-only", "not-only"]]
    assert one_arm["excluded"].tolist() == ["one arm only: no uninstructed cell", "one arm only: no instructed cell"]
    assert one_arm["k0"].isna().tolist() == [True, False] and one_arm["cells0"].tolist() == ["", "not-only-not-none-logged"]
    table, pooled = pooled_table(units, 0.95, "REML", False)
    both = pooled_table(units[units["excluded"] == ""], 0.95, "REML", False)[1]
    assert pooled[["units", "excluded"]].drop_duplicates().values.tolist() == [[7, 2]]
    assert pooled["k"].eq(5).all() and pooled["estimate"].tolist() == both["estimate"].tolist()
    assert table.set_index("model").loc[["told-only", "not-only"], "yi"].isna().all()
    assert set(metafor_inputs(units).index) == set(units.index[units["excluded"] == ""])


def test_pooled_table_marks_the_primary_row_and_names_the_correction() -> None:
    _, pooled = pooled_table(units_of(K1, K0), 0.95, "REML", False)
    assert list(pooled["method"]) == ["DL", "REML", "DL+HK", "REML+HK", "UM.FS"]
    assert pooled.loc[pooled["primary"], "method"].tolist() == ["REML"]
    assert pooled.loc[pooled["method"] == "REML", "correction"].iloc[0] == "0.5 added to every cell of the 2 tables with a zero cell"
    assert pooled.loc[pooled["method"] == "REML", "corrected"].iloc[0] == 2
    none = pooled_table(units_of(K1 + 1, K0), 0.95, "REML", False)[1]
    assert (none.loc[none["method"] == "REML", "correction"].iloc[0], none["corrected"].max()) == ("no table has a zero cell, so none is corrected", 0)
    assert pooled.loc[pooled["method"] == "UM.FS", "correction"].iloc[0].startswith("none")
    skipped = agreement_table(pooled, None, "skipped: Rscript/metafor not found")
    assert skipped["status"].eq("skipped: Rscript/metafor not found").all() and skipped["within_tolerance"].isna().all()


def test_nothing_to_pool_still_gives_the_pooled_columns() -> None:
    """One unit only: no pooled row, but every column a reader of pooled.csv expects (an empty file has none)."""
    full = pooled_table(units_of(K1, K0), 0.95, "REML", False)[1]
    _, pooled = pooled_table(units_of(np.array([3]), np.array([5]), np.array([10])), 0.95, "REML", False)
    assert pooled.empty and list(pooled.columns) == list(full.columns)
