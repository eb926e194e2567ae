# Mixed-effects models, population-averaged companions, exact contrasts and
# the lme4 cross-check (issue 3). Included from the Snakefile; targets:
#   <processed_dir>/models/{fixed_effects,random_effects,fits,gee,contrasts,engine_agreement}.csv
#   paper/tables/{glmm_fixed_effects,gee,contrasts}.tex

MODELS_DIR = f"{config['processed_dir']}/models"
TRIALS = f"{config['processed_dir']}/trials.parquet"


rule glmm:
    input:
        trials=TRIALS,
    output:
        fixed=report(f"{MODELS_DIR}/fixed_effects.csv", caption="../report/fixed_effects.rst", category="Models"),
        random=report(f"{MODELS_DIR}/random_effects.csv", caption="../report/random_effects.rst", category="Models"),
        fits=report(f"{MODELS_DIR}/fits.csv", caption="../report/fits.rst", category="Models"),
        tex="paper/tables/glmm_fixed_effects.tex",
    log:
        "logs/models/glmm.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/glmm_fit.py"


rule gee:
    input:
        trials=TRIALS,
    output:
        csv=report(f"{MODELS_DIR}/gee.csv", caption="../report/gee.rst", category="Models"),
        tex="paper/tables/gee.tex",
    log:
        "logs/models/gee.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/gee_fit.py"


rule contrasts:
    input:
        trials=TRIALS,
    output:
        csv=report(f"{MODELS_DIR}/contrasts.csv", caption="../report/contrasts.rst", category="Models"),
        tex="paper/tables/contrasts.tex",
    params:
        boschloo_max_product=config.get("models", {}).get("boschloo_max_product", 62500),
    log:
        "logs/models/contrasts.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/contrasts.py"


rule engine_agreement:
    input:
        trials=TRIALS,
        script="workflow/scripts/glmer_crosscheck.R",
    output:
        csv=report(f"{MODELS_DIR}/engine_agreement.csv", caption="../report/engine_agreement.rst", category="Models"),
    params:
        rscript=config.get("models", {}).get("rscript", "Rscript"),
    log:
        "logs/models/engine_agreement.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/engine_agreement.py"
