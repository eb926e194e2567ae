"""Compile the manuscript with typst.

typst ships as a Python wheel with its fonts built in, so the paper builds
offline on any machine; ignoring system fonts and fixing the timestamp make the
PDF depend only on its sources.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import typst


def compile_paper(source: str | Path, output: str | Path, root: str | Path, timestamp: datetime, figures: str | Path) -> None:
    """Typeset `source` to PDF; `root` bounds which files it may read (figures, numbers, tables).

    The manuscript finds the figures through `sys.inputs.figures`, a path from
    `root`, so a configured figures directory is the one it shows.
    """
    location = "/" + Path(os.path.relpath(Path(figures).resolve(), Path(root).resolve())).as_posix()
    pdf = typst.compile(str(source), root=str(root), ignore_system_fonts=True, sys_inputs={"figures": location},
                        timestamp=int(timestamp.astimezone(timezone.utc).timestamp()))
    Path(output).write_bytes(pdf)
