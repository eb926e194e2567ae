"""Snakemake adapter: rates.csv, cell sources, fixed effects, the meta-analysis and the designs -> paper/numbers.tex + numbers.json (with provenance)."""

import pandas as pd

from preservation.aggregate import read_cell_sources, read_rates
from preservation.numbers import (
    Format,
    Sources,
    design_numbers,
    fixed_effect_numbers,
    instruction_effect_numbers,
    instruction_effects,
    merge_numbers,
    rate_numbers,
    write_numbers,
)
from preservation.pooled_numbers import meta_numbers, power_numbers
from preservation.runlog import job_logger
from preservation.stats.meta_tables import read_units

logger = job_logger("numbers", snakemake.log)
fmt = Format(**snakemake.params.format)
names = snakemake.params.study_names
by = snakemake.params.by
rates = read_rates(snakemake.input.rates)
fixed_effects = pd.read_csv(snakemake.input.fixed_effects)
sources = Sources.build(rates, read_cell_sources(snakemake.input.cell_sources), snakemake.input.rates,
                        snakemake.input.fixed_effects, snakemake.params.include_reconstructed)
numbers = merge_numbers(
    design_numbers(snakemake.params.level, snakemake.params.interval, fmt),
    rate_numbers(rates, by, snakemake.params.interval, fmt, names, sources),
    instruction_effect_numbers(instruction_effects(rates, by, snakemake.params.level), by, fmt, names, sources),
    fixed_effect_numbers(fixed_effects, fmt, names, sources),
    meta_numbers(pd.read_csv(snakemake.input.meta_pooled), read_units(snakemake.input.meta_units), fmt, snakemake.params.meta,
                 snakemake.input.meta_pooled),
    power_numbers(pd.read_csv(snakemake.input.power), pd.read_csv(snakemake.input.power_smallest), fmt,
                  snakemake.input.power_smallest, fixed_effects, sources),
)
write_numbers(numbers, snakemake.output.tex, snakemake.output.json, sources)
logger.info("wrote %d numbers to %s and %s", len(numbers), snakemake.output.tex, snakemake.output.json)
