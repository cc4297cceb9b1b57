"""Cut a clip out of a video with ffmpeg, re-encoded so that it starts on the exact frame asked for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg

from ballspot.atomic import atomic_path
from ballspot.errors import BallspotError
from ballspot.video.ffmpeg_bin import ffmpeg_exe


def cut_clip(source: Path | str, target: Path | str, start_s: float, duration_s: float, crf: int = 20) -> Path:
    """Write [start_s, start_s + duration_s) of `source` to `target` (H.264, audio kept), atomically.

    Stream copy would start at the keyframe before `start_s` (seconds of extra frames), so the clip is
    re-encoded with libx264 `ultrafast`.
    """
    if duration_s <= 0:
        raise BallspotError(f"clip duration must be positive, got {duration_s}")
    target = Path(target)
    with atomic_path(target) as tmp:
        src = ffmpeg.input(str(source), ss=f"{max(0.0, start_s):.6f}", t=f"{duration_s:.6f}")
        cmd = (
            ffmpeg.output(
                src,
                str(tmp),
                vcodec="libx264",
                preset="ultrafast",
                crf=crf,
                pix_fmt="yuv420p",
                acodec="aac",
                movflags="+faststart",
                f="mp4",
            )
            .global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
            .compile(cmd=ffmpeg_exe())
        )
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else str(result.returncode)
            raise BallspotError(f"ffmpeg could not cut {source} at {start_s:.2f}s: {last}")
    return target
