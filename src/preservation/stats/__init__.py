"""Mixed-effects models, population-averaged companions and exact contrasts.

Public entry points (see docs/statistics.md):

* :func:`fit_study_models` - GLMM per study x behaviour from the config;
* :func:`fit_glmm` - the estimator itself, on binomial cell counts;
* :func:`fit_gee`, :func:`contrast_table` - companions;
* :func:`crosscheck_fits` - the same fits by lme4::glmer, compared.
"""

from preservation.stats.contrasts import contrast_table, two_by_two
from preservation.stats.crosscheck import crosscheck_fits, engine_agreement, glmer_unavailable, run_glmer
from preservation.stats.design import CellData, build_cells, parse_formula
from preservation.stats.gee import GeeFit, fit_gee
from preservation.stats.glmm import GlmmFit, MarginalDeviance, fit_glmm
from preservation.stats.study_models import ModelSpec, StudyFit, fit_study_models, study_cells

__all__ = [
    "CellData", "GeeFit", "GlmmFit", "MarginalDeviance", "ModelSpec", "StudyFit",
    "build_cells", "contrast_table", "crosscheck_fits", "engine_agreement", "fit_gee", "fit_glmm",
    "fit_study_models", "glmer_unavailable", "parse_formula", "run_glmer", "study_cells", "two_by_two",
]
