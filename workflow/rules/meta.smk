# Cross-study random-effects meta-analysis of the instruction and peer effects (issue 15),
# checked against R's metafor like the GLMMs against lme4 (models.smk): meta_analysis pools
# and writes the units for R, metafor fits them in an R process of its own, meta_agreement
# compares. Included from the Snakefile; targets:
#   <processed_dir>/meta/{units,pooled,engine_agreement}.csv, figures/meta_forest.{pdf,png}

META_DIR = f"{PROCESSED}/meta"


rule meta_analysis:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        units=report(f"{META_DIR}/units.csv", caption="../report/meta_units.rst", category="Meta-analysis"),
        pooled=report(f"{META_DIR}/pooled.csv", caption="../report/meta_pooled.rst", category="Meta-analysis"),
        metafor_inputs=f"{META_DIR}/metafor_inputs.csv",
    params:
        by=config["aggregate_by"],
        level=config["ci_level"],
        meta=sorted_keys(config["meta"]),
        include_reconstructed=config["models"]["include_reconstructed"],
        code=code_of("meta_analysis.py"),
    benchmark:
        "benchmarks/meta/meta_analysis.tsv"
    log:
        "logs/meta/meta_analysis.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/meta_analysis.py"


rule metafor:
    input:
        units=f"{META_DIR}/metafor_inputs.csv",
        script="workflow/scripts/metafor_crosscheck.R",
    output:
        # temporary, as glmer's: R's estimates are compared, not reported
        estimates=temp(f"{META_DIR}/metafor_estimates.csv"),
        status=f"{META_DIR}/metafor_status.json",
    params:
        rscript=config["models"]["rscript"],
        crosscheck=config["models"]["crosscheck"],
        code=code_of("metafor.py"),
    benchmark:
        "benchmarks/meta/metafor.tsv"
    log:
        "logs/meta/metafor.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/metafor.py"


rule meta_agreement:
    input:
        pooled=f"{META_DIR}/pooled.csv",
        estimates=f"{META_DIR}/metafor_estimates.csv",
        status=f"{META_DIR}/metafor_status.json",
    output:
        csv=report(f"{META_DIR}/engine_agreement.csv", caption="../report/meta_engine_agreement.rst", category="Meta-analysis"),
    params:
        code=code_of("meta_agreement.py"),
    log:
        "logs/meta/meta_agreement.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/meta_agreement.py"


rule figure_meta_forest:
    input:
        units=f"{META_DIR}/units.csv",
        pooled=f"{META_DIR}/pooled.csv",
    output:
        **figure_outputs("meta_forest"),
    params:
        level=config["ci_level"],
        study_names=sorted_keys(config["paper"]["study_names"]),
        code=code_of("figure_meta_forest.py"),
    log:
        "logs/figures/meta_forest.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_meta_forest.py"
