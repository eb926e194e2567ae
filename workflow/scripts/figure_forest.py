"""Snakemake adapter: fixed_effects.csv (from the glmm rule) -> forest plot (PDF + PNG)."""

import pandas as pd

from preservation.figures.forest import plot_forest
from preservation.figures.style import save_figure
from preservation.runlog import job_logger

logger = job_logger("figure", snakemake.log)
fig = plot_forest(pd.read_csv(snakemake.input.fixed_effects), snakemake.params.study_names)
save_figure(fig, snakemake.output.pdf, snakemake.output.png)
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)
