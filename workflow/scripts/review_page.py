"""Snakemake adapter: numbers.json, claims.json, rates, cell sources, fixed effects, trials and paper.typ -> paper/review.html,
the reviewer's page from every printed number and claim to its cells and trial rows."""

import json
from pathlib import Path

import pandas as pd

from preservation.aggregate import read_cell_sources, read_rates, trials_of_cells
from preservation.manuscript import printed_by_section
from preservation.review_page import FIRST_ROWS, PageInputs, build_page, referenced_cells, write_page
from preservation.runlog import job_logger

logger = job_logger("review_page", snakemake.log)
numbers = json.loads(Path(snakemake.input.numbers).read_text(encoding="utf-8"))
claims = json.loads(Path(snakemake.input.claims).read_text(encoding="utf-8"))
cells = referenced_cells(numbers, claims)
trials = trials_of_cells(snakemake.input.trials, snakemake.params.by, cells, FIRST_ROWS)
page = build_page(PageInputs(
    numbers=numbers, claims=claims, rates=read_rates(snakemake.input.rates), cell_sources=read_cell_sources(snakemake.input.cell_sources),
    fixed_effects=pd.read_csv(snakemake.input.fixed_effects), sections=printed_by_section(Path(snakemake.input.manuscript).read_text(encoding="utf-8")),
    trials=trials, by=snakemake.params.by, level=snakemake.params.level, interval=snakemake.params.interval, first_rows=FIRST_ROWS,
))
write_page(page, snakemake.output.html)
logger.info("reviewer's page: %d numbers, %d claim results, %d cells, %d trial rows behind them -> %s",
            len(numbers), len(claims), len(cells), sum(found.count for found in trials.values()), snakemake.output.html)
