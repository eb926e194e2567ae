"""Sources that yield little or nothing are said so loudly, not left in a count.

A run can end green while a source it was given contributed no trial: every
record quarantined for one reason, a layout the importer did not recognise, a
setting that excluded everything. Each shard (one raw file or import unit)
and each source is checked after ingestion: one that read nothing, used
nothing, or quarantined more than half of what it read gets a warning naming
it and its most common quarantine reasons. A study with trials from logs
and also published figures is warned about too: rates keep them apart, but
the models fit figures rebuilt from k/n beside the logged trials, and the
meta-analysis sums both into one unit per model, which counts the same runs
twice if that is what they are. In strict mode any such warning stops the run.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from preservation.quarantine import IngestError

# More than this share of a source's records quarantined is a warning.
QUARANTINE_SHARE = 0.5
TOP_REASONS = 3


def source_of(summary: Mapping[str, Any]) -> str:
    """The source a shard belongs to: its configured source, or the raw file itself."""
    return str(summary.get("source") or summary["file"])


def health_warnings(
    files: Sequence[Mapping[str, Any]],
    table_paths: Sequence[str | Path],
    catalogue_paths: Sequence[str | Path] = (),
    empty_sources: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per source, or unit of an otherwise sound source, that yielded too little; per source found empty; per pooled study.

    `files` are the shard summaries as gathered (preservation.shards.gather,
    with each shard's `quarantine_reasons`); `empty_sources` maps a configured
    source whose path exists but holds nothing its format reads to that path.
    """
    by_source: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for shard in files:
        by_source[source_of(shard)].append(shard)
    warnings = [
        f"source {source!r}: path {path} exists but holds nothing its format reads: no trials from it"
        for source, path in sorted((empty_sources or {}).items())
    ]
    for source, shards in sorted(by_source.items()):
        problem = _problem(sum(s["records"] for s in shards), sum(s["quarantined"] for s in shards), sum(s["rows"] for s in shards))
        if problem:
            warnings.append(f"source {source!r}: {problem}{_reasons(sum((Counter(s['quarantine_reasons']) for s in shards), Counter()))}")
        else:  # a source that passes can still hide a unit that yielded nothing
            warnings += [
                f"source {source!r}, {shard['file']}: {unit_problem}{_reasons(Counter(shard['quarantine_reasons']))}"
                for shard in shards
                if (unit_problem := _problem(shard["records"], shard["quarantined"], shard["rows"]))
            ]
    return warnings + pooled_study_warnings(table_paths, catalogue_paths)


def _problem(records: int, quarantined: int, rows: int) -> str:
    if records == 0:
        return "read no records"
    if rows == 0 and quarantined == records:
        return f"no usable trials: all {records} records quarantined"
    if quarantined > QUARANTINE_SHARE * records:
        return f"{quarantined} of {records} records quarantined"
    return ""


def _reasons(reasons: Counter[str]) -> str:
    if not reasons:
        return ""
    top = "; ".join(f"{count} x {reason}" for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS])
    return f" (top reasons: {top})"


def pooled_study_warnings(table_paths: Iterable[str | Path], catalogue_paths: Iterable[str | Path] = ()) -> list[str]:
    """Studies with trials from logs and also published figures (rebuilt as trials or carried as reported).

    Rates keep the two apart (by `reconstructed` and `evidence`), but the
    models fit rebuilt trials beside logged ones and the meta-analysis sums
    them into one unit per model, which counts the same runs twice if that is
    what they are; either way a reader should be told.
    """
    files: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for path in table_paths:
        table = pq.read_table(path, columns=["study", "reconstructed", "source_file"])
        for row in table.group_by(["study", "reconstructed", "source_file"], use_threads=False).aggregate([]).to_pylist():
            files[(row["study"], bool(row["reconstructed"]))].add(row["source_file"])
    for path in catalogue_paths:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                files[(row["study"], True)].add(row["source_file"])
    warnings = []
    for study in sorted({study for study, from_published in files if not from_published}):
        if (study, True) in files:
            warnings.append(
                f"study {study!r} has trials from logs ({_names(files[(study, False)])}) and published figures "
                f"({_names(files[(study, True)])}): rates show them apart; models also fit figures rebuilt from k/n, and the "
                "meta-analysis sums them with the logged trials into one unit per model, unless models.include_reconstructed is false. "
                "If the logs are the published runs, give the source its own study id"
            )
    return warnings


def _names(paths: set[str]) -> str:
    shown = sorted(paths)[:3]
    return ", ".join(shown) + (f" and {len(paths) - len(shown)} more" if len(paths) > len(shown) else "")


def check_health(warnings: Sequence[str], strict: bool) -> None:
    """In strict mode, any source-health warning stops the run with its first line."""
    if strict and warnings:
        raise IngestError(f"source check failed (strict mode): {warnings[0]}" + (f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""))
