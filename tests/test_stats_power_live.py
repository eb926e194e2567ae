"""Power by simulation here and in R (lme4 simulate() then refit, as simr does) agree within Monte Carlo error.

Both simulate the same design from the same parameters with their own random
numbers, so they agree only up to Monte Carlo error: the tolerance is 3.5
standard errors of the difference of two independent proportions. Skipped when
Rscript or lme4 is absent, except in CI.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from preservation.stats.power import Design, Generator, design_layout, power_table
from preservation.stats.r_session import SINGLE_THREAD, glmer_unavailable

UNAVAILABLE = glmer_unavailable()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None and not os.environ.get("CI"), reason=f"lme4 power check {UNAVAILABLE}")

SIMULATIONS = 300
# The shipped Palisade fit (instructed log-odds as fitted would give power ~1), with the instruction's
# odds halved: a design whose power is near 1/2, where a wrong simulation or test shows most.
GEN = Generator(np.array([[1.0, 0.0], [1.0, 1.0]]), ("(Intercept)", "instructed=true"), np.array([-1.914507, -0.693147]),
                np.array([1.676386]), ("model",), (6,), 1)
DESIGN = Design(25, (("model", 6),))

R_POWER = """
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); d$model <- factor(d$model)
set.seed(as.integer(args[3]))
beta <- c(-1.914507, -0.693147); theta <- 1.676386
d$k <- 0L
m0 <- suppressMessages(glmer(cbind(k, n - k) ~ x1 + (1 | model), data = transform(d, k = rbinom(nrow(d), n, 0.2)), family = binomial))
sims <- simulate(m0, nsim = as.integer(args[2]), newparams = list(beta = beta, theta = theta))
p <- sapply(sims, function(y) {
  fit <- tryCatch(suppressWarnings(suppressMessages(refit(m0, newresp = y))), error = function(e) NULL)
  if (is.null(fit)) NA else coef(summary(fit))["x1", "Pr(>|z|)"]
})
write.csv(data.frame(p = p), args[4], row.names = FALSE)
"""


def r_p_values(simulations: int, seed: int) -> np.ndarray:
    X, n, groups, _ = design_layout(GEN, DESIGN)
    with tempfile.TemporaryDirectory() as tmp:
        pd.DataFrame({"x1": X[:, 1], "model": groups[0], "n": n}).to_csv(Path(tmp, "design.csv"), index=False)
        Path(tmp, "power.R").write_text(R_POWER, encoding="utf-8")
        subprocess.run(["Rscript", str(Path(tmp, "power.R")), str(Path(tmp, "design.csv")), str(simulations), str(seed),
                        str(Path(tmp, "p.csv"))], check=True, capture_output=True, env={**os.environ, **SINGLE_THREAD})
        return pd.read_csv(Path(tmp, "p.csv"))["p"].to_numpy(float)


def test_lme4_is_available_where_ci_runs() -> None:
    assert UNAVAILABLE is None, f"lme4 power check {UNAVAILABLE}"


def test_power_agrees_with_lme4_simulate_and_refit() -> None:
    ours = power_table(GEN, [DESIGN], "instructed=true", SIMULATIONS, seed=2026, workers=2)["power"].iloc[0]
    p = r_p_values(SIMULATIONS, 2026)
    theirs = float(np.mean(np.nan_to_num(p, nan=1.0) < 0.05))  # a failed refit does not reject, as here
    pooled = (ours + theirs) / 2
    assert 0.2 < pooled < 0.8, pooled  # near 1/2, where the comparison is most sensitive
    assert abs(ours - theirs) < 3.5 * math.sqrt(pooled * (1 - pooled) * 2 / SIMULATIONS), (ours, theirs)
