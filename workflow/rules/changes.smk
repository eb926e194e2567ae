# What changed since the baseline: paper/baseline.json is recorded on request
# (`snakemake --cores all baseline`) and kept in the repository; every run
# compares its numbers, claim outcomes and sources with it.


rule changes:
    input:
        numbers=f"{PAPER}/numbers.json",
        claims=f"{PAPER}/claims.json",
        ingest=f"{PROCESSED}/ingest_summary.json",
        baseline=baseline_if_recorded,
    output:
        report=report(f"{PAPER}/changes.md", caption="../report/changes.rst", category="Paper"),
        json=f"{PAPER}/changes.json",
    params:
        baseline=BASELINE,
        code=code_of("changes.py"),
    log:
        "logs/paper/changes.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/changes.py"


# No output, so a default run never reaches it and it runs whenever it is named:
# the baseline is an input the authors record, never an output a run rewrites.
rule baseline:
    input:
        numbers=f"{PAPER}/numbers.json",
        claims=f"{PAPER}/claims.json",
        ingest=f"{PROCESSED}/ingest_summary.json",
    params:
        baseline=BASELINE,
        code=code_of("record_baseline.py"),
    log:
        "logs/paper/baseline.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/record_baseline.py"
