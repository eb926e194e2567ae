"""Shared fixtures: the pipeline run end to end in a scratch copy of the project."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
PROJECT_FILES = ("Snakefile", "environment.yml", "workflow", "config", "data/raw", "paper/analysis.ipynb", "paper/paper.typ", "paper/claims.yaml")
FIGURE_NAMES = ("shutdown_sabotage", "blackmail", "peer_preservation", "rate_heatmap")


def copy_project(target: Path) -> Path:
    """Copy the pipeline's sources (not its outputs) into `target`."""
    for name in PROJECT_FILES:
        source, destination = REPO / name, target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination)
        else:
            shutil.copy2(source, destination)
    return target


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run snakemake on 2 cores in `workdir` (no network is needed)."""
    return subprocess.run([str(SNAKEMAKE), "--cores", "2", *args], cwd=workdir, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def run_clean() -> Callable[[Path], Path]:
    """Copy the project into a directory and run the whole pipeline there; fail with its log."""

    def run(workdir: Path) -> Path:
        copy_project(workdir)
        result = snakemake(workdir)
        assert result.returncode == 0, result.stderr[-4000:]
        return workdir

    return run


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, run_clean: Callable[[Path], Path]) -> Path:
    """One complete clean run on the shipped data, shared by the tests that only read outputs."""
    return run_clean(tmp_path_factory.mktemp("built"))
