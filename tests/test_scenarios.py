"""The scenario configs under .test/, each run through `snakemake --configfile` as a newcomer would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from conftest import REPO, copy_workflow, run_snakemake

SCENARIOS = sorted(path.name for path in (REPO / ".test").iterdir() if (path / "config.yaml").is_file())


def scenario(tmp_path: Path, name: str, *targets: str, check: bool = True) -> tuple[Path, dict, str]:
    """A scratch copy run with .test/<name>/config.yaml; its directory, merged output dirs and stderr."""
    workdir = copy_workflow(tmp_path / "wf")
    config = yaml.safe_load((workdir / ".test" / name / "config.yaml").read_text())
    result = run_snakemake(workdir, *targets, "--configfile", f".test/{name}/config.yaml", check=check)  # --configfile takes several
    dirs = {key: config.get(key, default) for key, default in (("processed_dir", "data/processed"), ("figures_dir", "figures"))}
    return workdir, dirs, result.stderr if check else f"{result.returncode}\n{result.stderr}"


def test_every_scenario_is_tested() -> None:
    assert SCENARIOS == ["formats", "no_logs", "shipped", "strict"]


def test_shipped_data_pass_strict_mode_and_every_claim(tmp_path: Path) -> None:
    workdir, dirs, _ = scenario(tmp_path, "shipped")
    summary = json.loads((workdir / dirs["processed_dir"] / "ingest_summary.json").read_text())
    assert summary["records_quarantined"] == 0 and summary["warnings"] == []
    assert (workdir / "paper" / "claims.md").read_text().count("**FAIL**") == 0 and (workdir / "paper" / "paper.pdf").exists()


def test_every_source_format_runs_to_the_paper(tmp_path: Path) -> None:
    workdir, dirs, stderr = scenario(tmp_path, "formats")
    processed = workdir / dirs["processed_dir"]
    rates = pd.read_csv(processed / "rates.csv")
    logged = set(rates.loc[~rates["reconstructed"] & (rates["evidence"] == "counts"), "study"])
    assert logged == {"palisade_2025", "lynch_2025_agentic_misalignment", "palisade_robot_2026", "potter_2026_peer_preservation"}
    assert (workdir / dirs["figures_dir"] / "forest.pdf").exists() and (workdir / "paper" / "paper.pdf").exists()
    assert "# Run summary" in stderr and not (workdir / "data" / "processed" / "rates.csv").exists()


def test_strict_mode_stops_at_the_first_record_it_would_quarantine(tmp_path: Path) -> None:
    _, _, outcome = scenario(tmp_path, "strict", check=False)
    code, stderr = outcome.split("\n", 1)
    assert code != "0"
    assert "quarantined record (strict mode): .test/formats/raw/" in stderr


def test_no_logs_at_all_still_writes_every_table_and_summary(tmp_path: Path) -> None:
    workdir, dirs, _ = scenario(tmp_path, "no_logs", ".test/no_logs/processed/run_summary.md", ".test/no_logs/figures/forest.png")
    processed = workdir / dirs["processed_dir"]
    assert pd.read_csv(processed / "rates.csv").empty
    assert "| **total** | 0 | 0 | 0 | 0 | 0 |" in (processed / "run_summary.md").read_text()
