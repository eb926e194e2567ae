"""No output outlives its data: add every kind of source, run, take them away, run, and look for what is gone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import SOURCE_FIXTURES, copy_workflow, place_raw, run_snakemake, trial, write_jsonl

# What only the added data can put into an output: their studies and raw paths.
ADDED_STUDY = "my_lab_2026"
ADDED_PUBLISHED = "my_pub_2026"
GONE = (ADDED_STUDY, ADDED_PUBLISHED, "palisade_robot_2026", "my_lab_2026.jsonl", "my_pub_2026.csv",
        *(f"data/raw/{target}" for target in SOURCE_FIXTURES))
ABSENT_LINE = "Configured sources with no data at their path"
PUBLISHED_ROW = (
    "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n"
    f"mine-1,{ADDED_PUBLISHED},Me (2026),table 1,model-z,self_replication,self_replication,none,no,3,10,,,,\n"
)


def text_outputs(workdir: Path) -> dict[Path, str]:
    """Every text output a reader could open: processed tables and summaries, paper numbers, claims and tables.

    The run summary's line naming configured sources with nothing at their path
    is where the run looked, not data, so it is left out.
    """
    roots = [workdir / "data" / "processed", workdir / "paper"]
    suffixes = {".csv", ".json", ".jsonl", ".md", ".tex"}
    return {
        path: "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith(ABSENT_LINE))
        for root in roots
        for path in root.rglob("*")
        if path.suffix in suffixes
    }


def test_outputs_forget_sources_that_were_taken_away(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    raw = workdir / "data" / "raw"
    place_raw(workdir, SOURCE_FIXTURES)
    write_jsonl(raw / "trials" / f"{ADDED_STUDY}.jsonl", [trial(f"r{i}", i % 2, study=ADDED_STUDY) for i in range(6)])
    (raw / "published" / f"{ADDED_PUBLISHED}.csv").write_text(PUBLISHED_ROW)
    run_snakemake(workdir, "--quiet", "all")
    before = text_outputs(workdir)
    assert all(any(gone in text for text in before.values()) for gone in GONE), "each added source must show somewhere first"

    for target in SOURCE_FIXTURES:
        shutil.rmtree(raw / target)
    (raw / "trials" / f"{ADDED_STUDY}.jsonl").unlink()
    (raw / "published" / f"{ADDED_PUBLISHED}.csv").unlink()
    run_snakemake(workdir, "--quiet", "all")

    stale = {str(path.relative_to(workdir)): gone for path, text in text_outputs(workdir).items() for gone in GONE if gone in text}
    summary = json.loads((workdir / "data" / "processed" / "ingest_summary.json").read_text())
    removed = summary.pop("stale_shards_removed")
    assert {path: gone for path, gone in stale.items() if path != "data/processed/ingest_summary.json"} == {}
    assert not any(gone in json.dumps(summary) for gone in GONE)
    assert any("palisade_robot" in path for path in removed) and any(ADDED_STUDY in path for path in removed)
    shards = {path.name for path in (workdir / "data" / "processed" / "shards").rglob("*") if path.is_file()}
    assert not any(name.startswith(("palisade_robot", ADDED_STUDY, ADDED_PUBLISHED)) for name in shards)
    agreement = (workdir / "data" / "processed" / "coding_agreement.csv").read_text().splitlines()
    assert len(agreement) == 1  # the header: no coded source is left
