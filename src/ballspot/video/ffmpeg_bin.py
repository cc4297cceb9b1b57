"""Which ffmpeg binary to run: the one on PATH, else the one the imageio-ffmpeg wheel ships."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from ballspot.errors import BallspotError


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable (`BALLSPOT_FFMPEG` overrides the search)."""
    override = os.environ.get("BALLSPOT_FFMPEG")
    if override:
        if not shutil.which(override):
            raise BallspotError(f"BALLSPOT_FFMPEG points at {override!r}, which is not an executable")
        _refuse_other_program(override)
        return override
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - imageio-ffmpeg is a dependency
        raise BallspotError("no ffmpeg found: install ffmpeg or `pip install imageio-ffmpeg`") from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise BallspotError(f"no ffmpeg found ({exc})") from None


def _refuse_other_program(executable: str) -> None:
    """An executable that does not answer `-version` as ffmpeg does (a typo, another program) is an error now,
    not a puzzling failure of the first video."""
    try:
        answer = subprocess.run([executable, "-version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BallspotError(f"BALLSPOT_FFMPEG points at {executable!r}, which does not run: {exc}") from None
    if answer.returncode != 0 or not answer.stdout.startswith(b"ffmpeg version"):
        raise BallspotError(
            f"BALLSPOT_FFMPEG points at {executable!r}, which is not ffmpeg (`{executable} -version` does not "
            "print `ffmpeg version`); point it at ffmpeg or unset it"
        )


_CONTEXT = re.compile(r"\[[^\]\n]* @ 0x[0-9a-f]+\]\s*")
"""The `[Parsed_crop_0 @ 0x7f58...] ` ffmpeg puts before a message: a memory address that says nothing."""


def ffmpeg_reason(stderr: str, code: int | None = None, first: bool = False) -> str:
    """One line of ffmpeg's error output for a message, without its `[filter @ 0x...]` prefix: the last (or
    the `first`, the cause where the later ones only say nothing was written); else the exit code."""
    lines = [_CONTEXT.sub("", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    if lines:
        return lines[0] if first else lines[-1]
    return "unknown error" if code is None else f"exit code {code}"


def local_input(path: Path | str) -> str:
    """A local file as ffmpeg and PyAV are given it: its absolute path, so that a name such as `file:x.mp4` or
    `pipe:0.mp4` is not taken for a protocol (another file, or standard input)."""
    return str(Path(path).absolute())


def tied_to_parent() -> dict:
    """`subprocess` arguments that kill the child (ffmpeg) when this process dies, even by SIGKILL (Linux);
    elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return {}
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return {}
    parent = os.getpid()

    def set_death_signal() -> None:  # runs in the child, between fork and exec
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return {"preexec_fn": set_death_signal}


PR_SET_PDEATHSIG = 1


def start_tied(cmd: list[str], **popen_options) -> subprocess.Popen:
    """`subprocess.Popen` of a child tied to this process (`tied_to_parent`); a Ctrl-C or SIGTERM that comes
    while it starts is raised once it has (`stops.held`): inside the fork, Python would swallow it."""
    from ballspot import stops

    with stops.held():
        return subprocess.Popen(cmd, **popen_options, **tied_to_parent())


@contextlib.contextmanager
def reaped(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """`process` (an ffmpeg), killed if it still runs and waited for when the block ends, however it ends: the end
    of its work, an error, a consumer that stopped early, KeyboardInterrupt. No child is left running or as a
    zombie, and its pipes are closed."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout, process.stderr):
            with contextlib.suppress(OSError):  # a broken pipe's unwritten bytes
                if pipe is not None:
                    pipe.close()
