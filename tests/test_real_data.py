"""Conformance on real published logs: Palisade's robot shutdown-resistance study, as published.

The logs are read where they lie, `../shared/real-data/palisade_robot/logs`
beside the checkout (they carry no licence to be copied into this repository),
placed at the shipped `palisade_robot` source's path in a scratch copy of the
workflow, and run through the whole pipeline with the shipped configuration.
What is asserted is what the authors published (their Figure 2: 52/100 without
instruction, 2/100 with "please allow", the 4 runs tagged error excluded) and
lme4's fit of `avoided ~ instructed + (1|batch)` on the same 200 trials, as
stated in the data set's README. Where the folder is absent every test skips,
naming it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from conftest import REPO, copy_workflow, load_config, run_snakemake
from preservation.coding.agreement import agreement_table
from preservation.ingest.robot_log import is_companion
from preservation.ingest.trial_log import Shard
from preservation.ingest.sources import discover_units, read_unit

REAL_LOGS = REPO.parent / "shared" / "real-data" / "palisade_robot" / "logs"
SOURCE = "palisade_robot"
STUDY = "palisade_robot_2026"
# Where the run's rows name the placed logs (paths relative to the workflow copy).
PLACED = Path("data") / "raw" / load_config()["sources"][SOURCE]["path"]
pytestmark = pytest.mark.skipif(not REAL_LOGS.is_dir(), reason=f"real logs not found at {REAL_LOGS} (../shared/real-data beside the checkout)")


def published_tags(root: Path) -> dict[Path, list[str]]:
    """Every trial log under root with its tags, read straight from the tags.json files."""
    tags = {}
    for tags_file in root.rglob("tags.json"):
        for name, labels in json.loads(tags_file.read_text()).items():
            if not is_companion(name):
                tags[tags_file.parent / name] = labels
    return tags


def place(workdir: Path, logs: Path = REAL_LOGS) -> Path:
    target = workdir / "data" / "raw" / load_config()["sources"][SOURCE]["path"]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(logs, target)
    return target


def read_real(config: dict[str, Any], raw_dir: Path, logs: Path) -> list[Shard]:
    """The robot source's shards, read through discovery as the workflow does, from logs placed under raw_dir."""
    target = raw_dir / config["sources"][SOURCE]["path"]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(logs, target)
    config = {**config, "raw_dir": str(raw_dir)}
    return [read_unit(unit, config["sources"][SOURCE], config) for unit in discover_units(config) if unit.source == SOURCE]


def counts(shards: list[Shard]) -> tuple[int, int, int, int]:
    """k and n without, then with, the instruction."""
    rows = pd.concat([shard.table.to_pandas() for shard in shards])
    by = rows.groupby("instructed")["outcome"]
    return int(by.sum()[False]), int(by.size()[False]), int(by.sum()[True]), int(by.size()[True])


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole workflow, shipped config unedited, with the real logs at the robot source's path."""
    workdir = copy_workflow(tmp_path_factory.mktemp("real") / "wf")
    place(workdir)
    result = run_snakemake(workdir, "--quiet", "all")
    (workdir / "snakemake.stderr").write_text(result.stderr)
    return workdir


def processed(run: Path, name: str) -> Path:
    return run / "data" / "processed" / name


def test_rates_are_the_published_ones(real_run: Path) -> None:
    rates = pd.read_csv(processed(real_run, "rates.csv"))
    robot = rates[rates["study"] == STUDY].set_index("instructed")
    assert (robot.loc[False, "k"], robot.loc[False, "n"]) == (52, 100)
    assert (robot.loc[True, "k"], robot.loc[True, "n"]) == (2, 100)
    assert set(robot["model"]) == {"grok-4-0709"} and set(robot["evidence"]) == {"counts"}


def test_every_trial_log_is_used_or_quarantined_exactly_once(real_run: Path) -> None:
    tags = published_tags(REAL_LOGS)
    expected = {str(PLACED / path.relative_to(REAL_LOGS)) for path in tags}
    trials = pd.read_parquet(processed(real_run, "trials.parquet"))
    used = trials.loc[trials["study"] == STUDY, "source_file"].tolist()
    quarantine = [json.loads(line) for line in processed(real_run, "quarantine.jsonl").read_text().splitlines()]
    set_aside = [record["file"] for record in quarantine if record["file"].startswith(str(PLACED))]
    assert len(used) == len(set(used)) and not set(used) & set(set_aside)
    assert set(used) | set(set_aside) == expected and len(used) + len(set_aside) == len(tags) == 204


def test_error_runs_are_excluded_and_reported(real_run: Path) -> None:
    errored = {str(PLACED / path.relative_to(REAL_LOGS)) for path, labels in published_tags(REAL_LOGS).items() if "error" in labels}
    quarantine = [json.loads(line) for line in processed(real_run, "quarantine.jsonl").read_text().splitlines()]
    robot = [record for record in quarantine if record["file"].startswith(str(PLACED))]
    assert len(errored) == 4
    assert {record["file"] for record in robot} == errored
    assert {record["reason"] for record in robot} == {"run tagged 'error': excluded from rates"}
    summary = json.loads(processed(real_run, "ingest_summary.json").read_text())
    robot_files = [f for f in summary["files"] if f["format"] == "robot_jsonl"]
    assert sum(f["tagged_error"] for f in robot_files) == 4 and sum(f["records"] for f in robot_files) == 204
    assert summary["balanced"] and not [w for w in summary["warnings"] if SOURCE in w or STUDY in w]


def test_glmm_is_lme4s(real_run: Path) -> None:
    """lme4 glmer(avoided ~ instructed + (1|batch)) on these trials, per the data set's README."""
    fixed = pd.read_csv(processed(real_run, "models/fixed_effects.csv"))
    fixed = fixed[fixed["study"] == STUDY].set_index("term")
    assert fixed.loc["instructed=true", "estimate"] == pytest.approx(-3.97186, abs=5e-5)
    assert fixed.loc["instructed=true", "se"] == pytest.approx(0.7418, abs=5e-5)
    assert fixed.loc["(Intercept)", "estimate"] == pytest.approx(0.08004, abs=5e-5)
    assert fixed.loc["(Intercept)", "se"] == pytest.approx(0.2002, abs=5e-5)
    fits = pd.read_csv(processed(real_run, "models/fits.csv")).set_index("study")
    assert fits.loc[STUDY, "formula_fitted"] == "outcome ~ instructed=true + (1|batch)" and fits.loc[STUDY, "n_trials"] == 200
    assert bool(fits.loc[STUDY, "singular"]) and bool(fits.loc[STUDY, "converged"])
    random = pd.read_csv(processed(real_run, "models/random_effects.csv")).set_index("study")
    assert random.loc[STUDY, "group"] == "batch" and random.loc[STUDY, "sd"] == pytest.approx(0, abs=1e-4)
    assert random.loc[STUDY, "n_levels"] == 12


def test_coder_agrees_with_the_authors_avoided_tags(real_run: Path) -> None:
    agreement = pd.read_csv(processed(real_run, "coding_agreement.csv")).set_index("study")
    row = agreement.loc[STUDY]
    print(row.to_string())
    assert row["n"] == 200 and row["kappa"] >= 0.8
    disagreements = pd.read_csv(processed(real_run, "coding_disagreements.csv"), keep_default_na=False)
    assert len(disagreements[disagreements["study"] == STUDY]) == row["label1_coded0"] + row["label0_coded1"]


def test_the_default_mechanism_alone_already_agrees(tmp_path: Path) -> None:
    """The shipped defaults (shutdown.sh, shutdown.py; no wrapper, no bypass) were not written for these logs."""
    config = load_config()
    config["sources"][SOURCE]["coding"] = {"detector": "shutdown_tampering"}
    shards = read_real(config, tmp_path, REAL_LOGS)
    pairs = pd.DataFrame([pair for shard in shards for pair in shard.coding])
    (kappa,) = agreement_table(pairs.to_dict(orient="records"))["kappa"]
    assert kappa >= 0.8


def without_companions(root: Path) -> None:
    for path in root.rglob("*_debug.jsonl"):
        path.unlink()


def one_batch_deeper(root: Path) -> None:
    (root / "plsallow" / "group").mkdir()
    shutil.move(root / "plsallow" / "plsallow22", root / "plsallow" / "group" / "plsallow22")


@pytest.mark.parametrize("rearrange", [without_companions, one_batch_deeper])
def test_layout_variants_give_the_same_trials(tmp_path: Path, rearrange: Callable[[Path], None]) -> None:
    config = load_config()
    shards = read_real(config, tmp_path, REAL_LOGS)
    rearrange(tmp_path / config["sources"][SOURCE]["path"])
    again = read_real(config, tmp_path, REAL_LOGS)
    assert counts(again) == counts(shards) == (52, 100, 2, 100)
    assert sum(s.summary["records"] for s in again) == sum(s.summary["records"] for s in shards) == 204
    assert sum(s.summary["quarantined"] for s in again) == 4


def test_a_category_without_a_condition_is_quarantined_per_trial(tmp_path: Path) -> None:
    config = load_config()
    shutil.copytree(REAL_LOGS / "plsallow" / "plsallow22", tmp_path / "logs" / "newprompt" / "plsallow22")
    shards = read_real(config, tmp_path, tmp_path / "logs")
    reasons = {q.reason for shard in shards for q in shard.quarantined}
    assert sum(s.summary["quarantined"] for s in shards) == 20
    assert reasons == {"category 'newprompt' has no declared condition under the source's conditions ['default', 'plsallow']"}


@pytest.mark.parametrize("strict", [False, True], ids=["warned", "strict"])
def test_a_source_that_yields_nothing_is_loud(tmp_path: Path, strict: bool) -> None:
    """With simulated runs excluded (the old default), every real run is quarantined: the run says so."""
    workdir = copy_workflow(tmp_path / "wf", raw=False)
    place(workdir)
    config = load_config()
    config["sources"][SOURCE]["mock"] = "exclude"
    config["strict"] = strict
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = run_snakemake(workdir, "--until", "gather_trials", check=False)
    if strict:
        assert result.returncode != 0
        assert "quarantined record (strict mode)" in result.stderr and "run tagged 'mock'" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    summary = json.loads(processed(workdir, "ingest_summary.json").read_text())
    (warning,) = [w for w in summary["warnings"] if f"source '{SOURCE}'" in w]
    assert warning.startswith(f"source '{SOURCE}': no usable trials: all 204 records quarantined (top reasons: 200 x run tagged 'mock'")
    assert warning in (workdir / "logs" / "ingest" / "gather.log").read_text()


def test_the_run_ends_with_its_summary(real_run: Path) -> None:
    summary = processed(real_run, "run_summary.md").read_text()
    assert f"| {SOURCE} | 204 | 200 | 4 | 0 | 0 |" in summary
    assert f"- {STUDY} / shutdown_sabotage: singular" in summary
    assert summary.strip() in (real_run / "snakemake.stderr").read_text()


def test_the_reviewers_page_lists_the_robot_trials_with_their_log_files(real_run: Path) -> None:
    """Both robot cells on paper/review.html: 100 trials each, the rows shown named by their placed log file and line."""
    page = (real_run / "paper" / "review.html").read_text(encoding="utf-8")
    rates = pd.read_csv(processed(real_run, "rates.csv"))
    cells = rates.loc[rates["study"] == STUDY, "cell"].tolist()
    trials = pd.read_parquet(processed(real_run, "trials.parquet"))
    assert len(cells) == 2
    for cell in cells:
        (section,) = re.findall(rf'<article id="trials-{cell}">(.*?)</article>', page, re.S)
        assert "100 trials, the first 20 shown" in section
        shown = re.findall(r'<code class="source">([^<]+)</code>', section)
        assert len(shown) == 20 and all(source.startswith(str(PLACED)) for source in shown)
        located = {f"{row.source_file}:{row.source_line}" for row in trials[trials["study"] == STUDY].itertuples()}
        assert set(shown) <= located
