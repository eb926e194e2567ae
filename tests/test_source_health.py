"""Sources that yield nothing, or mostly quarantine, are warned about by name with their top reasons."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from preservation.quarantine import IngestError
from preservation.records import trial_schema
from preservation.source_health import check_health, health_warnings, pooled_study_warnings
from preservation.writers import write_table


def shard(name: str, source: str | None, records: int, reasons: list[str], rows: int) -> dict[str, object]:
    """A shard's summary as gather returns it, with its quarantine reasons counted."""
    return {"file": f"raw/{name}", "records": records, "quarantined": len(reasons), "rows": rows,
            "quarantine_reasons": dict(Counter(reasons)), **({"source": source} if source else {})}


def warnings_of(*shards: dict[str, object], **kwargs: object) -> list[str]:
    return health_warnings(list(shards), [], **kwargs)


def test_a_healthy_source_gives_no_warning() -> None:
    assert warnings_of(shard("a", "robot", 10, ["run tagged 'error'"], 9)) == []


def test_a_source_that_quarantined_everything_is_named_with_its_top_reasons() -> None:
    assert warnings_of(shard("a", "robot", 3, ["run tagged 'mock'", "run tagged 'mock'", "run tagged 'error'"], 0)) == [
        "source 'robot': no usable trials: all 3 records quarantined (top reasons: 2 x run tagged 'mock'; 1 x run tagged 'error')"
    ]


def test_more_than_half_quarantined_is_a_warning_and_half_is_not() -> None:
    assert warnings_of(shard("a", "x", 4, ["bad", "bad"], 2)) == []
    assert warnings_of(shard("a", "x", 4, ["bad", "bad", "bad"], 1)) == ["source 'x': 3 of 4 records quarantined (top reasons: 3 x bad)"]


def test_a_failing_unit_of_a_healthy_source_is_named_on_its_own() -> None:
    assert warnings_of(shard("a", "robot", 20, [], 20), shard("b", "robot", 2, ["no condition"] * 2, 0)) == ["source 'robot', raw/b: no usable trials: all 2 records quarantined (top reasons: 2 x no condition)"]


def test_a_file_that_read_nothing_and_a_source_found_empty_are_warned_about() -> None:
    assert warnings_of(shard("empty.jsonl", None, 0, [], 0), empty_sources={"robot": "data/raw/robot"}) == [
        "source 'robot': path data/raw/robot exists but holds nothing its format reads: no trials from it",
        "source 'raw/empty.jsonl': read no records",
    ]


def test_a_study_with_logs_and_published_figures_is_warned_about(tmp_path: Path) -> None:
    schema = trial_schema([])
    rows = {name: [] for name in schema.names}
    for reconstructed, source in ((False, "raw/logs.jsonl"), (True, "raw/published.csv")):
        values = {"study": "s", "source_file": source, "source_line": 1, "trial_id": source, "model": "m", "scenario": "x",
                  "behaviour": "b", "outcome": 1, "peer": "none", "instructed": False, "reconstructed": reconstructed, "coded": False}
        for name in schema.names:
            rows[name].append(values[name])
    write_table(pa.Table.from_pydict(rows, schema=schema), tmp_path / "t.parquet")
    (warning,) = pooled_study_warnings([tmp_path / "t.parquet"])
    assert warning.startswith("study 's' has trials from logs (raw/logs.jsonl) and published figures (raw/published.csv)")


def test_strict_mode_stops_on_the_first_warning_in_one_line() -> None:
    check_health(["w1", "w2"], strict=False)
    with pytest.raises(IngestError, match=r"^source check failed \(strict mode\): w1 \(and 1 more\)$"):
        check_health(["w1", "w2"], strict=True)
