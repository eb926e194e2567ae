"""Snakemake adapter: label/coded pairs of every import shard -> coding_agreement.csv and coding_disagreements.csv.

Both files are written on every run, with no rows when no present source declares a coder,
so they never outlive the data they came from.
"""

import pandas as pd

from preservation.coding.agreement import PAIR_COLUMNS, agreement_table, disagreements
from preservation.runlog import job_logger

logger = job_logger("coding", snakemake.log)
frames = [pd.read_csv(path, keep_default_na=False) for path in snakemake.input.pairs]
pairs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(PAIR_COLUMNS))
table = agreement_table(pairs.to_dict(orient="records"))
table.to_csv(snakemake.output.agreement, index=False, float_format="%.6f", lineterminator="\n")
differ = disagreements(pairs)
differ.to_csv(snakemake.output.disagreements, index=False, lineterminator="\n")
if pairs.empty:
    logger.info("no trial has both a label and a coded transcript: the agreement tables have no rows")
else:
    logger.info("agreement over %d labelled and coded trials:\n%s", len(pairs), table.to_string(index=False))
logger.info("%d disagreements listed in %s", len(differ), snakemake.output.disagreements)
