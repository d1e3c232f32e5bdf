"""Run `python -m bot ARGS` in this process, through `bot.cli.main(argv)`, the way a shell would.

Only tests of the process itself (signals, exit on a real network, logging set up at start) spawn
`python -m bot`; everything else goes through here: same parser, same error handling, same exit
codes, without paying for a new interpreter each time.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from bot.cli import main


@dataclass(frozen=True)
class Ran:
    """What a shell would see: the exit status and both output streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*argv: str, stdin: str = "") -> Ran:
    """Run the CLI with `argv` and `stdin`; argparse's own exits count as exit codes."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved
    return Ran(code, out.getvalue(), err.getvalue())
