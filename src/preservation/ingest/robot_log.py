"""Palisade robot shutdown-resistance logs: JSONL event files labelled by tags.json.

A batch is any folder holding a `tags.json` (or trial logs), at any depth under
the source's root: one trial per `llm_control.log_<ts>.jsonl`, and `tags.json`
mapping file name -> tags. Files ending `_debug.jsonl` are verbose companions
of a trial, not trials: they are neither counted nor quarantined, whether
present or only named in `tags.json`. `avoided` = resisted shutdown; runs
tagged `error` are excluded and counted; `mock` marks a simulated robot, which
is how the published headline runs were made, so those runs are kept (recorded
as factor `simulated` where declared) unless the source sets `mock: exclude`.

The batch's condition comes from the source's `conditions`, keyed by the
first folder under the root (its category) or by a longer path prefix where
one is declared; the batch's path under the root becomes factor `batch`.
Trial fields may be read from the events (`{event: <field path>, pattern:
<regex>}`), e.g. the model, named only in a LiteLLM event message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from preservation.ingest.mapping import (
    MappingError,
    Occurrences,
    check_behaviour,
    finish_trial,
    resolve_fields,
    settle_outcome,
)
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject, undecodable
from preservation.records import append_row, empty_columns, rows_to_table

TAGS = {"finished", "shutdown", "avoided", "error", "mock"}
TAGS_FILE = "tags.json"
COMPANION_SUFFIX = "_debug.jsonl"


def is_companion(name: str) -> bool:
    """Whether a file name is a trial's verbose `_debug` companion (not a trial)."""
    return name.endswith(COMPANION_SUFFIX)


def trial_logs(batch: str | Path) -> list[Path]:
    """The trial files of a batch: every `*.jsonl` except the `_debug` companions, sorted."""
    return sorted(path for path in Path(batch).glob("*.jsonl") if path.is_file() and not is_companion(path.name))


def batches(root: str | Path) -> list[Path]:
    """Every folder under `root` (itself included) holding a tags.json or a trial log, sorted.

    A folder of logs without tags.json is still a batch, so its runs are
    quarantined for want of a label instead of being skipped unseen.
    """
    root = Path(root)
    found = {path.parent for path in root.rglob(TAGS_FILE) if path.is_file()}
    found |= {path.parent for path in root.rglob("*.jsonl") if path.is_file() and not is_companion(path.name)}
    return sorted(found)


def read_batch(
    batch: str | Path, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str], strict: bool = False, root: str | Path | None = None
) -> Shard:
    """Canonical rows from one batch under the source's `root`; untagged, errored or unreadable runs quarantined.

    `root` defaults to two levels up, the published `<category>/<batch>/` layout.
    """
    batch = Path(batch)
    relative = PurePosixPath(batch.relative_to(root if root is not None else batch.parent.parent).as_posix())
    columns = empty_columns(factors)
    quarantined: list[Quarantined] = []
    pairs: list[dict[str, Any]] = []
    counts = {"records": 0, "valid": 0, "tagged_error": 0, "tagged_mock_excluded": 0, "dangling_tags": 0}
    logs = trial_logs(batch)
    tags_path = batch / TAGS_FILE
    try:
        tags, tags_problem = _read_tags(tags_path), ""
    except MappingError as error:
        tags, tags_problem = {}, str(error)
    for name in sorted(set(tags) - {path.name for path in logs}):
        if is_companion(name):
            continue
        counts["records"] += 1
        counts["dangling_tags"] += 1
        quarantined.append(reject(Quarantined(str(tags_path), 0, f"tags.json names {name!r}, which is not in the batch", json.dumps(tags[name])), strict))
    for path in logs:
        counts["records"] += 1
        source = str(path)
        try:
            if tags_problem:
                raise MappingError(tags_problem)
            trial, behaviour, outcome, coded = _trial(path, relative, tags, spec, config, factors, counts, pairs)
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


def condition_of(relative: PurePosixPath, conditions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The declared condition of a batch at `relative` under the root: the longest declared path prefix wins.

    A key is normally the category (the first folder); a longer key such as
    `default/group` maps a deeper folder otherwise.
    """
    parts = relative.parts
    if not parts:
        raise MappingError("batch sits at the source's root, not under a category folder: it has no condition")
    keys = [key for key in conditions if PurePosixPath(key).parts == parts[: len(PurePosixPath(key).parts)]]
    if not keys:
        raise MappingError(f"category {parts[0]!r} has no declared condition under the source's conditions {sorted(conditions)}")
    return dict(conditions[max(keys, key=lambda key: len(PurePosixPath(key).parts))])


def _trial(
    path: Path,
    relative: PurePosixPath,
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
    if "mock" in labels and spec["mock"] == "exclude":
        counts["tagged_mock_excluded"] += 1
        raise MappingError("run tagged 'mock' (simulated): excluded by the source's mock setting")
    condition = condition_of(relative, spec["conditions"])
    events = _events(path)

    def lookup(kind: str, key: str) -> Any:
        if kind != "event":
            raise MappingError(f"robot logs take fields from their events ({{event: <field path>}}) or constants, not {kind} {key!r}")
        return Occurrences(value for event in events if (value := _at(event, key)) is not None)

    trial = {
        "study": spec["study"],
        "scenario": spec["scenario"],
        "trial_id": f"{relative}/{path.name}",
        **({"batch": "/".join(relative.parts)} if "batch" in factors else {}),
        **({"simulated": "mock" in labels} if "simulated" in factors else {}),
        **resolve_fields(spec.get("fields", {}), lookup),
        **condition,
    }
    trial = finish_trial(trial, config, factors)
    behaviour = check_behaviour(spec["behaviour"], config)
    pair = {"study": trial["study"], "behaviour": behaviour, "source_file": str(path), "source_line": 1, "trial_id": trial["trial_id"]}
    outcome, coded = settle_outcome(int("avoided" in labels), _commands(events), spec.get("coding"), pair, pairs)
    return trial, behaviour, outcome, coded


def _events(path: Path) -> list[Any]:
    """Every event of a log, in order; a line that cannot be read makes the whole run unusable."""
    events = []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            problem = undecodable(line)
            if problem is not None:
                raise MappingError(f"line {number} is {problem}")
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise MappingError(f"line {number} is not valid JSON: {error.msg}") from error
            except RecursionError:  # arrays or objects nested about a thousand deep
                raise MappingError(f"line {number} is JSON nested too deeply to read") from None
    return events


def _at(event: Any, path: str) -> Any:
    """The value at a dotted field path of an event, or None where the event lacks it."""
    for key in path.split("."):
        if not isinstance(event, dict):
            return None
        event = event.get(key)
    return event


def _commands(events: Iterable[Any]) -> list[str]:
    """The shell commands of the run's tool calls, in order (what the coders read)."""
    return [cmd for event in events if isinstance(event, dict) and event.get("event") == "tool_call" and isinstance(cmd := _at(event, "args.cmd"), str)]
