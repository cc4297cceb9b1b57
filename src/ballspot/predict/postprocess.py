"""From per-position class scores to events: per-class smoothing, then suppression of near duplicates.

Two ways to suppress (`suppression`):
- `peaks`: a position is an event of class c when its smoothed score is the largest within
  ±`nms_window_s` / 2 and at least the class's threshold;
- `soft`: soft non-maximum suppression. The best position is kept, the scores of its neighbours within
  ±`nms_window_s` / 2 are scaled down by their distance (×d / (radius + 1)), and so on while any score is at
  least the threshold. Neighbours survive with lower confidence, which a ranking metric rewards when a
  peak lands a little off.
Both are local, so a streaming caller can finalise the events lying more than `margin_s` before the last
scored position. At most one event per class per position.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ballspot.atomic import write_json
from ballspot.classes import CLASSES_12
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

PARAMS_FILE = "postprocess.json"
TUNED_ON = "tuned_on"
"""postprocess.json's record of the weights `tune postprocess` tuned it on: {"weights": file name, "sha256": their
content's digest}; files without it (older, or written by hand) are not checked against the weights."""
PER_CLASS_KEYS = ("smooth_s", "nms_window_s", "threshold")
SUPPRESSIONS = ("peaks", "soft")


@dataclass
class PostprocessParams:
    """Smoothing width, suppression window and threshold, each global with optional per-class values."""

    smooth_s: float = 0.24
    nms_window_s: float = 1.0
    threshold: float = 0.01
    event_threshold: float = 0.5
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    suppression: str = "peaks"
    """peaks (local maxima) or soft (soft non-maximum suppression)."""

    def check(self) -> None:
        check_values(vars(self))
        if self.suppression not in SUPPRESSIONS:
            raise BallspotError(f"suppression must be one of {', '.join(SUPPRESSIONS)}, got {self.suppression!r}")
        if not isinstance(self.per_class, dict):
            raise BallspotError(f"per_class must map class names to parameters, got {self.per_class!r}")
        for label, own in self.per_class.items():
            if label not in CLASSES_12:
                raise BallspotError(f"per_class: unknown class {label!r}; use one of: {', '.join(CLASSES_12)}")
            if not isinstance(own, dict) or not set(own) <= set(PER_CLASS_KEYS):
                raise BallspotError(
                    f"per_class {label!r}: expected an object with keys among {', '.join(PER_CLASS_KEYS)}"
                )
            check_values(own, f"per_class {label!r}: ")

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
        data = dict(data)
        check_tuned_on(data.pop(TUNED_ON, None))  # a record of the weights, not a setting
        known = {"smooth_s", "nms_window_s", "threshold", "event_threshold", "per_class", "suppression"}
        unknown = set(data) - known
        if unknown:
            raise BallspotError(f"unknown post-processing key(s): {', '.join(sorted(unknown))}")
        params = cls(**data)
        params.check()
        return params


RANGES = {
    "smooth_s": (0, 10, "between 0 and 10 s"),
    "nms_window_s": (0, 60, "above 0 and at most 60 s"),
    "threshold": (0, 1, "between 0 and 1"),
    "event_threshold": (0, 1, "between 0 and 1"),
}
"""Each checked key's allowed range (`nms_window_s` excludes 0), as numbers and as said to the user."""


def check_values(values: dict, where: str = "", spelled: dict[str, str] | None = None) -> None:
    """Refuse out-of-range (or non-numeric) smoothing, window and thresholds, naming each as `spelled` says
    (an option such as `--nms-window`) or by its key."""
    for key, (low, high, allowed) in RANGES.items():
        if key not in values:
            continue
        value, name = values[key], (spelled or {}).get(key, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BallspotError(f"{where}{name} must be a number, got {value!r}")
        if not low <= value <= high or (key == "nms_window_s" and value == 0):
            raise BallspotError(f"{where}{name} must be {allowed}, got {value}")


def load_params(path: Path) -> PostprocessParams:
    try:
        data = read_json(path, "file")
    except BallspotError as exc:
        raise BallspotError(f"cannot read post-processing parameters: {exc}") from None
    try:
        return PostprocessParams.from_dict(data)
    except BallspotError as exc:
        raise BallspotError(f"{path}: {exc}") from None


def save_params(path: Path, params: PostprocessParams, tuned_on: Path | None = None) -> Path:
    """Write `params` to `path`, recording the weights file they were tuned on when given."""
    data = params.to_dict()
    if tuned_on is not None:
        data[TUNED_ON] = weights_record(tuned_on)
    return write_json(path, data)


def weights_record(weights: Path) -> dict[str, str]:
    """What postprocess.json records of the weights it was tuned on: their file name and sha256."""
    from ballspot.digests import file_sha256

    return {"weights": weights.name, "sha256": file_sha256(weights)}


def check_tuned_on(record: object) -> None:
    """A `tuned_on` record is absent, or {"weights": NAME, "sha256": HEX}."""
    if record is None:
        return
    if not isinstance(record, dict) or set(record) != {"weights", "sha256"}:
        raise BallspotError(f'{TUNED_ON} must be {{"weights": NAME, "sha256": HEX}}, got {record!r}')
    if not all(isinstance(value, str) and value for value in record.values()):
        raise BallspotError(f"{TUNED_ON}: weights and sha256 must be text, got {record!r}")


def read_tuned_on(path: Path) -> dict[str, str] | None:
    """The record of the weights a postprocess.json was tuned on; None when it has none (or is not readable:
    load_params says why)."""
    try:
        data = read_json(path, "file")
    except BallspotError:
        return None
    record = data.get(TUNED_ON) if isinstance(data, dict) else None
    try:
        check_tuned_on(record)
    except BallspotError:
        return None
    return record


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


def soft_suppression(scores: np.ndarray, radius: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(indices, confidences) kept by soft non-maximum suppression, best first.

    Taking the best remaining position scales each not-yet-taken one within ±radius by d / (radius + 1);
    positions whose score falls below `threshold` are dropped. Ties go to the earlier position.
    """
    current = np.where(scores >= threshold, scores, -np.inf).astype(np.float64)
    heap = [(-float(current[i]), int(i)) for i in np.flatnonzero(np.isfinite(current))]
    heapq.heapify(heap)
    taken = np.zeros(len(scores), dtype=bool)
    kept, confidences = [], []
    while heap:
        negative, i = heapq.heappop(heap)
        if taken[i] or -negative != current[i] or current[i] < threshold:
            continue  # already taken, or an entry made stale by a later decay
        taken[i] = True
        kept.append(i)
        confidences.append(current[i])
        for j in range(max(0, i - radius), min(len(scores), i + radius + 1)):
            if taken[j] or not np.isfinite(current[j]):
                continue
            current[j] *= abs(j - i) / (radius + 1)
            if current[j] >= threshold:
                heapq.heappush(heap, (-float(current[j]), j))
    return np.asarray(kept, dtype=np.int64), np.asarray(confidences, dtype=np.float64)


def pick_peaks(
    scores: np.ndarray, classes: list[str], params: PostprocessParams, step_s: float
) -> list[tuple[int, int, float]]:
    """(class column, position index, confidence) of every event; `scores` is [positions, classes]."""
    events = []
    for c, label in enumerate(classes):
        smooth_s, window_s, threshold = params.for_class(label)
        column = smooth(scores[:, c], max(1, int(round(smooth_s / step_s))))
        radius = max(1, int(round(window_s / 2 / step_s)))
        if params.suppression == "soft":
            indices, confidences = soft_suppression(column, radius, threshold)
        else:
            indices = local_peaks(column, radius, threshold)
            confidences = column[indices]
        events.extend((c, int(i), float(np.clip(v, 0, 1))) for i, v in zip(indices, confidences, strict=True))
    events.sort(key=lambda e: (e[1], classes[e[0]]))
    return events


def pick_events(
    scores: np.ndarray, times_s: np.ndarray, classes: list[str], params: PostprocessParams, step_s: float
) -> list[tuple[str, float, float]]:
    """(label, time_s, confidence) for each event of each class; `scores` is [positions, classes]."""
    peaks = pick_peaks(scores, classes, params, step_s)
    return [(classes[c], float(times_s[i]), confidence) for c, i, confidence in peaks]
