"""`predict_video`: a whole video in, SoccerNet events out, yielded as they become final."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ballspot.classes import BACKGROUND
from ballspot.errors import BallspotError
from ballspot.predict.postprocess import PARAMS_FILE, PostprocessParams, load_params, pick_events
from ballspot.predict.spotter import position_step_s, score_video
from ballspot.soccernet.results import Prediction
from ballspot.video.live import LiveSource
from ballspot.video.probe import probe

ProgressCallback = Callable[[int, int | None], None]
"""Called with (frames decoded, frames in the video; None for a live source)."""


@dataclass
class LoadedModel:
    """A spotting network with what predict needs from its checkpoint."""

    model: object
    config: object
    classes: list[str]
    device: object
    path: Path

    @property
    def action_classes(self) -> list[str]:
        return [c for c in self.classes if c != BACKGROUND]


def load_spotter(path: Path | str, device: str = "auto") -> LoadedModel:
    """Load a checkpoint for spotting; a clip classifier (trained without background) cannot spot."""
    from ballspot.engine.checkpoint import load_model
    from ballspot.engine.runtime import select_device

    torch_device = select_device(device)
    model, config, classes = load_model(path, str(torch_device))
    if BACKGROUND not in classes:
        raise BallspotError(
            f"{path} is a clip classifier (trained with --task classify); predict needs a spotter: "
            "train with --task spot"
        )
    if getattr(config, "color", "grey") == "grey" or torch_device.type == "cuda":
        model.to_channels_last()
    return LoadedModel(model, config, classes, torch_device, Path(path))


def default_params(model_path: Path) -> PostprocessParams:
    """The run's tuned post-processing (`<run>/postprocess.json`) when there is one, else the defaults."""
    tuned = model_path.resolve().parent.parent / PARAMS_FILE
    return load_params(tuned) if tuned.is_file() else PostprocessParams()


def predict_scores(
    video: Path | str,
    spotter: LoadedModel,
    batch_size: int = 8,
    precision: str = "auto",
    on_progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(times_s, scores [positions, action classes]) over the whole video."""
    times, scores = [], []
    for block, total in _blocks(Path(video), spotter, batch_size, precision):
        times.append(block.times_s)
        scores.append(block.scores[:, : len(spotter.action_classes)])
        if on_progress:
            on_progress(block.frames_decoded, total)
    if not times:
        return np.zeros(0), np.zeros((0, len(spotter.action_classes)))
    return np.concatenate(times), np.concatenate(scores)


def _blocks(video: Path | LiveSource, spotter: LoadedModel, batch_size: int, precision: str):
    total = None if isinstance(video, LiveSource) else max(1, int(probe(video).duration_s * spotter.config.fps))
    for block in score_video(video, spotter.model, spotter.config, spotter.device, batch_size, precision):
        yield block, total


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
    file) is followed until it ends or is stopped.
    """
    spotter = model if isinstance(model, LoadedModel) else load_spotter(model, device)
    params = params or default_params(spotter.path)
    params.check()
    classes = spotter.action_classes
    step_s = position_step_s(spotter.config)
    margin = params.margin_s()
    times = np.zeros(0)
    scores = np.zeros((0, len(classes)))
    final_until = 0.0  # events before this time have been yielded
    source = video if isinstance(video, LiveSource) else Path(video)
    for block, total in _blocks(source, spotter, batch_size, precision):
        times = np.concatenate([times, block.times_s])
        scores = np.concatenate([scores, block.scores[:, : len(classes)]])
        if on_progress:
            on_progress(block.frames_decoded, total)
        horizon = times[-1] - margin
        if horizon <= final_until:
            continue
        yield from _events_between(times, scores, classes, params, step_s, final_until, horizon)
        final_until = horizon
        keep = times >= final_until - 2 * margin  # older scores can no longer matter
        times, scores = times[keep], scores[keep]
    if len(times):
        yield from _events_between(times, scores, classes, params, step_s, final_until, np.inf)


def _events_between(times, scores, classes, params, step_s, start, stop) -> Iterator[Prediction]:
    for label, time_s, confidence in pick_events(scores, times, classes, params, step_s):
        if start <= time_s < stop:
            yield Prediction(label=label, position_ms=int(round(time_s * 1000)), confidence=confidence)
