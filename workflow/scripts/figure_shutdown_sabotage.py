"""Snakemake adapter: rates.csv -> shutdown-sabotage figure (PDF + PNG)."""

from preservation.aggregate import read_rates
from preservation.figures.shutdown import plot_shutdown_sabotage
from preservation.figures.style import save_figure
from preservation.runlog import job_logger

logger = job_logger("figure", snakemake.log)
fig = plot_shutdown_sabotage(read_rates(snakemake.input.rates), snakemake.params.interval, snakemake.params.study_names)
save_figure(fig, snakemake.output.pdf, snakemake.output.png)
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)
