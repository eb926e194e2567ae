"""Inspect logs read no more than the mapping needs, in read_eval_log's order; eval-set retries are not pooled."""

from __future__ import annotations

import copy
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import inspect_ai.log
import pandas as pd
import pytest

from conftest import FIXTURES, copy_workflow, load_config, place_raw, run_snakemake
from preservation.ingest import inspect_log
from preservation.ingest.inspect_log import read_inspect_log
from preservation.ingest.sources import discover_units, read_unit
from preservation.records import factor_names

CONFIG = load_config()
FACTORS = factor_names(CONFIG)
SOURCE = "palisade_shutdown_inspect"
DEFAULT = FIXTURES / "inspect" / "default.eval"
EVAL_SET = FIXTURES / "inspect_eval_set"
# inspect_ai's own readers that read more than a header and the summaries.
FULL_READS = ("read_eval_log_samples_by_id_async", "read_eval_log_samples_by_id", "read_eval_log_samples", "read_eval_log_sample")


def spec(coding: bool = True, **fields: dict[str, Any]) -> dict[str, Any]:
    source = copy.deepcopy(CONFIG["sources"][SOURCE])
    source["fields"].update(fields)
    if not coding:
        del source["coding"]
    return source


def rows(shard) -> list[tuple[int, str, int]]:
    table = shard.table.to_pandas()
    return list(zip(table["source_line"], table["trial_id"], table["outcome"]))


def no_full_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every read of whole samples (or of the whole log) fail."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("read a whole sample")

    whole = inspect_ai.log.read_eval_log
    for name in FULL_READS:
        monkeypatch.setattr(inspect_ai.log, name, refuse)
    monkeypatch.setattr(inspect_ai.log, "read_eval_log", lambda *a, **k: whole(*a, **k) if k.get("header_only") else refuse())


def rewritten(tmp_path: Path, summaries: Any = None, drop: tuple[str, ...] = ()) -> Path:
    """A copy of the default log with `summaries.json` replaced by `summaries` (a JSON text) and members dropped."""
    target = tmp_path / DEFAULT.name
    with zipfile.ZipFile(DEFAULT) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy_:
        for entry in source.infolist():
            if entry.filename in drop:
                continue
            data = source.read(entry) if entry.filename != "summaries.json" or summaries is None else summaries.encode()
            copy_.writestr(entry.filename, data)
    return target


def summaries_json() -> list[dict[str, Any]]:
    with zipfile.ZipFile(DEFAULT) as archive:
        return json.loads(archive.read("summaries.json"))


def expected_rows() -> tuple[dict[int, str], dict[int, str]]:
    """read_eval_log's order: (position -> trial id) of usable samples, and of errored ones."""
    log = inspect_ai.log.read_eval_log(str(DEFAULT))
    keys = {position: (f"{log.eval.eval_id}:{s.id}:{s.epoch}", s.error is None) for position, s in enumerate(log.samples, 1)}
    return {p: key for p, (key, ok) in keys.items() if ok}, {p: key for p, (key, ok) in keys.items() if not ok}


@pytest.mark.parametrize("order", [list, lambda summaries: summaries[::-1]], ids=["as_written", "reversed"])
def test_positions_and_ids_follow_read_eval_logs_order(tmp_path: Path, order: Any) -> None:
    """Summaries are written in the order samples finished (arbitrary when they run concurrently); positions are not."""
    path = rewritten(tmp_path, json.dumps(order(summaries_json())))
    usable, errored = expected_rows()
    for source in (spec(coding=False), spec(coding=True)):
        shard = read_inspect_log(path, source, CONFIG, FACTORS)
        assert {line: trial for line, trial, _ in rows(shard)} == usable
        assert [line for line, _, _ in rows(shard)] == sorted(usable)  # the table in that order too
        assert {q.line: q.raw for q in shard.quarantined} == errored


def test_a_requeued_samples_last_summary_is_current(tmp_path: Path) -> None:
    """A sample summarised twice (its re-run recorded after the first attempt) is one trial, read from the later summary."""
    summaries = summaries_json()
    usable = next(s for s in summaries if s.get("error") is None)
    earlier = copy.deepcopy(usable)
    flipped = {"C": "I", "I": "C"}[earlier["scores"]["shutdown_resisted"]["value"]]
    earlier["scores"]["shutdown_resisted"]["value"] = flipped
    path = rewritten(tmp_path, json.dumps([earlier, *summaries]))
    shard, reference = (read_inspect_log(p, spec(coding=False), CONFIG, FACTORS) for p in (path, DEFAULT))
    assert rows(shard) == rows(reference) and shard.summary["records"] == reference.summary["records"]


@pytest.mark.parametrize("variant", ["journal_only", "nan"])
def test_summaries_read_from_the_journal_or_by_inspect_ai_give_the_same_rows(tmp_path: Path, variant: str) -> None:
    """A log still being written has only the summaries journal; a NaN (which ijson refuses) falls back to inspect_ai's reader."""
    if variant == "journal_only":
        path = rewritten(tmp_path, drop=("summaries.json",))
    else:
        summaries = summaries_json()
        summaries[0].setdefault("metadata", {})["ratio"] = float("nan")
        path = rewritten(tmp_path, json.dumps(summaries))
    shard, reference = (read_inspect_log(p, spec(coding=False), CONFIG, FACTORS) for p in (path, DEFAULT))
    assert rows(shard) == rows(reference) and shard.summary["valid"] == reference.summary["valid"] == 12


def test_without_a_coder_only_the_header_and_summaries_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    before = read_inspect_log(DEFAULT, spec(coding=False), CONFIG, FACTORS)
    no_full_reads(monkeypatch)
    after = read_inspect_log(DEFAULT, spec(coding=False), CONFIG, FACTORS)
    assert rows(after) == rows(before) and after.summary == before.summary and after.quarantined == before.quarantined
    assert after.summary["valid"] == 12


def test_a_coder_streams_samples_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []
    by_id = inspect_ai.log.read_eval_log_samples_by_id_async

    async def counted(path: str, keys: list, **kwargs: Any) -> list:
        batches.append(len(keys))
        return await by_id(path, keys, **kwargs)

    monkeypatch.setattr(inspect_log, "SAMPLE_BATCH", 5)
    no_full_reads(monkeypatch)
    monkeypatch.setattr(inspect_ai.log, "read_eval_log_samples_by_id_async", counted)
    shard = read_inspect_log(DEFAULT, spec(), CONFIG, FACTORS)
    assert sum(batches) == 12 and max(batches) <= 5  # the 12 samples without an error, a batch at a time; never the errored ones
    assert len(shard.coding) == 12


def test_metadata_strings_come_from_the_full_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """A summary may shorten a metadata string, so a string locator reads the sample."""
    config = copy.deepcopy(CONFIG)
    config["factors"]["variant"] = {"levels": None}
    factors = factor_names(config)
    requested: list[tuple[str, int]] = []
    by_id = inspect_ai.log.read_eval_log_samples_by_id_async

    async def counted(path: str, keys: list, **kwargs: Any) -> list:
        requested.extend(keys)
        return await by_id(path, keys, **kwargs)

    monkeypatch.setattr(inspect_ai.log, "read_eval_log_samples_by_id_async", counted)
    shard = read_inspect_log(DEFAULT, spec(coding=False, variant={"metadata": "variant"}), config, factors)
    assert set(shard.table.column("variant").to_pylist()) == {"baseline"}
    assert len(requested) == shard.table.num_rows == 12


def test_summaries_missing_samples_fall_back_to_a_whole_read(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = read_inspect_log(DEFAULT, spec(), CONFIG, FACTORS)
    summaries = inspect_ai.log.read_eval_log_sample_summaries
    monkeypatch.setattr(inspect_ai.log, "read_eval_log_sample_summaries", lambda path: summaries(path)[1:])
    shard = read_inspect_log(DEFAULT, spec(), CONFIG, FACTORS)
    assert rows(shard) == rows(expected) and shard.summary == expected.summary


def test_a_sample_unreadable_part_way_makes_the_log_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    by_id = inspect_ai.log.read_eval_log_samples_by_id_async
    calls: list[int] = []

    async def fail_second(path: str, keys: list, **kwargs: Any) -> list:
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("bad zstd frame")
        return await by_id(path, keys, **kwargs)

    monkeypatch.setattr(inspect_log, "SAMPLE_BATCH", 5)
    monkeypatch.setattr(inspect_ai.log, "read_eval_log_samples_by_id_async", fail_second)
    shard = read_inspect_log(DEFAULT, spec(), CONFIG, FACTORS)
    (record,) = shard.quarantined
    assert record.line == 0 and "inspect_ai cannot read the log: ValueError: bad zstd frame" in record.reason
    assert shard.table.num_rows == 0 and shard.coding == [] and shard.summary["records"] == 1


def eval_set_units(root: Path) -> list:
    config = {**CONFIG, "raw_dir": str(root), "sources": {SOURCE: CONFIG["sources"][SOURCE]}}
    return discover_units(config)


def attempts() -> tuple[Path, Path]:
    """The eval-set fixture's errored attempt and its successful retry."""
    headers = json.loads((EVAL_SET / "logs.json").read_text())
    errored, retry = sorted(headers, key=lambda name: headers[name]["eval"]["created"])
    assert (headers[errored]["status"], headers[retry]["status"]) == ("error", "success")
    return EVAL_SET / errored, EVAL_SET / retry


def test_eval_set_attempts_are_each_others_inputs(tmp_path: Path) -> None:
    shutil.copytree(EVAL_SET, tmp_path / "inspect" / "palisade_shutdown")
    units = eval_set_units(tmp_path)
    assert sorted(Path(u.inputs[1]).name for u in units) == sorted(Path(u.path).name for u in units)
    (tmp_path / "inspect" / "palisade_shutdown" / "logs.json").unlink()
    assert [len(u.inputs) for u in eval_set_units(tmp_path)] == [1, 1]


def test_a_superseded_attempt_is_counted_and_quarantined_naming_its_retry(tmp_path: Path) -> None:
    shutil.copytree(EVAL_SET, tmp_path / "inspect" / "palisade_shutdown")
    errored, retry = attempts()
    config = {**CONFIG, "raw_dir": str(tmp_path)}
    shards = {Path(u.path).name: read_unit(u, config["sources"][u.source], config) for u in eval_set_units(tmp_path)}
    old, new = shards[errored.name], shards[retry.name]
    assert old.summary["superseded"] == old.summary["records"] == old.summary["quarantined"] == 5
    assert old.table.num_rows == 0 and old.summary["error_status"] == 0
    assert {q.reason for q in old.quarantined} == {
        f"eval-set attempt superseded by the later attempt {retry.name} of task "
        f"{json.loads((EVAL_SET / 'eval-set.json').read_text())['tasks'][0]['task_id']} (this one's status: 'error'): excluded"
    }
    assert new.summary["valid"] == new.table.num_rows == 7 and new.summary["superseded"] == 0
    # Without the manifest the errored attempt is still excluded, by its status.
    (tmp_path / "inspect" / "palisade_shutdown" / "logs.json").unlink()
    alone = read_inspect_log(errored, CONFIG["sources"][SOURCE], CONFIG, FACTORS)
    assert alone.summary["error_status"] == 5 and alone.table.num_rows == 0


def test_eval_set_retry_end_to_end(tmp_path: Path) -> None:
    """The workflow counts the retry's samples once and reports the errored attempt's."""
    workdir = copy_workflow(tmp_path / "wf")
    place_raw(workdir, {"inspect/palisade_shutdown": EVAL_SET})
    run_snakemake(workdir, "--quiet", "all", "--", "data/processed/rates.csv")
    processed = workdir / "data" / "processed"
    retry = inspect_ai.log.read_eval_log(str(attempts()[1]))
    expected_k = sum(s.scores["shutdown_resisted"].value == "C" for s in retry.samples)
    got = pd.read_csv(processed / "rates.csv").query("study == 'palisade_2025' and evidence == 'counts'")
    got = got[got["sources"].str.contains("inspect/palisade_shutdown/")]
    assert got[["k", "n"]].values.tolist() == [[expected_k, len(retry.samples)]]
    quarantine = [json.loads(line) for line in (processed / "quarantine.jsonl").read_text().splitlines()]
    superseded = [q for q in quarantine if "superseded by the later attempt" in q["reason"]]
    assert len(superseded) == 5 and all(attempts()[1].name in q["reason"] for q in superseded)
    summary = json.loads((processed / "ingest_summary.json").read_text())
    assert summary["balanced"]
    assert (workdir / "benchmarks" / "import" / "inspect").is_dir()


def test_a_retry_within_the_same_second_wins_by_its_status(tmp_path: Path) -> None:
    errored, retry = attempts()
    same_second = tmp_path / f"z_{errored.name}"  # sorts after the retry: only the status can decide
    shutil.copy(errored, same_second)
    log = inspect_ai.log.read_eval_log(str(same_second), header_only=True)
    log.eval.created = inspect_ai.log.read_eval_log(str(retry), header_only=True).eval.created
    inspect_ai.log.write_eval_log(log, str(same_second), header_only=True)
    garbage = tmp_path / "unreadable.eval"
    garbage.write_bytes(b"not a log")
    shard = read_inspect_log(same_second, CONFIG["sources"][SOURCE], CONFIG, FACTORS, attempts=[str(retry), str(garbage)])
    assert shard.summary["superseded"] == 5 and retry.name in shard.quarantined[0].reason
    kept = read_inspect_log(retry, CONFIG["sources"][SOURCE], CONFIG, FACTORS, attempts=[str(same_second), str(garbage)])
    assert kept.summary["valid"] == 7 and kept.summary["superseded"] == 0
