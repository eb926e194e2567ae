"""Gathering per-file shards into the canonical trial table.

Every raw file is ingested by its own job into a shard (Parquet rows, quarantine
JSONL, summary JSON). Gathering streams the shards in a fixed order into one
Parquet file, resolves duplicate trial ids across all files, and accounts for
every record: records = used + quarantined + duplicates.

A trial id given twice in one study with different content is a conflict
that no file order can settle: every record holding it is quarantined, whatever
the files are called, and the gather job warns, naming them. Identical repeats
are used once.

Memory is bounded by the largest shard plus 8 bytes per source record: a first
pass hashes each record's (study, trial_id); only the records holding a trial
whose hash repeats are read whole and resolved by `resolve_duplicates`; a
second pass writes the rest through unchanged.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preservation.quarantine import Quarantined, read_quarantine, reject
from preservation.records import PROVENANCE_COLUMNS, trial_schema
from preservation.writers import parquet_options


TRIAL_KEY = ("study", "trial_id")
OCCURRENCE = (*TRIAL_KEY, *PROVENANCE_COLUMNS)
# Conflicting records named in the job log and the run summary (quarantine.jsonl holds them all).
SHOWN = 20

log = logging.getLogger(__name__)


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
    rejected = {_stem(path, ".quarantine.jsonl"): read_quarantine(path) for path in sorted(map(str, quarantine_paths))}
    quarantined = [record for records in rejected.values() for record in records]
    quarantined.extend(reject(record, strict) for record in conflicts)
    if conflicts:
        log.warning(
            "%d records quarantined because their trial id repeats with different content (none of them is used): %s",
            len(conflicts),
            "; ".join(_shown(conflicts)),
        )
    summaries = {_stem(path, ".summary.json"): json.loads(Path(path).read_text(encoding="utf-8")) for path in map(str, summary_paths)}
    for stem, summary in summaries.items():  # why each shard set records aside, for the source checks and the reader
        summary["quarantine_reasons"] = dict(sorted(Counter(record.reason for record in rejected.get(stem, [])).items()))
    conflicting = {(record.file, record.line) for record in conflicts}
    counts = {"records": 0, "trials": 0, "rows": 0}
    tables = []
    writer = pq.ParquetWriter(output, schema, **parquet_options(schema)) if output is not None else None
    for path in paths:
        table = pq.read_table(path, schema=schema)
        used = _without(table, dropped)
        used_records = _records(used)
        counts["records"] += used_records
        counts["trials"] += used.group_by(list(TRIAL_KEY), use_threads=False).aggregate([]).num_rows
        counts["rows"] += used.num_rows
        summary = summaries.get(_stem(path, ".parquet"))
        if summary is not None:  # per shard: its trial records used, and those set aside as repeats
            set_aside = _records(table) - used_records if used.num_rows < table.num_rows else 0
            conflicted = sum(1 for key in _record_keys(table) if key in conflicting) if set_aside and conflicting else 0
            summary |= {"used": used_records, "conflicting": conflicted, "duplicate": set_aside - conflicted}
        if writer is not None:
            writer.write_table(used)
        else:
            tables.append(used)
    if writer is not None:
        writer.close()
    summary = run_summary([summaries[stem] for stem in sorted(summaries)], counts, duplicates, conflicts, len(quarantined))
    table = None if writer is not None else pa.concat_tables(tables) if tables else schema.empty_table()
    return table, quarantined, summary


def _stem(path: str, suffix: str) -> str:
    """A shard's path without its file kind, pairing its table with its summary."""
    return path.removesuffix(suffix)


def _records(table: pa.Table) -> int:
    """Source records (file, line) among a table's rows."""
    return table.group_by(list(PROVENANCE_COLUMNS), use_threads=False).aggregate([]).num_rows


def _record_keys(table: pa.Table) -> list[tuple[str, int]]:
    """The (file, line) of each source record among a table's rows."""
    records = table.select(list(PROVENANCE_COLUMNS)).group_by(list(PROVENANCE_COLUMNS), use_threads=False).aggregate([])
    return list(zip(records.column(0).to_pylist(), records.column(1).to_pylist(), strict=True))


def _hashes(table: pa.Table, columns: Sequence[str] = TRIAL_KEY) -> pa.Array:
    """A 64-bit hash of each row's values in `columns` (by default its trial key); equal values hash equal."""
    return pa.array(pd.util.hash_pandas_object(table.select(list(columns)).to_pandas(), index=False).to_numpy())


def _repeated_keys(paths: Sequence[str], schema: pa.Schema) -> pd.DataFrame:
    """All rows, in gather order, of the source records holding a trial whose key hash occurs in more than one record.

    Whole records, not only the repeated trials' rows: a record (a published k/n
    row yields many trials) is used, counted as a duplicate or quarantined whole.
    """
    parts = []
    for path in paths:
        occurrences = pq.read_table(path, columns=list(OCCURRENCE)).group_by(list(OCCURRENCE), use_threads=False).aggregate([])
        parts.append(_hashes(occurrences).to_numpy())
    hashes = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    del parts
    hashes.sort()
    repeated = pa.array(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]))
    del hashes
    frames = []
    for path in paths if len(repeated) else ():
        table = pq.read_table(path, schema=schema)
        records = _hashes(table, PROVENANCE_COLUMNS)
        frames.append(table.filter(pc.is_in(records, pc.unique(records.filter(pc.is_in(_hashes(table), repeated))))))
    rows = pa.concat_tables(frames) if frames else schema.empty_table()
    return rows.to_pandas(types_mapper=pd.ArrowDtype)


def _without(table: pa.Table, dropped: pd.DataFrame) -> pa.Table:
    """The table minus the rows of the dropped (source_file, source_line) records."""
    for source_file, lines in dropped.groupby("source_file", observed=True)["source_line"]:
        gone = pc.and_(pc.equal(table["source_file"], source_file), pc.is_in(table["source_line"], pa.array(lines.to_numpy(), pa.int64())))
        table = table.filter(pc.invert(gone))
    return table


def resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.Series, int, list[Quarantined]]:
    """Which rows to use; how many records are identical repeats; the records quarantined as conflicts.

    `frame` holds whole source records (file, line), in gather order. A trial
    id that two records of one study give with different content is a
    conflict no order can settle, so every record holding it is quarantined,
    whatever the files are called. Records are compared whole (every
    non-provenance column of every row), so records sharing a trial id and not
    in conflict are identical: the first in gather order is used and each
    other one counts as a duplicate. A trial id given three times, twice alike
    and once not, is thus three quarantined records: every record is either
    used, a duplicate or quarantined, once.
    """
    if frame.empty:
        return pd.Series([], dtype=bool), 0, []
    content = [column for column in frame.columns if column not in PROVENANCE_COLUMNS]
    rows = frame[list(OCCURRENCE)].copy()
    rows["order"] = rows.groupby(list(PROVENANCE_COLUMNS), sort=False, observed=True).ngroup()  # numbered in order of first appearance: gather order
    rows["fingerprint"] = pd.util.hash_pandas_object(frame[content], index=False).to_numpy()
    rows["fingerprint"] = rows.groupby("order")["fingerprint"].transform("sum")
    occurrences = rows.drop_duplicates(list(OCCURRENCE))
    conflicting = occurrences.groupby(list(TRIAL_KEY), observed=True)["fingerprint"].transform("nunique") > 1
    quarantined = occurrences[conflicting].drop_duplicates("order")
    settled = occurrences[~occurrences["order"].isin(quarantined["order"])]
    repeats = settled.loc[settled["order"] > settled.groupby(list(TRIAL_KEY), observed=True)["order"].transform("min"), "order"].unique()
    reasons = _conflict_reasons(occurrences[conflicting], quarantined)
    conflicts = [
        Quarantined(str(record.iloc[0]["source_file"]), int(record.iloc[0]["source_line"]), reasons[order], _describe(record))
        for order, record in frame[rows["order"].isin(quarantined["order"])].groupby(rows["order"], sort=True)
    ]
    keep = ~rows["order"].isin([*quarantined["order"], *repeats])
    return keep, len(repeats), conflicts


def _conflict_reasons(conflicting: pd.DataFrame, quarantined: pd.DataFrame) -> dict[int, str]:
    """Why each quarantined record (by order) is: its first conflicting trial id, and the other records giving it."""
    where: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for row in conflicting.itertuples():
        where.setdefault((row.study, row.trial_id), []).append((row.order, f"{row.source_file}:{row.source_line}"))
    reasons = {}
    for row in quarantined.itertuples():
        given = where[(row.study, row.trial_id)]
        others = [location for order, location in itertools.islice(given, 4) if order != row.order][:3]
        more = f" and {len(given) - 1 - len(others)} more" if len(given) - 1 > len(others) else ""
        reasons[row.order] = (
            f"trial id {row.trial_id!r} of study {row.study!r} conflicts with {', '.join(others)}{more} "
            f"(different content); none of its {len(given)} records is used"
        )
    return reasons


def _shown(conflicts: Sequence[Quarantined]) -> list[str]:
    """The first conflicting records as `file:line`, and how many more there are."""
    more = [f"and {len(conflicts) - SHOWN} more (see quarantine.jsonl)"] if len(conflicts) > SHOWN else []
    return [f"{record.file}:{record.line}" for record in conflicts[:SHOWN]] + more


def _describe(rows: pd.DataFrame) -> str:
    """The canonical content of one source record (its rows), as JSON, for the quarantine file."""
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
    conflicts: Sequence[Quarantined],
    quarantined: int,
) -> dict[str, Any]:
    """Account for every input record: records = used + quarantined + duplicates.

    `used` counts the used source records, distinct trials and rows (one source
    record, a JSONL line or a published k/n row, may yield many rows and trials).
    `conflicts` (already among the quarantined) are counted and the first named,
    so a run's summary shows them beside the log's warning.
    """
    records = sum(summary["records"] for summary in shard_summaries)
    used_records = used["records"]
    rate_only = sum(summary.get("figures_rate_only", 0) + summary.get("figures_verbal", 0) for summary in shard_summaries)
    summary = {
        "records_read": records,
        "records_used": used_records + rate_only,
        "records_quarantined": quarantined,
        "records_duplicate": duplicates,
        "conflicting_duplicates": len(conflicts),
        "conflicts": _shown(conflicts),
        "published_figures_carried_as_reported": rate_only,
        "trials_used": used["trials"],
        "rows_used": used["rows"],
        "files": list(shard_summaries),
    }
    summary["balanced"] = records == summary["records_used"] + quarantined + duplicates
    return summary


def remove_stale_shards(directory: str | Path, current: Iterable[str | Path]) -> list[str]:
    """Remove the files under the shard directory that no current raw file or import unit writes; return them, sorted.

    A raw file or source taken away leaves its shards behind, which no rule
    rewrites; removing them keeps the directory a true record of the inputs.
    """
    keep = {Path(path).resolve() for path in current}
    stale = sorted(str(path) for path in Path(directory).rglob("*") if path.is_file() and path.resolve() not in keep)
    for path in stale:
        Path(path).unlink()
    return stale
