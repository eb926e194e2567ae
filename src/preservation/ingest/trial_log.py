"""JSONL trial logs (data/raw/trials/*.jsonl): one JSON object per trial.

Each valid line becomes one canonical row per behaviour in its `outcomes`;
blank lines are counted and skipped; every other line that cannot be used is
quarantined with its line number and reason (or stops a strict run).

Lines go through the column-wise fast path (ingest/columnar.py) first; the
per-line path here judges only the lines it hands back, and whole files
holding a carriage return (whose line breaks Python's text mode reads
differently).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preservation.ingest import columnar
from preservation.ingest.validator import Validator
from preservation.quarantine import Quarantined, reject, undecodable
from preservation.records import append_row, empty_columns, rows_to_table, trial_schema


TRIAL_FIELDS = ("study", "trial_id", "model", "scenario", "peer", "instructed")


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


@dataclass
class _Judged:
    """The per-line path's verdicts on some lines."""

    columns: dict[str, list[Any]]
    quarantined: list[Quarantined] = field(default_factory=list)
    blank: int = 0
    valid: int = 0


def read_trial_log(
    path: str | Path, validate: Validator, factors: Sequence[str], strict: bool = False
) -> Shard:
    """Parse, validate and explode one JSONL trial log into canonical rows."""
    source = str(path)
    data = Path(path).read_bytes()
    if b"\r" in data:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            numbered = list(enumerate((text.rstrip("\n") for text in handle), start=1))
        judged = _judge(numbered, source, validate, factors, strict)
        fast, lines, empty, fast_valid = trial_schema(factors).empty_table(), len(numbered), 0, 0
    else:
        parsed = columnar.parse(data, validate.schema)
        suspects = ((int(n), _text(data, parsed.lines, int(n))) for n in parsed.suspects)
        judged = _judge(suspects, source, validate, factors, strict)
        fast, lines, empty = _explode(parsed.table, source, factors), len(parsed.lines.starts), parsed.empty
        fast_valid = parsed.table.num_rows
    table = fast
    if judged.valid:  # interleave the per-line path's rows by line number
        table = pa.concat_tables([fast, rows_to_table(judged.columns, factors)])
        table = table.take(pc.sort_indices(table["source_line"]))
    blank = empty + judged.blank
    summary = {
        "file": source,
        "format": "jsonl",
        "lines": lines,
        "blank_lines": blank,
        "records": lines - blank,
        "valid": fast_valid + judged.valid,
        "quarantined": len(judged.quarantined),
        "rows": table.num_rows,
    }
    return Shard(table, judged.quarantined, summary)


def _text(data: bytes, lines: columnar.Lines, number: int) -> str:
    return data[lines.starts[number - 1] : lines.ends[number - 1]].decode("utf-8", errors="surrogateescape")


def _judge(
    numbered: Iterable[tuple[int, str]], source: str, validate: Validator, factors: Sequence[str], strict: bool
) -> _Judged:
    """The reference path: parse and validate line by line, with exact reasons."""
    judged = _Judged(empty_columns(factors))
    for number, raw in numbered:
        if not raw.strip():
            judged.blank += 1
            continue
        reason, record = _parse(raw, validate)
        if reason is not None:
            judged.quarantined.append(reject(Quarantined(source, number, reason, raw), strict))
            continue
        judged.valid += 1
        _append_rows(judged.columns, record, source, number, factors)
    return judged


def _parse(raw: str, validate: Validator) -> tuple[str | None, Any]:
    problem = undecodable(raw)  # bytes that are not UTF-8 were read as lone surrogates (surrogateescape)
    if problem is not None:
        return problem, None
    try:
        record = json.loads(raw, object_pairs_hook=_distinct_names)
        if "\\u" in raw and not _encodable(record):
            return "malformed JSON: a \\u escape names a lone surrogate, not a character", None
    except json.JSONDecodeError as error:
        return f"malformed JSON: {error.msg} (column {error.colno})", None
    except _RepeatedName as error:
        return f"malformed JSON: name {error.name!r} appears twice in one object", None
    except RecursionError:  # arrays or objects nested about a thousand deep (a trial record nests two)
        return "JSON nested too deeply to read", None
    return validate(record), record


class _RepeatedName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _distinct_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from its name/value pairs; a repeated name is an error, since json.loads
    would keep the last value and silently lose the others (Arrow rejects it too)."""
    record = dict(pairs)
    if len(record) < len(pairs):
        names = [name for name, _ in pairs]
        raise _RepeatedName(next(name for name in names if names.count(name) > 1))
    return record


def _encodable(record: Any) -> bool:
    """Whether every string in the record is text UTF-8 can hold (a JSON escape can name a lone surrogate)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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


def _explode(records: pa.Table, source: str, factors: Sequence[str]) -> pa.Table:
    """Canonical rows from parsed records, one per record and behaviour, in line then
    behaviour order, with a single `take` (np.nonzero walks the matrix row-major)."""
    behaviours = sorted(field.name for field in records.schema.field("outcomes").type)
    outcomes = np.column_stack(
        [pc.fill_null(pc.struct_field(records["outcomes"], name), -1).to_numpy() for name in behaviours]
    ).reshape(records.num_rows, len(behaviours))
    record, behaviour = np.nonzero(outcomes >= 0)
    flat = {name: records[name] for name in (*TRIAL_FIELDS, "line")}
    # A factor no record carries needs no `take`, which cost 1.1 ms per such factor and 100k records.
    levels = {name: pc.struct_field(records["factors"], name) for name in factors}
    carried = {name: column for name, column in levels.items() if column.null_count < len(column)}
    rows = pa.table(flat | carried).take(record)
    n = len(record)
    columns = {
        **{name: rows[name] for name in TRIAL_FIELDS},
        **{name: rows[name] if name in carried else pa.nulls(n, pa.string()) for name in factors},
        "source_file": pa.repeat(source, n),
        "source_line": rows["line"],
        "behaviour": pa.array(behaviours, pa.string()).take(behaviour),
        "outcome": pa.array(outcomes[record, behaviour], pa.int8()),
        "reconstructed": pa.repeat(False, n),
        "coded": pa.repeat(False, n),
    }
    schema = trial_schema(factors)
    return pa.table([columns[name] for name in schema.names], schema=schema)
