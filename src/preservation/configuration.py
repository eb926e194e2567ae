"""Checks of the configuration and project layout that the JSON schema cannot express.

The schema (workflow/schemas/config.schema.yaml) checks each key on its own. A
formula term, an aggregation factor, a reference level or a source field that
names nothing declared passes it, and would fail hours later in a rates or
model job, or be silently ignored. The Snakefile calls `check_config` and
`raw_names` at parse time, so such a project stops before any job runs, with
every problem named by its key or path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from preservation.ingest.mapping import TRIAL_FIELDS, level_problem
from preservation.records import factor_names, trial_schema
from preservation.stats.design import parse_formula
from preservation.stats.model_spec import ModelSpec

INSTRUCTED_LEVELS = ("false", "true")


class ConfigError(ValueError):
    """A configuration or raw-data layout the pipeline cannot run as meant; the message names each problem."""


def check_config(config: Mapping[str, Any], files: Iterable[str | Path] = ()) -> None:
    """Raise ConfigError listing every problem of a schema-valid configuration and of the YAML files it was read from."""
    problems = [*repeated_keys(files), *config_problems(config)]
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {problem}" for problem in problems))


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Cross-references of a schema-valid configuration that name nothing declared, as `key: reason`."""
    factors = factor_names(config)
    problems = [f"raw_dir: {config['raw_dir']!r} is not a directory"] if not Path(config["raw_dir"]).is_dir() else []
    problems += [f"aggregate_by: {name!r} is not a declared factor (one of {factors})" for name in config["aggregate_by"] if name not in factors]
    problems += _model_problems(config, [name for name in trial_schema(factors).names if name != "outcome"])
    problems += _source_problems(config, ("trial_id", "scenario", *TRIAL_FIELDS, *factors))
    problems += _pattern_problems(config)
    problems += [
        f"claims.verbal_levels.{words}: low {low} is above high {high}"
        for words, (low, high) in config["claims"]["verbal_levels"].items()
        if low > high
    ]
    return problems


def repeated_keys(files: Iterable[str | Path]) -> list[str]:
    """`file:line: key ... repeats line N` for every key given twice in one YAML mapping.

    YAML loaders keep the last of two equal keys, so a second `sources:` block
    or a source named twice would silently replace the first.
    """
    problems: list[str] = []

    def visit(node: yaml.Node | None, path: str | Path) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        problems.append(f"{path}:{line}: key {key.value!r} repeats the one on line {seen[key.value]}")
                    seen.setdefault(key.value, line)
                visit(value, path)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item, path)

    once: dict[Path, str | Path] = {}  # configfile: and --configfile may name one file twice
    for path in files:
        once.setdefault(Path(path).resolve(), path)
    for path in once.values():
        visit(yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader), path)
    return problems


def _model_problems(config: Mapping[str, Any], columns: list[str]) -> list[str]:
    """Formula terms, grouping factors and reference levels must be columns (and levels) of the trial table."""
    spec = ModelSpec.from_config(config)
    problems = []
    formulas = {"models.formula": spec.formula, **{f"models.formulas.{study}": formula for study, formula in spec.formulas.items()}}
    for key, formula in formulas.items():
        try:
            _, terms = parse_formula(formula)
        except ValueError as error:
            problems.append(f"{key}: {error}")
            continue
        unknown = sorted({name for term in terms for name in term} - set(columns))
        if unknown:
            problems.append(f"{key}: {unknown} not columns of the trial table (one of {columns})")
    problems += [f"models.groups: {name!r} is not a column of the trial table (one of {columns})" for name in spec.groups if name not in columns]
    if spec.gee_cluster not in spec.groups:
        problems.append(f"models.gee_cluster: {spec.gee_cluster!r} is not one of models.groups {list(spec.groups)}, so every GEE would be skipped")
    for name, level in spec.reference_levels.items():
        levels = INSTRUCTED_LEVELS if name == "instructed" else spec.declared_levels.get(name)
        if name not in columns:
            problems.append(f"models.reference_levels.{name}: not a column of the trial table (one of {columns})")
        elif levels and level not in levels:
            problems.append(f"models.reference_levels.{name}: {level!r} is not one of its levels {list(levels)}")
    return problems


def _source_problems(config: Mapping[str, Any], fields: tuple[str, ...]) -> list[str]:
    """Source fields and condition fields must be trial fields or factors, with values of their declared levels."""
    problems = []
    for source, spec in sorted((config.get("sources") or {}).items()):
        assigned = [(f"sources.{source}.fields.{name}", name, _targets(field)) for name, field in spec.get("fields", {}).items()]
        assigned += [
            (f"sources.{source}.conditions.{category}.{name}", name, [value])
            for category, values in spec.get("conditions", {}).items()
            for name, value in values.items()
        ]
        for key, name, values in assigned:
            if name not in fields:
                problems.append(f"{key}: not a trial field or declared factor (one of {list(fields)})")
            problems += [f"{key}: {problem}" for value in values if (problem := level_problem(name, value, config))]
        behaviours = [spec.get("behaviour"), *spec.get("behaviours", {}).values(), *(flag["behaviour"] for flag in spec.get("flags", {}).values())]
        problems += [
            f"sources.{source}: behaviour {behaviour!r} is not declared in behaviours"
            for behaviour in behaviours
            if behaviour is not None and "{" not in behaviour and behaviour not in config["behaviours"]
        ]
    return problems


def _targets(field: Mapping[str, Any]) -> list[Any]:
    """The values a field spec can produce that are known before reading data: its constant, its map's targets, its fallback."""
    if "const" in field:
        return [field["const"]]
    return [*field.get("values", {}).values(), *([field["fallback"]] if "fallback" in field else [])]


def _pattern_problems(config: Mapping[str, Any]) -> list[str]:
    """Regular expressions in sources (field patterns, coding bypass) must compile."""
    patterns = []
    for source, spec in sorted((config.get("sources") or {}).items()):
        patterns += [(f"sources.{source}.fields.{name}.pattern", field["pattern"]) for name, field in spec.get("fields", {}).items() if "pattern" in field]
        patterns += [(f"sources.{source}.coding.bypass[{i}]", pattern) for i, pattern in enumerate(spec.get("coding", {}).get("bypass", []))]
    problems = []
    for key, pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append(f"{key}: {pattern!r} is not a regular expression: {error}")
    return problems


def raw_names(directory: str | Path, suffix: str) -> list[str]:
    """Names of the files directly in `directory` ending in `suffix` (one ingest job each), sorted.

    A directory so named, or such a file in a subdirectory, would otherwise fail
    at job time (a traceback, or missing input naming a shard); ConfigError
    names the path instead.
    """
    root = Path(directory)
    names, problems = [], []
    for path in root.rglob(f"*{suffix}"):
        if path.parent != root:
            problems.append(f"{path}: in a subdirectory; raw files go directly in {root}/")
        elif not path.is_file():
            problems.append(f"{path}: not a file (a directory or a broken link)")
        else:
            names.append(path.name.removesuffix(suffix))
    if problems:
        raise ConfigError("raw data cannot be read:\n" + "\n".join(f"  {problem}" for problem in sorted(problems)))
    return sorted(names)
