"""From per-position class scores to events: per-class smoothing, then local-maximum peak picking.

A position is a peak of class c when its smoothed score is the largest within ±`nms_window_s` and at
least the class's threshold. Peak picking is local, so a streaming caller can finalise the events lying
more than `margin_s` before the last scored position. At most one event per class per position.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ballspot.atomic import write_json
from ballspot.errors import BallspotError

PARAMS_FILE = "postprocess.json"


@dataclass
class PostprocessParams:
    """Smoothing width, suppression window and threshold, each global with optional per-class values."""

    smooth_s: float = 0.24
    nms_window_s: float = 1.0
    threshold: float = 0.01
    event_threshold: float = 0.5
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)

    def check(self) -> None:
        if not 0 <= self.smooth_s <= 10:
            raise BallspotError(f"smoothing must be between 0 and 10 s, got {self.smooth_s}")
        if not 0 < self.nms_window_s <= 60:
            raise BallspotError(f"suppression window must be in (0, 60] s, got {self.nms_window_s}")
        for name in ("threshold", "event_threshold"):
            if not 0 <= getattr(self, name) <= 1:
                raise BallspotError(f"{name} must be in [0, 1], got {getattr(self, name)}")

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
        known = {"smooth_s", "nms_window_s", "threshold", "event_threshold", "per_class"}
        unknown = set(data) - known
        if unknown:
            raise BallspotError(f"unknown post-processing key(s): {', '.join(sorted(unknown))}")
        params = cls(**data)
        params.check()
        return params


def load_params(path: Path) -> PostprocessParams:
    try:
        return PostprocessParams.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise BallspotError(f"cannot read post-processing parameters {path}: {exc}") from None


def save_params(path: Path, params: PostprocessParams) -> Path:
    return write_json(path, params.to_dict())


def smooth(scores: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over `width` positions (1 = none), edges averaged over what exists."""
    if width <= 1:
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
