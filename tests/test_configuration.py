"""Configuration cross-references the schema cannot check, and the raw-data layout, refused at parse time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, load_config, run_snakemake, trial, write_jsonl
from preservation.configuration import ConfigError, check_config, config_problems, raw_names, repeated_keys, schema_problems, sorted_keys

SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"


def shipped() -> dict[str, Any]:
    config = load_config()
    config["raw_dir"] = str(REPO / "data" / "raw")
    return config


def test_shipped_config_has_no_problems() -> None:
    assert config_problems(shipped()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update(raw_dir="data/nowhere"), "raw_dir: 'data/nowhere' is not a directory"),
        (lambda c: c.update(aggregate_by=["urgncy"]), "aggregate_by: 'urgncy' is not a declared factor"),
        (lambda c: c["models"].update(formula="outcome ~ peer * instrcted"), "models.formula: ['instrcted'] not columns of the trial table"),
        (lambda c: c["models"]["formulas"].update(lynch_2025="outcome ~ urgency + (1|model)"), "models.formulas.lynch_2025: cannot read term"),
        (lambda c: c["models"].update(groups=["model", "bacth"]), "models.groups: 'bacth' is not a column of the trial table"),
        (lambda c: c["models"].update(gee_cluster="modle"), "models.gee_cluster: 'modle' is not one of models.groups"),
        (lambda c: c["models"]["reference_levels"].update(urgency="nothing"), "models.reference_levels.urgency: 'nothing' is not one of its levels"),
        (lambda c: c["models"]["reference_levels"].update(peer="absent"), "models.reference_levels.peer: 'absent' is not one of its levels"),
        (lambda c: c["models"]["reference_levels"].update(goal="no"), "models.reference_levels.goal: not a column of the trial table"),
        (lambda c: c["sources"]["peer_preservation"]["fields"].update(subjet={"column": "subject"}),
         "sources.peer_preservation.fields.subjet: not a trial field or declared factor"),
        (lambda c: c["sources"]["peer_preservation"]["fields"]["peer"].update(values={"good_peer": "cooperatve"}),
         "sources.peer_preservation.fields.peer: 'cooperatve' is not one of peer_levels"),
        (lambda c: c["sources"]["palisade_robot"]["conditions"].update(plsallow={"instructed": "sometimes"}),
         "sources.palisade_robot.conditions.plsallow.instructed: 'sometimes' is not a boolean"),
        (lambda c: c["sources"]["palisade_robot"]["conditions"].update(plsallow={"instructd": True}),
         "sources.palisade_robot.conditions.plsallow.instructd: not a trial field or declared factor"),
        (lambda c: c["sources"]["agentic_misalignment"]["fields"].update(urgency={"const": "high"}),
         "sources.agentic_misalignment.fields.urgency: 'high' is not one of factors.urgency.levels"),
        (lambda c: c["sources"]["palisade_robot"].update(behaviour="shutdown_sabotge"),
         "sources.palisade_robot: behaviour 'shutdown_sabotge' is not declared in behaviours"),
        (lambda c: c["claims"]["verbal_levels"].update(rarely=[0.1, 0.0]), "claims.verbal_levels.rarely: low 0.1 is above high 0.0"),
    ],
    ids=["raw-dir", "aggregate-by", "formula-term", "formula-syntax", "group", "gee-cluster", "reference-level", "reference-peer",
         "reference-factor", "source-field", "value-map-target", "condition-value", "condition-field", "const-level",
         "source-behaviour", "verbal-band"],
)
def test_cross_reference_problems_are_named_by_key(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    config = copy.deepcopy(shipped())
    change(config)
    (problem,) = config_problems(config)
    assert problem.startswith(expected)
    with pytest.raises(ConfigError, match="invalid configuration"):
        check_config(config, SCHEMA_PATH)


def renamed(section: dict[str, Any], old: str, new: str) -> None:
    section[new] = section.pop(old)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: renamed(c, "ci_level", "ci_levle"), "`ci_levle` is not a key of the top level; did you mean `ci_level`?"),
        (lambda c: renamed(c["models"], "formula", "formla"), "`formla` is not a key of `models`; did you mean `formula`?"),
        (lambda c: renamed(c["sources"]["palisade_robot"], "scenario", "senario"),
         "`senario` is not a key of `sources.palisade_robot`; did you mean `scenario`?"),
        (lambda c: c["sources"]["peer_preservation"]["fields"].update(model={"colum": "agent_model"}),
         "`colum` is not a key of `sources.peer_preservation.fields.model`; did you mean `column`?"),
        (lambda c: renamed(c["paper"]["format"], "p_floor", "p_flor"), "`p_flor` is not a key of `paper.format`; did you mean `p_floor`?"),
        (lambda c: renamed(c["claims"], "strict", "strct"), "`strct` is not a key of `claims`; did you mean `strict`?"),
        (lambda c: c.update(colour="red"), "`colour` is not a key of the top level; valid keys: `raw_dir`, `processed_dir`,"),
        (lambda c: c["paper"].pop("dir"), "`dir` is missing from `paper`"),
        (lambda c: c.update(ci_level=1.5), "ci_level: 1.5 is greater than or equal to the maximum of 1"),
        (lambda c: c["behaviours"].append("Shutdown"), "behaviours[7]: 'Shutdown' does not match '^[a-z][a-z0-9_]*$'"),
        (lambda c: c["factors"].update(study={"levels": None}), "factors: key 'study' may not be one of ['study',"),
        (lambda c: c["sources"]["palisade_robot"].update(outcome={"scorer": "s", "values": {"C": 1}}),
         "sources.palisade_robot: `outcome` not allowed (when format is 'robot_jsonl')"),
        (lambda c: c["sources"]["palisade_shutdown_inspect"].pop("outcome") and c["sources"]["palisade_shutdown_inspect"].pop("coding"),
         "one of `outcome`, `coding` is required in `sources.palisade_shutdown_inspect` (when format is 'inspect')"),
        (lambda c: c["sources"]["peer_preservation"]["fields"].update(model={"column": "a", "spec": "b"}),
         "sources.peer_preservation.fields.model: only one of `task_arg`, `metadata`, `spec`, `column`, `event` may be given"),
        (lambda c: c["sources"]["peer_preservation"]["fields"].update(model={"column": "a", "values": {}}),
         "sources.peer_preservation.fields.model.values: {} should be non-empty"),
    ],
    ids=["top-level", "models", "source", "field-spec", "paper-format", "claims", "no-near-key", "required", "range", "list-item",
         "reserved-name", "not-for-format", "one-of-keys", "one-locator", "one-of-branch"],
)
def test_a_schema_violation_is_one_line_naming_its_key(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    config = copy.deepcopy(shipped())
    change(config)
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    (problem,) = schema_problems(config, schema)
    assert problem.startswith(expected) and "\n" not in problem
    with pytest.raises(ConfigError, match="invalid configuration"):
        check_config(config, SCHEMA_PATH)


def test_the_shipped_config_fits_the_schema() -> None:
    assert schema_problems(shipped(), yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))) == []


def test_a_key_given_twice_in_a_yaml_mapping_is_named_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  a: {path: x}\n  b: {path: y, path: z}\nstrict: false\nsources:\n  c: {path: w}\nlist: [{k: 1}, {k: 2}]\n")
    assert repeated_keys([path]) == [
        f"{path}:3: key 'path' repeats the one on line 3",
        f"{path}:5: key 'sources' repeats the one on line 1",
    ]
    assert repeated_keys([REPO / "config" / "config.yaml"]) == []
    with pytest.raises(ConfigError, match="key 'sources' repeats"):
        check_config(shipped(), SCHEMA_PATH, [path])


def test_raw_names_are_the_files_directly_in_the_directory(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a b ü.jsonl", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "b.jsonl")
    assert raw_names(tmp_path, ".jsonl") == ["a b ü", "b", "link"]
    assert raw_names(tmp_path / "absent", ".jsonl") == []


def test_raw_names_refuse_what_no_job_could_read(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl").write_text("")
    with pytest.raises(ConfigError) as error:
        raw_names(tmp_path, ".jsonl")
    assert f"{tmp_path}/x.jsonl: not a file" in str(error.value)
    assert f"{tmp_path}/sub/a.jsonl: in a subdirectory" in str(error.value)


def test_a_bad_config_stops_the_dry_run_naming_the_key(workflow_copy) -> None:
    wf = workflow_copy(raw=False)
    write_jsonl(wf / "data/raw/trials/run1.jsonl", [trial("a")])
    config = (wf / "config/config.yaml").read_text()
    (wf / "config/config.yaml").write_text(config.replace("aggregate_by: [goal_conflict,", "aggregate_by: [goal_conflcit,"))
    result = run_snakemake(wf, "--dry-run", check=False)
    assert result.returncode != 0
    assert "aggregate_by: 'goal_conflcit' is not a declared factor" in result.stdout + result.stderr


def test_a_misspelt_key_stops_the_run_with_one_line_and_no_schema_dump(workflow_copy) -> None:
    wf = workflow_copy(raw=False)
    config = (wf / "config/config.yaml").read_text()
    (wf / "config/config.yaml").write_text(config.replace("\nci_level:", "\nci_levle:"))
    result = run_snakemake(wf, "--dry-run", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "`ci_levle` is not a key of the top level; did you mean `ci_level`?" in output
    assert "required property" not in output and "Failed validating" not in output and "$schema" not in output
    assert "Traceback" not in output and 'File "' not in output


def test_sorted_keys_orders_every_mapping_and_keeps_sequences() -> None:
    value = {"b": {"y": 1, "x": [{"d": 1, "c": 2}]}, "a": (2, 1)}
    ordered = sorted_keys(value)
    assert repr(ordered) == "{'a': (2, 1), 'b': {'x': [{'c': 2, 'd': 1}], 'y': 1}}" and ordered == value
