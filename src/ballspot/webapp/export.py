"""What the app hands out: the events shown as CSV or events.json, and one MP4 clip per chosen event."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ballspot.predict.outputs import events_document
from ballspot.video.cut import cut_clip
from ballspot.video.probe import frame_times
from ballspot.webapp.events import PREDICTION_COLUMNS, as_predictions


def events_csv(frame: pd.DataFrame) -> bytes:
    """The events as CSV: half, time, position_ms, label, confidence, team (and status when reviewed)."""
    columns = PREDICTION_COLUMNS + (["status"] if "status" in frame else [])
    return frame[columns].to_csv(index=False).encode("utf-8")


def events_json(frame: pd.DataFrame, threshold: float, videos: dict[int, Path]) -> bytes:
    """The events in events.json's format (`ballspot predict`'s analyst list), at the view's threshold."""
    document = events_document(as_predictions(frame), threshold, videos)
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def clip_name(half: int, position_ms: int, label: str) -> str:
    """`1_0012.480_PASS.mp4`: half, seconds into it, class; sorts in time order."""
    return f"{half}_{position_ms // 1000:04d}.{position_ms % 1000:03d}_{label.replace(' ', '-')}.mp4"


def cut_event_clips(
    events: pd.DataFrame,
    videos: dict[int, Path],
    folder: Path,
    before_s: float = 2.0,
    after_s: float = 3.0,
    on_clip: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Cut [event - before_s, event + after_s] of each event's video into `folder`; returns the clips.

    Each clip starts on the frame on screen at its start (an event's time, rounded to the millisecond, can lie
    just after its frame's). on_clip(done, total) is called after each clip.
    """
    clips = []
    times: dict[int, np.ndarray] = {}  # the frame times of each half's video, read once
    for done, row in enumerate(events.itertuples(index=False), start=1):
        event_s = row.position_ms / 1000
        start_s = max(0.0, event_s - before_s)
        target = folder / clip_name(row.half, row.position_ms, row.label)
        if row.half not in times:
            times[row.half] = frame_times(videos[row.half])
        length = event_s + after_s - start_s
        clips.append(cut_clip(videos[row.half], target, start_s, length, frame_times=times[row.half]))
        if on_clip:
            on_clip(done, len(events))
    return clips
