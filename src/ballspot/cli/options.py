"""Option types shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout, nothing else.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or log lines.")]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder \\[default: $BALLSPOT_DATA_DIR or the platform's data folder]."),
]
RunsDirOption = Annotated[
    Path | None,
    typer.Option("--runs-dir", help="Runs folder \\[default: $BALLSPOT_RUNS_DIR or <data folder>/runs]."),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Frame-cache folder \\[default: $BALLSPOT_CACHE_DIR or the platform's cache]."),
]
ClassesOption = Annotated[
    str, typer.Option("--classes", help="Class set: 12 (2024/2025 editions) or 2 (2023: PASS, DRIVE).")
]
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        max=1024,
        help="CPU threads for the network \\[default: the CPUs this process may use (its affinity)].",
    ),
]
