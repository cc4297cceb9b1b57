"""`ballspot index`: the clip table (Parquet or CSV) with per-split class counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import ClassesOption, DataDirOption, JsonOption, QuietOption

INDEX_SUFFIXES = (".parquet", ".csv")


def _index_suffix(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in INDEX_SUFFIXES:
        raise typer.BadParameter(f"{str(value)!r} must end in .parquet or .csv")
    return value


@command("index")
def index(
    clips_dir: Annotated[
        Path | None, typer.Argument(help="Clips folder written by `segment` \\[default: <data folder>/clips].")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Index file, .parquet or .csv \\[default: <clips folder>/index.parquet].",
            callback=_index_suffix,
        ),
    ] = None,
    classes: ClassesOption = "12",
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build the clip index (clip, label, label id, duration, game, split, times) and show class counts."""
    from rich.table import Table

    from ballspot import console, paths
    from ballspot.classes import class_set
    from ballspot.data.index import INDEX_FILE, build_index, class_counts, save_index

    console.set_quiet(quiet or json_output)
    clips_dir = clips_dir or (data_dir or paths.data_dir()) / "clips"
    class_list = class_set(classes)
    frame = build_index(clips_dir, class_list)
    target = out or clips_dir / INDEX_FILE
    save_index(frame, target)
    counts = class_counts(frame, class_list)
    if json_output:
        typer.echo(json.dumps({"index": str(target), "rows": len(frame), "counts": counts}))
        return
    table = Table(title=f"clips per split ({len(frame)} rows)")
    table.add_column("label")
    splits = list(counts)
    for split in splits:
        table.add_column(split, justify="right")
    for label in next(iter(counts.values()), {}):
        table.add_row(label, *(str(counts[s][label]) for s in splits))
    if not quiet:
        console.err.print(table)
    console.result_line(str(target))
