"""Per-condition rates: k, n and 95% intervals for every cell of the design.

A cell is study x behaviour x model x scenario x peer x instructed x the
configured factors x reconstructed x coded (outcomes coded from transcripts
are never pooled with labelled ones). Published figures reported only as a rate
or in words are appended as their own rows: rate shown, n and interval empty.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preservation.intervals import binomial_intervals
from preservation.records import open_trials
from preservation.writers import write_table

KEYS: tuple[str, ...] = ("study", "behaviour", "model", "scenario", "peer", "instructed")
BOOLEAN_KEYS: tuple[str, ...] = ("instructed", "reconstructed", "coded")
BATCH_ROWS = 1 << 18
SOURCES_LISTED = 10
REPORTED_COLUMNS: tuple[str, ...] = ("evidence", "k", "n", "rate", "verbal", "qualifier", "citation", "locator", "note", "sources")
CELL_SOURCE_COLUMNS: tuple[str, ...] = ("cell", "source", "k", "n")


def cell_keys(by: Sequence[str]) -> list[str]:
    return [*KEYS, *by, "reconstructed", "coded"]


def cell_id(values: Mapping[str, Any], keys: Sequence[str]) -> str:
    """A cell's stable id: "c" and 16 hex digits of the SHA-256 of its key values and evidence.

    It depends on nothing but the cell itself, so a cell keeps its id when other
    cells come or go and across runs; numbers.json, claims.json, cell_sources
    and the reviewer's page link by it. Missing values hash alike however they
    were read (None, NaN, pd.NA), booleans as booleans, everything else as text.
    """
    canonical = [[key, _canonical(values.get(key))] for key in keys] + [["evidence", _canonical(values.get("evidence", "counts"))]]
    return "c" + hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _canonical(value: Any) -> str | bool | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value)


def cell_ids(table: pd.DataFrame, by: Sequence[str]) -> list[str]:
    """cell_id of every row of a rates-shaped table; fails if two rows would share one."""
    keys = cell_keys(by)
    ids = [cell_id(row, keys) for row in table.to_dict("records")]
    if len(set(ids)) != len(ids):
        raise ValueError("two rates cells share a cell id: their key columns and evidence are equal")
    return ids


def count_cells(trials_path: str, by: Sequence[str]) -> pd.DataFrame:
    """k, n and sources per cell (see count_cell_sources)."""
    return count_cell_sources(trials_path, by)[0]


def count_cell_sources(trials_path: str, by: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """k, n and sources per cell, and k and n per cell and source, counted batch by batch so memory does not grow with trials.

    Arrow counts each batch per cell and source (string columns read
    dictionary-encoded); each batch's cells and sources get global integer ids,
    so the running state is two count arrays and, per (cell, source) pair, one
    int64 and its two counts, not a table of key columns per pair. The second
    table (columns position, source, k, n; position = the cell's row in the
    first) is the full provenance that the first's `sources` only points to.
    """
    keys = cell_keys(by)
    trials = open_trials(trials_path, [*keys, "source_file"])
    cells: dict[tuple[object, ...], int] = {}
    sources: dict[str, int] = {}
    k = np.zeros(0, dtype=np.int64)
    n = np.zeros(0, dtype=np.int64)
    pairs: list[np.ndarray] = []
    pair_counts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for chunk in _chunks(trials, [*keys, "outcome", "source_file", "source_line"]):
        counted = _count_batch(chunk, keys).to_pandas()
        cell = _cell_ids(counted, keys, cells)
        k = np.bincount(cell, weights=counted["k"], minlength=len(cells)).astype(np.int64) + np.pad(k, (0, len(cells) - len(k)))
        n = np.bincount(cell, weights=counted["n"], minlength=len(cells)).astype(np.int64) + np.pad(n, (0, len(cells) - len(n)))
        pair_counts.append(_sum_by(cell << 32 | _source_codes(counted, sources), counted["k"].to_numpy(), counted["n"].to_numpy()))
        pairs.append(pair_counts[-1][0])
    frame = pd.DataFrame(list(cells), columns=keys)
    frame["k"], frame["n"] = k, n
    frame["sources"] = np.array(_source_lists(pairs, len(cells), sources), dtype=object)  # strings even with no cells
    frame = frame.sort_values(keys, na_position="last", kind="mergesort")
    position = np.empty(len(frame), dtype=np.int64)
    position[frame.index.to_numpy()] = np.arange(len(frame))
    return frame.reset_index(drop=True), _pair_table(pair_counts, position, sources)


def _sum_by(codes: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct codes (sorted) with the sums of k and n over each."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    return (distinct, np.bincount(inverse, weights=k, minlength=len(distinct)).astype(np.int64),
            np.bincount(inverse, weights=n, minlength=len(distinct)).astype(np.int64))


def _pair_table(pair_counts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], position: np.ndarray, sources: dict[str, int]) -> pd.DataFrame:
    """k and n per (cell, source) over all batches: position of the cell in the sorted cells, source name."""
    if not pair_counts:
        return pd.DataFrame({"position": np.zeros(0, dtype=np.int64), "source": np.zeros(0, dtype=object),
                             "k": np.zeros(0, dtype=np.int64), "n": np.zeros(0, dtype=np.int64)})
    codes, k, n = _sum_by(*(np.concatenate(part) for part in zip(*pair_counts, strict=True)))
    names = np.array(sorted(sources, key=sources.__getitem__), dtype=object)
    return pd.DataFrame({"position": position[codes >> 32], "source": names[codes & 0xFFFFFFFF], "k": k, "n": n})


def _chunks(trials: pq.ParquetFile, columns: list[str]) -> Iterator[pa.Table]:
    """Tables of at least BATCH_ROWS rows: small row groups are coalesced so that
    the per-chunk work (one Python step per distinct cell) stays rare."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in trials.iter_batches(batch_size=BATCH_ROWS, columns=columns):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            yield pa.Table.from_batches(pending).unify_dictionaries()
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending).unify_dictionaries()


def _cell_ids(counted: pd.DataFrame, keys: list[str], cells: dict[tuple[object, ...], int]) -> np.ndarray:
    """Global cell id of every row; only the batch's distinct cells pass through Python."""
    local = counted.groupby(keys, observed=True, dropna=False, sort=False).ngroup().to_numpy()
    distinct = counted[keys].drop_duplicates().astype(object)
    distinct = distinct.where(distinct.notna(), None)
    ids = np.array([cells.setdefault(cell, len(cells)) for cell in distinct.itertuples(index=False, name=None)], dtype=np.int64)
    return ids[local]


def _source_codes(counted: pd.DataFrame, sources: dict[str, int]) -> np.ndarray:
    """Global source code of every row: a trial log's file, or for a reconstructed
    trial its published figure's row, file:line (few, so named one by one)."""
    files = counted["source_file"].cat
    file_codes = np.array([sources.setdefault(name, len(sources)) for name in files.categories], dtype=np.int64)
    codes = file_codes[files.codes.to_numpy()]
    located = counted["source_line"].notna().to_numpy()
    for row in np.flatnonzero(located):
        name = f"{counted['source_file'].iat[row]}:{int(counted['source_line'].iat[row])}"
        codes[row] = sources.setdefault(name, len(sources))
    return codes


def _source_lists(pairs: list[np.ndarray], n_cells: int, sources: dict[str, int]) -> list[str]:
    """Each cell's sources, sorted and joined with ';', the first SOURCES_LISTED of them.

    The list is a pointer for readers, not the provenance record (every row of
    trials.parquet keeps its file and line): listing all of them would make
    rates.csv grow with the number of files, to 66 MB at 100 files.
    """
    if not n_cells:  # np.split would still give one (empty) piece, i.e. a phantom cell
        return []
    combined = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
    names = np.array(sorted(sources, key=sources.__getitem__), dtype=object)
    per_cell = np.split(combined & 0xFFFFFFFF, np.searchsorted(combined >> 32, np.arange(1, n_cells)))
    return [_listed(sorted(names[codes])) for codes in per_cell]


def _listed(names: list[str]) -> str:
    more = len(names) - SOURCES_LISTED
    return ";".join(names[:SOURCES_LISTED]) + (f"; and {more} more" if more > 0 else "")


def _count_batch(rows: pa.Table, keys: list[str]) -> pa.Table:
    """k and n per cell and source in one batch (the line matters only for reconstructed trials)."""
    line = pc.if_else(rows["reconstructed"], rows["source_line"], pa.scalar(None, pa.int64()))
    rows = rows.set_column(rows.schema.get_field_index("source_line"), "source_line", line)
    counted = rows.group_by([*keys, "source_file", "source_line"], use_threads=False).aggregate(
        [("outcome", "sum"), ("outcome", "count")]
    )
    return counted.rename_columns({"outcome_sum": "k", "outcome_count": "n"})


def rates_table(cells: pd.DataFrame, figures: pd.DataFrame, by: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Add rates and intervals to counted cells, then append rate-only/verbal published figures; `cell` is each row's cell_id."""
    keys = cell_keys(by)
    measured = cells.copy()
    measured["evidence"] = "counts"
    measured["rate"] = measured["k"] / measured["n"]
    if len(measured):
        for method, (low, high) in binomial_intervals(measured["k"], measured["n"], level).items():
            measured[f"{method}_low"] = low
            measured[f"{method}_high"] = high
    figures = figures.assign(sources=figures["source_file"] + ":" + figures["source_line"].astype(str))
    counted = figures.loc[figures["evidence"] == "counts", ["sources", "citation", "locator", "note"]]
    measured = measured.merge(counted, on="sources", how="left")
    reported = figures[figures["evidence"] != "counts"].copy()
    reported["reconstructed"] = False
    reported["coded"] = False
    reported["k"] = pd.NA
    reported["n"] = pd.NA
    columns = [*keys, *REPORTED_COLUMNS, *(f"{m}_{b}" for m in ("wilson", "jeffreys", "clopper_pearson") for b in ("low", "high"))]
    table = pd.concat([measured.reindex(columns=columns), reported.reindex(columns=columns)], ignore_index=True)
    table[["k", "n"]] = table[["k", "n"]].astype("Int64")
    table = table.sort_values([*keys, "evidence"], na_position="first", kind="mergesort").reset_index(drop=True)
    table["cell"] = pd.Series(cell_ids(table, by), index=table.index, dtype=object)
    return table


def cell_sources_table(cells: pd.DataFrame, source_counts: pd.DataFrame, rates: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Every rates cell's sources in full, one row per cell and source: k and n from that source.

    A trial log is named by its file; a reconstructed trial, and a published
    figure carried as a rate or words, by its catalogue's file:line (k and n
    empty for the latter). Sorted by cell id and source, so equal data give
    equal bytes.
    """
    ids = np.array(cell_ids(cells.assign(evidence="counts"), by), dtype=object)
    counted = pd.DataFrame({"cell": ids[source_counts["position"].to_numpy()] if len(ids) else np.zeros(0, dtype=object),
                            "source": source_counts["source"].to_numpy(), "k": source_counts["k"].to_numpy(), "n": source_counts["n"].to_numpy()})
    reported = rates.loc[rates["evidence"] != "counts", ["cell", "sources"]].rename(columns={"sources": "source"})
    table = pd.concat([counted.astype({"k": "Int64", "n": "Int64"}), reported.assign(k=pd.NA, n=pd.NA).astype({"k": "Int64", "n": "Int64"})],
                      ignore_index=True)
    return table.sort_values(["cell", "source"], kind="mergesort").reset_index(drop=True)[list(CELL_SOURCE_COLUMNS)]


def write_cell_sources(table: pd.DataFrame, path: str) -> None:
    """Parquet (one row per cell and source grows with cells x files: the compact form), deterministic bytes."""
    write_table(pa.Table.from_pandas(table, preserve_index=False), path)


def read_cell_sources(path: str) -> pd.DataFrame:
    """cell_sources as written: cell, source, k, n (nullable counts)."""
    return pq.read_table(path).to_pandas().astype({"k": "Int64", "n": "Int64"})


def write_rates(table: pd.DataFrame, path: str) -> None:
    """CSV with fixed float formatting so equal data give equal bytes."""
    table.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")


def read_rates(path: str) -> pd.DataFrame:
    """Read rates.csv back with its booleans and nullable counts intact."""
    return pd.read_csv(path, dtype={**dict.fromkeys(BOOLEAN_KEYS, bool), "k": "Int64", "n": "Int64"})


@dataclass(frozen=True)
class CellTrials:
    """A cell's trials as trials.parquet holds them: how many, and the first rows (in file order)."""

    count: int
    rows: pd.DataFrame


TRIAL_ROW_COLUMNS: tuple[str, ...] = ("trial_id", "outcome", "source_file", "source_line")


def trials_of_cells(trials_path: str, by: Sequence[str], cells: Iterable[str], first: int) -> dict[str, CellTrials]:
    """The trial rows behind some rates cells (by cell id): their count and the first `first` rows, with file and line.

    One pass in batches over the key columns and TRIAL_ROW_COLUMNS only; each
    batch's distinct key combinations are hashed (cell_id, the id rates.csv
    gives), not its rows, so it stays fast at a million trials. Cells without
    trials (published rates and words) are absent from the result.
    """
    keys = cell_keys(by)
    wanted = set(cells)
    counts: dict[str, int] = {}
    kept: dict[str, list[pa.Table]] = {}
    trials = open_trials(trials_path, [*keys, *TRIAL_ROW_COLUMNS])
    for chunk in _chunks(trials, [*keys, *TRIAL_ROW_COLUMNS]):
        frame = chunk.select(keys).to_pandas()
        local = frame.groupby(keys, observed=True, dropna=False, sort=False).ngroup().to_numpy()
        distinct = frame.drop_duplicates().astype(object)
        ids = [cell_id(dict(zip(keys, values, strict=True)), keys) for values in distinct.itertuples(index=False, name=None)]
        order = np.argsort(local, kind="stable")  # rows grouped by cell, in file order within each
        bounds = np.searchsorted(local[order], np.arange(len(ids) + 1))
        for group, cell in enumerate(ids):
            if cell not in wanted:
                continue
            rows = order[bounds[group]:bounds[group + 1]]
            counts[cell] = counts.get(cell, 0) + len(rows)
            need = first - sum(part.num_rows for part in kept.get(cell, []))
            if need > 0:
                kept.setdefault(cell, []).append(chunk.select(list(TRIAL_ROW_COLUMNS)).take(rows[:need]))
    return {cell: CellTrials(count, _plain_rows(kept.get(cell, []))) for cell, count in sorted(counts.items())}


def _plain_rows(parts: list[pa.Table]) -> pd.DataFrame:
    """Kept rows as one frame of plain values (dictionary columns decoded)."""
    if not parts:
        return pd.DataFrame(columns=list(TRIAL_ROW_COLUMNS))
    table = pa.concat_tables([part.cast(pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                                                   for f in part.schema])) for part in parts])
    return table.to_pandas().reset_index(drop=True)
