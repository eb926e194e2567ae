"""Snakemake adapter: execute paper/analysis.ipynb with papermill, parameters from the config."""

from pathlib import Path

from preservation.notebook import execute
from preservation.runlog import job_logger

logger = job_logger("notebook", snakemake.log)
execute(snakemake.input.notebook, snakemake.output.executed, dict(snakemake.params.parameters), Path.cwd())
logger.info("executed %s -> %s", snakemake.input.notebook, snakemake.output.executed)
