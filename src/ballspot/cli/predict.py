"""`ballspot predict`: spot the ball actions of whole videos with a trained run's weights."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import (
    DataDirOption,
    Device,
    JsonOption,
    Precision,
    QuietOption,
    RunsDirOption,
    ThreadsOption,
    Tta,
)
from ballspot.errors import BallspotError
from ballspot.predict.backends import Backend
from ballspot.share.sources import MODEL_HELP
from ballspot.soccernet.layout import Resolution, other_resolutions
from ballspot.soccernet.splits import SPLITS

Opt = typer.Option

DELAY_HELP = (
    "Follow a live source (a growing file, - for standard input, or a stream URL): one JSON line per event on "
    "stdout as soon as it is final, until the stream ends or Ctrl-C (which prints the remaining events, exit 0). "
    "Each line comes at most look-ahead + batch + smoothing + suppression window + 0.5 s + one position after "
    "its frame, plus decoding and compute time. Look-ahead: half a window for a window model (0.56 s with "
    "15-frame windows at stride 2), three quarters of a clip of stacks for a dense model (5.76 s for the "
    "dense-quickstart recipe, the quick start's). Example, a window model of 15 frames at stride 2 with default "
    "post-processing: 0.56 + 1.92 (--batch-size 8; 0.24 with 1) + 0.24 + 1.0 + 0.5 + 0.24 s = 4.5 s (2.8 s with "
    "--batch-size 1); the quick start's dense model: 11.14 s (7.78 s). The bound for the model used is logged "
    "at start."
)
Split = Enum("Split", {name: name for name in SPLITS}, type=str)
OPTION_OF_KEY = {
    "threshold": "--threshold",
    "event_threshold": "--event-threshold",
    "smooth_s": "--smooth",
    "nms_window_s": "--nms-window",
}
"""The post-processing options, by the key each sets."""


@command("predict")
def predict(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Video file(s), or a dataset root (every game with a video); with --follow one live source: "
            "a growing file, - (standard input) or a stream URL (tcp://, udp://, http://, rtmp://, srt://, ...)."
        ),
    ],
    model: Annotated[
        str | None,
        Opt(
            "--model",
            "-m",
            help=f"{MODEL_HELP} Default: best.pt of the newest run that spots events (not a clip classifier), the "
            "quick start's included.",
        ),
    ] = None,
    sha256: Annotated[str | None, Opt("--sha256", help="Expected sha256 of the --model file or URL.")] = None,
    out: Annotated[Path | None, Opt("--out", help="Output folder (default: <data>/predictions).")] = None,
    device: Annotated[Device, Opt(help="Where the network runs.")] = Device.auto,
    batch_size: Annotated[int, Opt("--batch-size", min=1, max=4096, help="Stacks encoded per batch.")] = 8,
    precision: Annotated[Precision, Opt(help="Arithmetic on CUDA (CPUs run fp32).")] = Precision.auto,
    params: Annotated[Path | None, Opt("--params", help="Post-processing parameters (JSON).")] = None,
    threshold: Annotated[float | None, Opt(help="Lowest confidence kept in results_spotting.json, 0 to 1.")] = None,
    event_threshold: Annotated[
        float | None, Opt("--event-threshold", help="Lowest confidence kept in events.json, 0 to 1.")
    ] = None,
    smooth: Annotated[float | None, Opt(help="Score smoothing window, 0 to 10 seconds.")] = None,
    nms_window: Annotated[
        float | None, Opt("--nms-window", help="Suppression window, above 0 and at most 60 seconds.")
    ] = None,
    resolution: Annotated[
        Resolution | None, Opt(help="Which video of a dataset root's games (not for video files) \\[default: 224p].")
    ] = None,
    tta: Annotated[
        Tta,
        Opt(help="Test-time augmentation: none, or flip (also score the mirrored video, sides swapped; 2x work)."),
    ] = Tta.none,
    phases: Annotated[
        int | None,
        Opt(
            min=1,
            max=16,
            help="Dense models: average stacks started from this many frames of a stack (more is surer and "
            "slower: N x work) \\[default: the model's].",
        ),
    ] = None,
    split: Annotated[
        Split | None,
        Opt(help="Only the games of this split of a dataset root (its splits.json, else the official lists)."),
    ] = None,
    zip_path: Annotated[
        Path | None,
        Opt(
            "--zip",
            help="Also write a submission zip for SoccerNet's evaluation server: each game's results_spotting.json "
            "at its league/season/game path. Prints the zip's path.",
        ),
    ] = None,
    follow: Annotated[bool, Opt("--follow", help=DELAY_HELP)] = False,
    idle_timeout: Annotated[
        float | None,
        Opt(
            "--idle-timeout",
            min=0.1,
            help="With --follow: a file or URL that sends nothing for this many seconds has ended \\[default: 10].",
        ),
    ] = None,
    backend: Annotated[
        Backend,
        Opt(help="What runs the network: torch, or onnxruntime (exported graphs; pip install 'ballspot\\[onnx]')."),
    ] = Backend.torch,
    threads: ThreadsOption = None,
    workers: Annotated[
        int, Opt(min=1, max=64, help="Games in flight at once, sharing the model; decoding overlaps the network.")
    ] = 1,
    force: Annotated[
        bool, Opt("--force", help="Predict games again whose outputs exist for the same videos, model and parameters.")
    ] = False,
    runs_dir: RunsDirOption = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Spot events in whole videos: writes results_spotting.json (SoccerNet format) per game."""
    from ballspot import console, paths
    from ballspot.defaults import newest_spotter
    from ballspot.engine.optim import resolve_precision
    from ballspot.export.onnx import is_onnx_folder
    from ballspot.predict.api import use_phases, warn_if_tuned_on_other_weights
    from ballspot.predict.backends import load_backend, spotter_params
    from ballspot.predict.postprocess import check_values, load_params
    from ballspot.predict.run import predict_games
    from ballspot.threads import use_threads

    console.set_quiet(quiet or json_output)
    device, precision, tta = device.value, precision.value, tta.value
    from ballspot.share.sources import resolve_model

    if sha256 is not None and model is None:
        raise typer.BadParameter("--sha256 checks a --model file or URL; give --model", param_hint="'--sha256'")
    if idle_timeout is not None and not follow:
        raise typer.BadParameter("--idle-timeout only applies with --follow", param_hint="'--idle-timeout'")
    live = [source for source in sources if source == "-" or "://" in source]  # Path() reads http:/h/x
    if live and not follow:
        raise BallspotError(f"{live[0]} is a live source (a stream or standard input): read it with --follow")
    if resolution is not None and not follow and only_files([Path(source) for source in sources]):
        raise typer.BadParameter(
            "picks the video of a dataset root's games; the sources are video files (leave --resolution out)",
            param_hint="'--resolution'",
        )
    overrides = {
        "threshold": threshold,
        "event_threshold": event_threshold,
        "smooth_s": smooth,
        "nms_window_s": nms_window,
    }
    given = {key: value for key, value in overrides.items() if value is not None}
    file_params = load_params(params) if params else None  # bad post-processing fails before the model loads
    check_values(given, spelled=OPTION_OF_KEY)
    # so do the sources: a mistyped video path is said at once, not after the model has loaded
    if follow:
        check_follow_options(sources, split, zip_path, out, resolution)
    else:
        jobs = plan_jobs([Path(source) for source in sources], split, resolution)
        out_root = out or (data_dir or paths.data_dir()) / "predictions"
        check_out_folder(out_root, given=out is not None)
        if zip_path is not None:
            from ballspot.predict.submission import check_submission_games, check_submission_name

            check_submission_name(zip_path)
            check_submission_games(jobs)
    if model and is_onnx_folder(Path(model)):
        if sha256 is not None:  # not silently unchecked
            raise BallspotError(f"--sha256 does not apply to a folder ({model}): it checks one file (leave it out)")
        weights = Path(model)  # an ONNX export: runs in ONNX Runtime
    elif model is not None:  # --model "" is an error, not the newest run's model
        weights = resolve_model(model, sha256)
    else:
        weights = newest_spotter(runs_dir, data_dir)
        console.log(f"model: {weights} (the newest spotting run's; --model picks another)")
    threads = use_threads(threads)
    spotter = load_backend(weights, backend, device, tta, threads)
    if phases is not None:
        use_phases(spotter, phases)
    resolve_precision(spotter.device, precision)  # a bad --precision fails before any decoding
    if params:
        warn_if_tuned_on_other_weights(params, spotter.path)
    chosen = file_params if file_params is not None else spotter_params(spotter)
    for key, value in given.items():
        setattr(chosen, key, value)
    chosen.check()
    if follow:
        return follow_source(sources[0], spotter, chosen, batch_size, precision, idle_timeout)
    if zip_path is not None:
        from ballspot.predict.submission import check_submission_target

        check_submission_target(zip_path)  # makes the zip's folder: only once the model has loaded
    results = predict_games(jobs, spotter, chosen, out_root, batch_size, precision, workers=workers, resume=not force)
    if zip_path is not None:
        from ballspot.predict.submission import write_submission

        write_submission(zip_path, {r["game"]: r["document"] for r in results})
        console.log(f"submission: {len(results)} game(s) in {zip_path}")
    if json_output:
        documents = [r["document"] for r in results]
        typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents))
        return
    for r in results:
        console.log(f"{r['game']}: {r['candidates']} candidates, {r['events']} events >= {chosen.event_threshold}")
        if zip_path is None:
            console.result_line(r["files"]["results"])
    if zip_path is not None:
        console.result_line(str(zip_path))


def plan_jobs(sources: list[Path], split: Split | None, resolution: Resolution | None) -> list:
    """The videos to predict: every game with a video under a dataset root (of `split` only, when given), and
    each video file given; a missing or non-video source is an error."""
    from ballspot import console
    from ballspot.predict.run import plan_videos

    chosen = (resolution or Resolution.P224).value
    if split is not None:
        from ballspot.predict.submission import plan_split

        jobs = plan_split(sources, split.value, chosen)
    else:
        jobs = plan_videos(sources, chosen)
    if resolution is not None and (warning := other_resolutions([job.video for job in jobs], resolution.value)):
        console.warn(warning)
    return jobs


def check_out_folder(out_root: Path, given: bool) -> None:
    """An output folder that is a file is said before the model loads, not once the first game is predicted."""
    if out_root.exists() and not out_root.is_dir():
        what = f"--out {out_root}" if given else f"the predictions folder {out_root} (under the data folder)"
        raise BallspotError(f"{what} is a file, not a folder")


def only_files(sources: list[Path]) -> bool:
    """True when every source is an existing file (no dataset root), so --resolution has nothing to pick."""
    return all(source.is_file() for source in sources)


def warn_about_growing_video(path: Path, config) -> None:
    """Predict's warnings for a followed file as far as it is written (a stream or a pipe cannot be read
    ahead); a file whose header is not written yet is not judged."""
    from ballspot import console
    from ballspot.engine.video_fit import video_warnings
    from ballspot.video.probe import probe

    try:
        info = probe(path)
    except BallspotError:
        return
    for warning in video_warnings(info, config, growing=True):
        console.warn(f"{path}: {warning}")


def check_follow_options(sources, split, zip_path, out, resolution) -> None:
    """--follow reads one source and prints events: options that choose games or write files are refused."""
    if len(sources) != 1:
        raise typer.BadParameter("--follow reads exactly one source", param_hint="'--follow'")
    given = (("--split", split), ("--zip", zip_path), ("--out", out), ("--resolution", resolution))
    extra = [name for name, value in given if value is not None]
    if extra:
        raise typer.BadParameter(f"{', '.join(extra)} cannot go with --follow (it prints events)", param_hint=extra[0])


def follow_source(name: str, spotter, params, batch_size, precision, idle_timeout) -> None:
    """The --follow branch: one live source, JSON lines on stdout, no files."""
    import sys

    from ballspot import console
    from ballspot.predict.live import delay_bound, follow
    from ballspot.video.live import LiveSource

    source = LiveSource(name, 10.0 if idle_timeout is None else idle_timeout)
    if source.kind == "file":
        warn_about_growing_video(Path(name), spotter.config)
    console.log(f"following {name}: {delay_bound(spotter, params, batch_size).describe()}")
    printed = follow(source, spotter, params, sys.stdout, batch_size, precision)
    console.log(f"stream ended: {printed} event(s) >= {params.event_threshold}")
