# Per-condition aggregation: k, n, rate and 95% intervals per cell, with a stable
# cell id; cell_sources lists every source of every cell (the provenance that
# numbers.json and claims.json point to by cell id).


rule rates:
    input:
        trials=f"{PROCESSED}/trials.parquet",
        figures=f"{PROCESSED}/published_figures.csv",
    output:
        rates=report(
            f"{PROCESSED}/rates.csv",
            caption="../report/rates.rst",
            category="Tables",
        ),
        cell_sources=f"{PROCESSED}/cell_sources.parquet",
    params:
        by=config["aggregate_by"],
        level=config["ci_level"],
        factors=FACTORS,
        code=code_of("rates.py"),
    benchmark:
        "benchmarks/aggregate/rates.tsv"
    log:
        "logs/aggregate/rates.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/rates.py"
