"""Shared test helpers: the repository root, fixtures, and a pipeline run in a temporary copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def load_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def run_pipeline(workdir: Path, raw: dict[str, Path], config: dict) -> subprocess.CompletedProcess:
    """Copy the workflow into `workdir`, place raw fixtures under data/raw, run snakemake there."""
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(ROOT / name, workdir / name)
    for name in ("workflow", "config"):
        shutil.copytree(ROOT / name, workdir / name)
    shutil.copytree(ROOT / "data" / "raw" / "published", workdir / "data" / "raw" / "published")
    for target, source in raw.items():
        destination = workdir / "data" / "raw" / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = subprocess.run([str(SNAKEMAKE), "--cores", "2", "--quiet", "all"], cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pipeline run over every format's fixtures with the shipped source configuration."""
    workdir = tmp_path_factory.mktemp("pipeline")
    raw = {
        "inspect/palisade_shutdown": FIXTURES / "inspect",
        "palisade_robot/logs": FIXTURES / "robot_jsonl" / "logs",
        "agentic_misalignment/results": FIXTURES / "agentic_misalignment" / "results",
        "peer_preservation": FIXTURES / "trial_table",
    }
    run_pipeline(workdir, raw, load_config())
    return workdir
