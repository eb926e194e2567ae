"""The end-of-run summary: per-source accounting, warnings, fit problems and failed claims in one block."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from preservation.run_report import current_summary, fit_problems, run_report, source_counts

FILES = [
    {"file": "raw/robot/a", "source": "robot", "records": 10, "quarantined": 2, "used": 7, "duplicate": 0, "conflicting": 1},
    {"file": "raw/robot/b", "source": "robot", "records": 5, "quarantined": 0, "used": 4, "duplicate": 1, "conflicting": 0},
    {"file": "raw/published/p.csv", "records": 3, "quarantined": 0, "used": 2, "duplicate": 0, "conflicting": 0, "figures_rate_only": 1},
]
FITS = pd.DataFrame([
    {"study": "s1", "behaviour": "b", "converged": True, "singular": False, "status": "ok"},
    {"study": "s2", "behaviour": "b", "converged": True, "singular": True, "status": "boundary (singular) fit: a random-effect SD is 0"},
    {"study": "s3", "behaviour": "b", "converged": False, "singular": False, "status": "not converged"},
])


def test_sources_are_accounted_with_conflicts_among_the_quarantined() -> None:
    counts = source_counts(FILES).set_index("source")
    assert counts.loc["robot"].to_dict() == {"read": 15, "used": 11, "quarantined": 3, "duplicate": 1, "conflicting": 1}
    assert counts.loc["raw/published/p.csv"].to_dict() == {"read": 3, "used": 3, "quarantined": 0, "duplicate": 0, "conflicting": 0}
    assert (counts["read"] == counts["used"] + counts["quarantined"] + counts["duplicate"]).all()


def test_only_fits_that_need_a_readers_eye_are_listed() -> None:
    assert fit_problems(FITS) == [
        "s2 / b: singular (boundary (singular) fit: a random-effect SD is 0)",
        "s3 / b: not converged (not converged)",
    ]


def test_the_report_names_warnings_fits_failed_claims_and_absent_sources() -> None:
    ingest = {"files": FILES, "records_read": 18, "records_used": 14, "records_quarantined": 3, "records_duplicate": 1,
              "balanced": True, "warnings": ["source 'robot', raw/robot/a: 2 of 3 records quarantined"]}
    claims = [{"id": "c1", "passed": True, "message": ""}, {"id": "c2", "passed": False, "message": "k 3 != 4"}]
    text = run_report(ingest, FITS, claims, {"inspect": "data/raw/inspect"})
    assert "| robot | 15 | 11 | 3 | 1 | 1 |" in text and "| **total** | 18 | 14 | 3 | 1 | 1 |" in text
    assert "- source 'robot', raw/robot/a: 2 of 3 records quarantined" in text
    assert "## Failed claims (1 of 2)\n\n- `c2`: k 3 != 4" in text
    assert "- s3 / b: not converged" in text and "`inspect` (data/raw/inspect)" in text


def test_a_summary_older_than_its_inputs_is_not_printed(tmp_path: Path) -> None:
    source, summary = tmp_path / "in.json", tmp_path / "summary.md"
    source.write_text("{}")
    summary.write_text("# Run summary\n")
    os.utime(source, (1, 1))
    assert current_summary(summary, [source]) == "# Run summary\n"
    os.utime(source, (summary.stat().st_mtime + 10,) * 2)
    assert current_summary(summary, [source]) is None
    assert current_summary(tmp_path / "missing.md", [source]) is None


def test_the_report_ends_with_what_changed_since_the_baseline() -> None:
    ingest = {"files": FILES, "records_read": 18, "records_used": 14, "records_quarantined": 3, "records_duplicate": 1, "balanced": True}
    text = run_report(ingest, FITS, [], changes="1 claim flipped. Details in paper/changes.md.")
    assert text.endswith("## Changes since the baseline\n\n1 claim flipped. Details in paper/changes.md.\n")
    assert "Changes since" not in run_report(ingest, FITS, [])
