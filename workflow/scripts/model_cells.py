"""Snakemake adapter: trial table -> the k/n cells every model rule reads."""

from preservation.runlog import job_logger
from preservation.stats.study_models import ModelSpec
from preservation.stats.model_cells import count_model_cells
from preservation.writers import write_table

log = job_logger("models", snakemake.log)  # noqa: F821
cells = count_model_cells(snakemake.input.trials, ModelSpec(**snakemake.params.model))  # noqa: F821
write_table(cells, snakemake.output.cells)  # noqa: F821
log.info("%d cells from %d trial rows", cells.num_rows, sum(cells["n"].to_pylist()))
