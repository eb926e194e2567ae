"""Turn one study x behaviour subset of the trial table into binomial cells.

A GLMM over 0/1 outcomes only depends on the data through the number of
successes ``k`` out of ``n`` trials in each distinct combination of
covariate pattern and grouping levels, so everything downstream works on
those cells: fitting cost then grows with the number of cells, not trials.

Formulas are deliberately small: ``outcome ~ a * b + c:d`` over categorical
factors (treatment coding, ``+``, ``*`` and ``:``). A term whose factor does
not vary within the subset is dropped, and so is any column that is aliased
with earlier ones; every drop is recorded with its reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RESPONSE = "outcome"


@dataclass(frozen=True)
class CellData:
    """Binomial cells with their fixed-effect design and grouping codes.

    ``X`` has one row per cell; ``groups[name]`` holds each cell's integer
    level code for the grouping factor ``name`` and ``group_levels[name]``
    the level labels in code order.
    """

    X: np.ndarray
    columns: tuple[str, ...]
    k: np.ndarray
    n: np.ndarray
    groups: dict[str, np.ndarray]
    group_levels: dict[str, tuple[str, ...]]
    formula: str
    dropped: tuple[str, ...] = field(default=())

    @property
    def n_trials(self) -> int:
        return int(self.n.sum())


def parse_formula(formula: str) -> tuple[str, list[tuple[str, ...]]]:
    """Split ``y ~ a * b + c`` into the response and a list of terms.

    Each term is a tuple of factor names (a main effect has one). ``a * b``
    expands to ``a + b + a:b``. Order is kept as written, main effects first
    within each ``*`` group, and duplicates are removed.
    """
    if "~" not in formula:
        raise ValueError(f"formula {formula!r} has no '~'")
    lhs, rhs = (s.strip() for s in formula.split("~", 1))
    terms: list[tuple[str, ...]] = []
    for chunk in rhs.split("+"):
        chunk = chunk.strip()
        if chunk in ("", "1"):
            continue
        if "*" in chunk:
            names = [p.strip() for p in chunk.split("*")]
            for order in range(1, len(names) + 1):
                terms.extend(itertools.combinations(names, order))
        else:
            terms.append(tuple(p.strip() for p in chunk.split(":")))
    unique: list[tuple[str, ...]] = []
    for term in terms:
        if any(not name.isidentifier() for name in term):
            raise ValueError(f"cannot read term {':'.join(term)!r} in {formula!r}")
        if term not in unique:
            unique.append(term)
    return lhs, unique


def as_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Rows with counts k of n: one row per trial (with its 0/1 ``outcome``) is n = 1."""
    if {"k", "n"} <= set(table.columns):
        return table
    return table.assign(k=table[RESPONSE].astype(int), n=1)


def _as_labels(series: pd.Series) -> pd.Series:
    """Factor values as strings; booleans become 'false'/'true'."""
    values = series.astype(object).where(series.notna(), None)
    return values.map(lambda v: ("true" if v else "false") if isinstance(v, (bool, np.bool_)) else v)


def _ordered_levels(values: Sequence[str], reference: str | None, declared: Sequence[str] | None) -> list[str]:
    """Levels present, reference first, then declared order, then sorted."""
    present = sorted(set(values))
    order = [lv for lv in (declared or []) if lv in present]
    order += [lv for lv in present if lv not in order]
    if reference is not None and reference in order:
        order.remove(reference)
        order.insert(0, reference)
    return order


def build_cells(
    trials: pd.DataFrame,
    formula: str,
    groups: Sequence[str],
    reference_levels: Mapping[str, str] | None = None,
    declared_levels: Mapping[str, Sequence[str] | None] | None = None,
) -> CellData:
    """Aggregate one study x behaviour subset into cells and a design matrix.

    ``trials`` holds counts ``k`` of ``n`` per row (see :func:`as_counts`;
    a table with one row per trial and its ``outcome`` is read as n = 1).

    ``groups`` lists candidate grouping factors for random intercepts; a
    candidate is used only when its column exists, is recorded for every
    trial and takes at least two values. Fixed-effect factors that take a
    single value drop every term containing them. Rows with a missing value
    in a fixed-effect factor are excluded (and counted in ``dropped``).
    """
    reference_levels = dict(reference_levels or {})
    reference_levels.setdefault("peer", "none")
    reference_levels.setdefault("instructed", "false")
    declared_levels = dict(declared_levels or {})
    response, terms = parse_formula(formula)
    if response != RESPONSE:
        raise ValueError(f"response must be {RESPONSE!r}, got {response!r}")
    dropped: list[str] = []

    trials = as_counts(trials)
    factors = sorted({name for term in terms for name in term})
    missing = [f for f in factors if f not in trials.columns]
    if missing:
        raise KeyError(f"formula factors not in the trial table: {missing}")
    data = pd.DataFrame({f: _as_labels(trials[f]) for f in factors}, index=trials.index)
    incomplete = data.isna().any(axis=1)
    if incomplete.any():
        dropped.append(f"{int(trials.loc[incomplete, 'n'].sum())} trials excluded: missing value in {', '.join(factors)}")
        data = data.loc[~incomplete]

    constant = {f: data[f].unique().tolist() for f in factors if data[f].nunique() < 2}
    kept_terms = [t for t in terms if not set(t) & set(constant)]
    for t in terms:
        if t not in kept_terms:
            why = ", ".join(f"'{f}' is {v[0]!r} throughout" if v else f"'{f}' has no data" for f, v in constant.items() if f in t)
            dropped.append(f"term {':'.join(t)} dropped: {why}")

    group_cols: list[str] = []
    for g in groups:
        if g not in trials.columns:
            dropped.append(f"grouping factor '{g}' not recorded")
            continue
        labels = trials.loc[data.index, g]
        if labels.isna().any():
            dropped.append(f"grouping factor '{g}' dropped: missing for {int(trials.loc[labels.index[labels.isna()], 'n'].sum())} trials")
            continue
        if labels.nunique() < 2:
            dropped.append(f"grouping factor '{g}' dropped: a single level")
            continue
        group_cols.append(g)

    used = sorted({name for t in kept_terms for name in t})
    frame = data[used].copy()
    for g in group_cols:
        frame[f"__g_{g}"] = trials.loc[data.index, g].astype(str)
    keys = list(frame.columns)
    frame[["k", "n"]] = trials.loc[data.index, ["k", "n"]]
    if keys:
        cells = frame.groupby(keys, sort=True, dropna=False)[["k", "n"]].sum().reset_index()
    else:
        cells = pd.DataFrame({"k": [int(frame["k"].sum())], "n": [int(frame["n"].sum())]})

    levels = {f: _ordered_levels(cells[f].tolist(), reference_levels.get(f), declared_levels.get(f)) for f in used}
    columns = ["(Intercept)"]
    blocks = [np.ones(len(cells))]
    for term in kept_terms:
        for combo in itertools.product(*(levels[f][1:] for f in term)):
            indicator = np.ones(len(cells))
            for f, lv in zip(term, combo):
                indicator = indicator * (cells[f].to_numpy() == lv)
            columns.append(":".join(f"{f}={lv}" for f, lv in zip(term, combo)))
            blocks.append(indicator)
    X_full = np.column_stack(blocks)

    keep: list[int] = []
    for j in range(X_full.shape[1]):
        trial = keep + [j]
        if np.linalg.matrix_rank(X_full[:, trial]) == len(trial):
            keep.append(j)
        else:
            dropped.append(f"column {columns[j]} dropped: not estimable (aliased with earlier columns)")

    kept_columns = tuple(columns[j] for j in keep)
    rhs = " + ".join(kept_columns[1:]) or "1"
    group_codes: dict[str, np.ndarray] = {}
    group_levels: dict[str, tuple[str, ...]] = {}
    for g in group_cols:
        codes, uniques = pd.factorize(cells[f"__g_{g}"], sort=True)
        group_codes[g] = codes.astype(np.int64)
        group_levels[g] = tuple(str(u) for u in uniques)
    used_formula = f"{RESPONSE} ~ {rhs}" + "".join(f" + (1|{g})" for g in group_cols)
    return CellData(
        X=X_full[:, keep],
        columns=kept_columns,
        k=cells["k"].to_numpy(dtype=float),
        n=cells["n"].to_numpy(dtype=float),
        groups=group_codes,
        group_levels=group_levels,
        formula=used_formula,
        dropped=tuple(dropped),
    )
