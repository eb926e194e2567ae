"""Snakemake adapter: paper/claims.yaml + rates.csv -> paper/claims.md and claims.json; fails the job on a failed claim when strict."""

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from preservation.aggregate import read_rates
from preservation.claims import claims_markdown, evaluate_claims, load_claims
from preservation.runlog import job_logger
from preservation.table_claims import TABLES
from preservation.writers import write_json

logger = job_logger("claims", snakemake.log)
claims = load_claims(snakemake.input.claims, snakemake.input.schema)
rates = read_rates(snakemake.input.rates)
tables = {name: pd.read_csv(snakemake.input[name]) for name in TABLES}
results = evaluate_claims(claims, rates, snakemake.params.verbal_levels, snakemake.params.level, tables)
Path(snakemake.output.report).write_text(claims_markdown(results), encoding="utf-8")
write_json([asdict(result) for result in results], snakemake.output.results)
failed = [result for result in results if not result.passed]
for result in failed:
    logger.warning("claim %s FAILED: %s", result.id, result.message)
logger.info("%d of %d claims pass", len(results) - len(failed), len(results))
if failed and snakemake.params.strict:
    raise SystemExit(f"{len(failed)} claim(s) failed (claims: strict is true): " + "; ".join(f"{r.id}: {r.message}" for r in failed))
