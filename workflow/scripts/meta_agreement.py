"""Snakemake adapter: the pooled meta-analyses against metafor's estimates on the same units."""

import json
from pathlib import Path

import pandas as pd

from preservation.runlog import job_logger
from preservation.stats.meta_tables import TABLE_DECIMALS, agreement_table, read_metafor
from preservation.stats.tables import write_csv

log = job_logger("meta", snakemake.log)  # noqa: F821

status = json.loads(Path(snakemake.input.status).read_text(encoding="utf-8"))["status"]  # noqa: F821
metafor = read_metafor(snakemake.input.estimates) if status == "ok" else None  # noqa: F821
pooled = pd.read_csv(snakemake.input.pooled)  # noqa: F821
table = agreement_table(pooled, metafor, status)
log.info("meta engine agreement: %s; %d of %d within tolerance", "; ".join(sorted(table["status"].unique())) or "nothing pooled",
         int(table["within_tolerance"].eq(True).sum()), len(table))
write_csv(table, snakemake.output.csv, digits=TABLE_DECIMALS)  # noqa: F821
