"""Snakemake adapter: rates.csv -> model x condition heat map (PDF + PNG)."""

from preservation.aggregate import read_rates
from preservation.figures.heatmap import plot_rate_heatmap
from preservation.figures.style import save_figure
from preservation.runlog import job_logger

logger = job_logger("figure", snakemake.log)
fig = plot_rate_heatmap(read_rates(snakemake.input.rates), snakemake.params.factors, snakemake.params.study_names)
save_figure(fig, snakemake.output.pdf, snakemake.output.png)
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)
