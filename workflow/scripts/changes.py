"""Snakemake adapter: numbers, claims and ingest summary vs paper/baseline.json -> paper/changes.md and changes.json."""

from pathlib import Path

from preservation.changes import changes_markdown, compare, headline, read_snapshot, snapshot_of
from preservation.runlog import job_logger
from preservation.writers import write_json

logger = job_logger("changes", snakemake.log)
current = snapshot_of(snakemake.input.numbers, snakemake.input.claims, snakemake.input.ingest)
baseline = read_snapshot(snakemake.input.baseline[0]) if snakemake.input.baseline else None
changes = compare(baseline, current)
Path(snakemake.output.report).write_text(changes_markdown(changes, snakemake.params.baseline), encoding="utf-8")
write_json(changes, snakemake.output.json)
logger.info("changes since %s: %s", snakemake.params.baseline, headline(changes))
