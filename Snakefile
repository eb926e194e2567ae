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
include: "workflow/rules/paper.smk"


rule all:
    input:
        f"{PROCESSED}/trials.parquet",
        f"{PROCESSED}/ingest_summary.json",
        f"{PROCESSED}/rates.csv",
        expand(
            f"{PROCESSED}/models/{{table}}.csv",
            table=("fixed_effects", "random_effects", "fits", "gee", "contrasts", "engine_agreement"),
        ),
        expand("paper/tables/{table}.tex", table=("glmm_fixed_effects", "gee", "contrasts")),
        # Only when a present source declares a detector: label/coder agreement.
        [f"{PROCESSED}/coding_agreement.csv"] if has_coding(config, list(IMPORT_UNITS.values())) else [],
        expand(f"{FIGURES}/{{name}}.{{ext}}", name=(*RATE_FIGURES, "forest"), ext=("pdf", "png")),
        f"{PAPER}/numbers.tex",
        f"{PAPER}/claims.md",
        f"{PAPER}/analysis.html",
        f"{PAPER}/paper.pdf",
