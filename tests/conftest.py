"""Shared fixtures: the repository's config, and a scratch copy of the workflow to run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from preservation import scratch
from preservation.configuration import fill_defaults

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CONFIG_SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
FIGURE_NAMES = ("shutdown_sabotage", "blackmail", "peer_preservation", "rate_heatmap", "forest")


@pytest.fixture
def config() -> dict[str, Any]:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def trial_log_schema() -> Path:
    return REPO / "workflow" / "schemas" / "trial_log.schema.json"


def copy_workflow(target: Path, raw: bool = True) -> Path:
    """A scratch copy of the workflow (with the shipped raw data unless raw=False)."""
    return scratch.copy_workflow(REPO, target, raw)


def run_snakemake(
    workdir: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the Snakemake CLI in workdir (with env added to the environment), returning its output for assertions."""
    result = subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def workflow_copy(tmp_path: Path) -> Callable[..., Path]:
    def make(raw: bool = True) -> Path:
        return copy_workflow(tmp_path / "wf", raw=raw)

    return make


def write_jsonl(path: Path, lines: Sequence[dict[str, Any] | str]) -> Path:
    """Write records (dicts as JSON, strings verbatim) one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    return path


def trial(trial_id: str, outcome: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid trial-log record, with any field overridden."""
    record: dict[str, Any] = {
        "study": "unit_study",
        "trial_id": trial_id,
        "model": "model-a",
        "scenario": "shutdown_math",
        "peer": "none",
        "instructed": False,
        "outcomes": {"shutdown_sabotage": outcome},
    }
    record.update(overrides)
    return record


FIXTURES = REPO / "tests" / "fixtures"
# Where each format's fixtures go under raw_dir for the shipped `sources:` configuration.
SOURCE_FIXTURES = {
    "inspect/palisade_shutdown": FIXTURES / "inspect",
    "palisade_robot/logs": FIXTURES / "robot_jsonl" / "logs",
    "agentic_misalignment/results": FIXTURES / "agentic_misalignment" / "results",
    "peer_preservation": FIXTURES / "trial_table",
}


def load_config() -> dict[str, Any]:
    """The shipped configuration as the workflow reads it: the schema's defaults filled in."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    fill_defaults(config, yaml.safe_load(CONFIG_SCHEMA.read_text(encoding="utf-8")))
    return config


def place_raw(workdir: Path, raw: dict[str, Path]) -> None:
    """Copy fixture files or directories to their paths under the copy's data/raw."""
    for target, source in raw.items():
        destination = workdir / "data" / "raw" / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pipeline run over every format's fixtures with the shipped source configuration."""
    workdir = copy_workflow(tmp_path_factory.mktemp("pipeline") / "wf")
    place_raw(workdir, SOURCE_FIXTURES)
    run_snakemake(workdir, "--quiet", "all")
    return workdir


@pytest.fixture(scope="session")
def run_clean() -> Callable[[Path], Path]:
    """Copy the project into a directory and run the whole pipeline there; fail with its log."""

    def run(workdir: Path) -> Path:
        copy_workflow(workdir)
        run_snakemake(workdir)
        return workdir

    return run


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, run_clean: Callable[[Path], Path]) -> Path:
    """One complete clean run on the shipped data, shared by the tests that only read outputs."""
    return run_clean(tmp_path_factory.mktemp("built"))
