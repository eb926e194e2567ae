"""The change report: numbers that moved, claims that flipped, sources added or removed, against a recorded baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_workflow, run_snakemake, trial, write_jsonl
from preservation.changes import RECORD_COMMAND, changes_markdown, compare, headline, read_snapshot, snapshot, write_baseline

NUMBERS = {
    "OThreeK": {"value": 79, "text": "79"},
    "OThreeRate": {"value": 0.79, "text": "79%", "source": "provenance fields are ignored"},
    "OThreeOR": {"value": 0.0206, "text": "0.02"},
    "Verbal": {"value": "rarely", "text": "rarely"},
    "Gone": {"value": None, "text": "n/a"},
}
CLAIMS = [
    {"id": "o3", "passed": True, "recomputed": "0.79", "message": ""},
    {"id": "codex", "passed": True, "recomputed": "0.3", "message": ""},
]
INGEST = {"files": [
    {"file": "data/raw/published/palisade_2025.csv", "records": 11, "quarantined": 0, "used": 0, "figures_rate_only": 11},
    {"file": "robot/default/batch1", "source": "robot", "records": 50, "quarantined": 2, "used": 48},
]}


def current(**changes: Any) -> dict[str, Any]:
    """A snapshot of the fixtures above with some of them replaced."""
    return snapshot(changes.get("numbers", NUMBERS), changes.get("claims", CLAIMS), changes.get("ingest", INGEST))


def test_the_same_results_are_no_change_and_extra_fields_are_ignored() -> None:
    plain = {name: {"value": entry["value"], "text": entry["text"]} for name, entry in NUMBERS.items()}
    changes = compare(current(numbers=plain), current())
    assert headline(changes) == "No changes: every number, claim outcome and source is as recorded."
    assert "## Numbers that moved (printed value)\n\nNone." in changes_markdown(changes, "paper/baseline.json")


def test_a_moved_number_is_its_printed_value_and_noise_is_not_a_change() -> None:
    moved = {**NUMBERS, "OThreeK": {"value": 81, "text": "81"}, "OThreeRate": {"value": 0.79 * (1 + 1e-12), "text": "79%"},
             "OThreeOR": {"value": 0.0208, "text": "0.02"}}
    changes = compare(current(), current(numbers=moved))
    assert [(n["name"], n["old"], n["new"]) for n in changes["numbers"]["moved"]] == [("OThreeK", "79", "81")]
    assert [n["name"] for n in changes["numbers"]["below_printed_precision"]] == ["OThreeOR"]
    text = changes_markdown(changes, "paper/baseline.json")
    assert "| `OThreeK` | 79 | 81 |" in text and "| `OThreeOR` | 0.02 | 0.0206 | 0.0208 |" in text
    assert headline(changes) == "1 number moved, 1 number changed below the printed precision."


def test_numbers_added_and_removed_are_listed_with_their_text() -> None:
    numbers = {**{k: v for k, v in NUMBERS.items() if k != "Gone"}, "NewK": {"value": 3, "text": "3"}}
    changes = compare(current(), current(numbers=numbers))
    assert changes["numbers"]["added"] == [{"name": "NewK", "text": "3"}]
    assert changes["numbers"]["removed"] == [{"name": "Gone", "text": "n/a"}]
    assert changes["numbers"]["moved"] == []


def test_a_flipped_claim_names_both_outcomes_and_values() -> None:
    claims = [{**CLAIMS[0], "passed": False, "recomputed": "0.5", "message": "rate 0.5 not within 0.005 of 0.79"},
              {**CLAIMS[1], "recomputed": "0.31"}, {"id": "new", "passed": True, "recomputed": "1"}]
    changes = compare(current(), current(claims=claims))
    assert changes["claims"]["flipped"] == [{"id": "o3", "old": "PASS", "new": "FAIL", "old_recomputed": "0.79", "new_recomputed": "0.5"}]
    assert changes["claims"]["recomputed"] == [{"id": "codex", "old": "0.3", "new": "0.31"}]
    assert changes["claims"]["added"] == [{"id": "new", "outcome": "PASS"}]
    text = changes_markdown(changes, "paper/baseline.json")
    assert "- `new`: PASS" in text and "| `codex` | 0.3 | 0.31 |" in text
    assert "| `o3` | PASS | **FAIL** | 0.79 -> 0.5 |" in text and "1 claim flipped, 1 claim added" in headline(changes)


def test_sources_added_removed_and_with_new_files() -> None:
    ingest = {"files": [
        {"file": "robot/default/batch1", "source": "robot", "records": 50, "quarantined": 2, "used": 48},
        {"file": "robot/default/batch2", "source": "robot", "records": 10, "quarantined": 0, "used": 10},
        {"file": "data/raw/trials/my_lab.jsonl", "records": 4, "quarantined": 1, "used": 3},
    ]}
    changes = compare(current(), current(ingest=ingest))
    sources = changes["sources"]
    assert [s["source"] for s in sources["added"]] == ["data/raw/trials/my_lab.jsonl"]
    assert [s["source"] for s in sources["removed"]] == ["data/raw/published/palisade_2025.csv"]
    assert sources["changed"] == [{"source": "robot", "counts": {"read": [50, 60], "used": [48, 58]},
                                   "files_added": ["robot/default/batch2"], "files_removed": []}]
    text = changes_markdown(changes, "paper/baseline.json")
    assert "- added `data/raw/trials/my_lab.jsonl`: 4 records read, 3 used, 1 quarantined" in text
    assert "- removed `data/raw/published/palisade_2025.csv` (had 11 records read, 11 used, 0 quarantined)" in text
    assert "- `robot`: read 50 -> 60; used 48 -> 58; 1 file(s) added: `robot/default/batch2`" in text


def test_no_baseline_says_so_and_how_to_record_one() -> None:
    changes = compare(None, current())
    assert changes == {"baseline": False}
    text = changes_markdown(changes, "paper/baseline.json")
    assert "No baseline recorded (`paper/baseline.json` does not exist)" in text and RECORD_COMMAND in text
    assert headline(changes) == f"No baseline recorded; run `{RECORD_COMMAND}` to record one."


def test_the_baseline_file_is_one_line_per_result_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(current(), path)
    first = path.read_bytes()
    assert read_snapshot(path) == json.loads(json.dumps(current()))
    write_baseline(read_snapshot(path), path)
    assert path.read_bytes() == first
    lines = path.read_text().splitlines()
    assert '  "OThreeK": {"text": "79", "value": 79},' in lines and '  "o3": {"passed": true, "recomputed": "0.79"}' in lines


def test_the_shipped_run_reports_no_changes_against_the_shipped_baseline(built: Path) -> None:
    """paper/baseline.json must be recorded again (`snakemake baseline`) whenever results change on purpose."""
    changes = json.loads((built / "paper" / "changes.json").read_text())
    assert headline(changes) == "No changes: every number, claim outcome and source is as recorded.", (built / "paper" / "changes.md").read_text()
    assert "No changes" in (built / "data" / "processed" / "run_summary.md").read_text()


@pytest.fixture
def logged_copy(tmp_path: Path) -> Path:
    """A copy with no published figures and one small log, whose only claim is about that log."""
    workdir = copy_workflow(tmp_path / "wf", raw=False)
    (workdir / "paper" / "baseline.json").unlink()
    write_jsonl(workdir / "data" / "raw" / "trials" / "first.jsonl",
                [trial(f"a{i}", outcome=int(i < 2)) for i in range(4)] + [trial(f"b{i}", outcome=0, instructed=True) for i in range(4)])
    (workdir / "paper" / "claims.yaml").write_text(
        "claims:\n  - id: model-a-half\n    text: model-a sabotaged 2/4\n    kind: counts\n"
        "    select: {study: unit_study, model: model-a, behaviour: shutdown_sabotage, instructed: false}\n"
        "    expected: {k: 2, n: 4}\n    tolerance: 0.01\n", encoding="utf-8")
    return workdir


def test_record_a_baseline_add_a_log_and_see_what_moved(logged_copy: Path) -> None:
    targets = ("data/processed/run_summary.md",)
    run_snakemake(logged_copy, *targets)
    assert "No baseline recorded" in (logged_copy / "paper" / "changes.md").read_text()
    dry = run_snakemake(logged_copy, "-n", "all")
    assert not re.search(r"^baseline\s+1$", dry.stdout + dry.stderr, re.MULTILINE)  # a default run never records one

    run_snakemake(logged_copy, "baseline")
    run_snakemake(logged_copy, *targets)
    assert "No changes" in (logged_copy / "paper" / "changes.md").read_text()

    recorded = (logged_copy / "paper" / "baseline.json").read_bytes()
    write_jsonl(logged_copy / "data" / "raw" / "trials" / "second.jsonl", [trial(f"c{i}", outcome=1) for i in range(4)])
    run_snakemake(logged_copy, *targets)
    assert (logged_copy / "paper" / "baseline.json").read_bytes() == recorded
    changes = json.loads((logged_copy / "paper" / "changes.json").read_text())
    moved = {n["name"]: (n["old"], n["new"]) for n in changes["numbers"]["moved"]}
    assert moved["UnitStudyModelAShutdownSabotageK"] == ("2", "6") and moved["UnitStudyModelAShutdownSabotageN"] == ("4", "8")
    assert changes["claims"]["flipped"][0]["id"] == "model-a-half" and changes["claims"]["flipped"][0]["new"] == "FAIL"
    assert [s["source"] for s in changes["sources"]["added"]] == ["data/raw/trials/second.jsonl"]
    assert "claim flipped" in (logged_copy / "data" / "processed" / "run_summary.md").read_text()

