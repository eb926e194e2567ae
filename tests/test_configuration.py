"""Configuration cross-references the schema cannot check, and the raw-data layout, refused at parse time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, load_config, run_snakemake, trial, write_jsonl
from preservation.configuration import ConfigError, check_config, config_problems, raw_names, repeated_keys


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
        check_config(config)


def test_a_key_given_twice_in_a_yaml_mapping_is_named_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  a: {path: x}\n  b: {path: y, path: z}\nstrict: false\nsources:\n  c: {path: w}\nlist: [{k: 1}, {k: 2}]\n")
    assert repeated_keys([path]) == [
        f"{path}:3: key 'path' repeats the one on line 3",
        f"{path}:5: key 'sources' repeats the one on line 1",
    ]
    assert repeated_keys([REPO / "config" / "config.yaml"]) == []
    with pytest.raises(ConfigError, match="key 'sources' repeats"):
        check_config(shipped(), [path])


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
