"""Snakemake adapter: ingest summary, fits, claims and changes -> run_summary.md."""

import json
from pathlib import Path

import pandas as pd

from preservation.changes import headline
from preservation.run_report import run_report
from preservation.runlog import job_logger

logger = job_logger("summary", snakemake.log)
ingest, claims, changes = (json.loads(Path(path).read_text(encoding="utf-8"))
                           for path in (snakemake.input.ingest, snakemake.input.claims, snakemake.input.changes))
changed = f"{headline(changes)} Details in {snakemake.params.changes_report}."
text = run_report(ingest, pd.read_csv(snakemake.input.fits), claims, snakemake.params.absent, changed)
Path(snakemake.output.summary).write_text(text, encoding="utf-8")
logger.info("wrote %s", snakemake.output.summary)
