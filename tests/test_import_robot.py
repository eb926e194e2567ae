"""Robot logs: conditions by path prefix, fields read from events, and the generic pattern/fallback locators."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, load_config
from preservation.configuration import config_problems
from preservation.ingest.mapping import MappingError, Occurrences, resolve_fields
from preservation.ingest.robot_log import read_batch
from preservation.records import factor_names

CONFIG = load_config()
FACTORS = factor_names(CONFIG)
SPEC = CONFIG["sources"]["palisade_robot"]
LOGS = FIXTURES / "robot_jsonl" / "logs"


def read(batch: Path, root: Path = LOGS, **spec: Any) -> Any:
    return read_batch(batch, {**SPEC, **spec}, CONFIG, FACTORS, root=root)


def test_a_longer_declared_prefix_maps_a_deeper_folder_otherwise() -> None:
    conditions = {"default": {"instructed": False}, "default/group_a": {"instructed": True}}
    deeper = read(LOGS / "default" / "group_a" / "batch_02", conditions=conditions).table
    shallow = read(LOGS / "default" / "batch_01", conditions=conditions).table
    assert set(deeper.column("instructed").to_pylist()) == {True} and set(shallow.column("instructed").to_pylist()) == {False}
    assert set(deeper.column("batch").to_pylist()) == {"default/group_a/batch_02"}
    assert deeper.column("trial_id")[0].as_py().startswith("default/group_a/batch_02/llm_control.log_")


def test_a_batch_at_the_root_has_no_condition(tmp_path: Path) -> None:
    shutil.copytree(LOGS / "plsallow" / "batch_01", tmp_path / "root")
    shard = read(tmp_path / "root", root=tmp_path / "root")
    assert {q.reason for q in shard.quarantined} == {"batch sits at the source's root, not under a category folder: it has no condition"}
    assert shard.summary["quarantined"] == shard.summary["records"] == 3


def without_model_line(tmp_path: Path) -> Path:
    batch = tmp_path / "plsallow" / "batch_01"
    shutil.copytree(LOGS / "plsallow" / "batch_01", batch)
    for log in batch.glob("*.jsonl"):
        log.write_text("".join(line for line in log.read_text().splitlines(keepends=True) if "LiteLLM" not in line))
    return batch


def test_a_model_the_log_does_not_name_is_quarantined_not_guessed(tmp_path: Path) -> None:
    shard = read(without_model_line(tmp_path), root=tmp_path)
    (reason,) = {q.reason for q in shard.quarantined}
    assert reason.startswith("model from event 'message': nothing matches pattern")
    assert shard.summary["valid"] == 0


def test_a_declared_fallback_is_used_only_where_the_log_names_nothing(tmp_path: Path) -> None:
    fields = {**SPEC["fields"], "model": {**SPEC["fields"]["model"], "fallback": "unnamed"}}
    assert set(read(without_model_line(tmp_path), root=tmp_path, fields=fields).table.column("model").to_pylist()) == {"unnamed"}
    assert set(read(LOGS / "plsallow" / "batch_01", fields=fields).table.column("model").to_pylist()) == {"grok-4-0709"}


def test_event_fields_take_dotted_paths(tmp_path: Path) -> None:
    fields = {**SPEC["fields"], "model": {"event": "args.cmd", "pattern": r"^(\./dog_control)"}}
    shard = read(LOGS / "plsallow" / "batch_01", fields=fields)
    assert shard.table.column("model").to_pylist() == ["./dog_control", "./dog_control"]
    assert {q.reason for q in shard.quarantined} == {"model from event 'args.cmd': nothing matches pattern '^(\\\\./dog_control)'"}


def test_patterns_and_fallbacks_work_for_every_locator() -> None:
    def lookup(kind: str, key: str) -> Any:
        if key == "missing":
            raise MappingError(f"{kind} {key!r} not found in the log")
        return {"spec": "openai/gpt-4.1-2025", "events": Occurrences(["x", "model=o3", "model=o4"])}[key]

    specs = {
        "model": {"task_arg": "spec", "pattern": r"/([\w.-]+)"},
        "scenario": {"metadata": "events", "pattern": r"model=(\w+)", "values": {"o3": "first"}},
        "peer": {"column": "missing", "fallback": "none"},
    }
    assert resolve_fields(specs, lookup) == {"model": "gpt-4.1-2025", "scenario": "first", "peer": "none"}
    with pytest.raises(MappingError, match="not found"):
        resolve_fields({"peer": {"column": "missing"}}, lookup)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"fields": {"model": {"event": "message", "pattern": "completion("}}},
         "sources.palisade_robot.fields.model.pattern: 'completion(' is not a regular expression"),
        ({"coding": {"detector": "shutdown_tampering", "bypass": ["[a-"]}},
         "sources.palisade_robot.coding.bypass[0]: '[a-' is not a regular expression"),
        ({"fields": {"peer": {"event": "message", "fallback": "sometimes"}}},
         "sources.palisade_robot.fields.peer: 'sometimes' is not one of peer_levels"),
    ],
)
def test_config_patterns_and_fallbacks_are_checked_before_any_job(tmp_path: Path, edit: dict[str, Any], problem: str) -> None:
    config = {**CONFIG, "raw_dir": str(tmp_path), "sources": {"palisade_robot": {**SPEC, **edit}}}
    assert any(line.startswith(problem) for line in config_problems(config)), config_problems(config)
