"""The canonical trial record: the contract between ingestion and everything after it.

One row per trial and behaviour (see workflow/schemas/trial_record.schema.json).
Declared study factors become further nullable string columns, so every shard of
one configuration has the same Arrow schema and shards can be concatenated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CORE_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("study", pa.string()),
    ("source_file", pa.string()),
    ("source_line", pa.int64()),
    ("trial_id", pa.string()),
    ("model", pa.string()),
    ("scenario", pa.string()),
    ("behaviour", pa.string()),
    ("outcome", pa.int8()),
    ("peer", pa.string()),
    ("instructed", pa.bool_()),
    ("reconstructed", pa.bool_()),
    ("coded", pa.bool_()),
)
CORE_COLUMNS: tuple[str, ...] = tuple(name for name, _ in CORE_FIELDS)
PROVENANCE_COLUMNS: tuple[str, ...] = ("source_file", "source_line")


def factor_names(config: Mapping[str, Any]) -> list[str]:
    """Declared study factors, sorted so column order never depends on YAML order."""
    return sorted(config["factors"])


def trial_schema(factors: Sequence[str]) -> pa.Schema:
    """Arrow schema of the canonical table for the given declared factors."""
    return pa.schema([*CORE_FIELDS, *((name, pa.string()) for name in factors)])


def rows_to_table(columns: Mapping[str, list[Any]], factors: Sequence[str]) -> pa.Table:
    """Build a canonical table from column lists (missing factor columns become null)."""
    schema = trial_schema(factors)
    n_rows = len(columns["study"]) if "study" in columns else 0
    arrays = [
        pa.array(columns.get(field.name, [None] * n_rows), type=field.type) for field in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def empty_columns(factors: Sequence[str]) -> dict[str, list[Any]]:
    """Column lists ready to be appended to, one per canonical column."""
    return {name: [] for name in (*CORE_COLUMNS, *factors)}


def append_row(
    columns: dict[str, list[Any]],
    trial: Mapping[str, Any],
    behaviour: str,
    outcome: int,
    provenance: tuple[str, int],
    reconstructed: bool,
    factors: Sequence[str],
    coded: bool = False,
) -> None:
    """Append one trial x behaviour row; `trial` holds the trial-level fields and factor levels.

    `coded` marks an outcome read off the transcript by a rule-based detector
    rather than taken from the study's own label.
    """
    columns["study"].append(trial["study"])
    columns["source_file"].append(provenance[0])
    columns["source_line"].append(provenance[1])
    columns["trial_id"].append(trial["trial_id"])
    columns["model"].append(trial["model"])
    columns["scenario"].append(trial["scenario"])
    columns["behaviour"].append(behaviour)
    columns["outcome"].append(outcome)
    columns["peer"].append(trial["peer"])
    columns["instructed"].append(trial["instructed"])
    columns["reconstructed"].append(reconstructed)
    columns["coded"].append(coded)
    for name in factors:
        columns[name].append(trial.get(name))


def open_trials(path: str, columns: Sequence[str]) -> pq.ParquetFile:
    """The canonical table opened for one pass in batches, its string `columns` as dictionaries.

    Pre-buffering is off: with it, a pass over 10M rows grew by row group to
    406 MiB, against a flat 326 MiB without (bench data, pyarrow 26).
    """
    schema = pq.read_schema(path)
    strings = [name for name in columns if pa.types.is_string(schema.field(name).type)]
    return pq.ParquetFile(path, read_dictionary=strings, pre_buffer=False)
