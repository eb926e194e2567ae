"""Per-trial tables (CSV or Parquet), e.g. the peer-preservation data set.

Fields come from columns (or constants) through the source's `fields`; each
declared flag column yields one behaviour (the name may use `{field}`
placeholders, e.g. `{subject}_exfiltration`), with an optional value map. A
mapping naming a column the table lacks is a configuration error for the whole
file and stops with a clear message. An optional transcript column feeds the
detectors. source_line is the CSV line (header = 1) or the 1-based Parquet row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from preservation.coding.transcript import commands_from_json
from preservation.ingest.mapping import (
    MappingError,
    SourceError,
    check_behaviour,
    finish_trial,
    mapped,
    resolve_fields,
    settle_outcome,
)
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject, undecodable
from preservation.records import append_row, empty_columns, rows_to_table

SUFFIXES = (".csv", ".parquet")
FLAG_VALUES = {"true": 1, "false": 0, "1": 1, "0": 0, "1.0": 1, "0.0": 0}


def read_trial_table(
    path: str | Path, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str], strict: bool = False
) -> Shard:
    """Canonical rows, one per trial and declared flag, from one per-trial table."""
    source = str(path)
    frame, first_line = _load(path, source)
    _check_columns(frame, spec, source)
    columns = empty_columns(factors)
    quarantined: list[Quarantined] = []
    pairs: list[dict[str, Any]] = []
    valid = 0
    for offset, record in enumerate(frame.to_dict(orient="records")):
        line = first_line + offset
        try:
            rows = list(_rows(record, source, line, spec, config, factors, pairs))
        except MappingError as error:
            raw = json.dumps({k: v for k, v in record.items() if k != spec.get("transcript")}, default=str, sort_keys=True)
            quarantined.append(reject(Quarantined(source, line, str(error), raw), strict))
            continue
        valid += 1
        for trial, behaviour, outcome, coded in rows:
            append_row(columns, trial, behaviour, outcome, (source, line), False, factors, coded=coded)
    summary = {"file": source, "format": "trial_table", "records": len(frame), "valid": valid,
               "quarantined": len(quarantined), "rows": len(columns["study"])}
    return Shard(rows_to_table(columns, factors), quarantined, summary, pairs)


def _load(path: str | Path, source: str) -> tuple[pd.DataFrame, int]:
    """The table and the line of its first record. Bytes that are not UTF-8 are kept as lone
    surrogates (in object columns: Arrow-backed strings cannot hold them), so the rows holding
    them are quarantined rather than the whole file refused."""
    parquet = source.endswith(".parquet")
    try:
        if parquet:
            return pd.read_parquet(path), 1
        return pd.read_csv(path, dtype=object, keep_default_na=False, encoding_errors="surrogateescape"), 2
    except (ValueError, OSError) as error:  # empty, truncated or not a table at all (pandas, pyarrow)
        raise SourceError(f"{source}: cannot be read as a {'Parquet' if parquet else 'CSV'} table: {error}") from error


def _check_columns(frame: pd.DataFrame, spec: Mapping[str, Any], source: str) -> None:
    named = [field["column"] for field in spec.get("fields", {}).values() if "column" in field]
    named += list(spec["flags"]) + ([spec["transcript"]] if spec.get("transcript") else [])
    missing = sorted(set(named) - set(frame.columns))
    if missing:
        raise SourceError(f"{source}: column(s) {missing} named in the source's mapping are not in the table (it has {sorted(frame.columns)})")


def _rows(
    record: Mapping[str, Any],
    source: str,
    line: int,
    spec: Mapping[str, Any],
    config: Mapping[str, Any],
    factors: Sequence[str],
    pairs: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], str, int, bool]]:
    for column, value in record.items():
        problem = undecodable(value) if isinstance(value, str) else None
        if problem is not None:
            raise MappingError(f"{column}: {problem}")
    trial = {"study": spec["study"], "scenario": spec["scenario"], "trial_id": str(line),
             **resolve_fields(spec["fields"], lambda kind, key: record[key])}
    trial = finish_trial(trial, config, factors)
    commands = _transcript(record, spec)
    coding = spec.get("coding")
    rows = []
    for column, flag in sorted(spec["flags"].items()):
        behaviour = check_behaviour(flag["behaviour"].format(**trial), config)
        value = record[column]
        label = None if value is None or value == "" or (isinstance(value, float) and pd.isna(value)) else _flag(value, flag, column)
        applies = coding if coding and coding.get("behaviour", behaviour) == behaviour else None
        pair = {"study": trial["study"], "behaviour": behaviour, "source_file": source, "source_line": line, "trial_id": trial["trial_id"]}
        outcome, coded = settle_outcome(label, commands if applies else None, applies, pair, pairs)
        rows.append((trial, behaviour, outcome, coded))
    return rows


def _flag(value: Any, flag: Mapping[str, Any], column: str) -> int:
    if "values" in flag:
        return int(mapped(value, flag["values"], f"flag {column}"))
    key = str(value).lower()
    if key not in FLAG_VALUES:
        raise MappingError(f"flag {column}: {value!r} is not a boolean; declare a values map")
    return FLAG_VALUES[key]


def _transcript(record: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str] | None:
    column = spec.get("transcript")
    if not column or record[column] in (None, ""):
        return None
    try:
        return commands_from_json(json.loads(record[column]))
    except (TypeError, json.JSONDecodeError) as error:
        raise MappingError(f"transcript column {column!r} is not valid JSON: {error}") from error
