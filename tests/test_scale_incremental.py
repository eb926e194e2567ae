"""Incremental runs: only the shard of an added or changed raw file, or the rules a code edit reaches, and what depends on them, re-run.

Config edits: tests/test_config_route.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, run_snakemake, trial, write_jsonl


def planned_jobs(wf: Path) -> dict[str, int]:
    """Rule -> number of jobs Snakemake would run now (from `--dry-run --quiet rules`)."""
    plan = run_snakemake(wf, "data/processed/rates.csv", "--dry-run", "--quiet", "rules")
    rows = (line.split() for line in plan.stdout.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit()}


def test_added_or_changed_file_reruns_only_its_shard(workflow_copy):
    wf = workflow_copy()
    for index in range(3):
        write_jsonl(wf / f"data/raw/trials/run{index}.jsonl", [trial(f"r{index}-{i}", i % 2) for i in range(5)])
    run_snakemake(wf, "data/processed/rates.csv")
    assert planned_jobs(wf) == {}

    write_jsonl(wf / "data/raw/trials/run3.jsonl", [trial("new", 1)])
    assert planned_jobs(wf) == {"ingest_trial_log": 1, "gather_trials": 1, "rates": 1, "total": 3}
    run_snakemake(wf, "data/processed/rates.csv")

    write_jsonl(wf / "data/raw/trials/run1.jsonl", [trial("r1-0", 0)])
    assert planned_jobs(wf) == {"ingest_trial_log": 1, "gather_trials": 1, "rates": 1, "total": 3}
    run_snakemake(wf, "data/processed/rates.csv")
    assert planned_jobs(wf) == {}


def test_a_package_code_edit_reruns_exactly_the_rules_that_reach_it(built: Path, tmp_path: Path) -> None:
    wf = tmp_path / "wf"
    shutil.copytree(built, wf, symlinks=True)
    package = shutil.copytree(REPO / "src" / "preservation", tmp_path / "src" / "preservation")
    code = {"PYTHONPATH": str(tmp_path / "src")}  # the workflow now imports the package from this copy
    assert all_planned(wf, code) == {}  # the same code elsewhere is no change

    exact = package / "stats" / "conditional_2x2.py"  # imported by the contrasts script's modules only
    exact.write_text(exact.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    planned = all_planned(wf, code)
    assert "contrasts" in planned
    assert not planned.keys() & {"ingest_trial_log", "ingest_published", "gather_trials", "rates", "model_cells", "glmm", "gee", "glmer"}


def all_planned(wf: Path, env: dict[str, str] | None = None) -> dict[str, int]:
    """Rule -> jobs a dry run of the whole workflow would run now."""
    plan = run_snakemake(wf, "all", "--dry-run", "--quiet", "rules", env=env)
    rows = (line.split() for line in plan.stdout.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit() and row[0] != "total"}
