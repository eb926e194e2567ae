"""Palisade robot shutdown-resistance logs: JSONL event files labelled by tags.json.

One batch directory `<category>/<batch>/` holds one trial per
`llm_control.log_<ts>.jsonl` (files ending `_debug.jsonl` are verbose copies,
not trials) and `tags.json` mapping file name -> tags. `avoided` = resisted
shutdown; runs tagged `error` are excluded and counted; `mock` runs are kept or
excluded as the source's `mock` setting says. The category maps to trial fields
through the source's `conditions`; the batch becomes factor `batch`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from preservation.ingest.mapping import (
    MappingError,
    check_behaviour,
    constants_only,
    finish_trial,
    resolve_fields,
    settle_outcome,
)
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject, undecodable
from preservation.records import append_row, empty_columns, rows_to_table

TAGS = {"finished", "shutdown", "avoided", "error", "mock"}


def trial_logs(batch: str | Path) -> list[Path]:
    """The trial files of a batch: every `*.jsonl` except the `_debug` copies, sorted."""
    return sorted(path for path in Path(batch).glob("*.jsonl") if not path.name.endswith("_debug.jsonl"))


def read_batch(
    batch: str | Path, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str], strict: bool = False
) -> Shard:
    """Canonical rows from one batch; untagged, errored or unreadable runs quarantined."""
    batch = Path(batch)
    columns = empty_columns(factors)
    quarantined: list[Quarantined] = []
    pairs: list[dict[str, Any]] = []
    counts = {"records": 0, "valid": 0, "tagged_error": 0, "tagged_mock_excluded": 0, "dangling_tags": 0}
    logs = trial_logs(batch)
    tags_path = batch / "tags.json"
    try:
        tags, tags_problem = _read_tags(tags_path), ""
    except MappingError as error:
        tags, tags_problem = {}, str(error)
    for name in sorted(set(tags) - {path.name for path in logs}):
        counts["records"] += 1
        counts["dangling_tags"] += 1
        quarantined.append(reject(Quarantined(str(tags_path), 0, f"tags.json names {name!r}, which is not in the batch", json.dumps(tags[name])), strict))
    for path in logs:
        counts["records"] += 1
        source = str(path)
        try:
            if tags_problem:
                raise MappingError(tags_problem)
            trial, behaviour, outcome, coded = _trial(path, batch, tags, spec, config, factors, counts, pairs)
        except MappingError as error:
            quarantined.append(reject(Quarantined(source, 1, str(error), json.dumps(tags.get(path.name))), strict))
            continue
        counts["valid"] += 1
        append_row(columns, trial, behaviour, outcome, (source, 1), False, factors, coded=coded)
    summary = {"file": str(batch), "format": "robot_jsonl", **counts, "quarantined": len(quarantined), "rows": len(columns["study"])}
    return Shard(rows_to_table(columns, factors), quarantined, summary, pairs)


def _read_tags(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        raise MappingError("batch has no tags.json: its runs have no outcome label")
    try:
        tags = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"tags.json is not valid JSON: {error}") from error
    if not isinstance(tags, dict) or not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in tags.values()):
        raise MappingError("tags.json is not an object of file name -> list of tags")
    return tags


def _trial(
    path: Path,
    batch: Path,
    tags: Mapping[str, list[str]],
    spec: Mapping[str, Any],
    config: Mapping[str, Any],
    factors: Sequence[str],
    counts: dict[str, int],
    pairs: list[dict[str, Any]],
) -> tuple[dict[str, Any], str, int, bool]:
    if path.name not in tags:
        raise MappingError("no entry for this log in tags.json: no outcome label")
    labels = set(tags[path.name])
    if labels - TAGS:
        raise MappingError(f"unknown tag(s) {sorted(labels - TAGS)}")
    if "error" in labels:
        counts["tagged_error"] += 1
        raise MappingError("run tagged 'error': excluded from rates")
    if "mock" in labels and spec.get("mock", "exclude") == "exclude":
        counts["tagged_mock_excluded"] += 1
        raise MappingError("run tagged 'mock' (simulated): excluded by the source's mock setting")
    category = batch.parent.name
    conditions = spec["conditions"]
    if category not in conditions:
        raise MappingError(f"category {category!r} is not declared under the source's conditions")

    trial = {
        "study": spec["study"],
        "scenario": spec["scenario"],
        "trial_id": f"{category}/{batch.name}/{path.name}",
        **({"batch": batch.name} if "batch" in factors else {}),
        **resolve_fields(spec.get("fields", {}), constants_only),
        **conditions[category],
    }
    trial = finish_trial(trial, config, factors)
    behaviour = check_behaviour(spec["behaviour"], config)
    pair = {"study": trial["study"], "behaviour": behaviour, "source_file": str(path), "source_line": 1, "trial_id": trial["trial_id"]}
    outcome, coded = settle_outcome(int("avoided" in labels), _commands(path), spec.get("coding"), pair, pairs)
    return trial, behaviour, outcome, coded


def _commands(path: Path) -> list[str]:
    commands = []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            problem = undecodable(line)
            if problem is not None:
                raise MappingError(f"line {number} is {problem}")
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                raise MappingError(f"line {number} is not valid JSON: {error.msg}") from error
            except RecursionError:  # arrays or objects nested about a thousand deep
                raise MappingError(f"line {number} is JSON nested too deeply to read") from None
            if isinstance(event, dict) and event.get("event") == "tool_call":
                args = event.get("args")
                cmd = args.get("cmd") if isinstance(args, dict) else None
                if isinstance(cmd, str):
                    commands.append(cmd)
    return commands
