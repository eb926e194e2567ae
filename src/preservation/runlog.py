"""Logging for pipeline jobs: every job writes what it did to its Snakemake log file.

INFO from this package (terms dropped, records quarantined, fits skipped) and
warnings from everything else go to the log and to stderr; third-party
libraries stay at WARNING because some log whole arrays at INFO. No
timestamps, so logs of equal runs diff cleanly. An exception that ends the job
is logged with its traceback too: on a cluster, the job's log is where a user
looks first, and stderr may be in a scheduler's file elsewhere. A strict run's
stop at a bad record (IngestError) is logged as its message alone, which names
file:line and the reason: it is the input's fault, and a traceback would bury it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from types import TracebackType

from preservation.quarantine import IngestError


def job_logger(name: str, log_files: Sequence[str]) -> logging.Logger:
    """Route the job's logging to its log files and stderr; return the job's own logger."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    handlers += [logging.FileHandler(path, mode="w", encoding="utf-8") for path in log_files]
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = handlers
    root.setLevel(logging.WARNING)
    logging.getLogger("preservation").setLevel(logging.INFO)
    logger = logging.getLogger(f"preservation.{name}")

    def report(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if isinstance(error, IngestError):
            logger.critical("%s", error)
        else:
            logger.critical("job failed", exc_info=(kind, error, trace))

    sys.excepthook = report
    return logger
