"""Snakemake adapter: canonical trials + published figures -> rates.csv."""

from preservation.aggregate import count_cells, rates_table, write_rates
from preservation.ingest.published import read_catalogues
from preservation.runlog import job_logger

logger = job_logger("rates", snakemake.log)
cells = count_cells(snakemake.input.trials, snakemake.params.by)
figures = read_catalogues([snakemake.input.figures], snakemake.params.factors)
table = rates_table(cells, figures, snakemake.params.by, snakemake.params.level)
write_rates(table, snakemake.output.rates)
logger.info("%d cells from trials, %d reported-only figures", len(cells), int((table["evidence"] != "counts").sum()))
