"""Snakemake adapter: gather shards into the canonical table, quarantine and run summary."""

from preservation.ingest.published import read_catalogues
from preservation.quarantine import write_quarantine
from preservation.runlog import job_logger
from preservation.shards import gather, remove_stale_shards
from preservation.source_health import check_health, health_warnings
from preservation.writers import write_json

logger = job_logger("gather", snakemake.log)
_, quarantined, summary = gather(
    snakemake.input.tables,
    snakemake.input.quarantines,
    snakemake.input.summaries,
    snakemake.params.factors,
    snakemake.params.strict,
    output=snakemake.output.trials,
)
warnings = health_warnings(summary["files"], snakemake.input.tables, snakemake.input.catalogues, snakemake.params.empty_sources)
check_health(warnings, snakemake.params.strict)
stale = remove_stale_shards(snakemake.params.shard_dir, snakemake.params.shards)
write_quarantine(quarantined, snakemake.output.quarantine)
write_json({**summary, "warnings": warnings, "stale_shards_removed": stale}, snakemake.output.summary)
read_catalogues(snakemake.input.catalogues, snakemake.params.factors).to_csv(
    snakemake.output.figures, index=False, lineterminator="\n"
)
logger.info(
    "records read %d = used %d + quarantined %d + duplicates %d (%s)",
    summary["records_read"],
    summary["records_used"],
    summary["records_quarantined"],
    summary["records_duplicate"],
    "balanced" if summary["balanced"] else "NOT BALANCED",
)
if stale:
    logger.info("removed %d shard files of raw files or sources no longer present:\n  %s", len(stale), "\n  ".join(stale))
for warning in warnings:  # last, where a reader of the log looks
    logger.warning("%s", warning)
