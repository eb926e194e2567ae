"""Fit time of the GLMM estimator next to lme4::glmer's on the same data.

200 models x 4 conditions (peer x instructed) x 1,000 trials per cell
(800,000 trials, 800 binomial cells), random intercept per model. glmer is
run via Rscript in the same script run, on the same cells; its time is the
glmer() call alone, measured inside R (R start-up and CSV I/O excluded).

    .venv/bin/python bench/glmm_speed.py [--repeats 3]
"""

import argparse
import time
from pathlib import Path

import numpy as np

from preservation.stats.crosscheck import glmer_unavailable, run_glmer
from preservation.stats.glmm import fit_glmm
from preservation.stats.design import CellData
from preservation.stats.recovery import cell_design
from preservation.stats.simulate import TrueParameters, simulate_cells

SCRIPT = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "glmer_crosscheck.R"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    problems, fits, py_seconds = {}, {}, []
    for r in range(args.repeats):
        cells = simulate_cells(rng, TrueParameters(sd_model=1.5), n_models=200, trials=1000)
        X, model = cell_design(cells)
        start = time.perf_counter()
        fit = fit_glmm(X, cells["k"].to_numpy(), cells["n"].to_numpy(), [model])
        py_seconds.append(time.perf_counter() - start)
        fits[str(r)] = fit
        problems[str(r)] = CellData(X=X, columns=fit.columns, k=cells["k"].to_numpy(float), n=cells["n"].to_numpy(float),
                                    groups={"model": model}, group_levels={"model": tuple(sorted(cells["model"].unique()))},
                                    formula="outcome ~ peer * instructed + (1|model)")
    print(f"data: 200 models x 4 conditions x 1000 trials = {int(problems['0'].n.sum())} trials in {len(problems['0'].k)} cells; {args.repeats} data sets")
    print("python (Laplace): " + ", ".join(f"{s:.3f}" for s in py_seconds) + f" s; median {np.median(py_seconds):.3f} s")
    reason = glmer_unavailable()
    if reason is not None:
        print(f"glmer: {reason}")
        return
    wall = time.perf_counter()
    glmer = run_glmer(problems, SCRIPT)
    wall = time.perf_counter() - wall
    r_seconds = [glmer[k].seconds for k in sorted(glmer)]
    print("glmer (Laplace):  " + ", ".join(f"{s:.3f}" for s in r_seconds) + f" s; median {np.median(r_seconds):.3f} s"
          f" (Rscript run incl. start-up and I/O: {wall:.1f} s)")
    diffs = [np.max(np.abs(np.r_[fits[k].beta - glmer[k].beta, fits[k].sd - glmer[k].sd])) for k in sorted(glmer)]
    print(f"max |python - glmer| over estimates and SDs: {max(diffs):.2e}")


if __name__ == "__main__":
    main()
