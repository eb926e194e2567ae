"""Snakemake script: GLMM per study x behaviour -> CSV tables, a LaTeX table, and the cells for glmer."""

from preservation.runlog import job_logger
from preservation.stats.crosscheck import write_fitted_cells
from preservation.stats.fit_store import write_fits_json
from preservation.stats.model_cells import read_model_subsets
from preservation.stats.study_models import ModelSpec, fit_study_models
from preservation.stats.tables import fits_table, fixed_effects_table, random_effects_table, write_csv, write_glmm_latex

job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec(**snakemake.params.model)  # noqa: F821
fits = fit_study_models(read_model_subsets(snakemake.input.cells), spec)  # noqa: F821
fixed = fixed_effects_table(fits, spec.ci_level)
write_csv(fixed, snakemake.output.fixed)  # noqa: F821
write_csv(random_effects_table(fits), snakemake.output.random)  # noqa: F821
write_csv(fits_table(fits), snakemake.output.fits)  # noqa: F821
write_fits_json(fits, snakemake.output.fits_json)  # noqa: F821
write_glmm_latex(fixed, snakemake.output.tex, spec.ci_level)  # noqa: F821
write_fitted_cells(fits, snakemake.output.glmer_inputs, snakemake.params.crosscheck)  # noqa: F821
