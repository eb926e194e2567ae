"""Snakemake adapter: rates.csv and the GLMM fixed effects -> paper/numbers.tex + numbers.json."""

import pandas as pd

from preservation.aggregate import read_rates
from preservation.numbers import (
    Format,
    design_numbers,
    fixed_effect_numbers,
    instruction_effect_numbers,
    instruction_effects,
    rate_numbers,
    write_numbers,
)
from preservation.pooled_numbers import meta_numbers, power_numbers
from preservation.runlog import job_logger

logger = job_logger("numbers", snakemake.log)
fmt = Format(**snakemake.params.format)
names = snakemake.params.study_names
by = snakemake.params.by
rates = read_rates(snakemake.input.rates)
numbers = {
    **design_numbers(snakemake.params.level, snakemake.params.interval, fmt),
    **rate_numbers(rates, by, snakemake.params.interval, fmt, names),
    **instruction_effect_numbers(instruction_effects(rates, by, snakemake.params.level), by, fmt, names),
    **fixed_effect_numbers(pd.read_csv(snakemake.input.fixed_effects), fmt, names),
    **meta_numbers(pd.read_csv(snakemake.input.meta_pooled), fmt),
    **power_numbers(pd.read_csv(snakemake.input.power), pd.read_csv(snakemake.input.power_smallest), fmt),
}
write_numbers(numbers, snakemake.output.tex, snakemake.output.json)
logger.info("wrote %d numbers to %s and %s", len(numbers), snakemake.output.tex, snakemake.output.json)
