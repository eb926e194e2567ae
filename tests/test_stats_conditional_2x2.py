"""Fisher's p and the conditional odds ratio against scipy and against R's fisher.test."""

import os
import shutil
import subprocess

import numpy as np
import pytest
from scipy.stats import fisher_exact
from scipy.stats.contingency import odds_ratio

from preservation.stats.conditional_2x2 import exact_2x2

# Zeros in every position, ties (symmetric tables), the published o3 counts both ways round (an exact tie
# between two tables with p near 1e-27), and large arms.
TABLES = [(3, 7, 0, 10), (0, 5, 3, 2), (5, 0, 2, 3), (10, 0, 0, 10), (1, 1, 1, 1), (5, 5, 5, 5), (79, 21, 7, 93), (7, 93, 79, 21),
          (2, 3, 4, 5), (0, 1, 0, 1), (1, 0, 0, 1), (6000, 6849, 6100, 6960), (9849, 3000, 4060, 9000)]
TABLES += [tuple(int(v) for v in row) for row in np.random.default_rng(7).integers(0, 40, size=(150, 4))]
LEVEL = 0.95


def close(got: float, expected: float, rtol: float) -> bool:
    return bool(np.isclose(got, expected, rtol=rtol, atol=0) or (np.isnan(got) and np.isnan(expected)) or got == expected)


@pytest.mark.parametrize("table", TABLES)
def test_matches_scipy(table):
    a, b, c, d = table
    matrix = np.array([[a, b], [c, d]])
    ours = exact_2x2(a, b, c, d, LEVEL)
    theirs = odds_ratio(matrix, kind="conditional")
    interval = theirs.confidence_interval(LEVEL)
    for got, expected in ((ours.odds_ratio, theirs.statistic), (ours.low, interval.low), (ours.high, interval.high)):
        assert close(got, float(expected), 1e-8), (table, ours, theirs.statistic, interval)
    assert close(ours.fisher_p, float(fisher_exact(matrix).pvalue), 1e-9)


R_FISHER = """
args <- commandArgs(TRUE)
for (t in strsplit(args[-1], ",")) {
  r <- fisher.test(matrix(as.integer(t), 2, byrow = TRUE), conf.level = as.numeric(args[1]))
  cat(sprintf("%.15g", c(r$p.value, r$estimate, r$conf.int)), "\\n")
}
"""


@pytest.mark.skipif(shutil.which("Rscript") is None and not os.environ.get("CI"), reason="Rscript not installed")
def test_matches_r_fisher_test():
    """R computes the same quantities with its own code (uniroot on the noncentral hypergeometric)."""
    tables = [t for t in TABLES if min(t[0] + t[1], t[2] + t[3], t[0] + t[2], t[1] + t[3]) > 0]
    run = subprocess.run(["Rscript", "-e", R_FISHER, str(LEVEL), *(",".join(map(str, t)) for t in tables)],
                         capture_output=True, text=True, check=True)
    rows = [line.split() for line in run.stdout.splitlines()]
    assert len(rows) == len(tables)
    for table, row in zip(tables, rows):
        p, estimate, low, high = (float(v) for v in row)
        ours = exact_2x2(*table, LEVEL)
        assert close(ours.fisher_p, p, 1e-7), table
        # R's uniroot solves for the odds ratio below 1 and for its inverse above 1, to an
        # absolute tolerance of about 1.2e-4: that bounds how well R's own roots can agree
        for got, expected in ((ours.odds_ratio, estimate), (ours.low, low), (ours.high, high)):
            assert got == expected or min(abs(got - expected), abs(1 / got - 1 / expected)) < 2e-4, (table, ours, row)
