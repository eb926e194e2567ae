"""Per-condition rates: k, n and 95% intervals for every cell of the design.

A cell is study x behaviour x model x scenario x peer x instructed x the
configured factors x reconstructed x coded (outcomes coded from transcripts
are never pooled with labelled ones). Published figures reported only as a rate
or in words are appended as their own rows: rate shown, n and interval empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preservation.intervals import binomial_intervals

KEYS: tuple[str, ...] = ("study", "behaviour", "model", "scenario", "peer", "instructed")
BOOLEAN_KEYS: tuple[str, ...] = ("instructed", "reconstructed", "coded")
BATCH_ROWS = 1 << 18
REPORTED_COLUMNS: tuple[str, ...] = ("evidence", "k", "n", "rate", "verbal", "qualifier", "citation", "locator", "note", "sources")


def cell_keys(by: Sequence[str]) -> list[str]:
    return [*KEYS, *by, "reconstructed", "coded"]


def count_cells(trials_path: str, by: Sequence[str]) -> pd.DataFrame:
    """k and n per cell, counted batch by batch in Arrow so memory does not grow with trials.

    String columns are read dictionary-encoded, so grouping hashes small integers;
    partial counts per cell and source are merged whenever they double, so they
    stay near the number of distinct (cell, source) pairs.
    """
    keys = cell_keys(by)
    strings = [name for name in (*keys, "source_file") if name not in BOOLEAN_KEYS]
    trials = pq.ParquetFile(trials_path, read_dictionary=strings)
    columns = [*keys, "outcome", "source_file", "source_line"]
    partial: list[pa.Table] = []
    merged_rows = 0
    for batch in trials.iter_batches(batch_size=BATCH_ROWS, columns=columns):
        partial.append(_count_batch(pa.Table.from_batches([batch]), keys))
        if sum(table.num_rows for table in partial) > 2 * merged_rows + BATCH_ROWS:
            partial = [_merge(partial, [*keys, "source_file", "source_line"])]
            merged_rows = partial[0].num_rows
    if not partial:
        return pd.DataFrame(columns=[*keys, "k", "n", "sources"])
    pairs = _merge(partial, [*keys, "source_file", "source_line"]).combine_chunks()
    # Sources as small integer codes: a trial log's file, or for a reconstructed
    # trial its published figure's row, file:line (few, so named one by one).
    files = pairs["source_file"].chunk(0) if pairs.num_rows else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    names = files.dictionary.to_pylist()
    code = files.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    located = np.flatnonzero(pairs["source_line"].is_valid().to_numpy(zero_copy_only=False))
    lines = pairs["source_line"].to_numpy(zero_copy_only=False)
    for row in located:
        code[row] = len(names)
        names.append(f"{names[files.indices[row].as_py()]}:{int(lines[row])}")
    pairs = pairs.append_column("source", pa.array(code))
    counted = pairs.group_by(keys, use_threads=False).aggregate([("k", "sum"), ("n", "sum"), ("source", "distinct")])
    cells = counted.cast(pa.schema([pa.field(f.name, pa.string()) if f.name in strings else f for f in counted.schema])).to_pandas()
    cells = cells.rename(columns={"k_sum": "k", "n_sum": "n"})
    cells["sources"] = [";".join(sorted({names[c] for c in codes})) for codes in cells.pop("source_distinct")]
    cells[["k", "n"]] = cells[["k", "n"]].astype("int64")
    return cells.sort_values(keys, na_position="last", kind="mergesort").reset_index(drop=True)


def _count_batch(rows: pa.Table, keys: list[str]) -> pa.Table:
    """k and n per cell and source in one batch (the line matters only for reconstructed trials)."""
    line = pc.if_else(rows["reconstructed"], rows["source_line"], pa.scalar(None, pa.int64()))
    rows = rows.set_column(rows.schema.get_field_index("source_line"), "source_line", line)
    counted = rows.group_by([*keys, "source_file", "source_line"], use_threads=False).aggregate(
        [("outcome", "sum"), ("outcome", "count")]
    )
    return counted.rename_columns({"outcome_sum": "k", "outcome_count": "n"})


def _merge(partial: list[pa.Table], by: list[str]) -> pa.Table:
    """Sum partial k and n over equal groups (dictionaries unified first, as grouping requires)."""
    table = pa.concat_tables(partial).unify_dictionaries()
    merged = table.group_by(by, use_threads=False).aggregate([("k", "sum"), ("n", "sum")])
    return merged.rename_columns({"k_sum": "k", "n_sum": "n"})


def rates_table(cells: pd.DataFrame, figures: pd.DataFrame, by: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Add rates and intervals to counted cells, then append rate-only/verbal published figures."""
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
    return table.sort_values([*keys, "evidence"], na_position="first", kind="mergesort").reset_index(drop=True)


def write_rates(table: pd.DataFrame, path: str) -> None:
    """CSV with fixed float formatting so equal data give equal bytes."""
    table.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")


def read_rates(path: str) -> pd.DataFrame:
    """Read rates.csv back with its booleans and nullable counts intact."""
    return pd.read_csv(path, dtype={**dict.fromkeys(BOOLEAN_KEYS, bool), "k": "Int64", "n": "Int64"})
