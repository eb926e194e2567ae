"""The computational appendix: execute the analysis notebook with papermill, render it with nbconvert.

papermill and nbformat stamp start/end times, durations and random cell ids into
the notebook; strip_volatile removes them so the executed notebook and its HTML
are byte-identical across runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbconvert import HTMLExporter

VOLATILE_CELL_METADATA = ("papermill", "execution")
VOLATILE_NOTEBOOK_METADATA = ("papermill",)


def strip_volatile(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop timestamps and durations; number cell ids in order so they never change."""
    for key in VOLATILE_NOTEBOOK_METADATA:
        notebook.metadata.pop(key, None)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    return notebook


def execute(source: str | Path, executed: str | Path, parameters: Mapping[str, Any], cwd: str | Path) -> None:
    """Run the notebook with papermill (parameters injected after its `parameters` cell) and strip it."""
    papermill.execute_notebook(
        str(source), str(executed), parameters=dict(parameters), cwd=str(cwd),
        kernel_name="python3", progress_bar=False, log_output=False,
    )
    notebook = nbformat.read(str(executed), as_version=4)
    nbformat.write(strip_volatile(notebook), str(executed))


def to_html(executed: str | Path, html: str | Path) -> None:
    """Render the executed notebook as one self-contained HTML page."""
    notebook = strip_volatile(nbformat.read(str(executed), as_version=4))
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    Path(html).write_text(body, encoding="utf-8")
