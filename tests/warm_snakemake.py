"""Snakemake dry runs at a fraction of their cost, for a test that plans the workflow a hundred times.

A fresh `snakemake` process spends most of a dry run importing itself, its
plugins and the package (4 of 5 s on a loaded two-core machine). The server
here imports them once and forks a child per run, which starts warm (1.5 s).
A separate process, so that no thread of the test process is forked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType


class WarmSnakemake:
    """Runs `snakemake --cores 2 ARGS` in a directory, like conftest.run_snakemake, through the warm server."""

    def __init__(self, output: Path) -> None:
        """`output` is the file each run's output passes through."""
        self.server = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.output = output

    def run(self, workdir: Path, *args: str) -> str:
        """Snakemake's output (stdout and stderr); AssertionError with it when Snakemake fails."""
        assert self.server.stdin and self.server.stdout
        self.server.stdin.write(json.dumps([str(workdir), str(self.output), "--cores", "2", *args]) + "\n")
        self.server.stdin.flush()
        code = int(self.server.stdout.readline())
        output = self.output.read_text(encoding="utf-8")
        if code != 0:
            raise AssertionError(f"snakemake failed ({code}):\n{output}")
        return output

    def __enter__(self) -> WarmSnakemake:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        assert self.server.stdin
        self.server.stdin.close()
        self.server.wait(timeout=60)


def serve() -> None:
    """Import what a dry run imports, then fork one child per request line [workdir, output file, *args]; answer its exit code."""
    import snakemake.cli

    import preservation.code_version, preservation.configuration, preservation.ingest.sources, preservation.stats.model_spec  # noqa: F401, E401
    import smart_open, snakemake.api, snakemake.dag, snakemake.workflow  # noqa: F401, E401

    snakemake.cli.get_argument_parser()  # collects the plugins
    for line in sys.stdin:
        workdir, output, *args = json.loads(line)
        child = os.fork()
        if child == 0:
            os.chdir(workdir)
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(descriptor, 1)
            os.dup2(descriptor, 2)
            code = 1
            try:
                snakemake.cli.main(args)
                code = 0
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(child, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    serve()
