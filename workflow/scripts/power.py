"""Snakemake adapter: the fitted GLMMs -> power per declared design (by simulation) and rate precision (closed form)."""

from preservation.runlog import job_logger
from preservation.stats.fit_store import read_fits_json
from preservation.stats.model_spec import ModelSpec
from preservation.stats.planning import fitted_cells, power_tables
from preservation.stats.rate_precision import precision_table
from preservation.stats.tables import write_csv

log = job_logger("planning", snakemake.log)  # noqa: F821

block = snakemake.params.power  # noqa: F821
spec = ModelSpec(**snakemake.params.model)  # noqa: F821
power, smallest, status = power_tables(read_fits_json(snakemake.input.fits), fitted_cells(snakemake.input.cells, spec), block,  # noqa: F821
                                       spec.ci_level, workers=snakemake.threads)  # noqa: F821
log.info("power: %s", status)
write_csv(power, snakemake.output.power)  # noqa: F821
write_csv(smallest, snakemake.output.smallest)  # noqa: F821
precision = snakemake.params.precision  # noqa: F821
write_csv(precision_table(precision["rates"], precision["half_widths"], precision["trials"], spec.ci_level),  # noqa: F821
          snakemake.output.precision)  # noqa: F821
