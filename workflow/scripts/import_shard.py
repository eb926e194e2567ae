"""Snakemake adapter: one import unit (file or directory of a configured source) -> one canonical shard."""

import pandas as pd

from preservation.coding.agreement import PAIR_COLUMNS
from preservation.ingest.sources import Unit, read_unit
from preservation.runlog import job_logger
from preservation.writers import write_shard

logger = job_logger("import", snakemake.log)
unit = Unit(**{**snakemake.params.unit, "inputs": tuple(snakemake.params.unit["inputs"])})
shard = read_unit(unit, snakemake.params.spec, snakemake.params.levels, snakemake.params.strict)
write_shard(shard, snakemake.output.table, snakemake.output.quarantine, snakemake.output.summary)
pd.DataFrame(shard.coding, columns=list(PAIR_COLUMNS)).to_csv(snakemake.output.coding, index=False, lineterminator="\n")
for record in shard.quarantined:
    logger.warning("quarantined %s", record.located())
logger.info("%s", shard.summary)
