"""Logging for pipeline jobs: every job writes what it did to its Snakemake log file."""

from __future__ import annotations

import logging
from collections.abc import Sequence


def job_logger(name: str, log_files: Sequence[str]) -> logging.Logger:
    """A logger writing to the job's log file (and stderr), without timestamps so logs diff cleanly."""
    logger = logging.getLogger(f"preservation.{name}")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    handlers += [logging.FileHandler(path, mode="w", encoding="utf-8") for path in log_files]
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    return logger
