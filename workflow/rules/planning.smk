# Planning the next study and intervals that keep their coverage (issue 15), from the
# stored fits (glmm rule) and the cells they were fitted to. Included from the Snakefile; targets:
#   <processed_dir>/planning/{power,power_smallest,rate_precision}.csv, figures/power.{pdf,png}
#   <processed_dir>/models/bootstrap_intervals.csv
# Simulations are seeded per design and replicate, so the outputs are byte-identical at any thread count.

PLANNING_DIR = f"{PROCESSED}/planning"


rule power:
    input:
        cells=CELLS,
        fits=f"{MODELS_DIR}/fits.json",
    output:
        power=report(f"{PLANNING_DIR}/power.csv", caption="../report/power_table.rst", category="Planning"),
        smallest=f"{PLANNING_DIR}/power_smallest.csv",
        precision=report(f"{PLANNING_DIR}/rate_precision.csv", caption="../report/rate_precision.rst", category="Planning"),
    params:
        model=model_fields(
            "formula", "formulas", "groups", "reference_levels", "declared_levels", "include_reconstructed", "ci_level"
        ),
        power=sorted_keys(config["power"]),
        precision=sorted_keys(config["rate_precision"]),
        code=code_of("power.py"),
    threads: 2
    benchmark:
        "benchmarks/planning/power.tsv"
    log:
        "logs/planning/power.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/power.py"


rule bootstrap:
    input:
        cells=CELLS,
        fits=f"{MODELS_DIR}/fits.json",
    output:
        csv=report(f"{MODELS_DIR}/bootstrap_intervals.csv", caption="../report/bootstrap_intervals.rst", category="Models"),
    params:
        model=model_fields(
            "formula", "formulas", "groups", "reference_levels", "declared_levels", "include_reconstructed", "ci_level"
        ),
        bootstrap=sorted_keys(config["bootstrap"]),
        code=code_of("bootstrap.py"),
    threads: 2
    benchmark:
        "benchmarks/models/bootstrap.tsv"
    log:
        "logs/models/bootstrap.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/bootstrap.py"


rule figure_power:
    input:
        power=f"{PLANNING_DIR}/power.csv",
    output:
        **figure_outputs("power"),
    params:
        target=config["power"]["target"],
        code=code_of("figure_power.py"),
    log:
        "logs/figures/power.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_power.py"
