"""Ingestion of JSONL trial logs: every bad-record kind is quarantined with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import trial, write_jsonl
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.quarantine import IngestError
from preservation.records import factor_names


@pytest.fixture
def ingest(config, trial_log_schema):
    validate = compile_validator(trial_log_schema, config)

    def run(path: Path, strict: bool = False):
        return read_trial_log(path, validate, factor_names(config), strict)

    return run


BAD_RECORDS = [
    ("{not json", "malformed JSON"),
    (trial("t1") | {"trial_id": None} , "trial_id: expected string"),
    ({k: v for k, v in trial("t1").items() if k != "model"}, "missing field(s): model"),
    (trial("t1", instructed="no"), "instructed: expected boolean"),
    (trial("t1", peer="friendly"), "peer: 'friendly' is not one of"),
    (trial("t1", outcomes={"blackmal": 1}), "outcomes: undeclared name(s) ['blackmal']"),
    (trial("t1", outcomes={"blackmail": 2}), "outcomes.blackmail: 2 is not one of [0, 1]"),
    (trial("t1", outcomes={}), "outcomes"),
    (trial("t1", factors={"urgency": "soon"}), "factors.urgency: 'soon' is not one of"),
    (trial("t1", factors={"colour": "red"}), "factors: unknown field(s) ['colour']"),
    (trial("t1", extra=1), "unknown field(s) ['extra']"),
    ("[1, 2]", "expected object"),
    (
        json.dumps(trial("t1")).replace('"outcomes": {', '"outcomes": {"blackmail": 1, "blackmail": 0, '),
        "malformed JSON: name 'blackmail' appears twice in one object",
    ),
    ('{"study": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}", "JSON nested too deeply to read"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_RECORDS, ids=[reason for _, reason in BAD_RECORDS])
def test_bad_record_is_quarantined_with_reason(tmp_path, ingest, line, reason):
    path = write_jsonl(tmp_path / "log.jsonl", [trial("good"), line])
    shard = ingest(path)
    assert len(shard.quarantined) == 1
    record = shard.quarantined[0]
    assert (record.file, record.line) == (str(path), 2)
    assert reason in record.reason
    assert shard.summary["valid"] == 1 and shard.table.num_rows == 1


def test_quarantine_keeps_raw_text_verbatim(tmp_path, ingest):
    raw = '{"study": "s", "trial_id": 7,   "oops": true}'
    shard = ingest(write_jsonl(tmp_path / "log.jsonl", [raw]))
    assert shard.quarantined[0].raw == raw


def test_one_row_per_behaviour_with_provenance_and_factors(tmp_path, ingest):
    record = trial("t9", outcomes={"shutdown_sabotage": 1, "blackmail": 0}, factors={"batch": "b7"})
    path = write_jsonl(tmp_path / "log.jsonl", ["", record])
    shard = ingest(path)
    rows = shard.table.to_pylist()
    assert [(r["behaviour"], r["outcome"]) for r in rows] == [("blackmail", 0), ("shutdown_sabotage", 1)]
    assert {(r["source_file"], r["source_line"], r["batch"], r["reconstructed"]) for r in rows} == {(str(path), 2, "b7", False)}
    assert shard.summary | {"file": None} == {
        "file": None, "format": "jsonl", "lines": 2, "blank_lines": 1, "records": 1, "valid": 1, "quarantined": 0, "rows": 2,
    }


def test_strict_mode_stops_at_first_bad_line(tmp_path, ingest):
    path = write_jsonl(tmp_path / "log.jsonl", [trial("a"), trial("b", peer="x"), "{bad"])
    with pytest.raises(IngestError, match=rf"{path}:2: peer: 'x' is not one of"):
        ingest(path, strict=True)


def test_booleans_are_not_outcomes(tmp_path, ingest):
    shard = ingest(write_jsonl(tmp_path / "log.jsonl", [trial("a", outcomes={"blackmail": True})]))
    assert len(shard.quarantined) == 1
