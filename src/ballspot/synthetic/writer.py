"""Write a synthetic game to disk the way SoccerNet ships one: an H.264 MP4 with audio, and Labels-ball.json."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ballspot.atomic import atomic_path, write_json
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import Annotation, labels_document
from ballspot.synthetic.simulate import Match
from ballspot.video.ffmpeg_bin import ffmpeg_exe, ffmpeg_reason, reaped, start_tied

CRF = 23
"""x264 quality: close to the bitrate of SoccerNet's 224p files, so compression artefacts look alike."""


def _command(target: Path, width: int, height: int, fps: int, duration_s: float, audio_seed: int) -> list[str]:
    noise = f"anoisesrc=color=pink:amplitude=0.05:sample_rate=48000:seed={audio_seed},lowpass=f=1800"
    return [
        ffmpeg_exe(),
        *("-hide_banner", "-loglevel", "error", "-nostdin", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"),
        *("-f", "lavfi", "-t", f"{duration_s:.3f}", "-i", noise),
        *("-map", "0:v", "-map", "1:a"),
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", str(CRF), "-pix_fmt", "yuv420p", "-g", "50"),
        *("-threads", "1"),  # x264 on more threads gives other bytes when the machine is busy
        *("-c:a", "aac", "-b:a", "64k", "-ac", "2"),
        *("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
        *("-movflags", "+faststart", "-f", "mp4", str(target)),
    ]


def write_video(
    target: Path | str,
    frames: Iterable[np.ndarray],
    *,
    fps: int,
    n_frames: int,
    audio_seed: int = 0,
    on_frame: Callable[[], None] | None = None,
) -> Path:
    """Encode uint8 RGB frames (all one size) to an MP4 with a quiet crowd-noise track, atomically.

    The audio is filtered noise seeded by `audio_seed`: constant in character, so it says nothing of play.
    """
    target = Path(target)
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise BallspotError(f"no frames to write to {target}")
    height, width = first.shape[:2]
    with atomic_path(target) as tmp:
        cmd = _command(tmp, width, height, fps, n_frames / fps, audio_seed)
        proc = start_tied(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        with reaped(proc):
            _feed(proc, first, iterator, on_frame)
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            code = proc.wait()
        if code != 0:
            raise BallspotError(f"ffmpeg could not write {target}: {ffmpeg_reason(stderr, code)}")
    return target


def _feed(proc: subprocess.Popen, first: np.ndarray, rest: Iterable[np.ndarray], on_frame) -> None:
    """Write the frames to ffmpeg's standard input, then close it (the end of the video)."""
    assert proc.stdin is not None
    try:
        for frame in _chain(first, rest):
            if frame.shape != first.shape or frame.dtype != np.uint8:
                raise BallspotError(f"frame of shape {frame.shape} {frame.dtype}; expected {first.shape} uint8")
            proc.stdin.write(memoryview(np.ascontiguousarray(frame)))
            if on_frame is not None:
                on_frame()
        proc.stdin.close()
    except BrokenPipeError:  # ffmpeg stopped reading: its error says why
        pass


def _chain(first: np.ndarray, rest: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
    yield first
    yield from rest


def annotations_of(match: Match) -> list[Annotation]:
    """The match's events as SoccerNet annotations (half 1; team as the side it defends on screen)."""
    return [
        Annotation(label=e.label, position_ms=e.position_ms, half=1, team=e.side, visibility=e.visibility)
        for e in match.events
    ]


def write_labels(target: Path | str, match: Match, game_id: str) -> Path:
    """Write the match's Labels-ball.json in SoccerNet's format, atomically."""
    return write_json(target, labels_document(annotations_of(match), url_local=game_id.rstrip("/") + "/"))
