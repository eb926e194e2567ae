"""Scratch copies of the workflow, for the tests, the benchmark and the SLURM smoke test.

Each of them runs the real Snakefile in a directory of its own, so that
nothing it builds touches the checkout. One list of what a copy holds keeps
the three from drifting apart. Run as `python -m preservation.scratch REPO TARGET`.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import yaml

WORKFLOW_PARTS = ("Snakefile", "environment.yml", "workflow", "config", "paper", "profiles", ".test")
# Built files under paper/ and a scenario's outputs are not sources: a copy must rebuild them.
GENERATED = shutil.ignore_patterns("*.pdf", "*.html", "numbers.*", "claims.md", "claims.json", "changes.md", "changes.json", "tables", "*.executed.ipynb", "processed", "figures")


def copy_workflow(repo: Path, target: Path, raw: bool = True) -> Path:
    """Copy the workflow into `target` with the shipped raw data, or with an empty raw directory.

    Links (the scenario configs' raw data under .test/ link to the fixtures) are
    copied as the files they point to, so a copy stands on its own.
    """
    target.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = repo / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=GENERATED)
        elif source.exists():
            shutil.copy2(source, target / part)
    if raw:
        shutil.copytree(repo / "data" / "raw", target / "data" / "raw")
    else:
        (target / "data" / "raw" / "trials").mkdir(parents=True)
    return target


def read_raw_from(target: Path, raw_dir: Path) -> None:
    """Point the copy's config at raw data kept elsewhere (the benchmark's generated logs)."""
    config_path = target / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config_path.write_text(yaml.safe_dump({**config, "raw_dir": str(raw_dir)}), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Copy the workflow and the shipped raw data into a scratch directory.")
    parser.add_argument("repo", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    copy_workflow(args.repo, args.target)


if __name__ == "__main__":
    main()
