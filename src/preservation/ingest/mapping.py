"""Declared mappings from a source's own fields to the canonical record.

Every importer resolves trial fields (model, peer, instructed, factors) the
same way: a spec is either a constant or a locator into the source (a task
argument, a metadata key, a column, ...) with an optional value map. Values are
then checked against the configuration, so a bad record is quarantined with a
reason instead of leaking an undeclared level downstream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from preservation.coding.commands import Verdict
from preservation.coding.detectors import detector
from preservation.quarantine import Quarantined, reject

Lookup = Callable[[str, str], Any]
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
TRIAL_FIELDS = ("model", "peer", "instructed")
# Keys of a field spec beside its one locator.
LOCATOR_OPTIONS = ("values", "pattern", "fallback")
# Between a trial's commands in the disagreement report (a command may itself hold newlines).
COMMAND_SEPARATOR = "\n---\n"


class MappingError(ValueError):
    """A record whose fields do not map onto the canonical record as declared."""


class SourceError(ValueError):
    """A source that cannot be read as configured (the whole file, not one record)."""


def value_key(value: Any) -> str:
    """Map keys are compared as text; booleans as `true`/`false` whatever YAML made of them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def mapped(value: Any, values: Mapping[Any, Any] | None, what: str) -> Any:
    """Apply a declared value map; a value outside it is an error, never a guess."""
    if values is None:
        return value
    table = {value_key(key): target for key, target in values.items()}
    if value_key(value) not in table:
        raise MappingError(f"{what}: value {value!r} is not in the declared map {sorted(table)}")
    return table[value_key(value)]


class Occurrences(tuple):
    """Every value a locator found, in order: an event log names a field once per event."""


def resolve_fields(specs: Mapping[str, Mapping[str, Any]], lookup: Lookup) -> dict[str, Any]:
    """Resolve each declared field spec: `{const: v}` or `{<locator>: key, pattern?, values?, fallback?}`.

    `pattern` (a regular expression; its first group, or the whole match) picks
    the value out of the located text, trying each occurrence in order; where
    nothing is found, `fallback` is used if declared, so a constant is only ever
    a stated fallback, never a silent guess.
    """
    trial: dict[str, Any] = {}
    for name, spec in specs.items():
        if "const" in spec:
            trial[name] = spec["const"]
            continue
        (kind,) = (key for key in spec if key not in LOCATOR_OPTIONS)
        what = f"{name} from {kind} {spec[kind]!r}"
        try:
            found = _matched(lookup(kind, spec[kind]), spec.get("pattern"), what)
        except MappingError:
            if "fallback" not in spec:
                raise
            trial[name] = spec["fallback"]
            continue
        trial[name] = mapped(found, spec.get("values"), what)
    return trial


def _matched(found: Any, pattern: str | None, what: str) -> Any:
    """The located value, or the first pattern match among its occurrences."""
    candidates = found if isinstance(found, Occurrences) else (found,)
    if pattern is None:
        if not candidates:
            raise MappingError(f"{what}: not found in the log")
        return candidates[0]
    compiled = re.compile(pattern)
    for candidate in candidates:
        if isinstance(candidate, str) and (match := compiled.search(candidate)):
            return match.group(1) if compiled.groups else match.group(0)
    raise MappingError(f"{what}: nothing matches pattern {pattern!r}")


def constants_only(kind: str, key: str) -> Any:
    """Lookup for layouts whose trial fields come only from the path: any locator is a config error."""
    raise MappingError(f"this format takes only constant fields, not {kind} {key!r}")


def finish_trial(trial: dict[str, Any], config: Mapping[str, Any], factors: Sequence[str]) -> dict[str, Any]:
    """Coerce and check trial-level fields against the configuration's declared levels."""
    missing = [name for name in ("study", "trial_id", "scenario", *TRIAL_FIELDS) if trial.get(name) in (None, "")]
    if missing:
        raise MappingError(f"no value for {', '.join(missing)}; declare it under the source's fields")
    instructed = trial["instructed"]
    if problem := level_problem("instructed", instructed, config):
        raise MappingError(f"instructed: {problem}; declare a values map")
    out = {**trial, "instructed": instructed if isinstance(instructed, bool) else BOOLEANS[value_key(instructed).lower()]}
    for name in ("study", "trial_id", "model", "scenario", "peer"):
        out[name] = str(out[name])
    if problem := level_problem("peer", out["peer"], config):
        raise MappingError(f"peer: {problem}")
    for name in factors:
        if out.get(name) is None:
            continue
        out[name] = value_key(out[name])
        if problem := level_problem(name, out[name], config):
            raise MappingError(f"factor {name}: {problem}")
    return out


def level_problem(name: str, value: Any, config: Mapping[str, Any]) -> str | None:
    """Why `value` cannot stand for trial field or factor `name` under the configured levels, or None.

    Shared by the records (finish_trial) and the parse-time check of the values
    a source's config assigns (preservation.configuration).
    """
    if name == "instructed":
        return None if isinstance(value, bool) or value_key(value).lower() in BOOLEANS else f"{value!r} is not a boolean"
    if name == "peer":
        return None if str(value) in config["peer_levels"] else f"{value!r} is not one of peer_levels {config['peer_levels']}"
    levels = (config["factors"].get(name) or {}).get("levels")
    return f"{value!r} is not one of factors.{name}.levels {levels}" if levels and value_key(value) not in levels else None


def check_behaviour(behaviour: str, config: Mapping[str, Any]) -> str:
    if behaviour not in config["behaviours"]:
        raise MappingError(f"behaviour {behaviour!r} is not declared in the config's behaviours")
    return behaviour


def settle_outcome(
    label: int | None,
    commands: Sequence[str] | None,
    coding: Mapping[str, Any] | None,
    pair: Mapping[str, Any],
    pairs: list[dict[str, Any]],
) -> tuple[int, bool]:
    """The outcome to record and whether it was coded.

    A label wins; the detector (when the source declares one and a transcript
    exists) then only adds a label/coded pair for the agreement table. Without
    a label the detector's verdict is the outcome, marked as coded.
    """
    verdict = detector(coding)(commands) if coding and commands is not None else None
    if label is not None:
        if verdict is not None:
            pairs.append(_coding_pair(pair, coding, label, verdict, commands))
        return label, False
    if verdict is None:
        raise MappingError("no label and no transcript to code the outcome from")
    return int(verdict.occurred), True


def _coding_pair(pair: Mapping[str, Any], coding: Mapping[str, Any], label: int, verdict: Verdict, commands: Sequence[str]) -> dict[str, Any]:
    """One label/coder pair for the agreement table; a disagreement keeps every command, for review."""
    disagree = label != int(verdict.occurred)
    return {
        **pair, "detector": coding["detector"], "label": label, "coded": int(verdict.occurred), "rule": verdict.rule,
        "evidence": verdict.evidence, "commands": COMMAND_SEPARATOR.join(commands) if disagree else "",
    }


def quarantine_file(source: str, reason: str, strict: bool) -> Quarantined:
    """A file that yields no record at all (unreadable, unsafe): one quarantined record, line 0."""
    return reject(Quarantined(source, 0, reason, ""), strict)
