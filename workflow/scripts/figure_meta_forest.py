"""Snakemake adapter: meta-analysis units and pooled rows -> forest plot (PDF + PNG)."""

import pandas as pd

from preservation.figures.meta_forest import plot_meta_forest
from preservation.figures.style import save_figure
from preservation.runlog import job_logger
from preservation.stats.meta_tables import read_units

logger = job_logger("figure", snakemake.log)  # noqa: F821
units = read_units(snakemake.input.units)  # noqa: F821
fig = plot_meta_forest(units, pd.read_csv(snakemake.input.pooled), snakemake.params.level, snakemake.params.study_names)  # noqa: F821
save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)  # noqa: F821
