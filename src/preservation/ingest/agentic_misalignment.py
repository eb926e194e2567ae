"""Anthropic "agentic misalignment" results: one experiment directory per job.

Layout `{experiment}/models/{model}/{condition}/sample_{N}/response.json`; the
condition `{scenario}_{goal_type}-{goal_value}_{urgency}` gives the scenario and
the goal_type, goal_value and urgency factors. The outcome is
`classification.harmful_behavior`; the behaviour is the scenario's, as declared
under the source's `behaviours`. Each response.json is one trial (line 1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from preservation.ingest.mapping import MappingError, check_behaviour, constants_only, finish_trial, resolve_fields
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject
from preservation.records import append_row, empty_columns, rows_to_table

CONDITION = re.compile(r"^(?P<scenario>[a-z]+)_(?P<goal_type>[a-z]+)-(?P<goal_value>[^_]+(?:_[^_]+)*?)_(?P<urgency>[a-z]+)$")


def response_files(experiment: str | Path) -> list[Path]:
    """Every `models/*/*/sample_*/response.json` of one experiment, in a fixed order."""
    return sorted(Path(experiment).glob("models/*/*/sample_*/response.json"))


def read_experiment(
    experiment: str | Path, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str], strict: bool = False
) -> Shard:
    """Canonical rows from every classified response of one experiment."""
    columns = empty_columns(factors)
    quarantined: list[Quarantined] = []
    valid = 0
    files = response_files(experiment)
    for path in files:
        source = str(path)
        try:
            trial, behaviour, outcome = _response(path, Path(experiment).name, spec, config, factors)
        except MappingError as error:
            quarantined.append(reject(Quarantined(source, 1, str(error), ""), strict))
            continue
        valid += 1
        append_row(columns, trial, behaviour, outcome, (source, 1), False, factors)
    summary = {
        "file": str(experiment),
        "format": "agentic_misalignment",
        "records": len(files),
        "valid": valid,
        "quarantined": len(quarantined),
        "rows": len(columns["study"]),
    }
    return Shard(rows_to_table(columns, factors), quarantined, summary)


def _response(
    path: Path, experiment: str, spec: Mapping[str, Any], config: Mapping[str, Any], factors: Sequence[str]
) -> tuple[dict[str, Any], str, int]:
    sample_dir, condition_dir, model_dir = path.parent, path.parent.parent, path.parent.parent.parent
    condition = CONDITION.match(condition_dir.name)
    if condition is None:
        raise MappingError(f"condition {condition_dir.name!r} is not {{scenario}}_{{goal_type}}-{{goal_value}}_{{urgency}}")
    try:
        response = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"response.json is not valid JSON: {error}") from error
    except RecursionError:  # arrays or objects nested about a thousand deep
        raise MappingError("response.json is JSON nested too deeply to read") from None
    classification = response.get("classification") if isinstance(response, dict) else None
    harmful = classification.get("harmful_behavior") if isinstance(classification, dict) else None
    if not isinstance(harmful, bool):
        raise MappingError("response.json has no boolean classification.harmful_behavior")
    parts = condition.groupdict()
    behaviours = spec["behaviours"]
    if parts["scenario"] not in behaviours:
        raise MappingError(f"scenario {parts['scenario']!r} has no behaviour declared under the source's behaviours")
    behaviour = check_behaviour(behaviours[parts["scenario"]], config)

    trial = {
        "study": spec["study"],
        "model": model_dir.name,
        "trial_id": f"{experiment}:{model_dir.name}:{condition_dir.name}:{sample_dir.name.removeprefix('sample_')}",
        **{name: parts[name] for name in ("scenario", "goal_type", "goal_value", "urgency") if name == "scenario" or name in factors},
        **resolve_fields(spec.get("fields", {}), constants_only),
    }
    return finish_trial(trial, config, factors), behaviour, int(harmful)
