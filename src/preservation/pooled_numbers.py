"""The numbers the paper reports from the meta-analysis and the power simulation (numbers.json/.tex).

Kept apart from preservation.numbers, which names the rates and model
numbers: these come from meta/pooled.csv (their cells from meta/units.csv) and
planning/power*.csv. Names:

* ``Meta<Contrast><Behaviour>`` + OR, ORLow, ORHigh, PILow, PIHigh, TauSq, ISq, K (units
  pooled), Correction (printed as its words, valued as the tables corrected), Method, P
  for each analysis's primary pooled row (e.g. MetaInstructionShutdownSabotageOR), and
  ``...CountsOR/ORLow/ORHigh`` for its binomial-normal row;
* ``Design<Scenario>`` + OR (the simulated effect), and per number of levels
  ``Design<Scenario><n><Factor>sTrials`` (fewest trials per cell whose Monte
  Carlo interval of the power lies at or above the target; "n/a" if no declared
  count does), ``...Power`` and ``...<Factor>s`` (the level count); ``DesignTargetPower``,
  ``DesignMcLevel`` (that interval's level), ``DesignSimulations``, ``DesignAlpha``, ``DesignTest``.

Each number records its table and the keys of its row there, and as its
quantity the column it was read from, so a ``kind: table`` claim that bounds
that column of that row checks it (preservation.claims.attach_numbers);
what the config sets (methods, simulation counts, alpha, the test, the
target power, the designs' level counts) is a setting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from preservation.numbers import NOT_ESTIMABLE, SETTING, Format, Number, Origin, Sources, macro_name
from preservation.stats.meta_tables import COUNTS_METHOD


def _stem(analysis: str) -> str:
    contrast, *rest = analysis.split("/")
    return macro_name("meta", contrast, *(part.replace("_", " ").replace("=", " ") for part in rest))


def meta_numbers(pooled: pd.DataFrame, units: pd.DataFrame, fmt: Format, settings: Mapping[str, object],
                 table: str = "meta/pooled.csv") -> dict[str, Number]:
    """Pooled odds ratio, interval, prediction interval, tau^2, I^2, units, correction and method per analysis.

    Their cells are those of the analysis's pooled units (meta/units.csv
    `cells1`/`cells0` of the units not excluded): exactly the trials the
    pooled row is computed from. `settings` is config `meta`, which chooses
    the primary row: the method number is a setting from those keys.
    """
    numbers: dict[str, Number] = {}
    if pooled.empty:
        return numbers
    cells = unit_cells(units)
    primary = pooled["primary"].astype(str).str.lower() == "true"
    method_origin = Origin("config", {f"meta.{key}": settings[key] for key in ("method", "hartung_knapp")})
    for row in pooled[primary].to_dict("records"):
        stem, origin = _stem(row["analysis"]), Origin(table, {"analysis": row["analysis"], "method": row["method"]}, cells[row["analysis"]])
        for suffix, column in (("OR", "odds_ratio"), ("ORLow", "or_ci_low"), ("ORHigh", "or_ci_high"),
                               ("PILow", "or_pi_low"), ("PIHigh", "or_pi_high"), ("TauSq", "tau2")):
            numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.ratio(float(row[column])), column, origin)
        numbers[f"{stem}ISq"] = Number(float(row["i2"]) / 100, fmt.percent(float(row["i2"]) / 100), "i2", origin)
        numbers[f"{stem}P"] = Number(float(row["p"]), fmt.p(float(row["p"])), "p", origin)
        numbers[f"{stem}K"] = Number(int(row["k"]), str(int(row["k"])), "k", origin)
        numbers[f"{stem}Correction"] = Number(int(row["corrected"]), row["correction"], "corrected", origin)
        numbers[f"{stem}Method"] = Number(row["method"], row["method"].replace("+HK", " with Hartung-Knapp"), SETTING, method_origin)
    for row in pooled[pooled["method"] == COUNTS_METHOD].to_dict("records"):
        stem, origin = _stem(row["analysis"]) + "Counts", Origin(table, {"analysis": row["analysis"], "method": row["method"]},
                                                                 cells[row["analysis"]])
        for suffix, column in (("OR", "odds_ratio"), ("ORLow", "or_ci_low"), ("ORHigh", "or_ci_high")):
            numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.ratio(float(row[column])), column, origin)
    return numbers


def unit_cells(units: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Per analysis, the rates cells of its units not excluded (both arms), sorted: the cells its pooled rows use."""
    kept = units[units["excluded"].fillna("") == ""]
    return {analysis: tuple(sorted({cell for column in ("cells1", "cells0") for text in part[column] for cell in str(text).split()}))
            for analysis, part in kept.groupby("analysis", sort=True)}


def power_numbers(power: pd.DataFrame, smallest: pd.DataFrame, fmt: Format, smallest_table: str = "planning/power_smallest.csv",
                  fixed_effects: pd.DataFrame | None = None, sources: Sources = Sources()) -> dict[str, Number]:
    """The simulated designs: effect per scenario, fewest trials whose MC interval reaches the target, and the settings.

    The effect a scenario simulates is the fitted model term's odds ratio when
    the scenario keeps it (so the claim on that term checks it), else the
    configured one.
    """
    numbers: dict[str, Number] = {}
    if power.empty:
        return numbers
    first = power.iloc[0]
    fitted = sources.fit_cells.get((first["study"], first["behaviour"]), ())  # the cells of the model simulated from
    numbers["DesignSimulations"] = Number(int(first["simulations"]), str(int(first["simulations"])), SETTING,
                                          Origin("config", {"power.simulations": int(first["simulations"])}))
    numbers["DesignMcLevel"] = Number(float(first["mc_level"]), fmt.percent(float(first["mc_level"])), SETTING,
                                      Origin("config", {"ci_level": float(first["mc_level"])}))
    numbers["DesignAlpha"] = Number(float(first["alpha"]), f"{float(first['alpha']):g}", SETTING, Origin("config", {"power.alpha": float(first["alpha"])}))
    numbers["DesignTest"] = Number(first["test"], {"wald": "Wald z", "lr": "likelihood-ratio"}[first["test"]], SETTING,
                                   Origin("config", {"power.test": first["test"]}))
    levels = [c for c in smallest.columns if c.startswith("n_")]
    for row in smallest.to_dict("records"):
        stem = macro_name("design", row["scenario"].replace("_", " "), *(f"{int(row[c])} {c[2:]}s" for c in levels))
        origin = Origin(smallest_table, {"scenario": row["scenario"], **{c: int(row[c]) for c in levels}}, fitted)
        trials = row["trials"]
        found = not (isinstance(trials, float) and math.isnan(trials))
        numbers[f"{stem}Trials"] = Number(int(trials) if found else float("nan"), str(int(trials)) if found else NOT_ESTIMABLE, "trials", origin)
        numbers[f"{stem}Power"] = Number(float(row["power"]), fmt.percent(float(row["power"])) if found else NOT_ESTIMABLE, "power", origin)
        for column in levels:  # the level counts themselves, so the text need not type them
            numbers[f"{stem}{macro_name(column[2:] + 's')}"] = Number(int(row[column]), str(int(row[column])), SETTING,
                                                                     Origin("config", {f"power.levels.{column[2:]}": int(row[column])}))
        numbers["DesignTargetPower"] = Number(float(row["target"]), fmt.percent(float(row["target"])), SETTING,
                                              Origin("config", {"power.target": float(row["target"])}))
    for scenario, part in power.groupby("scenario", sort=True):
        numbers[f"{macro_name('design', scenario.replace('_', ' '))}OR"] = _simulated_effect(part.iloc[0], scenario, fmt, fixed_effects, sources, fitted)
    return numbers


def _simulated_effect(row: pd.Series, scenario: str, fmt: Format, fixed_effects: pd.DataFrame | None, sources: Sources,
                      cells: tuple[str, ...]) -> Number:
    """The odds ratio a scenario simulates: the fitted term's (a number about that term) or the configured one (a setting)."""
    odds = math.exp(float(row["log_odds"]))
    term = {"study": row["study"], "behaviour": row["behaviour"], "term": row["term"]}
    if fixed_effects is not None:
        fitted = fixed_effects[(fixed_effects["study"] == term["study"]) & (fixed_effects["behaviour"] == term["behaviour"])
                               & (fixed_effects["term"] == term["term"])]
        if len(fitted) and math.isclose(float(fitted["estimate"].iloc[0]), float(row["log_odds"]), rel_tol=1e-6, abs_tol=1e-6):
            return Number(odds, fmt.ratio(odds), "odds_ratio", Origin(sources.fixed_effects, term, cells))
    return Number(odds, fmt.ratio(odds), SETTING, Origin("config", {f"power.scenarios.{scenario}": float(row["log_odds"])}))

