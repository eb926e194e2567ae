"""Snakemake adapter: label/coded pairs of every import shard -> coding_agreement.csv and coding_disagreements.csv."""

import pandas as pd

from preservation.coding.agreement import agreement_table, disagreements
from preservation.runlog import job_logger

logger = job_logger("coding", snakemake.log)
pairs = pd.concat([pd.read_csv(path, keep_default_na=False) for path in snakemake.input.pairs], ignore_index=True)
table = agreement_table(pairs.to_dict(orient="records"))
table.to_csv(snakemake.output.agreement, index=False, float_format="%.6f", lineterminator="\n")
differ = disagreements(pairs)
differ.to_csv(snakemake.output.disagreements, index=False, lineterminator="\n")
logger.info("agreement over %d labelled and coded trials:\n%s", len(pairs), table.to_string(index=False))
logger.info("%d disagreements listed in %s", len(differ), snakemake.output.disagreements)
