"""Snakemake adapter: power.csv -> power-curve figure (PDF + PNG)."""

import pandas as pd

from preservation.figures.power import plot_power
from preservation.figures.style import save_figure
from preservation.runlog import job_logger

logger = job_logger("figure", snakemake.log)  # noqa: F821
fig = plot_power(pd.read_csv(snakemake.input.power), snakemake.params.target)  # noqa: F821
save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)  # noqa: F821
