"""Inspect AI eval logs (`.eval` archives and `.json` documents), read by inspect_ai.

One sample x epoch is one trial: trial_id `<eval_id>:<sample id>:<epoch>`,
source_line its 1-based position among the log's samples. The model comes
from the eval spec unless declared; other fields come from task args, sample
metadata or constants through the source's declared `fields`. The outcome is
the named scorer's value through a declared value map (never assumed: Palisade
scores "C" for resisted). Logs whose status is not "success" and samples with
an error are excluded, counted and quarantined with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preservation.coding.commands import tool_call_command
from preservation.ingest.archive import DEFAULT_MAX_ENTRY_BYTES, ArchiveError, check_archive
from preservation.ingest.mapping import (
    MappingError,
    check_behaviour,
    finish_trial,
    mapped,
    quarantine_file,
    resolve_fields,
    settle_outcome,
)
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject
from preservation.records import append_row, empty_columns, rows_to_table

if TYPE_CHECKING:
    from inspect_ai.log import EvalLog, EvalSample

SUFFIXES = (".eval", ".json")
# The log directory manifest inspect_ai may write beside the logs: not a log.
MANIFEST = "logs.json"


def read_inspect_log(
    path: str | Path, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str], strict: bool = False
) -> Shard:
    """Canonical rows from one Inspect log; unusable samples quarantined with their reason."""
    source = str(path)
    columns = empty_columns(factors)
    counts = {"records": 0, "valid": 0, "error_status": 0, "sample_error": 0}
    quarantined: list[Quarantined] = []
    pairs: list[dict[str, Any]] = []
    try:
        log = _read(path, spec.get("max_entry_bytes", DEFAULT_MAX_ENTRY_BYTES))
    except ArchiveError as error:
        quarantined.append(quarantine_file(source, str(error), strict))
        return Shard(rows_to_table(columns, factors), quarantined, _summary(source, counts | {"records": 1}, quarantined, columns))
    samples = log.samples or []
    if log.status != "success":
        reason = f"log status is {log.status!r}, not 'success': excluded"
        counts["records"] = counts["error_status"] = max(len(samples), 1)
        quarantined += [reject(Quarantined(source, n, reason, _sample_key(log, s)), strict) for n, s in enumerate(samples, 1)]
        if not samples:
            quarantined.append(quarantine_file(source, reason, strict))
        return Shard(rows_to_table(columns, factors), quarantined, _summary(source, counts, quarantined, columns))
    behaviour = spec["behaviour"]
    for position, sample in enumerate(samples, start=1):
        counts["records"] += 1
        raw = _sample_key(log, sample)
        if sample.error is not None:
            counts["sample_error"] += 1
            reason = f"sample error: {sample.error.message.splitlines()[0] if sample.error.message else 'unknown'}"
            quarantined.append(reject(Quarantined(source, position, reason, raw), strict))
            continue
        try:
            trial = finish_trial(_trial(log, sample, spec), config, factors)
            check_behaviour(behaviour, config)
            pair = {"study": trial["study"], "behaviour": behaviour, "source_file": source, "source_line": position, "trial_id": trial["trial_id"]}
            outcome, coded = settle_outcome(_label(sample, spec), _commands(sample), spec.get("coding"), pair, pairs)
        except MappingError as error:
            quarantined.append(reject(Quarantined(source, position, str(error), raw), strict))
            continue
        counts["valid"] += 1
        append_row(columns, trial, behaviour, outcome, (source, position), False, factors, coded=coded)
    return Shard(rows_to_table(columns, factors), quarantined, _summary(source, counts, quarantined, columns), pairs)


def _read(path: str | Path, max_entry_bytes: int) -> EvalLog:
    # Imported on use: inspect_ai takes seconds to import, and every
    # Snakemake start discovers sources through this package.
    from inspect_ai.log import read_eval_log

    if str(path).endswith(".eval"):
        check_archive(path, max_entry_bytes)
    try:
        return read_eval_log(str(path))
    except Exception as error:  # inspect_ai raises many types for damaged logs; all mean "unreadable"
        raise ArchiveError(f"inspect_ai cannot read the log: {type(error).__name__}: {error}") from error


def _trial(log: EvalLog, sample: EvalSample, spec: Mapping[str, Any]) -> dict[str, Any]:
    def lookup(kind: str, key: str) -> Any:
        where = {"task_arg": log.eval.task_args, "metadata": sample.metadata or {}, "spec": log.eval.model_dump()}[kind]
        if key not in where:
            raise MappingError(f"{kind} {key!r} not found in the log")
        return where[key]

    fields = {"model": {"spec": "model"}, **spec.get("fields", {})}
    return {
        "study": spec["study"],
        "scenario": spec["scenario"],
        "trial_id": f"{log.eval.eval_id}:{sample.id}:{sample.epoch}",
        **resolve_fields(fields, lookup),
    }


def _label(sample: EvalSample, spec: Mapping[str, Any]) -> int | None:
    outcome = spec.get("outcome")
    if outcome is None:
        return None
    score = (sample.scores or {}).get(outcome["scorer"])
    if score is None:
        raise MappingError(f"sample has no score from scorer {outcome['scorer']!r}")
    return int(mapped(score.value, outcome["values"], f"scorer {outcome['scorer']!r}"))


def _commands(sample: EvalSample) -> list[str]:
    return [
        tool_call_command(call.function, call.arguments)
        for message in sample.messages
        if message.role == "assistant"
        for call in (message.tool_calls or [])
    ]


def _sample_key(log: EvalLog, sample: EvalSample) -> str:
    return f"{log.eval.eval_id}:{sample.id}:{sample.epoch}"


def _summary(source: str, counts: Mapping[str, int], quarantined: list[Quarantined], columns: Mapping[str, list[Any]]) -> dict[str, Any]:
    return {"file": source, "format": "inspect", **counts, "quarantined": len(quarantined), "rows": len(columns["study"])}
