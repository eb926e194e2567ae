"""Declared mappings from a source's own fields to the canonical record.

Every importer resolves trial fields (model, peer, instructed, factors) the
same way: a spec is either a constant or a locator into the source (a task
argument, a metadata key, a column, ...) with an optional value map. Values are
then checked against the configuration, so a bad record is quarantined with a
reason instead of leaking an undeclared level downstream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from preservation.coding.detectors import DETECTORS
from preservation.quarantine import Quarantined, reject

Lookup = Callable[[str, str], Any]
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
TRIAL_FIELDS = ("model", "peer", "instructed")


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


def resolve_fields(specs: Mapping[str, Mapping[str, Any]], lookup: Lookup) -> dict[str, Any]:
    """Resolve each declared field spec: `{const: v}` or `{<locator>: key, values: {...}}`."""
    trial: dict[str, Any] = {}
    for name, spec in specs.items():
        if "const" in spec:
            trial[name] = spec["const"]
            continue
        (kind,) = (key for key in spec if key != "values")
        trial[name] = mapped(lookup(kind, spec[kind]), spec.get("values"), f"{name} from {kind} {spec[kind]!r}")
    return trial


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
    detector = coding["detector"] if coding and commands is not None else None
    verdict = DETECTORS[detector](commands) if detector and commands is not None else None
    if label is not None:
        if verdict is not None:
            pairs.append({**pair, "detector": detector, "label": label, "coded": int(verdict.occurred), "evidence": verdict.evidence})
        return label, False
    if verdict is None:
        raise MappingError("no label and no transcript to code the outcome from")
    return int(verdict.occurred), True


def quarantine_file(source: str, reason: str, strict: bool) -> Quarantined:
    """A file that yields no record at all (unreadable, unsafe): one quarantined record, line 0."""
    return reject(Quarantined(source, 0, reason, ""), strict)
