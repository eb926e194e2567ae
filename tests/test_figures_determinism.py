"""Two clean runs from scratch give byte-identical figures, numbers, claims, change report, appendix, reviewer's page and paper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIGURE_NAMES

OUTPUTS = [
    *(f"figures/{name}.{ext}" for name in FIGURE_NAMES for ext in ("pdf", "png")),
    "paper/numbers.tex", "paper/numbers.json", "paper/claims.md", "paper/changes.md", "paper/changes.json", "paper/analysis.html", "paper/review.html", "paper/paper.pdf",
]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory, run_clean: Callable[[Path], Path]) -> Path:
    return run_clean(tmp_path_factory.mktemp("second"))


@pytest.mark.parametrize("output", OUTPUTS)
def test_clean_runs_are_byte_identical(built: Path, second_run: Path, output: str) -> None:
    assert (built / output).read_bytes() == (second_run / output).read_bytes(), f"{output} differs between clean runs"
