"""Compile the manuscript with typst.

typst ships as a Python wheel with its fonts built in, so the paper builds
offline on any machine; ignoring system fonts and fixing the timestamp make the
PDF depend only on its sources.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import typst


def compile_paper(source: str | Path, output: str | Path, root: str | Path, timestamp: datetime) -> None:
    """Typeset `source` to PDF; `root` bounds which files it may read (figures, numbers, tables)."""
    pdf = typst.compile(str(source), root=str(root), ignore_system_fonts=True,
                        timestamp=int(timestamp.astimezone(timezone.utc).timestamp()))
    Path(output).write_bytes(pdf)
