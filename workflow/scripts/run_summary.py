"""Snakemake adapter: ingest summary, fits and claims -> run_summary.md."""

import json
from pathlib import Path

import pandas as pd

from preservation.run_report import run_report
from preservation.runlog import job_logger

logger = job_logger("summary", snakemake.log)
ingest = json.loads(Path(snakemake.input.ingest).read_text(encoding="utf-8"))
claims = json.loads(Path(snakemake.input.claims).read_text(encoding="utf-8"))
text = run_report(ingest, pd.read_csv(snakemake.input.fits), claims, snakemake.params.absent)
Path(snakemake.output.summary).write_text(text, encoding="utf-8")
logger.info("wrote %s", snakemake.output.summary)
