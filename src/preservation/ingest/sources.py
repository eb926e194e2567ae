"""Configured raw-log sources: which import jobs exist, and how each is read.

`sources:` in the configuration names each source with its format and a path
under raw_dir. Discovery (here, not in the Snakefile, so it is testable) turns
them into units: one per file (Inspect logs, per-trial tables), one per batch
directory at any depth (robot logs) or per experiment directory (agentic misalignment). A
source whose path does not exist yields no unit, so a configuration may list
sources whose data are not present.

An Inspect log in an `eval_set` log directory (one holding inspect_ai's
manifest, logs.json) also lists as inputs the other attempts of its task
that the manifest names (same eval_set_id and task_id): when a task errored
and was retried, each attempt's job sees the others and only the latest
counts (preservation.ingest.inspect_log). The manifest is plain JSON, read
here without importing inspect_ai; which attempt is latest is decided from
the logs' own headers in the job.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preservation.ingest import agentic_misalignment, inspect_log, robot_log, trial_table
from preservation.ingest.trial_log import Shard
from preservation.records import factor_names

FORMATS = ("inspect", "agentic_misalignment", "robot_jsonl", "trial_table")


@dataclass(frozen=True)
class Unit:
    """One import job: a file or directory of one source, and the files it reads."""

    format: str
    source: str
    name: str
    path: str
    root: str
    inputs: tuple[str, ...]


def discover_units(config: Mapping[str, Any]) -> list[Unit]:
    """Every import unit of every configured source, in a fixed order."""
    units = []
    for source, spec in sorted(config.get("sources", {}).items()):
        root = Path(config["raw_dir"]) / spec["path"]
        units += _units(source, spec["format"], root)
    return units


def _units(source: str, fmt: str, root: Path) -> list[Unit]:
    def unit(path: Path, inputs: list[Path]) -> Unit:
        relative = path.relative_to(root).as_posix() if path != root else path.name
        name = f"{source}.{relative.replace('/', '.')}"
        return Unit(fmt, source, name, str(path), str(root), tuple(map(str, inputs)))

    if fmt in ("inspect", "trial_table"):
        suffixes = inspect_log.SUFFIXES if fmt == "inspect" else trial_table.SUFFIXES
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)
        logs = [path for path in files if path.suffix in suffixes and path.name not in inspect_log.NOT_LOGS]
        manifests = [path for path in files if path.name == inspect_log.MANIFEST]
        attempts = eval_set_attempts(logs, manifests) if fmt == "inspect" else {}
        return [unit(path, [path, *attempts.get(path, [])]) for path in logs]
    if fmt == "robot_jsonl":
        return [
            unit(batch, [*robot_log.trial_logs(batch), *([batch / robot_log.TAGS_FILE] if (batch / robot_log.TAGS_FILE).is_file() else [])])
            for batch in robot_log.batches(root)
        ]
    if fmt == "agentic_misalignment":
        experiments = sorted(p for p in root.glob("*") if (p / "models").is_dir())
        return [unit(experiment, agentic_misalignment.response_files(experiment)) for experiment in experiments]
    raise ValueError(f"source {source!r}: unknown format {fmt!r} (one of {FORMATS})")


def eval_set_attempts(logs: list[Path], manifests: list[Path]) -> dict[Path, list[Path]]:
    """For each log a manifest lists, the other present logs it lists for the same eval set and task."""
    tasks: dict[tuple[Path, str, str], list[Path]] = defaultdict(list)
    present = set(logs)
    for manifest in manifests:
        try:
            headers = json.loads(manifest.read_text(encoding="utf-8"))
            entries = [(manifest.parent / name, header["eval"].get("eval_set_id"), header["eval"]["task_id"]) for name, header in headers.items()]
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ValueError(f"{manifest}: not an inspect_ai log manifest ({type(error).__name__}: {error})") from error
        for log, eval_set, task in entries:
            if eval_set and log in present:
                tasks[(manifest.parent, eval_set, task)].append(log)
    return {log: sorted(set(group) - {log}) for group in tasks.values() if len(group) > 1 for log in group}


def read_unit(unit: Unit, spec: Mapping[str, Any], config: Mapping[str, Any], strict: bool = False) -> Shard:
    """Read one unit of a source declared by `spec`, with its format's importer.

    `config` needs only the declared levels (behaviours, peer_levels, factors).
    An Inspect log is read with the other attempts of its task; a robot batch
    with the source's root, which its condition and batch name are relative to.
    """
    factors = factor_names(config)
    if unit.format == "inspect":
        shard = inspect_log.read_inspect_log(unit.path, spec, config, factors, strict, attempts=unit.inputs[1:])
    elif unit.format == "robot_jsonl":
        shard = robot_log.read_batch(unit.path, spec, config, factors, strict, root=unit.root)
    else:
        reader = {"agentic_misalignment": agentic_misalignment.read_experiment, "trial_table": trial_table.read_trial_table}[unit.format]
        shard = reader(unit.path, spec, config, factors, strict)
    shard.summary["source"] = unit.source
    return shard


def absent_sources(config: Mapping[str, Any]) -> dict[str, str]:
    """Configured sources whose path does not exist (inert until their data are placed), by name -> path."""
    return {
        source: str(root)
        for source, spec in sorted(config.get("sources", {}).items())
        if not (root := Path(config["raw_dir"]) / spec["path"]).exists()
    }


def empty_sources(config: Mapping[str, Any], units: list[Unit]) -> dict[str, str]:
    """Configured sources whose path exists but yields no unit (nothing the format reads), by name -> path.

    A source whose path is absent is inert by design (its data are not placed
    yet); one whose path exists and yields nothing is a layout the importer did
    not recognise, which the run must say.
    """
    found = {unit.source for unit in units}
    return {
        source: str(root)
        for source, spec in sorted(config.get("sources", {}).items())
        if source not in found and (root := Path(config["raw_dir"]) / spec["path"]).exists()
    }
