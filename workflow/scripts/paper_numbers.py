"""Snakemake adapter: rates.csv (and, when wired, fixed_effects.csv) -> paper/numbers.tex + numbers.json."""

import pandas as pd

from preservation.aggregate import read_rates
from preservation.numbers import Format, design_numbers, effect_numbers, fixed_effect_numbers, instruction_effects, rate_numbers, write_numbers
from preservation.runlog import job_logger

logger = job_logger("numbers", snakemake.log)
fmt = Format.from_config(snakemake.config)
rates = read_rates(snakemake.input.rates)
numbers = {
    **design_numbers(snakemake.params.level, snakemake.params.interval, fmt),
    **rate_numbers(rates, snakemake.params.interval, fmt),
    **effect_numbers(instruction_effects(rates, snakemake.params.by, snakemake.params.level), fmt),
}
if "fixed_effects" in snakemake.input.keys():
    numbers.update(fixed_effect_numbers(pd.read_csv(snakemake.input.fixed_effects), fmt))
write_numbers(numbers, snakemake.output.tex, snakemake.output.json)
logger.info("wrote %d numbers to %s and %s", len(numbers), snakemake.output.tex, snakemake.output.json)
