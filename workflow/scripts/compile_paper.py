"""Snakemake adapter: paper/paper.typ + figures, numbers and tables -> paper/paper.pdf."""

from datetime import datetime, timezone
from pathlib import Path

from preservation.paper import compile_paper
from preservation.runlog import job_logger

logger = job_logger("paper", snakemake.log)
date = datetime.fromisoformat(snakemake.params.date).replace(tzinfo=timezone.utc)
compile_paper(snakemake.input.source, snakemake.output.pdf, Path.cwd(), date, Path(snakemake.input.figures[0]).parent)
logger.info("wrote %s", snakemake.output.pdf)
