"""Per-condition rates: k, n and 95% intervals for every cell of the design.

A cell is study x behaviour x model x scenario x peer x instructed x the
configured factors x reconstructed. Published figures reported only as a rate
or in words are appended as their own rows: rate shown, n and interval empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preservation.intervals import binomial_intervals

KEYS: tuple[str, ...] = ("study", "behaviour", "model", "scenario", "peer", "instructed")
BATCH_ROWS = 1 << 18
REPORTED_COLUMNS: tuple[str, ...] = ("evidence", "k", "n", "rate", "verbal", "qualifier", "citation", "locator", "note", "sources")


def cell_keys(by: Sequence[str]) -> list[str]:
    return [*KEYS, *by, "reconstructed"]


def count_cells(trials_path: str, by: Sequence[str]) -> pd.DataFrame:
    """k and n per cell, counted batch by batch in Arrow so memory does not grow with trials.

    String columns are read dictionary-encoded, so grouping hashes small integers.
    """
    keys = cell_keys(by)
    strings = [name for name in (*keys, "source_file") if name not in ("instructed", "reconstructed")]
    trials = pq.ParquetFile(trials_path, read_dictionary=strings)
    partial = [
        _count_batch(pa.Table.from_batches([batch]), keys)
        for batch in trials.iter_batches(batch_size=BATCH_ROWS, columns=[*keys, "outcome", "source_file", "source_line"])
    ]
    if not partial:
        return pd.DataFrame(columns=[*keys, "k", "n", "sources"])
    counts = pa.concat_tables(partial).to_pandas()
    # A reconstructed trial's source is its published figure's row, file:line; a trial log's is its file.
    located = counts["source_line"].notna()
    counts["source"] = counts["source_file"].astype(str)
    counts.loc[located, "source"] += ":" + counts.loc[located, "source_line"].astype("int64").astype(str)
    for name in strings:
        counts[name] = counts[name].astype(object)
    grouped = counts.groupby(keys, dropna=False, sort=True, observed=True)
    cells = grouped.agg(k=("k", "sum"), n=("n", "sum")).reset_index()
    cells["sources"] = grouped["source"].agg(lambda files: ";".join(sorted(set(files)))).to_numpy()
    cells[["k", "n"]] = cells[["k", "n"]].astype("int64")
    return cells


def _count_batch(rows: pa.Table, keys: list[str]) -> pa.Table:
    """k and n per cell and source in one batch (the line matters only for reconstructed trials)."""
    line = pc.if_else(rows["reconstructed"], rows["source_line"], pa.scalar(None, pa.int64()))
    rows = rows.set_column(rows.schema.get_field_index("source_line"), "source_line", line)
    counted = rows.group_by([*keys, "source_file", "source_line"], use_threads=False).aggregate(
        [("outcome", "sum"), ("outcome", "count")]
    )
    return counted.rename_columns({"outcome_sum": "k", "outcome_count": "n"})


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
    return pd.read_csv(path, dtype={"instructed": bool, "reconstructed": bool, "k": "Int64", "n": "Int64"})
