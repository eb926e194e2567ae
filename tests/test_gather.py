"""Gathering shards: duplicates across and within files, and the record accounting."""

from __future__ import annotations

import pytest

from conftest import trial, write_jsonl
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


def test_identical_duplicates_counted_once_and_conflicts_quarantined(shards, config, tmp_path):
    inputs = shards(
        {
            "a": [trial("t1", 1), trial("t2", 0), "{broken"],
            "b": [trial("t1", 1), trial("t2", 1), trial("t3", 0)],
        }
    )
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert sorted(table.column("trial_id").to_pylist()) == ["t1", "t2", "t3"]
    assert table.to_pandas().set_index("trial_id").loc["t2", "outcome"] == 0
    reasons = {(q.file.split("/")[-1], q.line): q.reason for q in quarantined}
    assert set(reasons) == {("a.jsonl", 3), ("b.jsonl", 2)}
    assert "conflicts with" in reasons[("b.jsonl", 2)] and f"{tmp_path}/a.jsonl:2" in reasons[("b.jsonl", 2)]
    assert (summary["records_read"], summary["records_used"], summary["records_quarantined"], summary["records_duplicate"]) == (6, 3, 2, 1)
    assert summary["balanced"] is True


def test_conflicting_duplicate_fails_strict_run(shards, config):
    inputs = shards({"a": [trial("t1", 1), trial("t1", 0)]})
    with pytest.raises(IngestError, match=r"a.jsonl:2: trial id 't1'"):
        gather(*inputs, factor_names(config), strict=True)


def test_same_trial_id_in_two_studies_is_not_a_duplicate(shards, config):
    inputs = shards({"a": [trial("t1", 1), trial("t1", 0, study="other_study")]})
    table, quarantined, summary = gather(*inputs, factor_names(config))
    assert table.num_rows == 2 and not quarantined and summary["balanced"]


def test_gather_of_nothing_is_empty_and_balanced(config):
    table, quarantined, summary = gather([], [], [], factor_names(config))
    assert table.num_rows == 0 and quarantined == [] and summary["records_read"] == 0 and summary["balanced"]
