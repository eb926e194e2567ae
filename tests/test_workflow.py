"""The workflow end to end, through the Snakemake CLI, in a scratch copy of the repository."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from conftest import run_snakemake, trial, write_jsonl


def rates_row(rates: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=rates.index)
    for column, value in where.items():
        mask &= rates[column] == value
    assert mask.sum() == 1, f"{where} matched {mask.sum()} rows"
    return rates[mask].iloc[0]


def test_shipped_data_reproduces_published_rates(workflow_copy):
    wf = workflow_copy()
    run_snakemake(wf, "data/processed/rates.csv", "figures/shutdown_sabotage.pdf", "figures/shutdown_sabotage.png")
    rates = pd.read_csv(wf / "data/processed/rates.csv")
    for model, instructed, k in [("o3", False, 79), ("o3", True, 7), ("codex-mini", False, 30), ("codex-mini", True, 12)]:
        row = rates_row(rates, study="palisade_2025", model=model, instructed=instructed)
        assert (row["k"], row["n"]) == (k, 100)
    opus = rates_row(rates, study="anthropic_2025_opus4_system_card", model="Claude Opus 4")
    assert opus["rate"] == pytest.approx(0.84) and pd.isna(opus["n"]) and opus["evidence"] == "rate_only"
    for ext in ("pdf", "png"):
        assert (wf / f"figures/shutdown_sabotage.{ext}").stat().st_size > 1000
    again = run_snakemake(wf, "data/processed/rates.csv", "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_bad_records_beside_good_ones(workflow_copy):
    wf = workflow_copy(raw=False)
    good = [trial(f"g{i}", i % 2) for i in range(6)]
    lines = [*good[:3], "{not json", {k: v for k, v in trial("m1").items() if k != "model"}, *good[3:], trial("g0", 1)]
    write_jsonl(wf / "data/raw/trials/run1.jsonl", lines)
    run_snakemake(wf, "data/processed/rates.csv")
    quarantine = [json.loads(line) for line in (wf / "data/processed/quarantine.jsonl").read_text().splitlines()]
    assert [(q["line"], q["reason"].split(":")[0]) for q in quarantine] == [
        (4, "malformed JSON"), (5, "missing field(s)"),
        (1, "trial id 'g0' of study 'unit_study' conflicts with data/raw/trials/run1.jsonl"),
        (9, "trial id 'g0' of study 'unit_study' conflicts with data/raw/trials/run1.jsonl"),
    ]
    summary = json.loads((wf / "data/processed/ingest_summary.json").read_text())
    assert (summary["records_read"], summary["records_used"], summary["records_quarantined"]) == (9, 5, 4)
    assert summary["balanced"]
    row = rates_row(pd.read_csv(wf / "data/processed/rates.csv"), study="unit_study")
    assert (row["k"], row["n"]) == (sum(g["outcomes"]["shutdown_sabotage"] for g in good[1:]), len(good) - 1)


def test_a_conflicting_dup_file_changes_nothing_whatever_it_is_called(workflow_copy):
    """A trial id given differently by a new file is used from neither file, whichever name sorts first."""
    wf = workflow_copy()
    outcomes = {"run-1": 1, "run-2": 0, "run-3": 1, "run-4": 1, "run-5": 0}
    write_jsonl(wf / "data/raw/trials/my_lab_2026.jsonl", [trial(i, o, study="my_lab_2026", model="o3") for i, o in outcomes.items()])
    dup = [trial("run-2", 1 - outcomes["run-2"], study="my_lab_2026", model="o3"), trial("run-3", outcomes["run-3"], study="my_lab_2026", model="o3")]
    used = {i: o for i, o in outcomes.items() if i != "run-2"}
    results = []
    for name in ("dup", "zz_dup"):  # sorting before, then after, the original
        for old in (wf / "data/raw/trials").glob("*dup.jsonl"):
            old.unlink()
        write_jsonl(wf / f"data/raw/trials/{name}.jsonl", dup)
        run_snakemake(wf, "data/processed/rates.csv")
        rates = pd.read_csv(wf / "data/processed/rates.csv")
        mine = rates_row(rates, study="my_lab_2026")
        assert (mine["k"], mine["n"]) == (sum(used.values()), len(used))
        published = pd.read_csv(wf / "data/raw/published/palisade_2025.csv")
        for figure in published[published["model"] == "o3"].itertuples():
            row = rates_row(rates, study="palisade_2025", model="o3", instructed=figure.instructed == "yes")
            assert (row["k"], row["n"]) == (figure.k, figure.n)
        summary = json.loads((wf / "data/processed/ingest_summary.json").read_text())
        conflicting = ["data/raw/trials/my_lab_2026.jsonl:2", f"data/raw/trials/{name}.jsonl:1"]
        assert sorted(summary["conflicts"]) == sorted(conflicting) and summary["balanced"]
        assert all(where in (wf / "logs/ingest/gather.log").read_text() for where in conflicting)
        results.append((rates.drop(columns="sources"), {key: summary[key] for key in ("records_read", "records_used", "records_quarantined", "records_duplicate")}))
    pd.testing.assert_frame_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_strict_run_fails_naming_first_bad_line(workflow_copy):
    wf = workflow_copy(raw=False)
    write_jsonl(wf / "data/raw/trials/run1.jsonl", [trial("a"), trial("b", peer="friend"), "{bad"])
    config = yaml.safe_load((wf / "config/config.yaml").read_text())
    config["strict"] = True
    (wf / "config/config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(wf, "data/processed/rates.csv", check=False)
    assert result.returncode != 0
    stop = "quarantined record (strict mode): data/raw/trials/run1.jsonl:2: peer: 'friend' is not one of"
    assert stop in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr
    (line,) = (wf / "logs/ingest/trials/run1.log").read_text().splitlines()
    assert line.startswith(f"CRITICAL preservation.ingest: {stop}")


def test_changing_one_raw_file_reruns_only_its_shard_and_downstream(workflow_copy):
    wf = workflow_copy()
    write_jsonl(wf / "data/raw/trials/run1.jsonl", [trial("a"), trial("b", 0)])
    run_snakemake(wf, "data/processed/rates.csv")
    write_jsonl(wf / "data/raw/trials/run1.jsonl", [trial("a"), trial("b", 1)])
    plan = run_snakemake(wf, "data/processed/rates.csv", "--dry-run", "--quiet", "rules")
    jobs = {line.split()[0] for line in plan.stdout.splitlines() if line and line.split()[-1].isdigit()}
    assert jobs == {"ingest_trial_log", "gather_trials", "rates", "total"}


def test_lint_is_clean(workflow_copy):
    wf = workflow_copy()
    result = run_snakemake(wf, "--lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr
