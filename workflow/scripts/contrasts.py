"""Snakemake script: per-model 2x2 contrasts with exact tests, Holm-adjusted."""

from preservation.stats.contrasts import contrast_table
from preservation.stats.study_models import ModelSpec
from preservation.runlog import job_logger
from preservation.stats.model_cells import read_model_subsets
from preservation.stats.tables import write_contrasts_latex, write_csv

log = job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec(**snakemake.params.model)  # noqa: F821
parts = read_model_subsets(snakemake.input.cells)  # noqa: F821
if not spec.include_reconstructed:
    parts = (part[~part["reconstructed"].astype(bool)] for part in parts)
table = contrast_table(parts, spec.ci_level, snakemake.params.boschloo_max_product)  # noqa: F821
log.info("%d contrasts in %d families", len(table), table.groupby(["study", "behaviour"]).ngroups)
write_csv(table, snakemake.output.csv)  # noqa: F821
write_contrasts_latex(table, snakemake.output.tex, spec.ci_level)  # noqa: F821
