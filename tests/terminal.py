"""Child processes that take Ctrl-C as one started from a terminal does, whatever started the tests."""

from __future__ import annotations

import signal


def ctrl_c_default() -> None:
    """`preexec_fn`: SIGINT back to its default. A shell starts background jobs with SIGINT ignored (so a test
    run started in the background has it ignored), and a child keeps an ignored SIGINT, as it should."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
