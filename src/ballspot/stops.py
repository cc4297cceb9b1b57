"""Hold a Ctrl-C or SIGTERM that arrives where Python cannot raise it.

Starting a child with `preexec_fn` (ffmpeg, tied to this process) runs Python's fork handlers inside the
fork, where an exception is swallowed ("Exception ignored in ..."): a Ctrl-C raised there would stop
nothing. Inside `held()`, the command's signal handlers (`ballspot.cli.base`) hold the stop instead, and
it is raised as the block ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

_depth = 0
_held: list[Callable[[], None]] = []


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold a stop that the command's handlers are given inside the block; raise it when the block ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _held:
            raise_stop = _held[0]
            _held.clear()
            raise_stop()


def hold(raise_stop: Callable[[], None]) -> bool:
    """For a signal handler: keep `raise_stop` for the end of `held()` when inside one (True), else False."""
    if not _depth:
        return False
    if not _held:  # the first decides
        _held.append(raise_stop)
    return True
