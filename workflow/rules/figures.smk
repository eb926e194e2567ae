# Publication figures, each registered for `snakemake --report` with a caption.


rule figure_shutdown_sabotage:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        **figure_outputs("shutdown_sabotage"),
    params:
        interval=config["paper"]["interval"],
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_shutdown_sabotage.py"),
    benchmark:
        "benchmarks/figures/shutdown_sabotage.tsv"
    log:
        "logs/figures/shutdown_sabotage.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_shutdown_sabotage.py"


rule figure_blackmail:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        **figure_outputs("blackmail"),
    params:
        interval=config["paper"]["interval"],
        level=config["ci_level"],
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_blackmail.py"),
    log:
        "logs/figures/blackmail.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_blackmail.py"


rule figure_peer_preservation:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        **figure_outputs("peer_preservation"),
    params:
        peer_levels=config["peer_levels"],
        interval=config["paper"]["interval"],
        level=config["ci_level"],
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_peer_preservation.py"),
    log:
        "logs/figures/peer_preservation.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_peer_preservation.py"


rule figure_rate_heatmap:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        **figure_outputs("rate_heatmap"),
    params:
        factors=config["aggregate_by"],
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_rate_heatmap.py"),
    log:
        "logs/figures/rate_heatmap.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_rate_heatmap.py"


# The forest plot of the GLMM fixed effects (fixed_effects.csv, from the glmm rule).
rule figure_forest:
    input:
        fixed_effects=f"{PROCESSED}/models/fixed_effects.csv",
    output:
        **figure_outputs("forest"),
    params:
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_forest.py"),
    log:
        "logs/figures/forest.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_forest.py"
