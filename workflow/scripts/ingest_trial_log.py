"""Snakemake adapter: one JSONL trial log -> one canonical shard."""

from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.records import factor_names
from preservation.runlog import job_logger
from preservation.writers import write_shard

logger = job_logger("ingest", snakemake.log)
validate = compile_validator(snakemake.input.schema, snakemake.params.levels)
shard = read_trial_log(snakemake.input.log, validate, factor_names(snakemake.params.levels), snakemake.params.strict)
write_shard(shard, snakemake.output.table, snakemake.output.quarantine, snakemake.output.summary)
for record in shard.quarantined:
    logger.warning("quarantined %s", record.located())
logger.info("%s", shard.summary)
