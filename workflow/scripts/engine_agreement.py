"""Snakemake adapter: the glmm rule's stored fits against glmer's estimates on the same cells."""

import json
from pathlib import Path

from preservation.runlog import job_logger
from preservation.stats.crosscheck import TABLE_DECIMALS, agreement_table, read_glmer_estimates
from preservation.stats.fit_store import read_fits_json
from preservation.stats.tables import write_csv

log = job_logger("models", snakemake.log)  # noqa: F821

status = json.loads(Path(snakemake.input.status).read_text(encoding="utf-8"))["status"]  # noqa: F821
glmer = read_glmer_estimates(snakemake.input.estimates) if status == "ok" else None  # noqa: F821
table = agreement_table(read_fits_json(snakemake.input.fits), glmer, status)  # noqa: F821
log.info("engine agreement: %s", "; ".join(sorted(table["status"].unique())) or "no fits")
write_csv(table, snakemake.output.csv, digits=TABLE_DECIMALS)  # noqa: F821
