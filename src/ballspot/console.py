"""Where output goes: results on stdout, logs and progress on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

T = TypeVar("T")

err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
"""Logs, warnings, tables meant for people, progress bars. Lines are never broken (soft wrap): a command
printed for copying arrives whole, in a terminal and in a log file alike. Text is printed as it is, never read
as Rich markup: a file name such as `match [final].mp4` keeps its brackets (styles go in as `style=`)."""

out = Console(highlight=False, soft_wrap=True, markup=False)
"""Results only: paths, JSON; as plain as `err`."""


def quiet() -> bool:
    """True when progress bars and chatter should be off (`BALLSPOT_QUIET=1` or `--quiet`)."""
    return os.environ.get("BALLSPOT_QUIET", "") not in ("", "0")


def set_quiet(value: bool) -> None:
    if value:
        os.environ["BALLSPOT_QUIET"] = "1"


def log(message: str, style: str | None = None) -> None:
    """A line for people, on stderr, unless quiet; `message` is plain text (brackets in a file name are kept,
    not read as Rich markup), shown in `style` when given ("bold", "dim")."""
    if not quiet():
        err.print(message, style=style)


def warn(message: str) -> None:
    """A warning on stderr, always shown; `message` is plain text."""
    err.print(Text.assemble(("warning:", "yellow"), " ", message))


def progress(*extra_columns) -> Progress:
    """A Rich progress display on stderr; hidden when quiet or when stderr is not a terminal."""
    return _bar(MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(), *extra_columns)


def transfer_progress() -> Progress:
    """A Rich progress display on stderr for bytes moved (size done of total, speed, time left); hidden as
    `progress` is."""
    return _bar(DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())


def _bar(*columns) -> Progress:
    """A spinner, the task's description and a bar, then `columns`, on stderr unless quiet or not a terminal."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        *columns,
        console=err,
        disable=quiet() or not sys.stderr.isatty(),
        transient=False,
    )


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
    """Iterate `items` with a progress bar on stderr (rich's `track`; off when quiet or not a terminal)."""
    from rich.progress import track as rich_track

    return rich_track(items, description, total=total, console=err, disable=quiet() or not sys.stderr.isatty())


def one_line(text: object) -> str:
    """`text` with its newlines and carriage returns (legal in a file name) written as \\n and \\r."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def result_line(text: object) -> None:
    """A result (a path) on stdout, on exactly one line (`one_line`), so that scripts reading one path a line
    stay right (`--json` gives it exactly)."""
    sys.stdout.write(one_line(text) + "\n")
    sys.stdout.flush()
