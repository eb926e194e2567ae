# Preservation: raw self-/peer-preservation trial logs -> publication outputs.
# Run `snakemake --cores all` from the repository root (or `make`).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# Checks the configuration (workflow/schemas/config.schema.yaml and cross-references) first.
include: "workflow/rules/common.smk"
include: "workflow/rules/import.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/planning.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/changes.smk"
include: "workflow/rules/summary.smk"


rule all:
    input:
        f"{PROCESSED}/trials.parquet",
        f"{PROCESSED}/ingest_summary.json",
        f"{PROCESSED}/rates.csv",
        expand(
            f"{PROCESSED}/models/{{table}}.csv",
            table=("fixed_effects", "random_effects", "fits", "gee", "contrasts", "engine_agreement"),
        ),
        expand(f"{PROCESSED}/planning/{{table}}.csv", table=("power", "power_smallest", "rate_precision")),
        f"{PROCESSED}/models/bootstrap_intervals.csv",
        expand(f"{PROCESSED}/meta/{{table}}.csv", table=("units", "pooled", "engine_agreement")),
        expand(f"{FIGURES}/{{name}}.{{ext}}", name=("power", "meta_forest"), ext=("pdf", "png")),
        expand("paper/tables/{table}.tex", table=("glmm_fixed_effects", "gee", "contrasts")),
        # Label/coder agreement: no rows unless a present source declares a detector.
        f"{PROCESSED}/coding_agreement.csv",
        expand(f"{FIGURES}/{{name}}.{{ext}}", name=(*RATE_FIGURES, "forest"), ext=("pdf", "png")),
        f"{PAPER}/numbers.tex",
        f"{PAPER}/claims.md",
        f"{PAPER}/review.html",
        f"{PAPER}/changes.md",
        f"{PAPER}/analysis.html",
        f"{PAPER}/paper.pdf",
        f"{PROCESSED}/run_summary.md",
