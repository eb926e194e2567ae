"""Checks of the configuration and project layout, each problem one line naming its key or path.

The schema (workflow/schemas/config.schema.yaml) checks each key on its own;
`schema_problems` says what it refuses in one line per problem (a misspelt key
with the nearest valid one) instead of jsonschema's message and schema dump. A
formula term, an aggregation factor, a reference level or a source field that
names nothing declared passes the schema, and would fail hours later in a rates
or model job, or be silently ignored. The workflow calls `check_config` and
`raw_names` at parse time, so such a project stops before any job runs.

Defaults live in the schema alone (its `default:` entries); `check_config`
fills them into a valid configuration, so every rule and the package read
one value per key. A default of one format's key sits in that format's
`then:` branch, where the other formats' `not: required` rules never see it.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence, Set
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

from preservation.ingest.mapping import TRIAL_FIELDS, level_problem
from preservation.records import factor_names, trial_schema
from preservation.stats.design import parse_formula
from preservation.stats.model_spec import ModelSpec

INSTRUCTED_LEVELS = ("false", "true")


class ConfigError(ValueError):
    """A configuration or raw-data layout the pipeline cannot run as meant; the message names each problem."""


def check_config(config: MutableMapping[str, Any], schema_path: str | Path, files: Iterable[str | Path] = ()) -> None:
    """Fill the schema's defaults into the configuration; raise ConfigError listing every problem of it and of its YAML files.

    Defaults are filled, and cross-references checked, only in a
    schema-valid configuration: the checks read it without checking types,
    and read the defaults too.
    """
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    refused = schema_problems(config, schema)
    if not refused:
        fill_defaults(config, schema)
    problems = [*repeated_keys(files), *(refused or config_problems(config))]
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {problem}" for problem in problems))


def sorted_keys(value: Any) -> Any:
    """A config value as a rule parameter, with every mapping's keys in sorted order.

    Snakemake compares params by their repr, and key order in the YAML is no change.
    """
    if isinstance(value, Mapping):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(sorted_keys(item) for item in value)
    return value


def fill_defaults(config: MutableMapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Give every absent key that the schema has a `default:` for its default, in place, in a schema-valid configuration.

    Filled while validating (jsonschema's extend-with-defaults pattern), so a
    default under an `if`/`then` is filled only where the `if` holds. Each
    default is a copy: no two keys share a list.
    """

    def properties(validator: Any, spec: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
        if validator.is_type(instance, "object"):
            for key, subschema in spec.items():
                if "default" in subschema:
                    instance.setdefault(key, copy.deepcopy(subschema["default"]))
        yield from Draft202012Validator.VALIDATORS["properties"](validator, spec, instance, schema)

    filling = validators.extend(Draft202012Validator, {"properties": properties})
    for error in filling(schema).iter_errors(config):
        raise ValueError(f"fill_defaults needs a schema-valid configuration: {error.message}")


def schema_problems(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """What the schema refuses, one line per problem naming its key path; a misspelt key with the nearest valid one.

    A misspelt required key is also a missing one; only the misspelling is
    reported.
    """
    errors = list(Draft202012Validator(schema).iter_errors(config))
    suggested = {
        (tuple(error.absolute_path), near)
        for error in errors
        if error.validator == "additionalProperties"
        for key in _unexpected(error)
        if (near := _nearest(key, error.schema))
    }
    return list(dict.fromkeys(line for error in errors for line in _explain(error, schema, suggested)))


def _explain(error: ValidationError, schema: Mapping[str, Any], suggested: Set[tuple[tuple[Any, ...], str]]) -> list[str]:
    """One violation as lines naming its key path and the reason, with no schema or long value in them.

    Of the alternatives of a oneOf or anyOf that none fits, the one with a
    misspelt key, or else the one with the fewest violations, is explained.
    """
    path = tuple(error.absolute_path)
    condition = _condition(error, schema)
    if error.validator == "additionalProperties":
        return [_unknown_key(key, path, error.schema) for key in _unexpected(error)]
    if error.validator == "required":
        return [f"`{key}` is missing from {_section(path)}{condition}" for key in _missing(error) if (path, key) not in suggested]
    keys = _alternative_keys(error)
    if keys and error.context:
        return [f"one of {keys} is required in {_section(path)}{condition}"]
    if error.context:
        misspelt = [sub for sub in error.context if sub.validator == "additionalProperties" and any(_nearest(key, sub.schema) for key in _unexpected(sub))]
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return [line for sub in misspelt[:1] or min(branches.values(), key=len) for line in _explain(sub, schema, suggested)]
    if error.validator == "not":
        reason = _not_reason(error)
    elif keys:
        reason = f"only one of {keys} may be given"
    else:
        reason = error.message.replace(repr(error.instance), _short(error.instance), 1)
    key = "key " if "propertyNames" in error.absolute_schema_path else ""
    return [f"{_dotted(path) or '(top level)'}: {key}{reason}{condition}"]


def _alternative_keys(error: ValidationError) -> str | None:
    """For a oneOf or anyOf whose alternatives each require one key, those keys ("`a`, `b`"); else None."""
    alternatives = error.validator_value if error.validator in ("oneOf", "anyOf") else None
    if not alternatives or any(set(branch) != {"required"} or len(branch["required"]) != 1 for branch in alternatives):
        return None
    return ", ".join(f"`{branch['required'][0]}`" for branch in alternatives)


def _not_reason(error: ValidationError) -> str:
    """Why a value matched a schema it must not: the reserved names or the keys not allowed, not the schema itself."""
    forbidden = error.validator_value
    if "enum" in forbidden:
        return f"{error.instance!r} may not be one of {forbidden['enum']}"
    present = [key for branch in forbidden.get("anyOf", []) for key in branch.get("required", []) if key in error.instance]
    return f"{', '.join(f'`{key}`' for key in present)} not allowed" if present else f"{_short(error.instance)} is not allowed here"


def _condition(error: ValidationError, schema: Mapping[str, Any]) -> str:
    """For a violation of an if/then rule, the condition that made it apply ("when format is 'inspect'")."""
    where = list(error.absolute_schema_path)
    if "then" not in where:
        return ""
    rule = _at(schema, where[: len(where) - 1 - where[::-1].index("then")])
    consts = [f"{name} is {spec['const']!r}" for name, spec in rule["if"].get("properties", {}).items() if "const" in spec]
    return f" (when {' and '.join(consts)})" if consts else ""


def _at(schema: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    """The subschema at a jsonschema error's schema path, following local $refs it passed through."""
    node: Any = schema
    for part in path:
        while isinstance(node, Mapping) and "$ref" in node and part not in node:
            node = _at(schema, node["$ref"].removeprefix("#/").split("/"))
        node = node[part]
    return node


def _unexpected(error: ValidationError) -> list[str]:
    """The keys an additionalProperties: false refused."""
    return [key for key in error.instance if key not in error.schema.get("properties", {})]


def _missing(error: ValidationError) -> list[str]:
    """The keys a required rule asked for and the mapping lacks."""
    return [key for key in error.validator_value if key not in error.instance]


def _nearest(key: str, schema: Mapping[str, Any]) -> str | None:
    """The valid key most like a refused one, if any is close."""
    near = difflib.get_close_matches(str(key), list(schema.get("properties", {})), n=1)
    return near[0] if near else None


def _unknown_key(key: str, path: tuple[Any, ...], schema: Mapping[str, Any]) -> str:
    """An unknown key, its section, and the nearest valid key (or all valid keys)."""
    near = _nearest(key, schema)
    hint = f"did you mean `{near}`?" if near else "valid keys: " + ", ".join(f"`{name}`" for name in schema.get("properties", {}))
    return f"`{key}` is not a key of {_section(path)}; {hint}"


def _section(path: tuple[Any, ...]) -> str:
    """A mapping's name in a message: `models`, or the top level."""
    return f"`{_dotted(path)}`" if path else "the top level"


def _dotted(path: tuple[Any, ...]) -> str:
    """A key path as written in prose: sources.inspect.fields.peer, behaviours[2]."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).removeprefix(".")


def _short(value: Any) -> str:
    """A value as shown in a message: its repr, cut short so a whole section is never printed."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
    for source, spec in sorted(config["sources"].items()):
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
    for source, spec in sorted(config["sources"].items()):
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
