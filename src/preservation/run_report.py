"""The end-of-run summary: what came in, what was used, and what needs a reader's eye.

A run writes hundreds of log lines; the warnings that matter (a source that
yielded nothing, a fit that did not converge, a claim that failed) scroll past
in them. This block gathers them from the run's own outputs into
`run_summary.md`, which Snakemake prints when a run ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from preservation.source_health import source_of

COLUMNS = ("read", "used", "quarantined", "duplicate", "conflicting")


def source_counts(files: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Records read, used, quarantined, duplicate and conflicting per source (a configured source, or a raw file).

    Conflicting records are among the quarantined; read = used + quarantined + duplicate.
    """
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for shard in files:
        row = totals[source_of(shard)]
        carried = shard.get("figures_rate_only", 0) + shard.get("figures_verbal", 0)  # published figures used as reported
        row["read"] += shard["records"]
        row["used"] += shard.get("used", 0) + carried
        row["quarantined"] += shard["quarantined"] + shard.get("conflicting", 0)
        row["duplicate"] += shard.get("duplicate", 0)
        row["conflicting"] += shard.get("conflicting", 0)
    frame = pd.DataFrame.from_dict(totals, orient="index", columns=list(COLUMNS)).rename_axis("source").reset_index()
    return frame.sort_values("source", kind="stable").reset_index(drop=True)


def fit_problems(fits: pd.DataFrame) -> list[str]:
    """Fits that did not converge, were singular, or carry any status but ok, as `study / behaviour: status`."""
    problems = []
    for row in fits.itertuples():
        flags = [flag for flag, on in (("not converged", not _true(row.converged)), ("singular", _true(row.singular))) if on]
        if flags or row.status != "ok":
            problems.append(f"{row.study} / {row.behaviour}: {', '.join(flags) or 'status'} ({row.status})")
    return problems


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def run_report(
    ingest: Mapping[str, Any],
    fits: pd.DataFrame,
    claims: Sequence[Mapping[str, Any]],
    absent: Mapping[str, str] | None = None,
    changes: str | None = None,
) -> str:
    """run_summary.md: record accounting per source, source warnings, fit problems, failed claims and what changed.

    `absent` names the configured sources whose path does not exist: inert by
    design, but a reader who placed data should see where the run looked.
    `changes` is the one line saying what moved since the baseline
    (preservation.changes.headline), with where the full report is.
    """
    counts = source_counts(ingest["files"])
    total = counts[list(COLUMNS)].sum()
    lines = [
        "# Run summary",
        "",
        f"Records read {ingest['records_read']}: used {ingest['records_used']}, quarantined {ingest['records_quarantined']}, "
        f"duplicate {ingest['records_duplicate']} ({'balanced' if ingest['balanced'] else 'NOT BALANCED'}; "
        "details in ingest_summary.json, every set-aside record in quarantine.jsonl).",
        "",
        "| source | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
        *(f"| {row.source} | " + " | ".join(str(getattr(row, column)) for column in COLUMNS) + " |" for row in counts.itertuples()),
        "| **total** | " + " | ".join(str(int(total[column])) for column in COLUMNS) + " |",
        "",
    ]
    if ingest.get("stale_shards_removed"):
        lines += [f"Removed {len(ingest['stale_shards_removed'])} shard files of raw files or sources no longer present "
                  "(listed in ingest_summary.json).", ""]
    if absent:
        lines += ["Configured sources with no data at their path (nothing read): "
                  + ", ".join(f"`{source}` ({path})" for source, path in sorted(absent.items())) + ".", ""]
    failed = [claim for claim in claims if not claim["passed"]]
    sections = (
        ("Source warnings", list(ingest.get("warnings", []))),
        ("Fits to read with care", fit_problems(fits)),
        (f"Failed claims ({len(failed)} of {len(claims)})", [f"`{claim['id']}`: {claim['message']}" for claim in failed]),
    )
    for title, items in sections:
        lines += [f"## {title}", "", *([f"- {item}" for item in items] or ["None."]), ""]
    if changes is not None:
        lines += ["## Changes since the baseline", "", changes, ""]
    return "\n".join(lines)


def current_summary(path: str | Path, inputs: Sequence[str | Path]) -> str | None:
    """The summary's text if it is at least as new as everything it summarises, else None.

    A run that stopped short of the summary (`--until`, a failed job) must not
    end by printing an older run's.
    """
    path = Path(path)
    if not path.exists() or any(not Path(source).exists() or Path(source).stat().st_mtime > path.stat().st_mtime for source in inputs):
        return None
    return path.read_text(encoding="utf-8")
