"""Run the glmer cross-check's R script as a child process.

Standard library only, so the Snakemake job that waits on R holds little of
its own (about 30 MiB) and its memory is R's. When that job also held the
Python cells it was the largest of the pipeline at 10M trials (702 MiB).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

SKIPPED = "skipped: Rscript/lme4 not found"
SWITCHED_OFF = "skipped: models.crosscheck is false"
METAFOR_SKIPPED = "skipped: Rscript/metafor not found"
# What glmer_crosscheck.R writes (R's write.csv quotes the header).
ESTIMATES_HEADER = '"fit_id","kind","index","estimate","se","seconds","singular","message"'
METAFOR_HEADER = '"analysis","method","parameter","value","message"'
# Single-threaded BLAS: threaded reductions are one source of run-to-run variation in glmer's last digits.
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def glmer_unavailable(rscript: str = "Rscript") -> str | None:
    """None when Rscript with lme4 can be run, else the reason it cannot."""
    return None if _has_package(rscript, "lme4") else SKIPPED


def metafor_unavailable(rscript: str = "Rscript") -> str | None:
    """None when Rscript with metafor (and the lme4 its rma.glmm uses) can be run, else the reason it cannot."""
    return None if _has_package(rscript, "metafor") and _has_package(rscript, "lme4") else METAFOR_SKIPPED


def _has_package(rscript: str, package: str) -> bool:
    exe = shutil.which(rscript)
    if exe is None:
        return False
    probe = subprocess.run(
        [exe, "-e", f'quit(status = if (requireNamespace("{package}", quietly = TRUE)) 0 else 1)'],
        capture_output=True, text=True, check=False,
    )
    return probe.returncode == 0


def run_glmer_script(script: str | Path, spec: str | Path, estimates: str | Path, rscript: str = "Rscript") -> None:
    """Run ``rscript script spec estimates`` (glmer or metafor on the inputs ``spec`` lists); RuntimeError when R fails."""
    run = subprocess.run([rscript, str(script), str(spec), str(estimates)], capture_output=True, text=True, check=False,
                         env={**os.environ, **SINGLE_THREAD})
    if run.returncode != 0:
        raise RuntimeError(f"Rscript failed ({run.returncode}): {run.stderr.strip()}")


def glmer_status(script: str | Path, spec: str | Path, estimates: str | Path, rscript: str | None,
                 engine: str = "glmer") -> str:
    """Run the cross-check when it is on, R can run it and there is a fit: "ok", or why not.

    ``estimates`` is always written: the R engine's estimates, or only the header.
    ``engine="metafor"`` runs the meta-analysis check (metafor_crosscheck.R) instead.
    """
    unavailable, header = (metafor_unavailable, METAFOR_HEADER) if engine == "metafor" else (glmer_unavailable, ESTIMATES_HEADER)
    with open(spec, encoding="utf-8", newline="") as handle:
        fits = sum(1 for _ in csv.DictReader(handle))
    if rscript is None or not fits:
        reason = SWITCHED_OFF if rscript is None else "ok"  # switched off, or nothing to fit
    else:
        reason = unavailable(rscript)
        if reason is None:
            try:
                run_glmer_script(script, spec, estimates, rscript)
                return "ok"
            except RuntimeError as error:
                reason = f"{engine} run failed: {error}"
    Path(estimates).write_text(header + "\n", encoding="utf-8")
    return reason
