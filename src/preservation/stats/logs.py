"""Logging set-up for the models rules' scripts.

Only this package's messages (terms dropped, fits skipped, R missing) go to
the rule's log at INFO; third-party libraries are held at WARNING because
some of them log arrays at INFO on the root logger.
"""

from __future__ import annotations

import logging
from pathlib import Path


def log_to(path: str | Path) -> logging.Logger:
    """Send warnings from everything and INFO from ``preservation`` to ``path``."""
    logging.basicConfig(filename=str(path), filemode="w", level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("preservation")
    logger.setLevel(logging.INFO)
    return logger
