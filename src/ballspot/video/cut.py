"""Cut a clip out of a video with ffmpeg, re-encoded so that it starts on the exact frame asked for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg
import numpy as np

from ballspot.atomic import atomic_path
from ballspot.errors import BallspotError
from ballspot.video.ffmpeg_bin import ffmpeg_exe, ffmpeg_reason, local_input, reaped, start_tied
from ballspot.video.probe import count_frames

SEEK_MARGIN_S = 0.0005
"""How far before a frame's timestamp the cut starts, so that rounding never skips that frame."""


def shown_at(times: np.ndarray, t: float) -> float:
    """Timestamp of the frame on screen at `t` (the first frame for times before it)."""
    i = int(np.searchsorted(times, t + 1e-9, side="right")) - 1
    return float(times[max(0, i)])


def cut_clip(
    source: Path | str,
    target: Path | str,
    start_s: float,
    duration_s: float,
    crf: int = 20,
    frame_times: np.ndarray | None = None,
) -> Path:
    """Write [start_s, start_s + duration_s) of `source` to `target` (H.264, audio kept), atomically.

    With `frame_times` (from `probe.frame_times`) the clip starts on the frame on screen at `start_s`, not the
    next one. Stream copy would start at the keyframe before `start_s` (seconds of extra frames), so the clip is
    re-encoded with libx264 `ultrafast`, keeping the source's frame timestamps (variable rate included) and
    cropping an odd width or height by one pixel (H.264 in 4:2:0 needs even sizes). A clip that holds no frame
    is an error, never a file.
    """
    if duration_s <= 0:
        raise BallspotError(f"clip duration must be positive, got {duration_s}")
    end_s = start_s + duration_s
    if frame_times is not None and len(frame_times):
        start_s = max(0.0, shown_at(frame_times, start_s) - SEEK_MARGIN_S)
    target = Path(target)
    with atomic_path(target) as tmp:
        length = end_s - SEEK_MARGIN_S - start_s if frame_times is not None else end_s - start_s
        src = ffmpeg.input(local_input(source), ss=f"{max(0.0, start_s):.6f}", t=f"{length:.6f}")
        video = src.video.filter("crop", "trunc(iw/2)*2", "trunc(ih/2)*2", 0, 0)
        streams = [video, src.audio] if _has_audio(source) else [video]
        cmd = (
            ffmpeg.output(
                *streams,
                str(tmp),
                vcodec="libx264",
                preset="ultrafast",
                crf=crf,
                pix_fmt="yuv420p",
                acodec="aac",
                fps_mode="passthrough",
                movflags="+faststart",
                f="mp4",
            )
            .global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
            .compile(cmd=ffmpeg_exe())
        )
        with reaped(start_tied(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)) as process:
            stderr = process.communicate()[1]
        if process.returncode != 0:
            raise BallspotError(f"ffmpeg could not cut {source} at {start_s:.2f}s: {ffmpeg_reason(stderr, first=True)}")
        if count_frames(tmp) == 0:
            raise BallspotError(f"no frame of {source} lies in {start_s:.3f}-{end_s:.3f} s; the clip was not written")
    return target


def _has_audio(source: Path | str) -> bool:
    import av

    try:
        with av.open(local_input(source)) as container:
            return bool(container.streams.audio)
    except (av.error.FFmpegError, OSError):
        return False
