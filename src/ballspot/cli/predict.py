"""`ballspot predict`: spot the ball actions of whole videos with a trained run's weights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import DataDirOption, JsonOption, QuietOption, RunsDirOption
from ballspot.errors import BallspotError
from ballspot.soccernet.layout import Resolution

Opt = typer.Option


@command("predict")
def predict(
    sources: Annotated[list[Path], typer.Argument(help="Video file(s), or a dataset root (every game with a video).")],
    model: Annotated[
        Path | None, Opt("--model", "-m", help="Weights file (default: best.pt of the newest run).")
    ] = None,
    out: Annotated[Path | None, Opt("--out", help="Output folder (default: <data>/predictions).")] = None,
    device: Annotated[str, Opt(help="auto, cpu or cuda.")] = "auto",
    batch_size: Annotated[int, Opt("--batch-size", help="Stacks encoded per batch.")] = 8,
    precision: Annotated[str, Opt(help="auto, fp32, bf16 or fp16.")] = "auto",
    params: Annotated[Path | None, Opt("--params", help="Post-processing parameters (JSON).")] = None,
    threshold: Annotated[float | None, Opt(help="Lowest confidence kept in results_spotting.json.")] = None,
    event_threshold: Annotated[
        float | None, Opt("--event-threshold", help="Lowest confidence kept in events.json.")
    ] = None,
    smooth: Annotated[float | None, Opt(help="Score smoothing window, seconds.")] = None,
    nms_window: Annotated[float | None, Opt("--nms-window", help="Suppression window, seconds.")] = None,
    resolution: Annotated[Resolution, Opt(help="Which video of a dataset game.")] = Resolution.P224,
    runs_dir: RunsDirOption = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Spot events in whole videos: writes results_spotting.json (SoccerNet format) per game."""
    from ballspot import console, paths
    from ballspot.engine.optim import resolve_precision
    from ballspot.predict.api import default_params, load_spotter
    from ballspot.predict.postprocess import load_params
    from ballspot.predict.run import plan_videos, predict_games

    console.set_quiet(quiet or json_output)
    if not 1 <= batch_size <= 4096:
        raise BallspotError(f"--batch-size must be between 1 and 4096, got {batch_size}")
    model = model or newest_best(runs_dir or paths.runs_dir(data_dir))
    spotter = load_spotter(model, device)
    resolve_precision(spotter.device, precision)  # a bad --precision fails before any decoding
    chosen = load_params(params) if params else default_params(spotter.path)
    overrides = {
        "threshold": threshold,
        "event_threshold": event_threshold,
        "smooth_s": smooth,
        "nms_window_s": nms_window,
    }
    for key, value in overrides.items():
        if value is not None:
            setattr(chosen, key, value)
    chosen.check()
    jobs = plan_videos(sources, resolution.value)
    out_root = out or (data_dir or paths.data_dir()) / "predictions"
    results = predict_games(jobs, spotter, chosen, out_root, batch_size, precision)
    if json_output:
        documents = [r["document"] for r in results]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents))
        return
    for r in results:
        console.log(f"{r['game']}: {r['candidates']} candidates, {r['events']} events >= {chosen.event_threshold}")
        typer.echo(r["files"]["results"])


def newest_best(runs: Path) -> Path:
    """best.pt of the most recently modified run under `runs`."""
    candidates = sorted(runs.glob("*/weights/best.pt"), key=lambda p: p.stat().st_mtime) if runs.is_dir() else []
    if not candidates:
        raise BallspotError(f"no trained run under {runs}; train one or give --model")
    return candidates[-1]
