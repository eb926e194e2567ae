"""Mixed-effects models, population-averaged companions and exact contrasts.

Entry points, imported from their modules so that each Snakemake job loads
only what it uses (the whole package costs about 200 MiB before any data;
see docs/statistics.md):

* ``study_models.fit_study_models`` - GLMM per study x behaviour from the config;
* ``glmm.fit_glmm`` - the estimator itself, on binomial cell counts;
* ``gee.fit_gee``, ``contrasts.contrast_table`` - companions;
* ``crosscheck.crosscheck_fits`` - the same fits by lme4::glmer, compared.
"""
