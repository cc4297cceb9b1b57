"""Probe a video: duration, frame rate, size, estimated frame count (PyAV; imageio-ffmpeg ships no ffprobe)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ballspot.errors import BallspotError


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds, as a player shows it (MP4 edit lists applied)."""

    path: Path
    duration_s: float
    fps: float
    """Average frame rate of the video stream."""
    width: int
    height: int
    frames: int
    """Frames shown, estimated from duration × fps (containers' own counts include hidden packets)."""
    has_audio: bool

    @property
    def duration_ms(self) -> int:
        return int(round(self.duration_s * 1000))


def probe(path: Path | str) -> VideoInfo:
    """Read a video's header; a missing, empty, corrupt or video-less file is a one-line error."""
    import av

    path = Path(path)
    if not path.is_file():
        raise BallspotError(f"video not found: {path}")
    if path.stat().st_size == 0:
        raise BallspotError(f"video is empty (0 bytes): {path}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise BallspotError(f"no video stream in {path}")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.base_rate or stream.guessed_rate
            if not rate:
                raise BallspotError(f"cannot tell the frame rate of {path}")
            fps = float(rate)
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            else:
                raise BallspotError(f"cannot tell the duration of {path}")
            width, height = stream.codec_context.width, stream.codec_context.height
            has_audio = bool(container.streams.audio)
    except BallspotError:
        raise
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise BallspotError(f"cannot read video {path}: {exc}") from None
    if duration <= 0 or not width or not height:
        raise BallspotError(f"video has no frames: {path}")
    frames = max(1, math.floor(duration * fps + 1e-6))
    return VideoInfo(
        path=path, duration_s=duration, fps=fps, width=width, height=height, frames=frames, has_audio=has_audio
    )
