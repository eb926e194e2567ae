"""The numbers the paper reports from the meta-analysis and the power simulation (numbers.json/.tex).

Kept apart from preservation.numbers, which names the rates and model
numbers: these come from meta/pooled.csv and planning/power*.csv. Names:

* ``Meta<Contrast><Behaviour>`` + OR, ORLow, ORHigh, PILow, PIHigh, TauSq, ISq, K, Method, P
  for each analysis's primary pooled row (e.g. MetaInstructionShutdownSabotageOR), and
  ``...CountsOR/ORLow/ORHigh`` for its binomial-normal row;
* ``Design<Scenario>`` + OR (the simulated effect), and per number of levels
  ``Design<Scenario><n><Factor>sTrials`` (fewest trials per cell reaching the
  target power; "n/a" if none), ``...Power`` and ``...<Factor>s`` (the level count); ``DesignTargetPower``,
  ``DesignSimulations``, ``DesignAlpha``, ``DesignTest``.
"""

from __future__ import annotations

import math

import pandas as pd

from preservation.numbers import NOT_ESTIMABLE, Format, Number, macro_name

COUNTS_METHOD = "UM.FS"


def _stem(analysis: str) -> str:
    contrast, *rest = analysis.split("/")
    return macro_name("meta", contrast, *(part.replace("_", " ").replace("=", " ") for part in rest))


def meta_numbers(pooled: pd.DataFrame, fmt: Format) -> dict[str, Number]:
    """Pooled odds ratio, interval, prediction interval, tau^2, I^2, units and method per analysis."""
    numbers: dict[str, Number] = {}
    if pooled.empty:
        return numbers
    primary = pooled["primary"].astype(str).str.lower() == "true"
    for row in pooled[primary].to_dict("records"):
        stem = _stem(row["analysis"])
        for suffix, column in (("OR", "odds_ratio"), ("ORLow", "or_ci_low"), ("ORHigh", "or_ci_high"),
                               ("PILow", "or_pi_low"), ("PIHigh", "or_pi_high"), ("TauSq", "tau2")):
            numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.ratio(float(row[column])))
        numbers[f"{stem}ISq"] = Number(float(row["i2"]) / 100, fmt.percent(float(row["i2"]) / 100))
        numbers[f"{stem}P"] = Number(float(row["p"]), fmt.p(float(row["p"])))
        numbers[f"{stem}K"] = Number(int(row["k"]), str(int(row["k"])))
        numbers[f"{stem}Method"] = Number(row["method"], row["method"].replace("+HK", " with Hartung-Knapp"))
    for row in pooled[pooled["method"] == COUNTS_METHOD].to_dict("records"):
        stem = _stem(row["analysis"]) + "Counts"
        for suffix, column in (("OR", "odds_ratio"), ("ORLow", "or_ci_low"), ("ORHigh", "or_ci_high")):
            numbers[f"{stem}{suffix}"] = Number(float(row[column]), fmt.ratio(float(row[column])))
    return numbers


def power_numbers(power: pd.DataFrame, smallest: pd.DataFrame, fmt: Format) -> dict[str, Number]:
    """The simulated designs: effect per scenario, fewest trials reaching the target, and the settings."""
    numbers: dict[str, Number] = {}
    if power.empty:
        return numbers
    first = power.iloc[0]
    numbers["DesignSimulations"] = Number(int(first["simulations"]), str(int(first["simulations"])))
    numbers["DesignAlpha"] = Number(float(first["alpha"]), f"{float(first['alpha']):g}")
    numbers["DesignTest"] = Number(first["test"], {"wald": "Wald z", "lr": "likelihood-ratio"}[first["test"]])
    for scenario, part in power.groupby("scenario", sort=True):
        odds = math.exp(float(part["log_odds"].iloc[0]))
        numbers[f"{macro_name('design', scenario.replace('_', ' '))}OR"] = Number(odds, fmt.ratio(odds))
    levels = [c for c in smallest.columns if c.startswith("n_")]
    for row in smallest.to_dict("records"):
        stem = macro_name("design", row["scenario"].replace("_", " "), *(f"{int(row[c])} {c[2:]}s" for c in levels))
        trials = row["trials"]
        found = not (isinstance(trials, float) and math.isnan(trials))
        numbers[f"{stem}Trials"] = Number(int(trials) if found else float("nan"), str(int(trials)) if found else NOT_ESTIMABLE)
        numbers[f"{stem}Power"] = Number(float(row["power"]), fmt.percent(float(row["power"])) if found else NOT_ESTIMABLE)
        for column in levels:  # the level counts themselves, so the text need not type them
            numbers[f"{stem}{macro_name(column[2:] + 's')}"] = Number(int(row[column]), str(int(row[column])))
        numbers["DesignTargetPower"] = Number(float(row["target"]), fmt.percent(float(row["target"])))
    return numbers
