"""Snakemake adapter: rates.csv -> the CSV tables the manuscript typesets."""

from preservation.aggregate import read_rates
from preservation.numbers import Format, instruction_effects
from preservation.runlog import job_logger
from preservation.tables import effects_table, results_table, write_table

logger = job_logger("tables", snakemake.log)
fmt = Format(**snakemake.params.format)
names, citations = snakemake.params.study_names, snakemake.params.citations
rates = read_rates(snakemake.input.rates)
write_table(results_table(rates, snakemake.params.by, fmt, names, citations), snakemake.output.results)
effects = instruction_effects(rates, snakemake.params.by, snakemake.params.level)
write_table(effects_table(effects, fmt, names, citations), snakemake.output.effects)
logger.info("wrote %s and %s", snakemake.output.results, snakemake.output.effects)
