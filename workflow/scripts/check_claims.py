"""Snakemake adapter: paper/claims.yaml + rates.csv, fixed effects, numbers.json and paper.typ -> paper/claims.md and claims.json;
fails the job on a failed claim (or a printed number no claim checks) when strict."""

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from preservation.aggregate import read_rates
from preservation.claims import Evidence, attach_numbers, claims_markdown, evaluate_claims, load_claims, text_coverage
from preservation.runlog import job_logger
from preservation.table_claims import TABLES
from preservation.writers import write_json

logger = job_logger("claims", snakemake.log)
claims = load_claims(snakemake.input.claims, snakemake.input.schema)
tables = {name: pd.read_csv(snakemake.input[name]) for name in TABLES}
evidence = Evidence(read_rates(snakemake.input.rates), snakemake.params.verbal_levels, snakemake.params.level,
                    snakemake.params.interval, snakemake.params.by, pd.read_csv(snakemake.input.fixed_effects),
                    tables, {name: snakemake.input[name] for name in TABLES})
numbers = json.loads(Path(snakemake.input.numbers).read_text(encoding="utf-8"))
results = attach_numbers(evaluate_claims(claims, evidence), numbers)
results.append(text_coverage(Path(snakemake.input.manuscript).read_text(encoding="utf-8"), numbers, results))
Path(snakemake.output.report).write_text(claims_markdown(results), encoding="utf-8")
write_json([asdict(result) for result in results], snakemake.output.results)
failed = [result for result in results if not result.passed]
for result in failed:
    logger.warning("claim %s FAILED: %s", result.id, result.message)
logger.info("%d of %d claims pass", len(results) - len(failed), len(results))
if failed and snakemake.params.strict:
    raise SystemExit(f"{len(failed)} claim(s) failed (claims: strict is true): " + "; ".join(f"{r.id}: {r.message}" for r in failed))
