"""Snakemake adapter: the glmm rule's stored fits against lme4::glmer on the same cells (if R is available)."""

from pathlib import Path

from preservation.runlog import job_logger
from preservation.stats.crosscheck import TABLE_DECIMALS, crosscheck_fits
from preservation.stats.fit_store import read_fits_json, stored_fits
from preservation.stats.model_cells import read_model_subsets
from preservation.stats.study_models import ModelSpec, study_cells
from preservation.stats.tables import write_csv

log = job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec.from_config(snakemake.config)  # noqa: F821
subsets = study_cells(read_model_subsets(snakemake.input.cells), spec)  # noqa: F821
fits = stored_fits(subsets, read_fits_json(snakemake.input.fits))  # noqa: F821
table = crosscheck_fits(fits, Path(snakemake.input.script), spec.rscript)  # noqa: F821
log.info("engine agreement: %s", "; ".join(sorted(table["status"].unique())) or "no fits")
write_csv(table, snakemake.output.csv, digits=TABLE_DECIMALS)  # noqa: F821
