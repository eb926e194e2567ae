"""Snakemake script: population-averaged GEE per study x behaviour."""

from preservation.stats.gee import fit_gee
from preservation.stats.study_models import ModelSpec, study_cells
from preservation.runlog import job_logger
from preservation.stats.model_cells import read_model_subsets
from preservation.stats.tables import gee_table, write_csv, write_gee_latex

log = job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec(**snakemake.params.model)  # noqa: F821
gees = {(s, b): fit_gee(cells, spec.gee_cluster) for s, b, _, cells in study_cells(read_model_subsets(snakemake.input.cells), spec)}  # noqa: F821
for key, g in sorted(gees.items()):
    log.info("%s/%s: %s", *key, g.status)
table = gee_table(gees, spec.ci_level)
write_csv(table, snakemake.output.csv)  # noqa: F821
write_gee_latex(table, snakemake.output.tex, spec.ci_level)  # noqa: F821
