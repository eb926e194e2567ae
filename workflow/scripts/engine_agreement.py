"""Snakemake script: refit with lme4::glmer (if available) and tabulate engine agreement."""

from pathlib import Path

from preservation.stats import ModelSpec, crosscheck_fits, fit_study_models
from preservation.stats.crosscheck import TABLE_DECIMALS
from preservation.runlog import job_logger
from preservation.stats.model_cells import read_model_cells
from preservation.stats.tables import write_csv

log = job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec.from_config(snakemake.config)  # noqa: F821
fits = fit_study_models(read_model_cells(snakemake.input.cells), spec)  # noqa: F821
table = crosscheck_fits(fits, Path(snakemake.input.script), snakemake.params.rscript)  # noqa: F821
log.info("engine agreement: %s", "; ".join(sorted(table["status"].unique())) or "no fits")
write_csv(table, snakemake.output.csv, digits=TABLE_DECIMALS)  # noqa: F821
