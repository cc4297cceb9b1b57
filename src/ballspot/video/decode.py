"""Decode video to uint8 frames through one ffmpeg pipe: the single decode path of training and predict.

Frames are resampled to a constant rate by ffmpeg's `fps` filter anchored at time 0, so output frame k
always shows the picture on screen at `start + k / fps` seconds, whatever the source's frame rate
(variable included) and whatever an MP4 edit list hides. Grey frames come from swscale (full range).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg
import numpy as np

from ballspot.errors import BallspotError
from ballspot.video.ffmpeg_bin import ffmpeg_exe, ffmpeg_reason, local_input, reaped, start_tied
from ballspot.video.probe import TRUNCATED_SHORTFALL_S, TRUNCATED_SHORTFALL_SHARE, VideoInfo, probe

if TYPE_CHECKING:
    from ballspot.video.live import LiveSource

DEFAULT_SIZE = (224, 398)
"""(height, width) of SoccerNet's 224p videos, the model's default input."""


@dataclass(frozen=True)
class FrameFormat:
    """What frames to produce: size, rate and colour."""

    height: int = DEFAULT_SIZE[0]
    width: int = DEFAULT_SIZE[1]
    fps: float = 25.0
    grey: bool = True
    crop: float = 1.0
    """Share of the picture's width and height kept, centred, before scaling (1.0: the whole picture)."""

    @property
    def channels(self) -> int:
        return 1 if self.grey else 3

    @property
    def frame_bytes(self) -> int:
        return self.height * self.width * self.channels

    def shape(self, n: int) -> tuple[int, ...]:
        return (n, self.height, self.width) if self.grey else (n, self.height, self.width, 3)

    def check(self) -> None:
        if not (16 <= self.height <= 4320 and 16 <= self.width <= 7680):
            raise BallspotError(f"frame size {self.height}x{self.width} is out of range (16..4320 x 16..7680)")
        if not (0 < self.fps <= 240):
            raise BallspotError(f"frame rate {self.fps} is out of range (0, 240]")
        if not (0.1 <= self.crop <= 1.0):
            raise BallspotError(f"crop {self.crop} is out of range [0.1, 1]")


@dataclass(frozen=True)
class FrameChunk:
    """Consecutive decoded frames; `first` is the index of frames[0] at the format's rate."""

    first: int
    frames: np.ndarray

    def times_s(self, fps: float, offset_s: float = 0.0) -> np.ndarray:
        return offset_s + (self.first + np.arange(len(self.frames))) / fps


def _command(path: Path, fmt: FrameFormat, start_s: float, duration_s: float | None) -> list[str]:
    input_args: dict = {}
    if start_s > 0:
        input_args["ss"] = f"{start_s:.6f}"
    if duration_s is not None:
        input_args["t"] = f"{duration_s:.6f}"
    stream = ffmpeg.input(local_input(path), **input_args).video
    stream = stream.filter("fps", fps=fmt.fps, start_time=0, round="near")
    if fmt.crop < 1.0:
        stream = stream.filter("crop", f"iw*{fmt.crop}", f"ih*{fmt.crop}")
    stream = stream.filter("scale", fmt.width, fmt.height, flags="bilinear")
    pix_fmt = "gray" if fmt.grey else "rgb24"
    out = stream.output("pipe:", format="rawvideo", pix_fmt=pix_fmt, an=None, sn=None)
    return out.global_args("-hide_banner", "-loglevel", "error", "-nostdin").compile(cmd=ffmpeg_exe())


def stream_frames(
    path: Path | str | LiveSource,
    fmt: FrameFormat = FrameFormat(),
    start_s: float = 0.0,
    duration_s: float | None = None,
    chunk_frames: int = 256,
) -> Iterator[FrameChunk]:
    """Yield the video's frames in chunks, with memory bounded by `chunk_frames` whatever its length.

    Frame k of the stream (counting from `start_s`) shows time `start_s + k / fmt.fps`. A `LiveSource`
    (a stream, a pipe, a growing file) is decoded as it arrives, from its first frame, without a probe. A file
    read to its end that stops well short of what its header promises (a truncated file) ends in a one-line
    error. Start it in the thread that reads it: ffmpeg dies with that thread (`tied_to_parent`).
    """
    from ballspot.video.live import LiveSource

    if isinstance(path, LiveSource):
        if start_s or duration_s is not None:
            raise BallspotError("a live source is read from its start to its end: no time range")
        yield from path.frames(fmt, chunk_frames)
        return
    fmt.check()
    path = Path(path)
    info = probe(path)  # one-line errors for missing, empty, corrupt, truncated or video-less files
    if start_s < 0 or (duration_s is not None and duration_s <= 0):
        raise BallspotError(f"bad time range: start {start_s} s, duration {duration_s} s")
    cmd = _command(path, fmt, start_s, duration_s)
    chunk_bytes = fmt.frame_bytes * chunk_frames
    first = 0
    with reaped(start_tied(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)) as process:
        assert process.stdout is not None and process.stderr is not None
        code = None
        while code is None:
            data = _read_exactly(process.stdout, chunk_bytes)
            if len(data) < chunk_bytes:  # the end: wait for ffmpeg before the last chunk, which may be kept
                stderr = process.stderr.read().decode("utf-8", "replace")
                code = process.wait()
            n = len(data) // fmt.frame_bytes
            if n:
                frames = np.frombuffer(data[: n * fmt.frame_bytes], dtype=np.uint8).reshape(fmt.shape(n))
                yield FrameChunk(first=first, frames=frames)
                first += n
    if code != 0:
        raise BallspotError(f"ffmpeg could not decode {path}: {ffmpeg_reason(stderr, code)}")
    _check_complete(info, fmt.fps, start_s, duration_s, first)


def _check_complete(info: VideoInfo, fps: float, start_s: float, duration_s: float | None, decoded: int) -> None:
    """A video whose frames stop well before its header says (a truncated file) is an error, not a short video."""
    end_s = info.duration_s if duration_s is None else min(info.duration_s, start_s + duration_s)
    expected = (end_s - start_s) * fps
    if decoded == 0 and expected >= 1:  # ffmpeg said nothing went wrong, yet gave no frame (a wrong BALLSPOT_FFMPEG)
        raise BallspotError(f"ffmpeg decoded no frame of {info.path} ({end_s - start_s:.1f} s from {start_s:.1f} s)")
    if expected - decoded > max(TRUNCATED_SHORTFALL_S * fps, TRUNCATED_SHORTFALL_SHARE * expected):
        raise BallspotError(
            f"video is truncated or damaged: {decoded / fps:.1f} s decoded of the {end_s - start_s:.1f} s "
            f"from {start_s:.1f} s its header gives: {info.path}"
        )


def _read_exactly(pipe, size: int) -> bytes:
    parts, remaining = [], size
    while remaining > 0:
        block = pipe.read(remaining)
        if not block:
            break
        parts.append(block)
        remaining -= len(block)
    return b"".join(parts)


def decode_range(path: Path | str, start_s: float, duration_s: float, fmt: FrameFormat = FrameFormat()) -> np.ndarray:
    """All frames of [start_s, start_s + duration_s) as one array (N, H, W) or (N, H, W, 3)."""
    chunks = [c.frames for c in stream_frames(path, fmt, start_s, duration_s)]
    if not chunks:
        return np.zeros(fmt.shape(0), dtype=np.uint8)
    return np.concatenate(chunks)


def decode_frames_at(
    path: Path | str,
    wanted: np.ndarray,
    fmt: FrameFormat = FrameFormat(),
    chunk_frames: int = 256,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Frames at the given indices (at `fmt.fps` from time 0), in one streaming pass over the video.

    `out[i]` receives frame `wanted[i]`; pass a memory-mapped `out` to fill a cache larger than memory.
    Indices past the end repeat the last frame, so a window at the very end of a video stays whole.
    """
    wanted = np.asarray(wanted, dtype=np.int64)
    if out is None:
        out = np.zeros(fmt.shape(len(wanted)), dtype=np.uint8)
    if len(wanted) == 0:
        return out
    order = np.argsort(wanted, kind="stable")
    sorted_wanted = np.clip(wanted[order], 0, None)
    last_frame = None
    position = 0
    duration = (int(sorted_wanted[-1]) + 2) / fmt.fps
    for chunk in stream_frames(path, fmt, 0.0, duration, chunk_frames):
        end = chunk.first + len(chunk.frames)
        hi = int(np.searchsorted(sorted_wanted, end, side="left"))
        if hi > position:
            out[order[position:hi]] = chunk.frames[sorted_wanted[position:hi] - chunk.first]
            position = hi
        last_frame = chunk.frames[-1]
        if position == len(sorted_wanted):
            break
    if last_frame is None:
        raise BallspotError(f"no frames decoded from {path}")
    if position < len(sorted_wanted):
        out[order[position:]] = last_frame
    return out
