"""Separated fits are detected and reported; the paper's tables sort naturally, name studies and give Holm-adjusted p."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from preservation.labels import natural_key, term_label
from preservation.numbers import Format
from preservation.stats.design import build_cells
from preservation.stats.separation import separated_columns
from preservation.stats.study_models import fit_subset
from preservation.stats.tables import estimable, fits_table, fixed_effects_table
from preservation.tables import effects_table, results_table

COLUMNS = ["(Intercept)", "instructed=true"]
X = np.array([[1, 0], [1, 1]] * 3, float)


@pytest.mark.parametrize(("k", "separated"), [
    ([5, 0, 6, 0, 4, 0], ("instructed=true",)),  # never with the instruction: quasi-complete separation
    ([5, 1, 6, 0, 4, 0], ()),  # one event with it: the estimate exists
    ([10, 0, 10, 0, 10, 0], ("(Intercept)", "instructed=true")),  # complete separation
])
def test_separated_columns_are_the_terms_without_a_finite_estimate(k: list[int], separated: tuple[str, ...]) -> None:
    assert separated_columns(X, np.array(k), np.full(6, 10), COLUMNS) == separated


def _trials(untold_events: int, told_events: int) -> pd.DataFrame:
    """Cell counts of three models, each 10 trials without and with the instruction."""
    rows = [{"study": "s", "behaviour": "b", "model": f"m{i}", "peer": "none", "instructed": told, "reconstructed": False,
             "k": told_events if told else untold_events + i, "n": 10} for i in range(3) for told in (False, True)]
    return pd.DataFrame(rows)


def test_a_separated_fit_that_the_optimiser_calls_converged_is_reported_as_separated() -> None:
    cells = build_cells(_trials(4, 0), "outcome ~ instructed", ["model"], {}, {})
    fit = fit_subset("s", "b", "outcome ~ instructed", cells)
    assert fit.fit.converged and fit.fit.se[1] > 1e3  # what lme4's check alone would accept
    assert fit.status.startswith("separated: no finite estimate for instructed=true")
    assert fits_table([fit])["status"].iloc[0] == fit.status
    fixed = fixed_effects_table([fit])
    assert fixed.set_index("term")["separated"].to_dict() == {"(Intercept)": False, "instructed=true": True}
    assert not estimable(fixed).any()  # the whole fit is left out of the forest plot and the LaTeX table


def test_natural_sort_key_and_term_words() -> None:
    names = ["o3", "Opus 4", "o10", "claude-3", "Claude-10", "gpt-4.1"]
    assert sorted(names, key=natural_key) == ["claude-3", "Claude-10", "gpt-4.1", "o3", "o10", "Opus 4"]
    assert term_label("peer=cooperative:instructed=true") == "peer: cooperative × told to allow shutdown"


def _effects(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"study": s, "behaviour": "shutdown_sabotage", "model": m, "k_not": 9, "n_not": 10, "k_told": 1, "n_told": 10,
                          "odds_ratio": 0.01, "or_ci_low": 0.001, "or_ci_high": 0.2, "p": p} for s, m, p in rows])


def test_instruction_effects_table_has_study_natural_order_and_holm_p() -> None:
    fmt = Format(percent_decimals=1, ratio_decimals=2, p_floor=0.001)
    table = effects_table(_effects([("palisade_2025", "o3", 0.01), ("my_lab_2026", "o3", 0.2), ("palisade_2025", "Claude", 0.02),
                                    ("palisade_2025", "o10", 0.04)]), fmt)
    assert table[["study", "model"]].values.tolist() == [["my_lab_2026", "o3"], ["palisade_2025", "Claude"], ["palisade_2025", "o3"],
                                                        ["palisade_2025", "o10"]]
    # Holm within each study: palisade's three p-values 0.01, 0.02, 0.04 -> 0.03, 0.04, 0.04; my_lab's single 0.2 stays
    assert table["p (Holm)"].tolist() == [fmt.p(0.2), fmt.p(0.04), fmt.p(0.03), fmt.p(0.04)]
    assert "study" not in effects_table(_effects([("palisade_2025", "o3", 0.01)]), fmt).columns


def test_results_table_sorts_models_naturally() -> None:
    rates = pd.DataFrame([{"study": "s", "behaviour": "b", "model": m, "peer": "none", "instructed": False, "evidence": "rate_only",
                           "rate": 0.5, "citation": "A (2025)"} for m in ("o10", "Opus 4", "o3", "claude")])
    assert results_table(rates, [], Format(percent_decimals=1, ratio_decimals=2, p_floor=0.001))["model"].tolist() == [
        "claude", "o3", "o10", "Opus 4"]
