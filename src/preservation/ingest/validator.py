"""Compile the trial-log JSON schema, narrowed by the run's configuration.

The schema file stays the single source of truth for field names and types;
the configuration adds the open sets (behaviours, peer and factor levels).
fastjsonschema compiles it to Python code, which is what makes per-line
validation affordable at millions of lines.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema


@dataclass(frozen=True)
class Validator:
    """Call it with a record: None when valid, else the reason. `schema` is the configured
    schema, kept so the column-wise fast path checks exactly the same rules."""

    schema: dict[str, Any]
    check: Callable[[Any], Any]

    def __call__(self, record: Any) -> str | None:
        try:
            self.check(record)
        except fastjsonschema.JsonSchemaValueException as error:
            return _explain(error, record)
        return None


def configured_schema(schema: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the trial-log schema with the configured behaviours and levels as enums."""
    narrowed = copy.deepcopy(dict(schema))
    props = narrowed["properties"]
    props["peer"]["enum"] = list(config["peer_levels"])
    props["outcomes"]["propertyNames"] = {"enum": list(config["behaviours"])}
    factor_props = {}
    for name, spec in config["factors"].items():
        levels = spec["levels"]
        factor_props[name] = {"enum": list(levels)} if levels else {"type": "string"}
    props["factors"]["properties"] = factor_props
    props["factors"]["additionalProperties"] = False
    return narrowed


def _explain(error: fastjsonschema.JsonSchemaValueException, record: Any) -> str:
    """Turn a schema violation into a reason a person can act on."""
    where = ".".join(error.path[1:]) or "record"
    if error.rule == "required" and isinstance(record, dict):
        missing = sorted(set(error.rule_definition) - set(record))
        return f"missing field(s): {', '.join(missing)}"
    if error.rule == "propertyNames" and isinstance(error.value, dict):
        unknown = sorted(set(error.value) - set(error.rule_definition["enum"]))
        return f"{where}: undeclared name(s) {unknown}; declare them in the config"
    if error.rule == "additionalProperties" and isinstance(error.value, dict):
        unknown = sorted(set(error.value) - set(error.definition.get("properties", {})))
        return f"{where}: unknown field(s) {unknown}"
    if error.rule == "enum":
        return f"{where}: {error.value!r} is not one of {error.rule_definition}"
    if error.rule == "type":
        return f"{where}: expected {error.rule_definition}, got {type(error.value).__name__} {error.value!r}"
    return error.message


def compile_validator(schema_path: str | Path, config: Mapping[str, Any]) -> Validator:
    """A validator returning None for a valid record, else the reason it is invalid."""
    schema = configured_schema(json.loads(Path(schema_path).read_text(encoding="utf-8")), config)
    return Validator(schema, fastjsonschema.compile(schema))
