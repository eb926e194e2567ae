"""Power of a planned design by simulation from a fitted GLMM, as R's simr does for lme4 fits.

For one study x behaviour and one fixed-effect term: take the fitted model
(fixed effects as fitted, or some set by the author; random-effect SDs as
fitted), lay out a design (every fitted condition crossed with the chosen
number of levels of each grouping factor, e.g. models, with ``trials`` trials
per cell), draw data sets from the model with fresh random intercepts
(simulate.draw_counts), refit each with the same estimator (the fit's
Laplace or adaptive Gauss-Hermite ``nagq``, as the bootstrap), and count how
often the term's test rejects at ``alpha``. Power is that share, with an
exact (Clopper-Pearson) Monte Carlo interval at ``level``.

The fewest trials a design needs (smallest_design) are those whose whole
Monte Carlo interval lies at or above the target power (``mc_low >=
target``), not whose point estimate does: at 100 simulations a power of
0.79 has the interval 0.70-0.87, so a point estimate on either side of 0.8
is Monte Carlo noise, and the answer would flip with the seed.

Tests: ``wald`` is the z test from the refit (simr's ``fixed(term, "z")``,
its choice for glmer fits); ``lr`` is the likelihood-ratio test against the
refit without the term (simr's ``"lr"``), which keeps its power where the
simulated data separate the term (no events in one arm), where the Wald
test's SE blows up (Hauck-Donner). A refit with no finite p-value counts as
not rejecting and is reported under ``failed``.

Every simulation has its own seed, ``SeedSequence(seed, spawn_key=(design
key, index))`` with the design key a CRC-32 of the design's label, so the
table is byte-identical whatever the number of worker processes and
whichever other designs are declared.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from preservation.intervals import binomial_intervals
from preservation.stats.glmm import GlmmFit, fit_glmm
from preservation.stats.parallel import chunk_bounds, run_tasks
from preservation.stats.simulate import draw_counts

TESTS = ("wald", "lr")
SMALLEST_COLUMNS = ("target", "mc_level", "criterion", "trials", "power", "mc_low", "mc_high", "status")
CRITERION = "mc_low >= target"


@dataclass(frozen=True)
class Generator:
    """The model data sets are drawn from (distinct fixed-effect rows, coefficients, RE SDs) and the fit's quadrature.

    ``nagq`` is kept so every refit uses the estimator the model was fitted with.
    """

    conditions: np.ndarray
    columns: tuple[str, ...]
    beta: np.ndarray
    sd: np.ndarray
    group_names: tuple[str, ...]
    fitted_levels: tuple[int, ...]
    nagq: int

    @classmethod
    def from_fit(cls, fit: GlmmFit, X: np.ndarray, effects: Mapping[str, float] | None = None) -> Generator:
        """The fitted model, with the terms named in ``effects`` set to the given log-odds values."""
        beta = np.array(fit.beta, dtype=float)
        for term, value in (effects or {}).items():
            if term not in fit.columns:
                raise KeyError(f"term {term!r} is not a column of the fit; columns: {list(fit.columns)}")
            beta[fit.columns.index(term)] = float(value)
        return cls(np.unique(np.asarray(X, dtype=float), axis=0), fit.columns, beta, np.array(fit.sd, dtype=float),
                   fit.group_names, fit.n_levels, fit.nagq)


@dataclass(frozen=True)
class Design:
    """Trials per cell and the number of levels of each grouping factor (the fitted count if unnamed)."""

    trials: int
    levels: tuple[tuple[str, int], ...] = ()

    def level_counts(self, gen: Generator) -> tuple[int, ...]:
        chosen = dict(self.levels)
        unknown = sorted(set(chosen) - set(gen.group_names))
        if unknown:
            raise KeyError(f"design names grouping factor(s) {unknown} the fit does not have; it has {list(gen.group_names)}")
        return tuple(int(chosen.get(name, fitted)) for name, fitted in zip(gen.group_names, gen.fitted_levels, strict=True))

    def label(self, gen: Generator) -> str:
        counts = self.level_counts(gen)
        return f"trials={self.trials}" + "".join(f",{name}={count}" for name, count in zip(gen.group_names, counts, strict=True))


def design_layout(gen: Generator, design: Design) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], tuple[int, ...]]:
    """X, n, group codes and level counts of a design: conditions x levels of every factor, crossed."""
    counts = design.level_counts(gen)
    grids = np.meshgrid(np.arange(len(gen.conditions)), *(np.arange(c) for c in counts), indexing="ij")
    flat = [grid.ravel() for grid in grids]
    X = gen.conditions[flat[0]]
    return X, np.full(len(X), design.trials, dtype=np.int64), flat[1:], counts


def term_p_value(X: np.ndarray, k: np.ndarray, n: np.ndarray, groups: Sequence[np.ndarray], column: int, test: str,
                 nagq: int) -> float:
    """Two-sided p-value of one fixed-effect column in a refit with ``nagq`` (NaN when the refit gives none)."""
    fit = fit_glmm(X, k, n, groups, nagq=nagq)
    if test == "wald":
        z = fit.beta[column] / fit.se[column]
        return float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")
    if test != "lr":
        raise ValueError(f"test must be one of {TESTS}, not {test!r}")
    null = fit_glmm(np.delete(X, column, axis=1), k, n, groups, nagq=nagq)
    statistic = max(null.minus2loglik - fit.minus2loglik, 0.0)
    return float(stats.chi2.sf(statistic, 1)) if np.isfinite(statistic) else float("nan")


def design_key(label: str) -> int:
    """A stable integer per design, so each design's seeds do not depend on the others."""
    return zlib.crc32(label.encode("utf-8"))


def _simulate_chunk(gen: Generator, design: Design, column: int, test: str, seed: int, start: int, stop: int) -> list[float]:
    """p-values of simulations start..stop-1 of one design (a worker's task)."""
    X, n, groups, counts = design_layout(gen, design)
    key = design_key(design.label(gen))
    p_values = []
    for index in range(start, stop):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key, index)))
        k = draw_counts(rng, X, gen.beta, gen.sd, groups, counts, n)
        p_values.append(term_p_value(X, k, n, groups, column, test, gen.nagq))
    return p_values


def simulate_p_values(gen: Generator, designs: Sequence[Design], term: str, simulations: int, seed: int,
                      test: str = "wald", workers: int = 1) -> list[np.ndarray]:
    """Per design, the p-values of ``simulations`` simulate-and-refit rounds (in ``workers`` processes)."""
    if term not in gen.columns:
        raise KeyError(f"term {term!r} is not a column of the fit; columns: {list(gen.columns)}")
    column = gen.columns.index(term)
    bounds = chunk_bounds(simulations, max(1, workers))
    tasks = [(gen, d, column, test, seed, a, b) for d in designs for a, b in bounds]
    results = run_tasks(_simulate_chunk, tasks, workers)
    per_design = len(bounds)
    return [np.array(sum(results[i * per_design:(i + 1) * per_design], []), dtype=float) for i in range(len(designs))]


def power_summary(p_values: np.ndarray, alpha: float, level: float = 0.95) -> dict[str, float | int]:
    """Rejections, power and its exact Monte Carlo interval; refits without a p-value do not reject."""
    failed = int(np.isnan(p_values).sum())
    rejections = int(np.sum(p_values[~np.isnan(p_values)] < alpha))
    total = len(p_values)
    low, high = binomial_intervals([rejections], [total], level)["clopper_pearson"]
    return {"simulations": total, "rejections": rejections, "power": rejections / total,
            "mc_low": float(low[0]), "mc_high": float(high[0]), "mc_level": level, "failed": failed}


def power_table(gen: Generator, designs: Sequence[Design], term: str, simulations: int, seed: int, alpha: float = 0.05,
                test: str = "wald", workers: int = 1, level: float = 0.95) -> pd.DataFrame:
    """One row per design: its layout, the simulated effect of ``term``, power and its MC interval at ``level``, and the seed."""
    p_values = simulate_p_values(gen, designs, term, simulations, seed, test, workers)
    rows = []
    for design, values in zip(designs, p_values, strict=True):
        counts = design.level_counts(gen)
        rows.append({"term": term, "log_odds": float(gen.beta[gen.columns.index(term)]), "trials": design.trials,
                     **{f"n_{name}": count for name, count in zip(gen.group_names, counts, strict=True)},
                     "cells": len(gen.conditions) * int(np.prod(counts)), **power_summary(values, alpha, level),
                     "test": test, "alpha": alpha, "seed": seed, "seed_key": design_key(design.label(gen))})
    return pd.DataFrame(rows)


def smallest_design(table: pd.DataFrame, target: float, by: Sequence[str]) -> pd.DataFrame:
    """Per group of ``by``, the fewest trials per cell whose Monte Carlo interval lies at or above ``target``.

    The lower end ``mc_low``, not the point estimate, must reach the target
    (module doc: why). Where no declared trial count does, the row says so in
    ``status`` with trials and power missing, rather than naming a design that
    was not shown to reach it.
    """
    rows = []
    for key, part in table.groupby(list(by), sort=True):
        part = part.sort_values("trials")
        enough = part[part["mc_low"] >= target]
        values = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        common = {**values, "target": target, "mc_level": part["mc_level"].iloc[0], "criterion": CRITERION}
        if len(enough):
            first = enough.iloc[0]
            rows.append({**common, **first[["trials", "power", "mc_low", "mc_high"]].to_dict(), "status": "reached"})
        else:
            most = part.iloc[-1]
            rows.append({**common, "trials": np.nan, "power": np.nan, "mc_low": np.nan, "mc_high": np.nan,
                         "status": f"not estimable within the declared designs: at the most trials declared ({int(most['trials'])}), "
                                   f"mc_low is {most['mc_low']:.3f}"})
    return pd.DataFrame(rows, columns=[*by, *SMALLEST_COLUMNS]).astype({"trials": "Int64"})  # a count, missing where not reached
