"""Snakemake adapter: the current numbers, claim outcomes and sources -> paper/baseline.json (run only when asked)."""

from preservation.changes import snapshot_of, write_baseline
from preservation.runlog import job_logger

logger = job_logger("baseline", snakemake.log)
current = snapshot_of(snakemake.input.numbers, snakemake.input.claims, snakemake.input.ingest)
write_baseline(current, snakemake.params.baseline)
logger.info("recorded %d numbers, %d claims and %d sources in %s; commit it with the change that moved them",
            len(current["numbers"]), len(current["claims"]), len(current["sources"]), snakemake.params.baseline)
