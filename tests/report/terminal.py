"""Start a command as a terminal would, for tests that press Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SENDREPORT = str(Path(sys.executable).parent / "sendreport")

# Ctrl-C's default action restored, since a process that inherits SIGINT ignored (a background
# job, or a test process after some library set it so) rightly keeps ignoring it.
_TERMINAL = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
             "os.execv(sys.argv[1], sys.argv[1:])")


def sendreport_from_a_terminal(*args: str) -> subprocess.Popen:
    """``sendreport ARGS`` in a process group of its own, SIGINT at its default action.

    Send Ctrl-C as a terminal does with ``os.killpg(proc.pid, signal.SIGINT)``.
    """
    return subprocess.Popen(
        [sys.executable, "-c", _TERMINAL, SENDREPORT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
