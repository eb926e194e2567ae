"""Bad input: each case gives a clear error or a quarantined record naming file and reason.

Inputs are copied to tmp_path first; each test checks nothing was written
outside it and the input files are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, load_config
from preservation.ingest.agentic_misalignment import read_experiment
from preservation.ingest.inspect_log import read_inspect_log
from preservation.ingest.mapping import SourceError
from preservation.ingest.robot_log import read_batch
from preservation.ingest.trial_table import read_trial_table
from preservation.quarantine import IngestError
from preservation.records import factor_names

CONFIG = load_config()
FACTORS = factor_names(CONFIG)


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def fixtures_untouched():
    """No test here may modify the committed fixtures it reads."""
    before = digest(FIXTURES)
    yield
    assert digest(FIXTURES) == before


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run in tmp_path; afterwards no file outside it changed and the inputs are intact."""
    monkeypatch.chdir(tmp_path)
    before_parent = sorted(p.name for p in tmp_path.parent.iterdir())
    yield tmp_path
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before_parent


def inspect_spec(**extra) -> dict:
    return {**CONFIG["sources"]["palisade_shutdown_inspect"], **extra}


def only_reason(shard) -> str:
    (record,) = shard.quarantined
    return f"{record.file}: {record.reason}"


def test_truncated_eval_archive_is_quarantined(sandbox: Path) -> None:
    data = (FIXTURES / "inspect" / "default.eval").read_bytes()
    path = sandbox / "truncated.eval"
    path.write_bytes(data[: len(data) // 2])
    before = digest(sandbox)
    shard = read_inspect_log(path, inspect_spec(), CONFIG, FACTORS)
    assert "truncated.eval" in only_reason(shard) and "not a readable zip archive" in only_reason(shard)
    assert shard.summary["records"] == 1 and shard.table.num_rows == 0
    assert digest(sandbox) == before
    with pytest.raises(IngestError, match="truncated.eval"):
        read_inspect_log(path, inspect_spec(), CONFIG, FACTORS, strict=True)


def test_eval_entry_escaping_the_archive_is_refused(sandbox: Path) -> None:
    path = sandbox / "escape.eval"
    shutil.copy(FIXTURES / "inspect" / "default.eval", path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../outside.json", "{}")
    before = digest(sandbox)
    shard = read_inspect_log(path, inspect_spec(), CONFIG, FACTORS)
    assert "escapes the archive" in only_reason(shard)
    assert not (sandbox.parent / "outside.json").exists() and not (sandbox.parent.parent / "outside.json").exists()
    assert digest(sandbox) == before


def test_oversized_eval_entry_is_refused(sandbox: Path) -> None:
    path = sandbox / "big.eval"
    shutil.copy(FIXTURES / "inspect" / "default.eval", path)
    shard = read_inspect_log(path, inspect_spec(max_entry_bytes=1000), CONFIG, FACTORS)
    assert "over the limit of 1000" in only_reason(shard)


def robot_batch(sandbox: Path) -> Path:
    shutil.copytree(FIXTURES / "robot_jsonl" / "logs" / "plsallow", sandbox / "plsallow")
    return sandbox / "plsallow" / "batch_01"


def test_tags_naming_a_missing_file_is_quarantined(sandbox: Path) -> None:
    batch = robot_batch(sandbox)
    tags = json.loads((batch / "tags.json").read_text())
    tags["llm_control.log_gone.jsonl"] = ["avoided"]
    (batch / "tags.json").write_text(json.dumps(tags))
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert "tags.json" in only_reason(shard) and "llm_control.log_gone.jsonl" in only_reason(shard)
    assert shard.summary["records"] == shard.summary["valid"] + shard.summary["quarantined"]


def test_log_without_a_tag_is_quarantined(sandbox: Path) -> None:
    batch = robot_batch(sandbox)
    tags = json.loads((batch / "tags.json").read_text())
    untagged = min(tags)
    del tags[untagged]
    (batch / "tags.json").write_text(json.dumps(tags))
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert untagged in only_reason(shard) and "no entry for this log in tags.json" in only_reason(shard)


def test_response_without_classification_is_quarantined(sandbox: Path) -> None:
    shutil.copytree(FIXTURES / "agentic_misalignment" / "results" / "exp1", sandbox / "exp1")
    response = next((sandbox / "exp1").rglob("response.json"))
    response.write_text(json.dumps({"raw_response": "..."}))
    shard = read_experiment(sandbox / "exp1", CONFIG["sources"]["agentic_misalignment"], CONFIG, FACTORS)
    reasons = [f"{q.file}: {q.reason}" for q in shard.quarantined if "classification" in q.reason]
    assert reasons == [f"{response}: response.json has no boolean classification.harmful_behavior"]


def test_column_mapping_naming_a_missing_column_is_a_clear_error(sandbox: Path) -> None:
    spec = json.loads(json.dumps(CONFIG["sources"]["peer_preservation"]))
    spec["fields"]["model"] = {"column": "agent"}
    with pytest.raises(SourceError, match=r"column\(s\) \['agent'\] named in the source's mapping are not in the table"):
        read_trial_table(FIXTURES / "trial_table" / "peer_preservation.parquet", spec, CONFIG, FACTORS)


def test_undeclared_score_value_is_quarantined_not_guessed(sandbox: Path) -> None:
    spec = inspect_spec(outcome={"scorer": "shutdown_resisted", "values": {"C": 1}})
    shard = read_inspect_log(FIXTURES / "inspect" / "plsallow.json", spec, CONFIG, FACTORS)
    assert any("value 'I' is not in the declared map" in q.reason for q in shard.quarantined)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (json.dumps({"classification": "harmful"}), "response.json has no boolean classification.harmful_behavior"),
        ("[" * 100_000 + "]" * 100_000, "response.json is JSON nested too deeply to read"),
    ],
    ids=["classification-not-an-object", "deeply-nested"],
)
def test_response_of_the_wrong_shape_is_quarantined(sandbox: Path, text: str, reason: str) -> None:
    shutil.copytree(FIXTURES / "agentic_misalignment" / "results" / "exp1", sandbox / "exp1")
    response = next((sandbox / "exp1").rglob("response.json"))
    response.write_text(text)
    shard = read_experiment(sandbox / "exp1", CONFIG["sources"]["agentic_misalignment"], CONFIG, FACTORS)
    assert [q.reason for q in shard.quarantined if q.file == str(response)] == [reason]
    assert shard.summary["records"] == shard.summary["valid"] + shard.summary["quarantined"]


def first_log(batch: Path) -> Path:
    return next(path for path in sorted(batch.glob("*.jsonl")) if not path.name.endswith("_debug.jsonl"))


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (b'{"event": "message", "text": "caf\xe9"}', "line 2 is not valid UTF-8: byte 0xe9 at column 34"),
        (b'{"event": "x", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "line 2 is JSON nested too deeply to read"),
    ],
    ids=["not-utf8", "deeply-nested"],
)
def test_unreadable_event_line_quarantines_its_run(sandbox: Path, event: bytes, reason: str) -> None:
    batch = robot_batch(sandbox)
    log = first_log(batch)
    log.write_bytes(log.read_bytes().split(b"\n")[0] + b"\n" + event + b"\n")
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert only_reason(shard) == f"{log}: {reason}"
    assert shard.summary["records"] == shard.summary["valid"] + shard.summary["quarantined"]


def test_tool_call_whose_args_are_not_an_object_has_no_command(sandbox: Path) -> None:
    batch = robot_batch(sandbox)
    log = first_log(batch)
    header = "".join(log.read_text().splitlines(keepends=True)[:2])  # the system message and LiteLLM's model line
    log.write_text(header + '{"event": "tool_call", "args": ["rm", "shutdown.py"]}\n{"event": "tool_call", "args": "rm x"}\n')
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert not shard.quarantined and shard.summary["valid"] == shard.summary["records"]


def test_tags_that_are_not_strings_are_quarantined(sandbox: Path) -> None:
    batch = robot_batch(sandbox)
    tags = json.loads((batch / "tags.json").read_text())
    tags[first_log(batch).name] = [["avoided"]]
    (batch / "tags.json").write_text(json.dumps(tags))
    shard = read_batch(batch, CONFIG["sources"]["palisade_robot"], CONFIG, FACTORS)
    assert {q.reason for q in shard.quarantined} == {"tags.json is not an object of file name -> list of tags"}
    assert shard.summary["quarantined"] == shard.summary["records"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("truncated.parquet", (FIXTURES / "trial_table" / "peer_preservation.parquet").read_bytes()[:500])],
)
def test_unreadable_trial_table_is_a_clear_error(sandbox: Path, name: str, content: bytes) -> None:
    path = sandbox / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=rf"{path}: cannot be read as a {'CSV' if path.suffix == '.csv' else 'Parquet'} table: "):
        read_trial_table(path, CONFIG["sources"]["peer_preservation"], CONFIG, FACTORS)


def test_trial_table_row_not_utf8_is_quarantined(sandbox: Path) -> None:
    frame = pd.read_parquet(FIXTURES / "trial_table" / "peer_preservation.parquet")
    text = frame.to_csv(index=False).replace("True", "true").replace("False", "false")
    path = sandbox / "table.csv"
    path.write_bytes(text.encode().replace(b"gemini", b"g\xe9mini", 1))
    shard = read_trial_table(path, CONFIG["sources"]["peer_preservation"], CONFIG, FACTORS)
    assert only_reason(shard) == f"{path}: agent_model: not valid UTF-8: byte 0xe9 at column 2"
    assert shard.quarantined[0].line == 2 and shard.summary["valid"] == len(frame) - 1
