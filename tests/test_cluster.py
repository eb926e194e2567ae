"""The workflow through a real single-node SLURM cluster matches a local run (CI only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.cluster
def test_slurm_run_matches_local_run():
    if not os.environ.get("CI"):
        pytest.skip("runs only when CI is set: it installs munge/slurm-wlm and starts SLURM daemons as root")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("needs root and apt-get (Debian) to install and start SLURM")
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "slurm-smoke-test.sh")],
        capture_output=True, text=True, timeout=1200, check=False, env={**os.environ, "VENV": str(venv)},
    )
    assert result.returncode == 0 and "PASS" in result.stdout, result.stdout + result.stderr
