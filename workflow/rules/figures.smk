# Publication figures, each registered for `snakemake --report` with a caption.


rule figure_shutdown_sabotage:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        pdf=report(
            f"{FIGURES}/shutdown_sabotage.pdf",
            caption="../report/shutdown_sabotage.rst",
            category="Figures",
        ),
        png=report(
            f"{FIGURES}/shutdown_sabotage.png",
            caption="../report/shutdown_sabotage.rst",
            category="Figures",
        ),
    benchmark:
        "benchmarks/figures/shutdown_sabotage.tsv"
    log:
        "logs/figures/shutdown_sabotage.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_shutdown_sabotage.py"
