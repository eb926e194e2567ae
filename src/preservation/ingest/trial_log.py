"""JSONL trial logs (data/raw/trials/*.jsonl): one JSON object per trial.

Each valid line becomes one canonical row per behaviour in its `outcomes`;
blank lines are counted and skipped; every other line that cannot be used is
quarantined with its line number and reason (or stops a strict run).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from preservation.ingest.validator import Validator
from preservation.quarantine import Quarantined, reject
from preservation.records import append_row, empty_columns, rows_to_table


@dataclass
class Shard:
    """What one raw file yielded: canonical rows, rejects and the line accounting.

    `coding` holds, for trials that have both a label and a transcript, the
    label beside the detector's verdict, so label/coder agreement can be measured.
    """

    table: pa.Table
    quarantined: list[Quarantined] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    coding: list[dict[str, Any]] = field(default_factory=list)


def read_trial_log(
    path: str | Path, validate: Validator, factors: Sequence[str], strict: bool = False
) -> Shard:
    """Parse, validate and explode one JSONL trial log into canonical rows."""
    source = str(path)
    columns = empty_columns(factors)
    quarantined: list[Quarantined] = []
    lines = blank = valid = 0
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for number, text in enumerate(handle, start=1):
            lines += 1
            raw = text.rstrip("\n")
            if not raw.strip():
                blank += 1
                continue
            reason, record = _parse(raw, validate)
            if reason is not None:
                quarantined.append(reject(Quarantined(source, number, reason, raw), strict))
                continue
            valid += 1
            _append_rows(columns, record, source, number, factors)
    summary = {
        "file": source,
        "format": "jsonl",
        "lines": lines,
        "blank_lines": blank,
        "records": lines - blank,
        "valid": valid,
        "quarantined": len(quarantined),
        "rows": len(columns["study"]),
    }
    return Shard(rows_to_table(columns, factors), quarantined, summary)


def _parse(raw: str, validate: Validator) -> tuple[str | None, Any]:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as error:
        return f"malformed JSON: {error.msg} (column {error.colno})", None
    except UnicodeEncodeError:
        return "malformed JSON: not valid UTF-8", None
    return validate(record), record


def _append_rows(
    columns: dict[str, list[Any]],
    record: Mapping[str, Any],
    source: str,
    line: int,
    factors: Sequence[str],
) -> None:
    trial = {**record.get("factors", {}), **record}
    for behaviour in sorted(record["outcomes"]):
        append_row(columns, trial, behaviour, record["outcomes"][behaviour], (source, line), False, factors)
