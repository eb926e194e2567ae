"""Writing per-file shards and gathering them into the canonical trial table.

Every raw file is ingested by its own job into a shard (Parquet rows, quarantine
JSONL, summary JSON). Gathering concatenates the shards in a fixed order,
resolves duplicate trial ids across all files, and accounts for every record:
records = used + quarantined + duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from preservation.ingest.trial_log import Shard
from preservation.quarantine import IngestError, Quarantined, read_quarantine, write_quarantine
from preservation.records import PROVENANCE_COLUMNS, trial_schema

TRIAL_KEY = ("study", "trial_id")


def write_json(data: Any, path: str | Path) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, trailing newline."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_table(table: pa.Table, path: str | Path) -> None:
    """Parquet without wall-clock metadata, so equal tables give equal bytes."""
    pq.write_table(table, path, compression="zstd", write_statistics=True, store_schema=True)


def write_shard(shard: Shard, table_path: str | Path, quarantine_path: str | Path, summary_path: str | Path) -> None:
    write_table(shard.table, table_path)
    write_quarantine(shard.quarantined, quarantine_path)
    write_json(shard.summary, summary_path)


def gather(
    table_paths: Sequence[str | Path],
    quarantine_paths: Sequence[str | Path],
    summary_paths: Sequence[str | Path],
    factors: Sequence[str],
    strict: bool = False,
) -> tuple[pa.Table, list[Quarantined], dict[str, Any]]:
    """Concatenate shards, resolve duplicate trials, and build the run summary."""
    schema = trial_schema(factors)
    tables = [pq.read_table(path, schema=schema) for path in sorted(map(str, table_paths))]
    rows = pa.concat_tables(tables) if tables else schema.empty_table()
    frame = rows.to_pandas(types_mapper=pd.ArrowDtype)
    keep, duplicates, conflicts = resolve_duplicates(frame)
    quarantined = [record for path in sorted(map(str, quarantine_paths)) for record in read_quarantine(path)]
    if conflicts and strict:
        raise IngestError(f"quarantined record (strict mode): {conflicts[0].located()}")
    quarantined.extend(conflicts)
    used = frame.loc[keep]
    table = pa.Table.from_pandas(used, schema=schema, preserve_index=False)
    summaries = [json.loads(Path(path).read_text(encoding="utf-8")) for path in sorted(map(str, summary_paths))]
    summary = run_summary(summaries, used, duplicates, len(conflicts), len(quarantined))
    return table, quarantined, summary


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
    used: pd.DataFrame,
    duplicates: int,
    conflicts: int,
    quarantined: int,
) -> dict[str, Any]:
    """Account for every input record: records = used + quarantined + duplicates."""
    records = sum(summary["records"] for summary in shard_summaries)
    # One source record (a JSONL line, a published k/n row) may yield many rows.
    used_records = int(used[list(PROVENANCE_COLUMNS)].drop_duplicates().shape[0])
    rate_only = sum(summary.get("figures_rate_only", 0) + summary.get("figures_verbal", 0) for summary in shard_summaries)
    summary = {
        "records_read": records,
        "records_used": used_records + rate_only,
        "records_quarantined": quarantined,
        "records_duplicate": duplicates,
        "conflicting_duplicates": conflicts,
        "published_figures_carried_as_reported": rate_only,
        "trials_used": int(used[list(TRIAL_KEY)].drop_duplicates().shape[0]),
        "rows_used": int(len(used)),
        "files": list(shard_summaries),
    }
    summary["balanced"] = records == summary["records_used"] + quarantined + duplicates
    return summary
