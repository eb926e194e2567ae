"""Two clean runs from scratch give byte-identical figures, numbers, claims, change report, appendix, reviewer's page and paper,
and the simulated or parallel outputs (power, bootstrap, meta-analysis, cell sources)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIGURE_NAMES

OUTPUTS = [
    *(f"figures/{name}.{ext}" for name in (*FIGURE_NAMES, "power", "meta_forest") for ext in ("pdf", "png")),
    "data/processed/planning/power.csv", "data/processed/planning/power_smallest.csv", "data/processed/planning/rate_precision.csv",
    "data/processed/models/bootstrap_intervals.csv", "data/processed/meta/units.csv", "data/processed/meta/pooled.csv",
    "data/processed/meta/engine_agreement.csv", "data/processed/cell_sources.parquet",
    "paper/numbers.tex", "paper/numbers.json", "paper/claims.md", "paper/changes.md", "paper/changes.json", "paper/analysis.html", "paper/review.html", "paper/paper.pdf",
]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory, run_clean: Callable[[Path], Path]) -> Path:
    return run_clean(tmp_path_factory.mktemp("second"))


@pytest.mark.parametrize("output", OUTPUTS)
def test_clean_runs_are_byte_identical(built: Path, second_run: Path, output: str) -> None:
    assert (built / output).read_bytes() == (second_run / output).read_bytes(), f"{output} differs between clean runs"
