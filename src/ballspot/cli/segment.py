"""`ballspot segment`: cut a match (or every game of a dataset root) into event and background clips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import SEED_MAX, ClassesOption, DataDirOption, JsonOption, QuietOption
from ballspot.soccernet.layout import Resolution, other_resolutions


@command("segment")
def segment(
    source: Annotated[Path, typer.Argument(help="A match video, or a dataset root (league/season/game folders).")],
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Labels file \\[default: Labels-ball.json beside the video]."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Clips folder \\[default: <data folder>/clips].")] = None,
    window: Annotated[
        float | None,
        typer.Option(
            "--window",
            help="Cut a window of this many seconds (0.2 to 60) centred on each event "
            "\\[default: cut from an event to the next one, plus 1 s].",
        ),
    ] = None,
    background: Annotated[
        float, typer.Option("--background", help="Background clips per event (0 to 10), away from any event.")
    ] = 0.25,
    background_gap: Annotated[
        float,
        typer.Option(
            "--background-gap", help="Least distance (s, at least 0) from a background clip's centre to any event."
        ),
    ] = 1.5,
    no_clips: Annotated[
        bool,
        typer.Option("--no-clips", help="Write only the manifests (times), no clip files; training needs no files."),
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="ffmpeg processes cutting at once, 1 to 64.")] = 2,
    resolution: Annotated[
        Resolution | None,
        typer.Option(
            "--resolution",
            help="Which video of a dataset root's games to cut (not for a video file) \\[default: 224p].",
        ),
    ] = None,
    classes: ClassesOption = "12",
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=SEED_MAX, help="Seed for the background clips' positions.")
    ] = 0,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Cut event clips (and background clips) from a match video; writes the clips and a manifest per game."""
    from itertools import count

    from rich.progress import TextColumn

    from ballspot import console, paths
    from ballspot.classes import class_set
    from ballspot.data.segment import (
        SegmentOptions,
        check_jobs,
        plan_jobs,
        segment_game,
        stale_manifests,
        unlisted_games,
    )
    from ballspot.soccernet.splits import listed_twice

    console.set_quiet(quiet or json_output)
    if resolution is not None and source.is_file():
        raise typer.BadParameter(
            f"picks the video of a dataset root's games; {source} is a video file (leave --resolution out)",
            param_hint="'--resolution'",
        )
    opts = SegmentOptions(
        mode="window" if window is not None else "next",
        window_s=window if window is not None else 2.0,
        background_per_event=background,
        background_gap_s=background_gap,
        cut=not no_clips,
        jobs=jobs,
        seed=seed,
        classes=class_set(classes),
    )
    opts.check()
    out_root = out or (data_dir or paths.data_dir()) / "clips"
    jobs_list = plan_jobs(source, labels, (resolution or Resolution.P224).value)
    check_jobs(jobs_list, opts.classes)
    twice = listed_twice(source) if source.is_dir() else None
    for warning in (unlisted_games(source, jobs_list), twice, stale_manifests(out_root, source, jobs_list)):
        if warning:
            console.warn(warning)
    if resolution is not None and (warning := other_resolutions([j.video for j in jobs_list], resolution.value)):
        console.warn(warning)
    summary = []
    clip_count = count(1)
    with console.progress(TextColumn("{task.fields[clips]} clips")) as bar:
        task = bar.add_task("segmenting", total=len(jobs_list), clips=0)
        for job in jobs_list:
            bar.update(task, description=f"{job.game_id[-40:]}")
            manifest = segment_game(
                job.video,
                job.labels,
                out_root / job.game_id,
                job.game_id,
                job.split,
                opts,
                job.half,
                on_clip=lambda: bar.update(task, clips=next(clip_count)),
            )
            bar.advance(task)
            summary.append(
                {
                    "game": job.game_id,
                    "split": job.split,
                    "half": job.half,
                    "clips": len(manifest["clips"]),
                    "events": sum(c["kind"] == "event" for c in manifest["clips"]),
                    "folder": str(out_root / job.game_id),
                }
            )
    if json_output:
        typer.echo(json.dumps({"clips_dir": str(out_root), "games": summary}))
        return
    total = sum(s["clips"] for s in summary)
    console.log(f"{total} clips from {len(summary)} video(s)")
    console.result_line(str(out_root))
