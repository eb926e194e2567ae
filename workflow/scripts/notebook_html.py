"""Snakemake adapter: executed notebook -> paper/analysis.html (the computational appendix)."""

from preservation.notebook import to_html
from preservation.runlog import job_logger

logger = job_logger("appendix", snakemake.log)
to_html(snakemake.input.executed, snakemake.output.html)
logger.info("wrote %s", snakemake.output.html)
