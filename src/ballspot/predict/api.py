"""`predict_video`: a whole video in, SoccerNet events out, yielded as they become final."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ballspot.arguments import is_whole, path_argument
from ballspot.classes import BACKGROUND
from ballspot.errors import BallspotError
from ballspot.predict.postprocess import PARAMS_FILE, PostprocessParams, load_params, pick_peaks
from ballspot.predict.spotter import ScoreBlock, position_step_s, score_video
from ballspot.soccernet.results import Prediction
from ballspot.video.live import LiveSource
from ballspot.video.probe import probe

ProgressCallback = Callable[[int, int | None], None]
"""Called with (frames decoded, frames in the video; None for a live source)."""

TTA_MODES = ("none", "flip")
MAX_BATCH_SIZE = 4096
TEAM_RIGHT_FROM = 0.5
"""A dense model's team output is the probability of the right side; at or above this an event is `right`."""


@dataclass
class LoadedModel:
    """A spotting network with what predict needs from its checkpoint."""

    model: object
    config: object
    classes: list[str]
    device: object
    path: Path
    flip: bool = False
    """Flip test-time augmentation: also score the mirrored video and average (team sides swapped)."""

    @property
    def action_classes(self) -> list[str]:
        return [c for c in self.classes if c != BACKGROUND]

    @property
    def dense(self) -> bool:
        return getattr(self.config, "task", "") == "dense"


def load_spotter(path: Path | str, device: str = "auto", tta: str = "none") -> LoadedModel:
    """Load a checkpoint for spotting; a clip classifier (trained without background) cannot spot.

    `tta="flip"` (dense models) scores the mirrored video too, doubling the network's work.
    """
    from ballspot.engine.checkpoint import load_model
    from ballspot.engine.runtime import select_device

    path = path_argument(path, "the weights (path)")
    torch_device = select_device(device)
    model, config, classes = load_model(path, str(torch_device))
    if BACKGROUND not in classes:
        raise BallspotError(clip_classifier_refused(path))
    if tta not in TTA_MODES:
        raise BallspotError(f"--tta must be one of {', '.join(TTA_MODES)}, got {tta!r}")
    if tta == "flip" and config.task != "dense":
        raise BallspotError(f"--tta flip needs a dense model; {path} was trained with --task {config.task}")
    if getattr(config, "color", "grey") == "grey" or torch_device.type == "cuda":
        model.to_channels_last()
    return LoadedModel(model, config, classes, torch_device, Path(path), flip=tta == "flip")


def spotter_argument(model: object, device: str = "auto") -> LoadedModel:
    """`model` as given to the Python functions: a loaded spotter, or the path of weights to load."""
    if isinstance(model, LoadedModel):
        return model
    if not isinstance(model, str | os.PathLike):
        raise BallspotError(
            f"the model must be ballspot.load_spotter(...)'s result or a weights path, got {type(model).__name__}"
        )
    return load_spotter(model, device)


def params_argument(params: object) -> PostprocessParams | None:
    """`params` as given to the Python functions: PostprocessParams or None (the run's own)."""
    if params is None or isinstance(params, PostprocessParams):
        return params
    hint = " (PostprocessParams.from_dict turns a dict into them)" if isinstance(params, dict) else ""
    raise BallspotError(f"params must be ballspot.PostprocessParams or None, got {type(params).__name__}{hint}")


def clip_classifier_refused(model: Path | str) -> str:
    """Why a clip classifier cannot score whole videos, and what can."""
    return (
        f"{model} is a clip classifier (trained with --task classify): it labels event clips, it does not find "
        "events in a video; give a spotter (trained with --task dense, or spot)"
    )


def use_phases(spotter: LoadedModel, phases: int) -> None:
    """Score with `phases` stack phases instead of the model's own (dense models; 1 to a stack's frames)."""
    config = replace(spotter.config, phases=phases)
    try:
        config.check()
    except BallspotError as error:
        raise BallspotError(f"--phases {phases} does not fit {spotter.path}: {error}") from None
    spotter.config = config


def dense_default_params() -> PostprocessParams:
    """Post-processing for per-frame scores: no smoothing, soft suppression over 1 s, scores from 0.01."""
    return PostprocessParams(smooth_s=0.0, nms_window_s=1.0, threshold=0.01, suppression="soft")


def tuned_params_path(model_path: Path) -> Path | None:
    """Where the tuned post-processing of a checkpoint `<run>/weights/<name>.pt` lives: `<run>/postprocess.json`;
    None for weights outside a run's weights folder (the folder two levels up is not theirs)."""
    weights = model_path.resolve().parent
    return weights.parent / PARAMS_FILE if weights.name == "weights" else None


def default_params(model_path: Path, dense: bool = False, check_weights: bool = True) -> PostprocessParams:
    """The run's tuned post-processing (`<run>/postprocess.json`) when there is one, else the defaults for the
    model's kind (dense or window); a warning when the file was tuned on other weights (`check_weights`)."""
    tuned = tuned_params_path(model_path)
    if tuned is not None and (tuned.exists() or tuned.is_symlink()):  # a folder or a broken link is an error
        params = load_params(tuned)
        if check_weights:
            warn_if_tuned_on_other_weights(tuned, model_path)
        return params
    return dense_default_params() if dense else PostprocessParams()


_checked_weights: set[tuple] = set()
"""The (postprocess.json, weights) pairs already checked in this process, each as the files were then."""


def warn_if_tuned_on_other_weights(params_path: Path, weights: Path) -> None:
    """Warn, once per pair of files, when `params_path` records weights other than `weights` (last.pt, or a
    best.pt a resumed run has since replaced): its settings were chosen for those."""
    from ballspot.predict.postprocess import read_tuned_on

    record = read_tuned_on(params_path)
    weights = Path(weights)
    if record is None or not weights.is_file():
        return
    stat = weights.stat()
    key = (str(params_path.resolve()), params_path.stat().st_mtime_ns, str(weights.resolve()), stat.st_size,
           stat.st_mtime_ns)  # fmt: skip
    if key in _checked_weights:
        return
    _checked_weights.add(key)
    from ballspot.digests import file_sha256

    if file_sha256(weights) == record["sha256"]:
        return
    from ballspot import console

    console.warn(
        f"{params_path} was tuned on other weights ({record['weights']} with sha256 {record['sha256'][:12]}) than "
        f"{weights}: its settings may not suit them; tune them again with `ballspot tune postprocess`"
    )


def predictions_from_scores(
    track: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    classes: list[str],
    params: PostprocessParams,
    half: int = 1,
    step_s: float | None = None,
) -> list[Prediction]:
    """Events of a (times_s, scores [positions, ≥ classes], team or None) track, each with its team side."""
    times, scores, team = track
    if len(times) == 0:
        return []
    step = step_s if step_s is not None else float(np.median(np.diff(times))) if len(times) > 1 else 0.04
    return [
        Prediction(
            label=classes[c],
            position_ms=int(round(times[i] * 1000)),
            confidence=confidence,
            half=half,
            team=None if team is None else ("right" if team[i] >= TEAM_RIGHT_FROM else "left"),
            team_probability=None if team is None else float(max(team[i], 1.0 - team[i])),
        )
        for c, i, confidence in pick_peaks(scores[:, : len(classes)], classes, params, step)
    ]


def predict_scores(
    video: Path | str,
    spotter: LoadedModel | Path | str,
    batch_size: int = 8,
    precision: str = "auto",
    on_progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(times_s, scores [positions, action classes]) over the whole video; `spotter` is a loaded one or the path
    of its weights (loaded on the best device)."""
    times, scores, _ = score_track(video, spotter, batch_size, precision, on_progress)
    return times, scores


def score_track(
    video: Path | str,
    spotter: LoadedModel | Path | str,
    batch_size: int = 8,
    precision: str = "auto",
    on_progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(times_s, scores [positions, action classes], team [positions] or None) over the whole video."""
    video = path_argument(video, "the video")
    spotter = spotter_argument(spotter)
    times, scores, teams = [], [], []
    for block in _blocks(video, spotter, batch_size, precision, on_progress):
        times.append(block.times_s)
        scores.append(block.scores[:, : len(spotter.action_classes)])
        teams.append(block.team)
    if not times:
        return np.zeros(0), np.zeros((0, len(spotter.action_classes))), None
    team = None if any(t is None for t in teams) else np.concatenate(teams)
    return np.concatenate(times), np.concatenate(scores), team


def check_batch_size(batch_size: object) -> int:
    """`batch_size` as given to the Python functions: a whole number of stacks from 1 to MAX_BATCH_SIZE (0 or
    less would score nothing, without a word)."""
    if not is_whole(batch_size) or not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise BallspotError(f"batch_size must be a whole number from 1 to {MAX_BATCH_SIZE}, got {batch_size!r}")
    return batch_size


def _blocks(
    video: Path | LiveSource,
    spotter: LoadedModel,
    batch_size: int,
    precision: str,
    on_progress: ProgressCallback | None = None,
) -> Iterator[ScoreBlock]:
    """The video's score blocks, telling `on_progress` (frames decoded, frames in all) at the start, so that a
    bar shows its total before the first block, and after each block."""
    check_batch_size(batch_size)
    total = None if isinstance(video, LiveSource) else max(1, int(probe(video).duration_s * spotter.config.fps))
    if on_progress and total is not None:
        on_progress(0, total)
    blocks = score_video(video, spotter.model, spotter.config, spotter.device, batch_size, precision, flip=spotter.flip)
    with closing(blocks):  # an error in on_progress ends the decoder too
        for block in blocks:
            if on_progress:
                on_progress(block.frames_decoded, total)
            yield block


def predict_video(
    video: Path | str | LiveSource,
    model: Path | str | LoadedModel,
    params: PostprocessParams | None = None,
    device: str = "auto",
    batch_size: int = 8,
    precision: str = "auto",
    on_progress: ProgressCallback | None = None,
) -> Iterator[Prediction]:
    """Yield the spotted events of a video in time order, each as soon as later frames cannot change it.

    These are all candidates at or above `params.threshold` (low by default: what mAP needs); keep those
    above `params.event_threshold` for a list of confident events. A `LiveSource` (stream, pipe, growing
    file) is followed until it ends or is stopped; one that broke off midway (a network drop) yields its events
    up to the break, then raises BallspotError.
    """
    source = video if isinstance(video, LiveSource) else path_argument(video, "the video (or a LiveSource)")
    spotter = spotter_argument(model, device)
    params = params_argument(params) or default_params(spotter.path, spotter.dense)
    params.check()
    classes = spotter.action_classes
    step_s = position_step_s(spotter.config)
    margin = params.margin_s()
    times = np.zeros(0)
    scores = np.zeros((0, len(classes)))
    team: np.ndarray | None = None
    final_until = 0.0  # events before this time have been yielded
    for block in _blocks(source, spotter, batch_size, precision, on_progress):
        times = np.concatenate([times, block.times_s])
        scores = np.concatenate([scores, block.scores[:, : len(classes)]])
        if block.team is not None:
            team = block.team if team is None else np.concatenate([team, block.team])
        horizon = times[-1] - margin
        if horizon <= final_until:
            continue
        yield from _events_between((times, scores, team), classes, params, step_s, final_until, horizon)
        final_until = horizon
        keep = times >= final_until - 2 * margin  # older scores can no longer matter
        times, scores = times[keep], scores[keep]
        team = None if team is None else team[keep]
    if len(times):
        yield from _events_between((times, scores, team), classes, params, step_s, final_until, np.inf)
    if isinstance(source, LiveSource) and source.broken_off:  # said once its events have all come out
        raise BallspotError(source.broken_off)


def _events_between(track, classes, params, step_s, start, stop) -> Iterator[Prediction]:
    for prediction in predictions_from_scores(track, classes, params, step_s=step_s):
        if start <= prediction.position_ms / 1000 < stop:
            yield prediction
