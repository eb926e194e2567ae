"""Gathering shards: duplicates across and within files, and the record accounting."""

from __future__ import annotations

import pytest

from conftest import trial, write_jsonl
from preservation.ingest.published import read_published
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.quarantine import IngestError
from preservation.records import factor_names
from preservation.shards import gather
from preservation.writers import write_shard


@pytest.fixture
def shards(tmp_path, config, trial_log_schema):
    """Ingest each named JSONL file into a shard; return the gather inputs."""
    validate = compile_validator(trial_log_schema, config)

    def build(files: dict[str, list]) -> tuple[list, list, list]:
        tables, quarantines, summaries = [], [], []
        for name, lines in files.items():
            shard = read_trial_log(write_jsonl(tmp_path / f"{name}.jsonl", lines), validate, factor_names(config))
            paths = [tmp_path / f"{name}.parquet", tmp_path / f"{name}.q.jsonl", tmp_path / f"{name}.s.json"]
            write_shard(shard, *paths)
            tables.append(paths[0]), quarantines.append(paths[1]), summaries.append(paths[2])
        return tables, quarantines, summaries

    return build


def balance(summary: dict) -> tuple[int, int, int, int]:
    return summary["records_read"], summary["records_used"], summary["records_quarantined"], summary["records_duplicate"]


def test_identical_repeats_are_used_once_and_every_conflicting_record_is_quarantined(shards, config, tmp_path):
    inputs = shards(
        {
            "a": [trial("t1", 1), trial("t2", 0), "{broken"],
            "b": [trial("t1", 1), trial("t2", 1), trial("t3", 0)],
        }
    )
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert sorted(table.column("trial_id").to_pylist()) == ["t1", "t3"]
    reasons = {(q.file.split("/")[-1], q.line): q.reason for q in quarantined}
    assert set(reasons) == {("a.jsonl", 3), ("a.jsonl", 2), ("b.jsonl", 2)}
    assert reasons[("a.jsonl", 2)].startswith(f"trial id 't2' of study 'unit_study' conflicts with {tmp_path}/b.jsonl:2 ")
    assert reasons[("b.jsonl", 2)].startswith(f"trial id 't2' of study 'unit_study' conflicts with {tmp_path}/a.jsonl:2 ")
    assert balance(summary) == (6, 2, 3, 1) and summary["balanced"]
    assert summary["conflicting_duplicates"] == 2
    assert summary["conflicts"] == [f"{tmp_path}/a.jsonl:2", f"{tmp_path}/b.jsonl:2"]


@pytest.mark.parametrize("names", [("a", "b"), ("b", "a")])
def test_which_file_sorts_first_does_not_change_the_result(shards, config, names):
    original, dup = names
    inputs = shards({original: [trial("t1", 1), trial("t2", 0)], dup: [trial("t1", 0)]})
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert table.column("trial_id").to_pylist() == ["t2"]
    assert sorted((q.file.split("/")[-1], q.line) for q in quarantined) == sorted([(f"{original}.jsonl", 1), (f"{dup}.jsonl", 1)])
    assert balance(summary) == (3, 1, 2, 0)


@pytest.mark.parametrize("odd", [0, 1, 2])
def test_a_trial_id_given_thrice_twice_alike_is_three_quarantined_records(shards, config, odd):
    given = [trial("t1", 1) for _ in range(3)]
    given[odd] = trial("t1", 0)
    table, quarantined, summary = gather(*shards({"a": [*given, trial("t2")]}), factor_names(config))
    assert table.column("trial_id").to_pylist() == ["t2"]
    assert [q.line for q in quarantined] == [1, 2, 3]
    assert all("none of its 3 records is used" in q.reason for q in quarantined)
    assert balance(summary) == (4, 1, 3, 0) and summary["balanced"]


def test_conflicts_are_logged_as_a_warning_naming_them(shards, config, tmp_path, caplog):
    inputs = shards({"a": [trial("t1", 1)], "b": [trial("t1", 0)]})
    gather(*inputs, factor_names(config))
    (warning,) = [record for record in caplog.records if record.levelname == "WARNING"]
    assert f"{tmp_path}/a.jsonl:1; {tmp_path}/b.jsonl:1" in warning.getMessage()


def test_a_published_figure_is_one_record_however_many_trials_it_yields(tmp_path, config, shards):
    """A k/n row repeated alike is one duplicate record; one of its trial ids given differently elsewhere quarantines it whole."""
    header = "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n"
    figure = "f1,unit_study,cite,loc,model-a,shutdown_sabotage,shutdown_math,none,no,3,10,,,,\n"
    paths = []
    for name in ("p1", "p2"):
        (tmp_path / f"{name}.csv").write_text(header + figure, encoding="utf-8")
        shard, _ = read_published(tmp_path / f"{name}.csv", config, factor_names(config))
        paths.append([tmp_path / f"{name}.parquet", tmp_path / f"{name}.q.jsonl", tmp_path / f"{name}.s.json"])
        write_shard(shard, *paths[-1])
    published = [list(column) for column in zip(*paths, strict=True)]
    table, _, summary = gather(*published, factor_names(config))
    assert table.num_rows == 10 and balance(summary) == (2, 1, 0, 1)
    clash = shards({"clash": [trial("f1#01", 0)]})
    inputs = [[*mine, *theirs] for mine, theirs in zip(published, clash, strict=True)]
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert table.num_rows == 0 and len(quarantined) == 3 and balance(summary) == (3, 0, 3, 0)


def test_conflicting_duplicate_fails_strict_run(shards, config, tmp_path):
    inputs = shards({"b": [trial("t1", 1)], "a": [trial("t1", 0)]})
    with pytest.raises(IngestError, match=rf"^quarantined record \(strict mode\): {tmp_path}/a.jsonl:1: trial id 't1' .* conflicts with {tmp_path}/b.jsonl:1"):
        gather(*inputs, factor_names(config), strict=True)


def test_same_trial_id_in_two_studies_is_not_a_duplicate(shards, config):
    inputs = shards({"a": [trial("t1", 1), trial("t1", 0, study="other_study")]})
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert table.num_rows == 2 and not quarantined and summary["balanced"]


def test_gather_of_nothing_is_empty_and_balanced(config):
    table, quarantined, summary = gather([], [], [], factor_names(config))
    assert table.num_rows == 0 and quarantined == [] and summary["records_read"] == 0 and summary["balanced"]
