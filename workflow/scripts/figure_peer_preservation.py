"""Snakemake adapter: rates.csv -> peer-preservation figure (PDF + PNG)."""

from preservation.aggregate import read_rates
from preservation.figures.peer import plot_peer_preservation
from preservation.figures.style import save_figure
from preservation.runlog import job_logger

logger = job_logger("figure", snakemake.log)
fig = plot_peer_preservation(
    read_rates(snakemake.input.rates), snakemake.params.peer_levels, snakemake.params.interval, snakemake.params.level,
    snakemake.params.study_names,
)
save_figure(fig, snakemake.output.pdf, snakemake.output.png)
logger.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)
