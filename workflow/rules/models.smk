# Mixed-effects models, population-averaged companions, exact contrasts and
# the lme4 cross-check (issue 3). Included from the Snakefile; targets:
#   <processed_dir>/models/{fixed_effects,random_effects,fits,gee,contrasts,engine_agreement}.csv
#   <paper.dir>/tables/{glmm_fixed_effects,gee,contrasts}.tex
# The lme4 cross-check takes three jobs: glmm writes the cells it fitted (glmer_inputs/), glmer
# fits them in an R process of its own, engine_agreement compares the two.
# Every model rule reads the counted cells (model_cells), never the per-trial table.

MODELS_DIR = f"{PROCESSED}/models"
CELLS = f"{MODELS_DIR}/cells.parquet"


rule model_cells:
    input:
        trials=f"{PROCESSED}/trials.parquet",
    output:
        cells=CELLS,
    params:
        model=model_fields("formula", "formulas", "groups", "gee_cluster"),
        code=code_of("model_cells.py"),
    benchmark:
        "benchmarks/models/model_cells.tsv"
    log:
        "logs/models/model_cells.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/model_cells.py"


rule glmm:
    input:
        cells=CELLS,
    output:
        fixed=report(f"{MODELS_DIR}/fixed_effects.csv", caption="../report/fixed_effects.rst", category="Models"),
        random=report(f"{MODELS_DIR}/random_effects.csv", caption="../report/random_effects.rst", category="Models"),
        fits=report(f"{MODELS_DIR}/fits.csv", caption="../report/fits.rst", category="Models"),
        fits_json=f"{MODELS_DIR}/fits.json",
        glmer_inputs=directory(f"{MODELS_DIR}/glmer_inputs"),
        tex=f"{PAPER}/tables/glmm_fixed_effects.tex",
    params:
        model=model_fields(
            "formula", "formulas", "groups", "nagq", "reference_levels", "declared_levels", "include_reconstructed", "ci_level"
        ),
        crosscheck=config["models"]["crosscheck"],
        code=code_of("glmm_fit.py"),
    benchmark:
        "benchmarks/models/glmm.tsv"
    log:
        "logs/models/glmm.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/glmm_fit.py"


rule gee:
    input:
        cells=CELLS,
    output:
        csv=report(f"{MODELS_DIR}/gee.csv", caption="../report/gee.rst", category="Models"),
        tex=f"{PAPER}/tables/gee.tex",
    params:
        model=model_fields(
            "formula", "formulas", "groups", "reference_levels", "declared_levels", "include_reconstructed", "gee_cluster", "ci_level"
        ),
        code=code_of("gee_fit.py"),
    benchmark:
        "benchmarks/models/gee.tsv"
    log:
        "logs/models/gee.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/gee_fit.py"


rule contrasts:
    input:
        cells=CELLS,
    output:
        csv=report(f"{MODELS_DIR}/contrasts.csv", caption="../report/contrasts.rst", category="Models"),
        tex=f"{PAPER}/tables/contrasts.tex",
    params:
        model=model_fields("include_reconstructed", "ci_level"),
        boschloo_max_product=config["models"]["boschloo_max_product"],
        code=code_of("contrasts.py"),
    benchmark:
        "benchmarks/models/contrasts.tsv"
    log:
        "logs/models/contrasts.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/contrasts.py"


rule glmer:
    input:
        inputs=f"{MODELS_DIR}/glmer_inputs",
        script="workflow/scripts/glmer_crosscheck.R",
    output:
        # temporary: glmer's last digits and its timings differ between R sessions
        estimates=temp(f"{MODELS_DIR}/glmer_estimates.csv"),
        status=f"{MODELS_DIR}/glmer_status.json",
    params:
        rscript=config["models"]["rscript"],
        crosscheck=config["models"]["crosscheck"],
        code=code_of("glmer.py"),
    benchmark:
        "benchmarks/models/glmer.tsv"
    log:
        "logs/models/glmer.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/glmer.py"


rule engine_agreement:
    input:
        fits=f"{MODELS_DIR}/fits.json",
        estimates=f"{MODELS_DIR}/glmer_estimates.csv",
        status=f"{MODELS_DIR}/glmer_status.json",
    output:
        csv=report(f"{MODELS_DIR}/engine_agreement.csv", caption="../report/engine_agreement.rst", category="Models"),
    params:
        code=code_of("engine_agreement.py"),
    benchmark:
        "benchmarks/models/engine_agreement.tsv"
    log:
        "logs/models/engine_agreement.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/engine_agreement.py"
