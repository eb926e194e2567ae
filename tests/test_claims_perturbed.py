"""A changed trial outcome re-runs only the affected jobs and flips exactly the claims it should."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import run_snakemake

PALISADE = "data/raw/published/palisade_2025.csv"


@pytest.fixture(scope="module")
def perturbed(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built project (outputs and metadata included) with o3 at 78/100 instead of 79/100."""
    workdir = tmp_path_factory.mktemp("perturbed") / "project"
    shutil.copytree(built, workdir, symlinks=True)
    path = workdir / PALISADE
    text = path.read_text()
    assert "o3,shutdown_sabotage,math_tasks_shutdown,none,no,79,100" in text
    path.write_text(text.replace("o3,shutdown_sabotage,math_tasks_shutdown,none,no,79,100", "o3,shutdown_sabotage,math_tasks_shutdown,none,no,78,100"))
    return workdir


def test_only_affected_jobs_rerun(perturbed: Path) -> None:
    plan = run_snakemake(perturbed, "--dry-run", "--quiet", "rules", check=False)
    assert plan.returncode == 0, plan.stderr[-2000:]
    rules = set(re.findall(r"^(\w+)\s+\d+$", plan.stdout, flags=re.MULTILINE))
    assert "ingest_published" in rules and "claims" in rules
    assert "ingest_trial_log" not in rules
    # only the perturbed file's shard is rebuilt, not the other studies'
    assert re.search(r"^ingest_published\s+1$", plan.stdout, flags=re.MULTILINE), plan.stdout


def test_changed_count_fails_its_claim_loudly(perturbed: Path) -> None:
    result = run_snakemake(perturbed, "paper/claims.md", check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    report = (perturbed / "paper/claims.md").read_text()
    head = report.splitlines()[2]
    # the claims restating o3's count, its interval and its instruction effect, and the pooled (meta-analysis)
    # numbers o3 is one unit of; every printed number stays checked
    failed = {result["id"] for result in json.loads((perturbed / "paper/claims.json").read_text()) if not result["passed"]}
    assert failed == {"palisade-o3-default", "palisade-o3-default-interval", "instruction-effect-o3",
                      "meta-instruction-lowers-pooled-odds", "meta-instruction-prediction-interval-includes-no-effect"}
    assert head.startswith("**FAILED: 5 of ")
    assert "`palisade-o3-default`: recomputed 78/100 differs from claimed 79/100" in report
    # the comparison claims still hold at 78/100; the number in the paper follows the data
    assert "| PASS | `instruction-lowers-o3` |" in report
    assert "claim palisade-o3-default FAILED" in (perturbed / "logs/paper/claims.log").read_text()


def test_strict_mode_fails_the_build(perturbed: Path) -> None:
    config = yaml.safe_load((perturbed / "config/config.yaml").read_text())
    config["claims"]["strict"] = True
    (perturbed / "config/strict.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(perturbed, "paper/claims.md", "--forcerun", "claims", "--configfile", "config/strict.yaml", check=False)
    assert result.returncode != 0
    assert "palisade-o3-default: recomputed 78/100 differs from claimed 79/100" in result.stderr
