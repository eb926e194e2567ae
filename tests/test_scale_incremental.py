"""Incremental runs: only the shard of an added or changed raw file, and what depends on it, re-runs."""

from __future__ import annotations

from pathlib import Path

from conftest import run_snakemake, trial, write_jsonl


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
