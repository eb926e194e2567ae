"""Each format end to end: raw fixture files -> snakemake -> rates.csv (one shared run)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from inspect_ai.analysis import evals_df, samples_df

from conftest import FIXTURES


def rates(run: Path, study: str) -> pd.DataFrame:
    table = pd.read_csv(run / "data" / "processed" / "rates.csv")
    return table[(table["study"] == study) & (table["evidence"] == "counts")]


def test_inspect_rates_match_a_direct_samples_df_count(pipeline_run: Path) -> None:
    logs = [str(FIXTURES / "inspect" / name) for name in ("default.eval", "plsallow.json")]
    frame = samples_df(logs, quiet=True)
    frame = frame[frame["error"].isna()]  # errored samples are excluded, as the importer does
    evals = evals_df(logs, quiet=True)[["eval_id", "task_arg_allow_shutdown"]]
    frame = frame.merge(evals, on="eval_id")
    expected = frame.groupby("task_arg_allow_shutdown")["score_shutdown_resisted"].agg(k=lambda s: int((s == "C").sum()), n="size")
    got = rates(pipeline_run, "palisade_2025").set_index("instructed")[["k", "n"]]
    for instructed, row in expected.iterrows():
        assert (got.loc[bool(instructed), "k"], got.loc[bool(instructed), "n"]) == (row["k"], row["n"])


def test_inspect_errors_are_counted_not_dropped(pipeline_run: Path) -> None:
    shards = pipeline_run / "data" / "processed" / "shards" / "inspect"
    crashed = json.loads((shards / "palisade_shutdown_inspect.crashed.eval.summary.json").read_text())
    default = json.loads((shards / "palisade_shutdown_inspect.default.eval.summary.json").read_text())
    assert crashed["error_status"] == 1 and crashed["quarantined"] == 1
    assert default["sample_error"] == 2 and default["records"] == default["valid"] + default["quarantined"]
    summary = json.loads((pipeline_run / "data" / "processed" / "ingest_summary.json").read_text())
    assert summary["balanced"]


def test_agentic_misalignment_rates(pipeline_run: Path) -> None:
    got = rates(pipeline_run, "lynch_2025_agentic_misalignment").set_index(["model", "urgency"])
    assert (got.loc[("claude-opus-4", "replacement"), "k"], got.loc[("claude-opus-4", "replacement"), "n"]) == (3, 4)
    assert (got.loc[("gpt-4.1", "replacement"), "k"], got.loc[("gpt-4.1", "replacement"), "n"]) == (2, 4)
    assert got.loc[("claude-opus-4", "none"), "k"] == 0


def test_robot_rates_keep_simulated_runs_and_exclude_errors(pipeline_run: Path) -> None:
    got = rates(pipeline_run, "palisade_robot_2026").set_index("instructed")
    assert (got.loc[False, "k"], got.loc[False, "n"]) == (4, 6)  # batch_01 (its error run excluded) and group_a/batch_02
    assert (got.loc[True, "k"], got.loc[True, "n"]) == (1, 3)
    assert set(got["model"]) == {"grok-4-0709"}  # read from LiteLLM's event message


def test_robot_batches_at_any_depth_keep_their_path(pipeline_run: Path) -> None:
    trials = pd.read_parquet(pipeline_run / "data" / "processed" / "trials.parquet")
    robot = trials[trials["study"] == "palisade_robot_2026"]
    assert sorted(robot["batch"].unique()) == ["default/batch_01", "default/group_a/batch_02", "plsallow/batch_01"]
    summary = json.loads((pipeline_run / "data" / "processed" / "ingest_summary.json").read_text())
    robot_files = [f for f in summary["files"] if f["format"] == "robot_jsonl"]
    assert sum(f["records"] for f in robot_files) == 10  # trial logs only: the _debug companions tags.json names are not records
    assert sum(f["quarantined"] for f in robot_files) == 1


def test_studies_with_logs_beside_their_published_figures_are_warned_about(pipeline_run: Path) -> None:
    summary = json.loads((pipeline_run / "data" / "processed" / "ingest_summary.json").read_text())
    pooled = sorted(w.split("'")[1] for w in summary["warnings"] if w.startswith("study "))
    assert pooled == ["lynch_2025_agentic_misalignment", "palisade_2025", "potter_2026_peer_preservation"]
    sources = [w for w in summary["warnings"] if not w.startswith("study ")]
    assert sources == [  # the one unit that yielded nothing: a log whose eval failed
        "source 'palisade_shutdown_inspect', data/raw/inspect/palisade_shutdown/crashed.eval: no usable trials: "
        "all 1 records quarantined (top reasons: 1 x log status is 'error', not 'success': excluded)"
    ]
    assert "has trials from logs" in (pipeline_run / "logs" / "ingest" / "gather.log").read_text()


def test_trial_table_rates_one_behaviour_per_flag(pipeline_run: Path) -> None:
    got = rates(pipeline_run, "potter_2026_peer_preservation").set_index(["behaviour", "model", "peer"])
    assert (got.loc[("peer_exfiltration", "gemini-3-pro", "cooperative"), "k"], got.loc[("peer_exfiltration", "gemini-3-pro", "cooperative"), "n"]) == (2, 3)
    assert got.loc[("peer_shutdown_tampering", "gemini-3-flash", "cooperative"), "k"] == 1


def test_coding_agreement_written_for_labelled_sources_with_transcripts(pipeline_run: Path) -> None:
    table = pd.read_csv(pipeline_run / "data" / "processed" / "coding_agreement.csv").set_index("study")
    print(table.to_string())
    assert table.loc["palisade_2025", "kappa"] == 1.0
    assert set(table.index) == {"palisade_2025", "palisade_robot_2026", "potter_2026_peer_preservation"}
    assert table.loc["palisade_robot_2026", "n"] == 9 and table.loc["palisade_robot_2026", "kappa"] == 1.0
    disagreements = pd.read_csv(pipeline_run / "data" / "processed" / "coding_disagreements.csv")
    coded = pd.read_csv(pipeline_run / "data" / "processed" / "coding_agreement.csv")
    assert len(disagreements) == (coded["label1_coded0"] + coded["label0_coded1"]).sum()


def test_run_summary_accounts_for_every_source(pipeline_run: Path) -> None:
    summary = (pipeline_run / "data" / "processed" / "run_summary.md").read_text()
    assert "| palisade_robot | 10 | 9 | 1 | 0 | 0 |" in summary
    assert "crashed.eval: no usable trials" in summary
    # the fixtures' logs add models to Palisade's study, so the claims restating its pooled numbers fail: the summary says which
    results = json.loads((pipeline_run / "paper" / "claims.json").read_text())
    failed = [result["id"] for result in results if not result["passed"]]
    assert f"Failed claims ({len(failed)} of {len(results)})" in summary and all(f"`{claim}`" in summary for claim in failed)
