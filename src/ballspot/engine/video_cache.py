"""Decode once, train many epochs: every sampled frame of whole videos, uint8, memory-mapped.

The dense task cuts its training clips anywhere in a game, so it caches whole videos rather than windows
around events: every `stride`-th frame at the model's rate and size, through `ballspot.video.decode`, the
same path `predict` uses. One raw file per video plus a JSON record of its shape, named by a digest of the
video (path, size, mtime) and the frame format, so a changed video or format decodes again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ballspot.atomic import atomic_path, removed_if_left_empty, write_json
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json
from ballspot.video.decode import FrameFormat, stream_frames


@dataclass(frozen=True)
class SampledVideo:
    """A video's sampled frames [N, H, W] (grey) or [N, H, W, 3]: frame i is frame `i * stride` at `fps`."""

    path: Path
    frames: np.ndarray
    stride: int
    raw_frames: int
    """Frames at `fps` the video holds (positions a dense model scores)."""

    def at_stride(self, stride: int) -> SampledVideo:
        """The same video sampled every `stride`-th frame (a multiple of this one's stride), as a view."""
        if stride % self.stride:
            raise BallspotError(f"cannot sample every {stride}th frame from a cache of every {self.stride}th")
        return replace(self, frames=self.frames[:: stride // self.stride], stride=stride)


def video_key(video: Path, fmt: FrameFormat, stride: int) -> str:
    stat = video.stat()
    text = json.dumps([str(video.resolve()), stat.st_size, stat.st_mtime_ns, fmt.__dict__, stride], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cached_video(
    video: Path, fmt: FrameFormat, stride: int, cache_dir: Path, on_frames: Callable[[int], None] | None = None
) -> SampledVideo:
    """The video's sampled frames, decoded into `cache_dir` the first time (atomically) and mapped after."""
    fmt.check()
    if not video.is_file():
        raise BallspotError(f"source video not found: {video} (the index points at videos that moved)")
    key = video_key(video, fmt, stride)
    data_path, meta_path = cache_dir / f"video-{key}.u8", cache_dir / f"video-{key}.json"
    if not (data_path.is_file() and meta_path.is_file()):
        with removed_if_left_empty(cache_dir):  # stopped before its first file: no empty cache folder
            _decode_into(video, fmt, stride, data_path, meta_path, on_frames)
    try:
        meta = read_json(meta_path, "frame cache index")
        shape = tuple(int(size) for size in meta["shape"])
        raw_frames = int(meta["raw_frames"])
    except (BallspotError, KeyError, TypeError, ValueError):
        raise BallspotError(f"frame cache {meta_path} is damaged; delete it and rerun") from None
    if data_path.stat().st_size != int(np.prod(shape)):
        raise BallspotError(f"frame cache {data_path} is damaged; delete it and rerun")
    frames = np.memmap(data_path, dtype=np.uint8, mode="r", shape=shape)
    return SampledVideo(path=video, frames=frames, stride=stride, raw_frames=raw_frames)


def _decode_into(
    video: Path,
    fmt: FrameFormat,
    stride: int,
    data_path: Path,
    meta_path: Path,
    on_frames: Callable[[int], None] | None,
) -> None:
    """Decode every `stride`-th frame of the video into `data_path` (atomically), then its record `meta_path`."""
    raw = 0
    with atomic_path(data_path) as tmp, open(tmp, "wb") as sink:
        for chunk in stream_frames(video, fmt):
            first_kept = (-chunk.first) % stride
            sink.write(np.ascontiguousarray(chunk.frames[first_kept::stride]).tobytes())
            raw += len(chunk.frames)
            if on_frames:
                on_frames(len(chunk.frames))
    if raw == 0:
        data_path.unlink(missing_ok=True)
        raise BallspotError(f"no frames decoded from {video}")
    write_json(meta_path, {"video": str(video), "raw_frames": raw, "shape": list(fmt.shape(-(-raw // stride)))})
