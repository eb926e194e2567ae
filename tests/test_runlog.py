"""Job logs: what a job did, and why it failed, end up in its Snakemake log file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FAILING_JOB = """
import sys
from preservation.runlog import job_logger
logger = job_logger("paper", [sys.argv[1]])
logger.info("compiling")
raise ValueError("dictionary does not contain key 'PalisadeK'")
"""


def test_an_exception_that_ends_a_job_is_in_its_log_with_the_traceback(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    result = subprocess.run([sys.executable, "-c", FAILING_JOB, str(log)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    text = log.read_text(encoding="utf-8")
    assert text.startswith("INFO preservation.paper: compiling\nCRITICAL preservation.paper: job failed\nTraceback")
    assert text.rstrip().endswith("ValueError: dictionary does not contain key 'PalisadeK'")
    assert result.stderr.count("ValueError: dictionary does not contain key") == 1  # once, not again by Python's own hook


STRICT_STOP = """
import sys
from preservation.quarantine import IngestError
from preservation.runlog import job_logger
logger = job_logger("ingest", [sys.argv[1]])
raise IngestError("quarantined record (strict mode): data/raw/trials/a.jsonl:2: malformed JSON")
"""


def test_a_strict_stop_is_one_line_naming_the_record_without_a_traceback(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    result = subprocess.run([sys.executable, "-c", STRICT_STOP, str(log)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    line = "CRITICAL preservation.ingest: quarantined record (strict mode): data/raw/trials/a.jsonl:2: malformed JSON\n"
    assert log.read_text(encoding="utf-8") == line and result.stderr == line
