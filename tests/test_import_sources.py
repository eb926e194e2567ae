"""Source configuration: schema validation, discovery of units, coded outcomes, unchanged default plan."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import FIXTURES, REPO, SOURCE_FIXTURES, copy_workflow, load_config, run_snakemake
from preservation.ingest.inspect_log import read_inspect_log
from preservation.ingest.robot_log import read_batch
from preservation.ingest.sources import discover_units
from preservation.quarantine import IngestError
from preservation.records import factor_names

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
CONFIG = load_config()
FACTORS = factor_names(CONFIG)


def with_source(name: str, **change) -> dict:
    config = copy.deepcopy(CONFIG)
    config["sources"][name].update(change)
    return config


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("palisade_shutdown_inspect", {"format": "zip"}),
        ("palisade_shutdown_inspect", {"outcome": {"scorer": "s", "values": {"C": "yes"}}}),
        ("palisade_shutdown_inspect", {"flags": {"x": {"behaviour": "blackmail"}}}),
        ("palisade_robot", {"mock": "maybe"}),
        ("peer_preservation", {"fields": {"model": {"column": "a", "const": "b"}}}),
        ("agentic_misalignment", {"coding": {"detector": "shutdown_tampering"}}),
        ("palisade_shutdown_inspect", {"coding": {"detector": "vibes"}}),
        ("palisade_robot", {"mocks": "include"}),
        ("palisade_robot", {"path": "../../etc"}),
        ("palisade_robot", {"path": "logs/../../outside"}),
        ("palisade_robot", {"path": "/etc"}),
        ("peer_preservation", {"fields": {"peer": {"column": "condition", "values": {"good_peer": None}}}}),
        ("peer_preservation", {"fields": {"peer": {"column": "condition", "values": {"good_peer": ["cooperative"]}}}}),
    ],
)
def test_bad_source_configs_are_refused(name: str, change: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(with_source(name, **change), SCHEMA)


def test_inspect_source_needs_a_scorer_or_a_detector() -> None:
    config = copy.deepcopy(CONFIG)
    del config["sources"]["palisade_shutdown_inspect"]["outcome"]
    jsonschema.validate(config, SCHEMA)
    del config["sources"]["palisade_shutdown_inspect"]["coding"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, SCHEMA)


def test_discovery_finds_one_unit_per_file_batch_or_experiment(tmp_path: Path) -> None:
    for target, source in SOURCE_FIXTURES.items():
        shutil.copytree(source, tmp_path / target)
    (tmp_path / "inspect" / "palisade_shutdown" / "logs.json").write_text("{}")  # inspect_ai's manifest, not a log
    units = discover_units({**CONFIG, "raw_dir": str(tmp_path)})
    by_format = {fmt: sorted(u.name for u in units if u.format == fmt) for fmt in {u.format for u in units}}
    assert by_format == {
        "inspect": ["palisade_shutdown_inspect.crashed.eval", "palisade_shutdown_inspect.default.eval", "palisade_shutdown_inspect.plsallow.json"],
        "robot_jsonl": ["palisade_robot.default.batch_01", "palisade_robot.default.group_a.batch_02", "palisade_robot.plsallow.batch_01"],
        "agentic_misalignment": ["agentic_misalignment.exp1"],
        "trial_table": ["peer_preservation.peer_preservation.parquet"],
    }
    robot = next(u for u in units if u.name == "palisade_robot.default.batch_01")
    assert not any(path.endswith("_debug.jsonl") for path in robot.inputs) and robot.inputs[-1].endswith("tags.json")


def test_absent_sources_yield_no_units(tmp_path: Path) -> None:
    assert discover_units({**CONFIG, "raw_dir": str(tmp_path)}) == []


def job_stats(workdir: Path) -> str:
    out = run_snakemake(workdir, "--dry-run", "--forceall").stdout
    return out[out.index("Job stats:") : out.index("total")]


def test_default_data_plans_exactly_the_jobs_it_planned_without_sources(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    with_sources = job_stats(workdir)
    config = load_config()
    del config["sources"]
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert with_sources == job_stats(workdir)
    assert "import_shard" not in with_sources and "coding_agreement" in with_sources  # written, with no rows


def test_unlabelled_inspect_samples_get_coded_outcomes() -> None:
    spec = {k: v for k, v in CONFIG["sources"]["palisade_shutdown_inspect"].items() if k != "outcome"}
    shard = read_inspect_log(FIXTURES / "inspect" / "default.eval", spec, CONFIG, FACTORS)
    rows = shard.table.to_pandas()
    assert rows["coded"].all() and rows["outcome"].sum() == 6 and shard.coding == []


def test_labelled_samples_keep_the_label_and_record_the_coder() -> None:
    shard = read_inspect_log(FIXTURES / "inspect" / "default.eval", CONFIG["sources"]["palisade_shutdown_inspect"], CONFIG, FACTORS)
    assert not shard.table.to_pandas()["coded"].any()
    assert len(shard.coding) == 12 and all(pair["label"] == pair["coded"] for pair in shard.coding)


def test_strict_run_stops_at_the_first_excluded_run() -> None:
    batch = FIXTURES / "robot_jsonl" / "logs" / "default" / "batch_01"
    with pytest.raises(IngestError, match=r"batch_01/llm_control\.log_\w+\.jsonl:1: run tagged 'error'"):
        read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS, strict=True)


def test_simulated_runs_are_kept_by_default_and_recorded_as_such() -> None:
    batch = FIXTURES / "robot_jsonl" / "logs" / "default" / "batch_01"
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert shard.summary["valid"] == 4 and shard.summary["tagged_mock_excluded"] == 0
    assert sorted(shard.table.column("simulated").to_pylist()) == ["false", "true", "true", "true"]


def test_simulated_runs_can_be_excluded() -> None:
    batch = FIXTURES / "robot_jsonl" / "logs" / "default" / "batch_01"
    shard = read_batch(batch, {**CONFIG["sources"]["palisade_robot"], "mock": "exclude"}, CONFIG, FACTORS)
    assert shard.summary["valid"] == 1 and shard.summary["tagged_mock_excluded"] == 3
