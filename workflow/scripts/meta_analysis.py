"""Snakemake adapter: rates.csv -> cross-study meta-analyses (units, pooled rows) and the units for metafor."""

from preservation.aggregate import read_rates
from preservation.runlog import job_logger
from preservation.stats.meta_data import contrast_units
from preservation.stats.meta_tables import TABLE_DECIMALS, metafor_inputs, pooled_table
from preservation.stats.tables import write_csv

log = job_logger("meta", snakemake.log)  # noqa: F821

block = snakemake.params.meta  # noqa: F821
units = contrast_units(read_rates(snakemake.input.rates), snakemake.params.by, snakemake.params.include_reconstructed)  # noqa: F821
table, pooled = pooled_table(units, snakemake.params.level, block["method"], block["hartung_knapp"])  # noqa: F821
for reason, count in table.loc[table["excluded"] != "", "excluded"].value_counts().sort_index().items():
    log.info("meta-analysis: %d unit(s) not pooled: %s", count, reason)
log.info("meta-analysis: %d units in %d analyses, %d of them pooled", len(table), table["analysis"].nunique(),
         pooled["analysis"].nunique() if len(pooled) else 0)
write_csv(table, snakemake.output.units, digits=TABLE_DECIMALS)  # noqa: F821
write_csv(pooled, snakemake.output.pooled, digits=TABLE_DECIMALS)  # noqa: F821
metafor_inputs(units[units["analysis"].isin(set(pooled["analysis"]) if len(pooled) else set())]).to_csv(  # noqa: F821
    snakemake.output.metafor_inputs, index=False, lineterminator="\n")  # noqa: F821
