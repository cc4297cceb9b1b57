"""Decode once, train many epochs: the frames of every sample window, uint8, in one memory-mapped file.

For each index row the cache holds `frames + 2 * jitter` sampled frames (every `stride`-th frame at
`fps`) centred on the row's event, so training can shift the window by up to `jitter` sampled frames.
Frames come from the source video through `ballspot.video.decode`, the same path `predict` uses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tokenize import TokenError

import numpy as np
import pandas as pd

from ballspot import console
from ballspot.atomic import atomic_path, removed_if_left_empty, reserve_space, write_json
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import LABEL_SLACK_MS
from ballspot.video.decode import FrameFormat, decode_frames_at
from ballspot.video.probe import probe


@dataclass(frozen=True)
class WindowSpec:
    """Which frames around an event a sample holds."""

    frames: int
    stride: int
    jitter: int
    fmt: FrameFormat

    @property
    def span(self) -> int:
        """Sampled frames stored per row."""
        return self.frames + 2 * self.jitter

    def offsets(self) -> np.ndarray:
        """Frame offsets (at `fmt.fps`) of the stored frames from the event frame."""
        half = self.span // 2
        return (np.arange(self.span) - half) * self.stride


def event_frame(event_ms: int | np.ndarray, fps: float) -> np.ndarray:
    """The frame (at `fps`) showing time `event_ms`: SoccerNet's floor binning."""
    return np.floor(np.asarray(event_ms, dtype=np.float64) * fps / 1000 + 1e-9).astype(np.int64)


def cache_key(rows: pd.DataFrame, spec: WindowSpec) -> str:
    """A digest of what the cache holds: the videos (path, size, mtime), the events and the window."""
    digest = hashlib.sha256()
    digest.update(json.dumps([spec.frames, spec.stride, spec.jitter, spec.fmt.__dict__], sort_keys=True).encode())
    for video in sorted(rows["video"].unique()):
        path = Path(video)
        stat = path.stat() if path.is_file() else None
        digest.update(f"{video}|{stat.st_size if stat else -1}|{stat.st_mtime_ns if stat else -1}".encode())
    digest.update(rows[["video", "event_ms"]].to_csv(index=False).encode())
    return digest.hexdigest()[:20]


class FrameCache:
    """uint8 frames [rows, span, H, W] (grey) or [rows, span, H, W, 3] (RGB), memory-mapped read-only."""

    def __init__(self, path: Path, spec: WindowSpec, rows: int):
        self.path = path
        self.spec = spec
        try:
            self.array = np.load(path, mmap_mode="r")
        except (ValueError, EOFError, SyntaxError, TokenError) as exc:  # cut short or overwritten: numpy cannot map it
            raise BallspotError(f"frame cache {path} is damaged ({exc}); delete it and rerun") from None
        if self.array.shape[:2] != (rows, spec.span):
            raise BallspotError(f"frame cache {path} does not match its index; delete it and rerun")

    def __len__(self) -> int:
        return len(self.array)

    def window(self, row: int, shift: int = 0) -> np.ndarray:
        """The `frames` sampled frames of a row, moved by `shift` sampled frames (|shift| <= jitter)."""
        start = self.spec.jitter + shift
        return np.array(self.array[row, start : start + self.spec.frames])


def refuse_event_past_the_end(video: str | Path, last_event_ms: int, end_ms: int) -> None:
    """Fail when a video's last event lies past its end (beyond the slack a re-encode may lose): every frame of
    a window there would repeat the last one, or a clip would hold no frame of it (a video replaced by a
    shorter one since it was segmented, or a hand-edited index)."""
    if last_event_ms > end_ms + LABEL_SLACK_MS:
        raise BallspotError(
            f"the index has an event at {last_event_ms} ms of {video}, which ends at {end_ms} ms; was the "
            "video replaced since it was segmented? segment and index it again"
        )


def _refuse_events_past_the_end(rows: pd.DataFrame) -> None:
    """`refuse_event_past_the_end` for each video of the rows, its length probed."""
    for video, events in rows.groupby("video", sort=False)["event_ms"]:
        refuse_event_past_the_end(video, int(events.max()), probe(video).duration_ms)


def build_cache(
    rows: pd.DataFrame, spec: WindowSpec, cache_dir: Path, on_video: Callable[[], None] | None = None
) -> FrameCache:
    """The cache for these rows (each video's rows contiguous), decoded only if no complete cache has its key.

    Memory stays bounded: frames stream from ffmpeg straight into the memory-mapped file.
    """
    spec.fmt.check()
    missing = [v for v in rows["video"].unique() if not Path(v).is_file()]
    if missing:
        raise BallspotError(f"source video not found: {missing[0]} (the index points at videos that moved)")
    _refuse_events_past_the_end(rows)
    key = cache_key(rows, spec)
    target = cache_dir / f"frames-{key}.npy"
    if not target.is_file():
        with removed_if_left_empty(cache_dir):  # stopped before its first file: no empty cache folder
            _decode_windows(rows, spec, target, on_video)
        write_json(target.with_suffix(".json"), {"rows": len(rows), "span": spec.span, "key": key})
    return FrameCache(target, spec, len(rows))


def _decode_windows(rows: pd.DataFrame, spec: WindowSpec, target: Path, on_video: Callable[[], None] | None) -> None:
    """Decode the stored frames of every row into the .npy file `target` (atomically), a video at a time."""
    offsets = spec.offsets()
    with atomic_path(target) as tmp, console.progress() as bar:
        task = bar.add_task(f"frame cache ({len(rows)} windows)", total=rows["video"].nunique())
        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(len(rows), *spec.fmt.shape(spec.span)))
        reserve_space(tmp, "the frame cache")
        flat = array.reshape(len(rows) * spec.span, *array.shape[2:])
        videos = rows["video"].to_numpy()
        for video in rows["video"].unique():
            row_ids = np.flatnonzero(videos == video)
            first, last = int(row_ids[0]), int(row_ids[-1]) + 1
            if last - first != len(row_ids):
                raise ValueError("build_cache needs each video's rows to be contiguous (sort them by video)")
            centres = event_frame(rows["event_ms"].to_numpy()[first:last], spec.fmt.fps)
            wanted = (centres[:, None] + offsets[None, :]).reshape(-1)
            decode_frames_at(video, wanted, spec.fmt, out=flat[first * spec.span : last * spec.span])
            bar.advance(task)
            if on_video:
                on_video()
        array.flush()
        del flat, array
