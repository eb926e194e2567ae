"""The JSON schemas: the config and canonical-record contracts hold, and bad configs are refused."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml

from conftest import REPO, trial, write_jsonl
from preservation.ingest.published import read_published
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.records import CORE_COLUMNS, factor_names, trial_schema

CONFIG_SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
RECORD_SCHEMA = json.loads((REPO / "workflow/schemas/trial_record.schema.json").read_text())


def test_shipped_config_is_valid(config):
    jsonschema.validate(config, CONFIG_SCHEMA)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(strict="yes"),
        lambda c: c.update(peer_levels=["cooperative"]),
        lambda c: c["factors"].update(model={"levels": None}),
        lambda c: c.update(behaviours=["Shutdown Sabotage"]),
        lambda c: c.update(ci_level=1.5),
        lambda c: c.pop("behaviours"),
        lambda c: c.update(model=c.pop("models")),
        lambda c: c["paper"].update(interval="wald"),
        lambda c: c["paper"].update(date="22 Nov 2026"),
        lambda c: c["claims"].update(strict="yes"),
    ],
    ids=["strict-not-bool", "no-none-peer", "factor-shadows-core-column", "bad-behaviour-name", "ci-level", "missing-key",
         "unknown-top-level-key", "paper-interval", "paper-date", "claims-strict-not-bool"],
)
def test_bad_configs_are_refused(config, change):
    bad = copy.deepcopy(config)
    change(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, CONFIG_SCHEMA)


def test_record_schema_lists_the_core_columns():
    assert set(RECORD_SCHEMA["required"]) == set(CORE_COLUMNS)


def test_ingested_rows_satisfy_the_record_schema(tmp_path, config, trial_log_schema):
    validate = compile_validator(trial_log_schema, config)
    log = write_jsonl(tmp_path / "t.jsonl", [trial("a", factors={"batch": "b1"}), trial("b", 0, peer="cooperative")])
    rows = read_trial_log(log, validate, factor_names(config)).table.to_pylist()
    published, _ = read_published(REPO / "data/raw/published/pan_2024_self_replication.csv", config, factor_names(config))
    rows += published.table.to_pylist()
    assert len(rows) == 22
    for row in rows:
        jsonschema.validate(row, RECORD_SCHEMA)


def test_table_schema_has_every_declared_factor(config):
    names = trial_schema(factor_names(config)).names
    assert names[: len(CORE_COLUMNS)] == list(CORE_COLUMNS) and set(names[len(CORE_COLUMNS):]) == set(config["factors"])
