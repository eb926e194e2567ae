"""The column-wise fast path gives exactly what the per-line reference path gives."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from conftest import trial, write_jsonl
from preservation.ingest import columnar
from preservation.ingest.trial_log import _judge, read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.quarantine import read_quarantine, write_quarantine
from preservation.records import factor_names, rows_to_table

ODD_LINES = [
    "",
    "   \t",
    "\ufeff" + '{"study": "s"}',
    trial("n1", model=None),
    trial("n2", factors={"batch": None}),
    trial("n3", model="nullable-model"),
    '{"study": "s", "trial_id": "x"} {"study": "s", "trial_id": "y"}',
    '{"study": "s",',
    '"trial_id": "split"}',
    trial("f1", outcomes={"blackmail": 1.0}),
    trial("f2", outcomes={"blackmail": True}),
    trial("f3", outcomes={"blackmail": 2}),
    trial("f4", outcomes={}),
    trial("f5", peer="friend", factors={"urgency": "soon"}),
    trial("f6", study=""),
    trial("f7", extra=1),
    '{"study": "a", "study": "b"}',
    '{"study": "caf\xe9 \udcff"}',
    trial("ok", factors={"batch": "b1", "subject": "peer"}, outcomes={"blackmail": 0, "self_exfiltration": 1}),
]


def test_fast_path_matches_per_line_reference(tmp_path, config, trial_log_schema):
    validate = compile_validator(trial_log_schema, config)
    factors = factor_names(config)
    lines = [trial(f"g{i}", i % 2, factors={"batch": "b"}) for i in range(300)]
    for offset, odd in enumerate(ODD_LINES):
        lines.insert(7 + 13 * offset, odd)
    path = tmp_path / "log.jsonl"
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    shard = read_trial_log(path, validate, factors)
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        reference = _judge(enumerate((text.rstrip("\n") for text in handle), 1), str(path), validate, factors, False)
    assert shard.table.equals(rows_to_table(reference.columns, factors))
    assert shard.quarantined == reference.quarantined
    assert shard.summary["valid"] == reference.valid and shard.summary["blank_lines"] == reference.blank
    assert shard.summary["lines"] == len(lines) and isinstance(shard.table, pa.Table)
    vouched = columnar.parse(path.read_bytes(), validate.schema).table.num_rows
    assert vouched > len(lines) // 2, "the fast path should vouch for most good lines"


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "{bad", '{"a": 1}\n{bad', "GOOD\nGOOD", "GOOD\n{bad\nGOOD", "GOOD\n\nGOOD\n"],
    ids=["empty", "newlines", "bad-no-newline", "bad-last", "no-final-newline", "suspect-between", "blank-between"],
)
def test_fast_path_matches_reference_at_file_edges(tmp_path, config, trial_log_schema, text):
    validate = compile_validator(trial_log_schema, config)
    factors = factor_names(config)
    path = tmp_path / "log.jsonl"
    path.write_text(text.replace("GOOD", json.dumps(trial("g"))), encoding="utf-8")
    shard = read_trial_log(path, validate, factors)
    with open(path, encoding="utf-8") as handle:
        reference = _judge(enumerate((line.rstrip("\n") for line in handle), 1), str(path), validate, factors, False)
    assert shard.table.equals(rows_to_table(reference.columns, factors))
    assert shard.quarantined == reference.quarantined
    assert (shard.summary["valid"], shard.summary["blank_lines"]) == (reference.valid, reference.blank)


def assert_matches_reference(path, validate, factors):
    """read_trial_log gives what the per-line reference path gives on the file at `path`."""
    shard = read_trial_log(path, validate, factors)
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        reference = _judge(enumerate((line.rstrip("\n") for line in handle), 1), str(path), validate, factors, False)
    assert shard.table.equals(rows_to_table(reference.columns, factors))
    assert shard.quarantined == reference.quarantined
    assert (shard.summary["valid"], shard.summary["blank_lines"]) == (reference.valid, reference.blank)
    return shard


def test_inferred_types_give_the_declared_columns(tmp_path, config, trial_log_schema, monkeypatch):
    """Lines with declared fields and factors absent here and there, a factor first seen on the
    last line and a non-ASCII level, over several of Arrow's 1 MiB blocks, are read in one pass."""
    monkeypatch.setattr(columnar, "_parse_blocks", lambda *args: pytest.fail("the explicit-schema pass ran"))
    validate = compile_validator(trial_log_schema, config)
    factors = factor_names(config)
    shapes = [
        {},
        {"factors": {"batch": "b1"}},
        {"factors": {"urgency": "none", "batch": "b2"}, "outcomes": {"blackmail": 0, "shutdown_sabotage": 1}},
        {"factors": {}, "outcomes": {"self_exfiltration": 0}},
        {"factors": {"goal_value": "caf\u00e9 \u2603"}},
    ]
    lines = [trial(f"t{i}", i % 2, **shapes[i % len(shapes)]) for i in range(12000)]
    lines.append(trial("last", factors={"subject": "peer"}))
    path = write_jsonl(tmp_path / "log.jsonl", lines)
    assert path.stat().st_size > 2**21
    shard = assert_matches_reference(path, validate, factors)
    assert shard.summary["valid"] == len(lines)


@pytest.mark.parametrize(
    "odd",
    [
        trial("2024-01-01"),
        trial("f1", outcomes={"blackmail": 1.0}),
        trial("f2", factors={"batch": 7}),
        trial("f3", extra=1),
        trial("f4", model="mod\u00e8le"),
        json.dumps(trial("f5", peer="fri\udcffend"), ensure_ascii=False),
        trial("f6", outcomes={}),
        trial("f7", study="", factors={"colour": "red"}),
        trial("f8", factors={"urgency": "soon"}),
    ],
    ids=[
        "date-like-string", "float-outcome", "number-factor", "unknown-field", "non-ascii", "invalid-utf8",
        "no-outcomes", "undeclared-factor", "factor-level",
    ],
)
def test_single_odd_line_matches_reference(tmp_path, config, trial_log_schema, odd):
    """One odd line among good ones: a type Arrow infers other than the declared one, a broken rule, non-ASCII."""
    validate = compile_validator(trial_log_schema, config)
    factors = factor_names(config)
    lines = [json.dumps(trial(f"g{i}")) for i in range(200)]
    lines.insert(150, odd if isinstance(odd, str) else json.dumps(odd, ensure_ascii=False))
    path = tmp_path / "log.jsonl"
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", errors="surrogateescape"))
    shard = assert_matches_reference(path, validate, factors)
    assert shard.summary["valid"] + shard.summary["quarantined"] == len(lines)


def test_invalid_utf8_is_left_to_the_per_line_path(config, trial_log_schema):
    """Arrow reads invalid UTF-8 into strings without complaint; the fast path must not vouch for it."""
    validate = compile_validator(trial_log_schema, config)
    lines = [json.dumps(trial(f"g{i}")).encode() for i in range(200)]
    lines.insert(150, json.dumps(trial("caf\u00e9")).encode().replace(b"\\u00e9", b"\xe9"))
    parsed = columnar.parse(b"\n".join(lines) + b"\n", validate.schema)
    assert 151 in parsed.suspects and 151 not in parsed.table["line"].to_pylist()


@pytest.mark.parametrize("minimum, shorter", [(1, [True, False, False]), (2, [True, True, False])])
def test_shorter_counts_characters(minimum, shorter):
    strings = pa.chunked_array([["", "\u00e9", "ab"], [None]])
    assert columnar._shorter(strings, minimum).to_pylist() == [*shorter, None]


@pytest.mark.parametrize("text", [b"", b"n", b"null", b"nnull\nnul\nl null", b"nunull\n\nnullnull\nxnull", b"u\nnulnul\nl", b"nul\nnu"])
def test_lines_containing_finds_every_line_with_the_text(text):
    raw = np.frombuffer(text, dtype=np.uint8)
    lines = columnar.Lines.of(raw)
    expected = [i for i, line in enumerate(text.split(b"\n")[: len(lines.starts)]) if b"null" in line]
    assert sorted(set(columnar._lines_containing(raw, b"null", lines).tolist())) == expected


def test_invalid_utf8_in_a_valid_line_is_quarantined_and_kept_byte_for_byte(tmp_path, config, trial_log_schema):
    """A line that is valid JSON but for one byte that is not UTF-8, and one whose \\u escape names a lone surrogate."""
    validate = compile_validator(trial_log_schema, config)
    lines = [json.dumps(trial(f"g{i}")).encode() for i in range(5)]
    lines.insert(2, json.dumps(trial("caf\u00e9")).encode().replace(b"\\u00e9", b"\xe9"))
    lines.insert(4, json.dumps(trial("x")).encode().replace(b'"x"', b'"\\ud800"'))
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    shard = read_trial_log(path, validate, factor_names(config))
    reasons = {record.line: record.reason for record in shard.quarantined}
    column = lines[2].index(b"\xe9") + 1
    assert reasons == {3: f"not valid UTF-8: byte 0xe9 at column {column}", 5: "malformed JSON: a \\u escape names a lone surrogate, not a character"}
    assert shard.summary["valid"] == 5 and shard.summary["quarantined"] == 2
    write_quarantine(shard.quarantined, tmp_path / "quarantine.jsonl")
    kept = read_quarantine(tmp_path / "quarantine.jsonl")
    assert [record.raw.encode("utf-8", "surrogateescape") for record in kept] == [lines[2], lines[4]]
