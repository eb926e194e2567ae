"""Snakemake adapter: lme4::glmer on the cells the glmm job wrote, in an R process of its own (if R is available)."""

import json
from pathlib import Path

from preservation.runlog import job_logger
from preservation.stats.r_session import glmer_status

log = job_logger("models", snakemake.log)  # noqa: F821

spec = Path(snakemake.input.inputs) / "spec.csv"  # noqa: F821
rscript = snakemake.params.rscript if snakemake.params.crosscheck else None  # noqa: F821
status = glmer_status(snakemake.input.script, spec, snakemake.output.estimates, rscript)  # noqa: F821
log.info("glmer: %s", status)
Path(snakemake.output.status).write_text(json.dumps({"status": status}) + "\n", encoding="utf-8")  # noqa: F821
