"""Snakemake adapter: one published-figures CSV -> reconstructed trials and a figure catalogue."""

from preservation.ingest.published import read_published
from preservation.records import factor_names
from preservation.runlog import job_logger
from preservation.writers import write_shard

logger = job_logger("published", snakemake.log)
shard, catalogue = read_published(
    snakemake.input.figures, snakemake.params.levels, factor_names(snakemake.params.levels), snakemake.params.strict
)
write_shard(shard, snakemake.output.table, snakemake.output.quarantine, snakemake.output.summary)
catalogue.to_csv(snakemake.output.catalogue, index=False, lineterminator="\n")
for record in shard.quarantined:
    logger.warning("quarantined %s", record.located())
logger.info("%s", shard.summary)
