"""`ballspot app`: a web app to run a spotter on a match, watch the events beside the video, review, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import DataDirOption, RunsDirOption
from ballspot.paths import absolute
from ballspot.share.sources import MODEL_HELP

Opt = typer.Option


@command("app")
def app_command(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A video (predicted as soon as the page opens) or a dataset root (choose a game in the page); "
            "or leave it out and choose in the page.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        Opt(
            "--model",
            "-m",
            help=f"{MODEL_HELP} Default: best.pt of the newest run that spots events (choose another in the page).",
        ),
    ] = None,
    port: Annotated[int, Opt("--port", min=1, max=65535, help="Port to serve the app on.")] = 8501,
    host: Annotated[
        str,
        Opt(
            "--host",
            help="Address to listen on. 127.0.0.1 serves this machine only; --host 0.0.0.0 lets any machine that "
            "reaches this one open the app, run models and read the videos it can read: choose it on purpose.",
        ),
    ] = "127.0.0.1",
    runs_dir: RunsDirOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Open a web app (needs `pip install 'ballspot\\[app]'`): run a model on a video, watch the events on a
    timeline beside the player, review them against labels, export JSON, CSV and clips."""
    import os

    from ballspot.errors import BallspotError
    from ballspot.webapp.launch import require_streamlit, serve
    from ballspot.webapp.settings import LaunchSettings

    require_streamlit()
    if source is not None and not source.exists():
        raise BallspotError(f"video or dataset root not found: {source}")
    if source is not None and not source.is_dir():
        from ballspot.soccernet.layout import is_video_file
        from ballspot.video.probe import probe

        if not is_video_file(source):
            raise BallspotError(f"not a video file (expected .mp4, .mkv, ...) or a dataset root: {source}")
        probe(source)  # an empty, damaged or video-less file fails here, not in the page after the server starts
    if source is not None and source.is_dir():
        from ballspot.soccernet.layout import find_games

        find_games(source, require_video=True)  # a folder without games fails here, not in the page
    weights = None
    if model is not None:  # --model "" is an error, not the newest run's model
        from ballspot.engine.checkpoint import load_checkpoint
        from ballspot.share.sources import resolve_model

        weights = resolve_model(model)  # a run or model folder, hf-hub: or a URL: the page gets the checkpoint file
        refuse_clip_classifier(load_checkpoint(weights), weights)  # fails here, not in the page once the server runs
    from ballspot import paths

    folders = (
        ("--data-dir", "BALLSPOT_DATA_DIR", data_dir, paths.data_dir),
        ("--runs-dir", "BALLSPOT_RUNS_DIR", runs_dir, lambda: paths.runs_dir(data_dir)),
    )
    for option, variable, given, default in folders:
        folder = absolute(given if given is not None else default())  # a loop of links fails here
        if folder.exists() and not folder.is_dir():  # the page would fail on every run
            if given is not None:
                raise BallspotError(f"{option} {given} is a file, not a folder")
            raise BallspotError(
                f"{variable} (or its default) {folder} is a file, not a folder; point {variable} at a folder "
                f"or give {option}"
            )
    if data_dir is not None:
        os.environ["BALLSPOT_DATA_DIR"] = str(absolute(data_dir))
    if runs_dir is not None:
        os.environ["BALLSPOT_RUNS_DIR"] = str(absolute(runs_dir))
    serve(LaunchSettings(source, weights), host, port)


def refuse_clip_classifier(checkpoint: dict, model: Path) -> None:
    """A clip classifier (no background class) cannot find events in a video, which is all the page does."""
    from ballspot.classes import BACKGROUND
    from ballspot.errors import BallspotError
    from ballspot.predict.api import clip_classifier_refused

    if BACKGROUND not in checkpoint["classes"]:
        raise BallspotError(clip_classifier_refused(model))
