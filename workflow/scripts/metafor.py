"""Snakemake adapter: metafor on the meta-analysis units, in an R process of its own (if R and metafor are available)."""

import json
from pathlib import Path

from preservation.runlog import job_logger
from preservation.stats.r_session import glmer_status

log = job_logger("meta", snakemake.log)  # noqa: F821

rscript = snakemake.params.rscript if snakemake.params.crosscheck else None  # noqa: F821
status = glmer_status(snakemake.input.script, snakemake.input.units, snakemake.output.estimates, rscript, engine="metafor")  # noqa: F821
log.info("metafor: %s", status)
Path(snakemake.output.status).write_text(json.dumps({"status": status}) + "\n", encoding="utf-8")  # noqa: F821
