"""Snakemake adapter: the fitted GLMMs -> parametric-bootstrap intervals beside the Wald ones."""

from preservation.runlog import job_logger
from preservation.stats.fit_store import read_fits_json
from preservation.stats.model_spec import ModelSpec
from preservation.stats.planning import bootstrap_tables, fitted_cells
from preservation.stats.tables import write_csv

job_logger("models", snakemake.log)  # noqa: F821

spec = ModelSpec(**snakemake.params.model)  # noqa: F821
block = snakemake.params.bootstrap  # noqa: F821
table = bootstrap_tables(read_fits_json(snakemake.input.fits), fitted_cells(snakemake.input.cells, spec),  # noqa: F821
                         block["replicates"], block["seed"], spec.ci_level, workers=snakemake.threads)  # noqa: F821
write_csv(table, snakemake.output.csv)  # noqa: F821
