"""Gathering per-file shards into the canonical trial table.

Every raw file is ingested by its own job into a shard (Parquet rows, quarantine
JSONL, summary JSON). Gathering streams the shards in a fixed order into one
Parquet file, resolves duplicate trial ids across all files, and accounts for
every record: records = used + quarantined + duplicates.

Memory is bounded by the largest shard plus 8 bytes per source record: a first
pass hashes each record's (study, trial_id); only records whose hash repeats
are read whole and resolved by `resolve_duplicates`; a second pass writes the
rest through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preservation.quarantine import IngestError, Quarantined, read_quarantine
from preservation.records import PROVENANCE_COLUMNS, trial_schema
from preservation.writers import parquet_options


TRIAL_KEY = ("study", "trial_id")
OCCURRENCE = (*TRIAL_KEY, *PROVENANCE_COLUMNS)


def gather(
    table_paths: Sequence[str | Path],
    quarantine_paths: Sequence[str | Path],
    summary_paths: Sequence[str | Path],
    factors: Sequence[str],
    strict: bool = False,
    output: str | Path | None = None,
) -> tuple[pa.Table | None, list[Quarantined], dict[str, Any]]:
    """Resolve duplicate trials, build the run summary, and stream the used rows.

    With `output`, rows are written there shard by shard and no table is
    returned; without it (small inputs, tests) the table is returned.
    """
    schema = trial_schema(factors)
    paths = sorted(map(str, table_paths))
    candidates = _repeated_keys(paths, schema)
    keep, duplicates, conflicts = resolve_duplicates(candidates)
    dropped = candidates.loc[~keep.to_numpy(), list(PROVENANCE_COLUMNS)].drop_duplicates()
    quarantined = [record for path in sorted(map(str, quarantine_paths)) for record in read_quarantine(path)]
    if conflicts and strict:
        raise IngestError(f"quarantined record (strict mode): {conflicts[0].located()}")
    quarantined.extend(conflicts)
    counts = {"records": 0, "trials": 0, "rows": 0}
    tables = []
    writer = pq.ParquetWriter(output, schema, **parquet_options(schema)) if output is not None else None
    for path in paths:
        used = _without(pq.read_table(path, schema=schema), dropped)
        counts["records"] += used.group_by(list(PROVENANCE_COLUMNS), use_threads=False).aggregate([]).num_rows
        counts["trials"] += used.group_by(list(TRIAL_KEY), use_threads=False).aggregate([]).num_rows
        counts["rows"] += used.num_rows
        if writer is not None:
            writer.write_table(used)
        else:
            tables.append(used)
    if writer is not None:
        writer.close()
    summaries = [json.loads(Path(path).read_text(encoding="utf-8")) for path in sorted(map(str, summary_paths))]
    summary = run_summary(summaries, counts, duplicates, len(conflicts), len(quarantined))
    table = None if writer is not None else pa.concat_tables(tables) if tables else schema.empty_table()
    return table, quarantined, summary


def _key_hashes(table: pa.Table) -> np.ndarray:
    """A 64-bit hash of each row's (study, trial_id); equal keys hash equal."""
    return pd.util.hash_pandas_object(table.select(list(TRIAL_KEY)).to_pandas(), index=False).to_numpy()


def _repeated_keys(paths: Sequence[str], schema: pa.Schema) -> pd.DataFrame:
    """All rows, in gather order, of the trials whose key hash occurs in more than one source record."""
    parts = []
    for path in paths:
        occurrences = pq.read_table(path, columns=list(OCCURRENCE)).group_by(list(OCCURRENCE), use_threads=False).aggregate([])
        parts.append(_key_hashes(occurrences))
    hashes = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    del parts
    hashes.sort()
    repeated = pa.array(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]))
    del hashes
    frames = []
    for path in paths if len(repeated) else ():
        table = pq.read_table(path, schema=schema)
        frames.append(table.filter(pc.is_in(pa.array(_key_hashes(table)), repeated)))
    rows = pa.concat_tables(frames) if frames else schema.empty_table()
    return rows.to_pandas(types_mapper=pd.ArrowDtype)


def _without(table: pa.Table, dropped: pd.DataFrame) -> pa.Table:
    """The table minus the rows of the dropped (source_file, source_line) records."""
    for source_file, lines in dropped.groupby("source_file", observed=True)["source_line"]:
        gone = pc.and_(pc.equal(table["source_file"], source_file), pc.is_in(table["source_line"], pa.array(lines.to_numpy(), pa.int64())))
        table = table.filter(pc.invert(gone))
    return table


def resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.Series, int, list[Quarantined]]:
    """Keep the first occurrence of each trial id; drop identical repeats, quarantine conflicting ones.

    An occurrence is one source record (file, line) and all its behaviour rows;
    two occurrences are identical when their rows agree on every non-provenance
    column. A conflicting repeat is quarantined, naming where the first one is.
    """
    if frame.empty:
        return pd.Series([], dtype=bool), 0, []
    content = [column for column in frame.columns if column not in PROVENANCE_COLUMNS]
    occurrence = frame[["study", "trial_id", "source_file", "source_line"]].copy()
    occurrence["fingerprint"] = pd.util.hash_pandas_object(frame[content], index=False).to_numpy()
    per_occurrence = (
        occurrence.groupby(["study", "trial_id", "source_file", "source_line"], sort=True, observed=True)["fingerprint"]
        .sum()
        .reset_index()
    )
    per_occurrence["rank"] = per_occurrence.groupby(list(TRIAL_KEY), observed=True).cumcount()
    first = per_occurrence[per_occurrence["rank"] == 0]
    repeats = per_occurrence[per_occurrence["rank"] > 0].merge(first, on=list(TRIAL_KEY), suffixes=("", "_first"))
    same = repeats["fingerprint"] == repeats["fingerprint_first"]
    conflicts = [
        Quarantined(
            str(row.source_file),
            int(row.source_line),
            f"trial id {row.trial_id!r} of study {row.study!r} conflicts with "
            f"{row.source_file_first}:{row.source_line_first}",
            _describe(frame, str(row.source_file), int(row.source_line)),
        )
        for row in repeats[~same].itertuples()
    ]
    dropped = pd.MultiIndex.from_frame(repeats[["source_file", "source_line"]])
    keep = pd.Series(~pd.MultiIndex.from_frame(frame[["source_file", "source_line"]]).isin(dropped), index=frame.index)
    return keep, int(same.sum()), conflicts


def _describe(frame: pd.DataFrame, source_file: str, source_line: int) -> str:
    """The canonical content of one source record, as JSON, for the quarantine file."""
    rows = frame[(frame["source_file"] == source_file) & (frame["source_line"] == source_line)]
    first = rows.iloc[0]
    trial = {
        column: (None if pd.isna(first[column]) else first[column].item() if hasattr(first[column], "item") else first[column])
        for column in rows.columns
        if column not in ("behaviour", "outcome", *PROVENANCE_COLUMNS)
    }
    trial["outcomes"] = {str(b): int(o) for b, o in zip(rows["behaviour"], rows["outcome"], strict=True)}
    return json.dumps(trial, sort_keys=True, default=str)


def run_summary(
    shard_summaries: Sequence[dict[str, Any]],
    used: dict[str, int],
    duplicates: int,
    conflicts: int,
    quarantined: int,
) -> dict[str, Any]:
    """Account for every input record: records = used + quarantined + duplicates.

    `used` counts the used source records, distinct trials and rows (one source
    record, a JSONL line or a published k/n row, may yield many rows and trials).
    """
    records = sum(summary["records"] for summary in shard_summaries)
    used_records = used["records"]
    rate_only = sum(summary.get("figures_rate_only", 0) + summary.get("figures_verbal", 0) for summary in shard_summaries)
    summary = {
        "records_read": records,
        "records_used": used_records + rate_only,
        "records_quarantined": quarantined,
        "records_duplicate": duplicates,
        "conflicting_duplicates": conflicts,
        "published_figures_carried_as_reported": rate_only,
        "trials_used": used["trials"],
        "rows_used": used["rows"],
        "files": list(shard_summaries),
    }
    summary["balanced"] = records == summary["records_used"] + quarantined + duplicates
    return summary
