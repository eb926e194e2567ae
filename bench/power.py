"""Time the planning and pooling tools on the shipped data: power for one design and a 50-study meta-analysis.

Power: the GLMM fitted to the shipped Palisade shutdown counts (6 models,
instructed or not, 100 runs each; the pipeline's fit), one design (6
models x 50 trials per cell, the instruction's odds halved) at 1,000
simulate-and-refit rounds in 2 worker processes; target under 60 s.
Meta-analysis: 50 simulated studies with zero cells, pooled five ways (DL,
REML, each +-Hartung-Knapp, and the binomial-normal model); target under 1 s.
Also the closed form "how many runs bound 7/100 to +-3 points?".

    .venv/bin/python bench/power.py [--simulations 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from preservation.stats.glmm import fit_glmm
from preservation.stats.meta_tables import pooled_table
from preservation.stats.power import Design, Generator, power_table
from preservation.stats.rate_precision import wald_trials, wilson_trials

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "raw" / "published" / "palisade_2025.csv"


def shipped_fit() -> tuple[Any, np.ndarray]:
    """The Palisade shutdown GLMM (outcome ~ instructed + (1|model)) on the published counts."""
    rows = pd.read_csv(PUBLISHED).dropna(subset=["k", "n"])
    X = np.column_stack([np.ones(len(rows)), (rows["instructed"] == "yes").to_numpy(float)])
    models = pd.factorize(rows["model"], sort=True)[0]
    return fit_glmm(X, rows["k"].to_numpy(), rows["n"].to_numpy(), [models], ("(Intercept)", "instructed=true"), ("model",)), X


def bench_power(simulations: int = 1000, workers: int = 2) -> dict[str, Any]:
    fit, X = shipped_fit()
    gen = Generator.from_fit(fit, X, {"instructed=true": float(np.log(0.5))})
    start = time.perf_counter()
    row = power_table(gen, [Design(50, (("model", 6),))], "instructed=true", simulations, seed=20261122, workers=workers).iloc[0]
    return {"simulations": simulations, "workers": workers, "seconds": round(time.perf_counter() - start, 2),
            "power": float(row["power"]), "mc_low": round(float(row["mc_low"]), 4), "mc_high": round(float(row["mc_high"]), 4),
            "failed": int(row["failed"])}


def bench_meta(studies: int = 50, seed: int = 1, repeats: int = 3) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n1, n0 = rng.integers(20, 200, studies), rng.integers(20, 200, studies)
    alpha = rng.normal(-2.0, 1.0, studies)
    k1 = rng.binomial(n1, special.expit(alpha - 0.8 + 0.5 * rng.normal(size=studies)))
    k0 = rng.binomial(n0, special.expit(alpha))
    units = pd.DataFrame({"analysis": "bench", "contrast": "instruction", "treatment": "instructed", "behaviour": "x",
                          "unit": [f"s{i:02d}" for i in range(studies)], "k1": k1, "n1": n1, "k0": k0, "n0": n0})
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        _, pooled = pooled_table(units, 0.95, "REML", False)
        seconds.append(time.perf_counter() - start)
    reml = pooled.set_index("method").loc["REML"]
    return {"studies": studies, "zero_cells": int(((k1 == 0) | (k0 == 0)).sum()), "seconds": round(float(np.median(seconds)), 3),
            "reml_or": round(float(np.exp(reml["estimate"])), 4), "tau2": round(float(reml["tau2"]), 4),
            "um_fs_converged": bool(pooled.set_index("method").loc["UM.FS", "converged"])}


def print_results(power: dict[str, Any], meta: dict[str, Any]) -> None:
    print(f"power: 1 design (6 models x 50 trials per cell, instruction OR 0.5) x {power['simulations']} simulations "
          f"in {power['workers']} workers: {power['seconds']} s (target < 60 s); power {power['power']:.3f} "
          f"[{power['mc_low']:.3f}, {power['mc_high']:.3f}], {power['failed']} refits without a p-value")
    print(f"meta-analysis: {meta['studies']} studies ({meta['zero_cells']} with a zero cell), 5 methods incl. binomial-normal: "
          f"{meta['seconds']} s (target < 1 s); REML OR {meta['reml_or']}, tau2 {meta['tau2']}; UM.FS converged {meta['um_fs_converged']}")
    print(f"rate precision: 7/100 to +-3 points at 95% needs {wald_trials(0.07, 0.03, 0.95)} runs (Wald), "
          f"{wilson_trials(0.07, 0.03, 0.95)} (Wilson)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print_results(bench_power(args.simulations, args.workers), bench_meta())


if __name__ == "__main__":
    main()
