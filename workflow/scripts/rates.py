"""Snakemake adapter: canonical trials + published figures -> rates.csv and every cell's sources (cell_sources.parquet)."""

from preservation.aggregate import cell_sources_table, count_cell_sources, rates_table, write_cell_sources, write_rates
from preservation.ingest.published import read_catalogues
from preservation.runlog import job_logger

logger = job_logger("rates", snakemake.log)
cells, source_counts = count_cell_sources(snakemake.input.trials, snakemake.params.by)
figures = read_catalogues([snakemake.input.figures], snakemake.params.factors)
table = rates_table(cells, figures, snakemake.params.by, snakemake.params.level)
write_rates(table, snakemake.output.rates)
write_cell_sources(cell_sources_table(cells, source_counts, table, snakemake.params.by), snakemake.output.cell_sources)
logger.info("%d cells from trials, %d reported-only figures", len(cells), int((table["evidence"] != "counts").sum()))
