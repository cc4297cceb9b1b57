"""Small test videos made with the ffmpeg ballspot uses: frames whose index can be read back from pixels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ballspot.video.ffmpeg_bin import ffmpeg_exe

BITS = 10
HEIGHT, WIDTH = 224, 398


def counter_frames(n: int, height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """n grey frames; frame k shows k in binary as BITS vertical bands (0 = black, 1 = white)."""
    frames = np.zeros((n, height, width), dtype=np.uint8)
    band = width // BITS
    for k in range(n):
        for bit in range(BITS):
            if (k >> bit) & 1:
                frames[k, :, bit * band : (bit + 1) * band] = 255
    return frames


def read_counter(frame: np.ndarray) -> int:
    """The index `counter_frames` wrote into a (decoded, resized) grey frame."""
    height, width = frame.shape[:2]
    band = width / BITS
    value = 0
    for bit in range(BITS):
        x = int((bit + 0.5) * band)
        if frame[height // 2, x] > 127:
            value |= 1 << bit
    return value


def encode(
    path: Path,
    frames: np.ndarray,
    fps: float = 25.0,
    audio: bool = True,
    keyint: int = 25,
    extra: list[str] | None = None,
) -> Path:
    """Encode grey frames to an H.264 MP4/MKV (near-lossless), with a silent audio track by default."""
    n, height, width = frames.shape
    cmd = [
        ffmpeg_exe(),
        *["-hide_banner", "-loglevel", "error", "-y"],
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
    ]
    if audio:
        cmd += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-shortest", "-c:a", "aac"]
    cmd += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(keyint),
        *(extra or []),
        str(path),
    ]
    subprocess.run(cmd, input=frames.tobytes(), check=True, capture_output=True)
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True, capture_output=True)


MP4_DURATION_FIELD = {b"mvhd": 16, b"tkhd": 20, b"mdhd": 16, b"elst": 8}
"""Byte offset, from a box's version byte, of the (version 0, 32-bit) duration each MP4 header box holds."""


def scale_mp4_durations(source: Path, target: Path, share: float, kinds: tuple[bytes, ...]) -> Path:
    """Copy an MP4 with the durations of the header boxes `kinds` (mvhd, tkhd, mdhd, elst) multiplied by
    `share`, as a muxer that got them wrong writes them; the frames are left as they are."""
    data = bytearray(source.read_bytes())
    for offset, kind in _mp4_boxes(data, 0, len(data)):
        if kind in kinds:
            field = offset + 8 + MP4_DURATION_FIELD[kind]
            assert data[offset + 8] == 0, "only version 0 boxes (32-bit durations)"
            duration = int.from_bytes(data[field : field + 4], "big")
            data[field : field + 4] = int(duration * share).to_bytes(4, "big")
    target.write_bytes(bytes(data))
    return target


def _mp4_boxes(data: bytearray, start: int, end: int):
    """(offset, type) of every box in moov's trak/mdia/edts tree."""
    offset = start
    while offset + 8 <= end:
        size, kind = int.from_bytes(data[offset : offset + 4], "big"), bytes(data[offset + 4 : offset + 8])
        if size < 8:
            return
        yield offset, kind
        if kind in (b"moov", b"trak", b"mdia", b"edts"):
            yield from _mp4_boxes(data, offset + 8, offset + size)
        offset += size
