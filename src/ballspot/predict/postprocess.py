"""From per-position class scores to events: per-class smoothing, then local-maximum peak picking.

A position is a peak of class c when its smoothed score is the largest within ±`nms_window_s` / 2 and
at least the class's threshold. Peak picking is local, so a streaming caller can finalise the events lying
more than `margin_s` before the last scored position. At most one event per class per position.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ballspot.atomic import write_json
from ballspot.classes import CLASSES_12
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

PARAMS_FILE = "postprocess.json"
PER_CLASS_KEYS = ("smooth_s", "nms_window_s", "threshold")


@dataclass
class PostprocessParams:
    """Smoothing width, suppression window and threshold, each global with optional per-class values."""

    smooth_s: float = 0.24
    nms_window_s: float = 1.0
    threshold: float = 0.01
    event_threshold: float = 0.5
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)

    def check(self) -> None:
        _check_values(vars(self), "")
        if not isinstance(self.per_class, dict):
            raise BallspotError(f"per_class must map class names to parameters, got {self.per_class!r}")
        for label, own in self.per_class.items():
            if label not in CLASSES_12:
                raise BallspotError(f"per_class: unknown class {label!r}; use one of: {', '.join(CLASSES_12)}")
            if not isinstance(own, dict) or not set(own) <= set(PER_CLASS_KEYS):
                raise BallspotError(
                    f"per_class {label!r}: expected an object with keys among {', '.join(PER_CLASS_KEYS)}"
                )
            _check_values(own, f"per_class {label!r}: ")

    def for_class(self, label: str) -> tuple[float, float, float]:
        """(smooth_s, nms_window_s, threshold) for one class."""
        own = self.per_class.get(label, {})
        return (
            float(own.get("smooth_s", self.smooth_s)),
            float(own.get("nms_window_s", self.nms_window_s)),
            float(own.get("threshold", self.threshold)),
        )

    def margin_s(self) -> float:
        """How far behind the newest score an event must be to be final."""
        widest = [self.for_class(label) for label in self.per_class] + [self.for_class("")]
        return max(s + w for s, w, _ in widest) + 0.5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PostprocessParams:
        if not isinstance(data, dict):
            raise BallspotError(f"post-processing parameters must be a JSON object, got {type(data).__name__}")
        known = {"smooth_s", "nms_window_s", "threshold", "event_threshold", "per_class"}
        unknown = set(data) - known
        if unknown:
            raise BallspotError(f"unknown post-processing key(s): {', '.join(sorted(unknown))}")
        params = cls(**data)
        params.check()
        return params


def _check_values(values: dict, where: str) -> None:
    """Refuse out-of-range (or non-numeric) smoothing, window and thresholds, naming the key."""
    ranges = {
        "smooth_s": (0, 10, "smoothing must be between 0 and 10 s"),
        "nms_window_s": (0, 60, "suppression window must be in (0, 60] s"),
        "threshold": (0, 1, "threshold must be in [0, 1]"),
        "event_threshold": (0, 1, "event_threshold must be in [0, 1]"),
    }
    for key, (low, high, message) in ranges.items():
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BallspotError(f"{where}{key} must be a number, got {value!r}")
        if not low <= value <= high or (key == "nms_window_s" and value == 0):
            raise BallspotError(f"{where}{message}, got {value}")


def load_params(path: Path) -> PostprocessParams:
    try:
        data = read_json(path, "file")
    except BallspotError as exc:
        raise BallspotError(f"cannot read post-processing parameters: {exc}") from None
    try:
        return PostprocessParams.from_dict(data)
    except BallspotError as exc:
        raise BallspotError(f"{path}: {exc}") from None


def save_params(path: Path, params: PostprocessParams) -> Path:
    return write_json(path, params.to_dict())


def smooth(scores: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over `width` positions (1 = none); the edge values extend past the ends."""
    if width <= 1 or len(scores) == 0:
        return scores
    kernel = np.ones(width) / width
    padded = np.pad(scores, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def local_peaks(scores: np.ndarray, radius: int, threshold: float) -> np.ndarray:
    """Indices where `scores` is the (first) maximum within ±radius and >= threshold."""
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(scores, radius, mode="constant", constant_values=-np.inf)
    windows = sliding_window_view(padded, 2 * radius + 1)
    window_max = windows.max(axis=1)
    first_arg = windows.argmax(axis=1)
    is_peak = (scores >= window_max) & (first_arg == radius) & (scores >= threshold)
    return np.flatnonzero(is_peak)


def pick_events(
    scores: np.ndarray, times_s: np.ndarray, classes: list[str], params: PostprocessParams, step_s: float
) -> list[tuple[str, float, float]]:
    """(label, time_s, confidence) for each peak of each class; `scores` is [positions, classes]."""
    events = []
    for c, label in enumerate(classes):
        smooth_s, window_s, threshold = params.for_class(label)
        column = smooth(scores[:, c], max(1, int(round(smooth_s / step_s))))
        radius = max(1, int(round(window_s / 2 / step_s)))
        for i in local_peaks(column, radius, threshold):
            events.append((label, float(times_s[i]), float(np.clip(column[i], 0, 1))))
    events.sort(key=lambda e: (e[1], e[0]))
    return events
