"""Probe a video: duration, frame rate, size, estimated frame count (PyAV; imageio-ffmpeg ships no ffprobe).

Times are seconds from the container's start, the origin ffmpeg's `-ss` counts from. The end of a video is
its last shown frame's timestamp (plus that frame's duration), read from the packets: a header's duration can
run a second past the last frame (.mkv), a truncated file's header promises frames that are not there, and a
muxer that got it wrong gives one that stops before frames the decoder still delivers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ballspot.errors import BallspotError
from ballspot.paths import not_utf8
from ballspot.video.ffmpeg_bin import local_input

TAIL_S = 2.0
"""How far before the header's end probing looks for the last frame."""
TRUNCATED_SHORTFALL_S = 2.0
TRUNCATED_SHORTFALL_SHARE = 0.05
"""A video whose frames stop this much (the larger of the two) before its header's end is reported truncated."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds, as a player shows it (MP4 edit lists applied)."""

    path: Path
    duration_s: float
    """Up to the end of the last frame shown (past the header's duration only where frames lie past it)."""
    fps: float
    """Average frame rate of the video stream."""
    width: int
    height: int
    """Pixels of the decoded frames (turned as the player turns them)."""
    frames: int
    """Frames shown, estimated from duration × fps (containers' own counts include hidden packets)."""
    has_audio: bool
    last_frame_s: float = 0.0
    """When the last frame is shown: the latest time a clip can start and still hold a frame."""
    pixel_aspect: float = 1.0
    """How much wider than tall a pixel is shown (the sample aspect ratio: 64/45 for 16:9 PAL DVD video)."""

    @property
    def duration_ms(self) -> int:
        return int(round(self.duration_s * 1000))

    @property
    def display_width(self) -> int:
        """The picture's width as a player shows it, in pixels of its height (anamorphic video is stretched)."""
        return max(1, round(self.width * self.pixel_aspect))


def probe(path: Path | str) -> VideoInfo:
    """Read a video's header and find its last frame; a missing, empty, corrupt, truncated or video-less file
    is a one-line error."""

    path = Path(path)
    if error := not_utf8(path):  # a game folder's or video's name: ffmpeg-python's command builder fails on it
        raise error
    if not path.is_file():
        if path.exists():  # a pipe, a device, a folder: ffmpeg would block on a pipe or read /dev/zero forever
            raise BallspotError(f"not a regular file (a pipe, device or folder), cannot read it as a video: {path}")
        raise BallspotError(f"video not found: {path}")
    stat = path.stat()
    if stat.st_size == 0:
        raise BallspotError(f"video is empty (0 bytes): {path}")
    return _probe_file(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _probe_file(path: Path, size: int, mtime_ns: int) -> VideoInfo:
    """`probe` of a file as it is now (its size and modification time are part of the key): a dataset
    checked before it is cut or predicted is not read twice. Errors are not cached."""
    import av

    try:
        with av.open(local_input(path)) as container:
            if not container.streams.video:
                raise BallspotError(f"no video stream in {path}")
            stream = container.streams.video[0]
            if image := _still_image(container, stream):
                raise _still_image_error(path, image)
            rate = stream.average_rate or stream.base_rate or stream.guessed_rate
            if not rate:
                raise BallspotError(f"cannot tell the frame rate of {path}")
            fps = float(rate)
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            else:
                duration = None
            width, height = stream.codec_context.width, stream.codec_context.height
            pixel_aspect = _pixel_aspect(stream)
            if _display_rotation(container, stream) % 180 == 90:  # ffmpeg turns the frames as a player does
                width, height, pixel_aspect = height, width, 1 / pixel_aspect
            has_audio = bool(container.streams.audio)
            origin = _origin_s(container)
            if duration is None:  # a Matroska written to a pipe (a live capture) has none: its packets tell
                last_frame, last_length = _last_frame_s(container, stream, 0.0)
                duration = 0.0 if last_frame is None else last_frame + (last_length or 1 / fps)
            else:
                last_frame, last_length = _last_frame_s(container, stream, duration) if duration > 0 else (None, None)
    except BallspotError:
        raise
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        if _mp4_without_index(path):
            raise BallspotError(
                f"video is truncated: {path} is an MP4 without its index (the moov box, written last): the recording "
                "stopped abruptly, or the copy or download was cut off; get a complete copy"
            ) from None
        raise BallspotError(f"cannot read video {path}: {_reason(exc)}") from None
    if duration <= 0 or not width or not height or last_frame is None:
        raise BallspotError(f"video has no frames: {path}")
    end = _end_s(duration, last_frame, 1 / fps, last_length)
    shortfall = max(TRUNCATED_SHORTFALL_S, TRUNCATED_SHORTFALL_SHARE * duration)
    if origin > 0 and duration - end > shortfall and abs(duration - origin - end) <= shortfall:
        duration -= origin  # a Matroska Segment's duration counts from time 0, not from its first frame
    if duration - end > shortfall:
        raise BallspotError(
            f"video is truncated or damaged: its frames stop at {end:.1f} s of the {duration:.1f} s its header "
            f"gives: {path}"
        )
    frames = max(1, math.floor(end * fps + 1e-6))
    return VideoInfo(
        path=path,
        duration_s=end,
        fps=fps,
        width=width,
        height=height,
        frames=frames,
        has_audio=has_audio,
        last_frame_s=last_frame,
        pixel_aspect=pixel_aspect,
    )


def refuse_still_image(path: Path) -> None:
    """Fail when `path` holds one still picture (PNG, JPEG, ...), for a file read without `probe` (--follow); a
    file ffmpeg cannot open yet (empty, or a recording whose header is not written) passes."""
    import av

    try:
        with av.open(local_input(path)) as container:
            image = _still_image(container, container.streams.video[0]) if container.streams.video else None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return
    if image:
        raise _still_image_error(path, image)


def _still_image_error(path: Path, image: str) -> BallspotError:
    return BallspotError(f"not a video: {path} holds a still image ({image})")


def _still_image(container, stream) -> str | None:
    """The kind of picture (PNG, JPEG, ...) a file holds when it is one still image, not a video; else None."""
    name = container.format.name
    if name.endswith("_pipe"):  # ffmpeg's image readers: png_pipe, jpeg_pipe, webp_pipe, ...
        return name.removesuffix("_pipe").upper()
    if name in ("image2", "image2pipe") or (name == "gif" and stream.frames <= 1):
        return stream.codec_context.name.upper()
    return None


def _origin_s(container) -> float:
    return (container.start_time or 0) / 1_000_000


def _pixel_aspect(stream) -> float:
    """The stream's sample aspect ratio (the container's, else the codec's); 1 where none is given."""
    ratio = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    return float(ratio) if ratio and ratio > 0 else 1.0


def _display_rotation(container, stream) -> int:
    """Degrees a player turns the picture by (a phone video's display matrix), from the first frame; the
    container is read from its start again afterwards."""
    import av

    rotation = 0
    try:
        for frame in container.decode(stream):
            rotation = int(round(getattr(frame, "rotation", 0) or 0))
            break
    except av.error.FFmpegError:
        pass
    container.seek(0)
    return rotation


def _end_s(header_s: float, last_frame_s: float, average_s: float, last_length_s: float | None) -> float:
    """When the last frame stops being shown: its time plus its own duration where its packet has one (a
    variable-rate video's last frame may last several average frames), else an average frame's; not past the
    header's duration, which counts the last frame's own, except that a header that ends before the last frame
    is wrong (the decoder delivers the frames past it)."""
    end = last_frame_s + (last_length_s or average_s)
    return end if last_frame_s >= header_s else min(header_s, end)


def _last_frame_s(container, stream, duration: float) -> tuple[float | None, float | None]:
    """The last shown video frame's time and duration (None when its packet has none): packets from TAIL_S
    before the header's end, else from the start."""
    import av

    origin = _origin_s(container)
    tail = max(0.0, duration - TAIL_S)
    if tail > 0:
        try:
            container.seek(int((origin + tail) / stream.time_base), stream=stream, backward=True)
            last, length = _latest_packet(container, stream)
            if last is not None:
                return float(last * stream.time_base) - origin, length
        except av.error.FFmpegError:
            pass
        container.seek(0)
    last, length = _latest_packet(container, stream)
    return (None, None) if last is None else (float(last * stream.time_base) - origin, length)


def _latest_packet(container, stream) -> tuple[int | None, float | None]:
    """The largest timestamp of a shown packet (one an MP4 edit list hides is not) and that packet's duration
    in seconds (None when it has none)."""
    latest, length = None, None
    for packet in container.demux(stream):
        if packet.pts is None or not packet.size or packet.is_discard:
            continue
        if latest is None or packet.pts > latest:
            latest, length = packet.pts, float(packet.duration * stream.time_base) if packet.duration else None
    return latest, length


def frame_times(path: Path | str) -> np.ndarray:
    """When each frame of the video is shown (sorted seconds from the container's start), read from its
    packets without decoding; frames an MP4 edit list hides are left out."""
    import av

    try:
        with av.open(local_input(path)) as container:
            stream = container.streams.video[0]
            origin = _origin_s(container)
            pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size and not p.is_discard]
            times = np.sort(np.asarray(pts, dtype=np.float64) * float(stream.time_base) - origin)
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise BallspotError(f"cannot read the frames of {path}: {_reason(exc)}") from None
    return times[times >= -1e-6] if len(times) else times


def _mp4_without_index(path: Path) -> bool:
    """Whether `path` is an MP4 (or MOV) whose top-level boxes stop before a `moov` box, the index a recorder
    writes when it stops."""
    try:
        with path.open("rb") as file:
            size = path.stat().st_size
            offset, kinds = 0, []
            while offset + 8 <= size:
                file.seek(offset)
                header = file.read(16)
                box, kind = int.from_bytes(header[:4], "big"), header[4:8]
                if box == 1 and len(header) == 16:  # a 64-bit size follows the type
                    box = int.from_bytes(header[8:16], "big")
                kinds.append(kind)
                if box < 8 or kind == b"moov":
                    break
                offset += box
    except OSError:
        return False
    return bool(kinds) and kinds[0] == b"ftyp" and b"moov" not in kinds


def _reason(exc: Exception) -> str:
    """What went wrong reading a video, as ffmpeg words it ("Invalid data found when processing input"), without
    PyAV's internal error number and the path the message already names."""
    return getattr(exc, "strerror", None) or str(exc)


def count_frames(path: Path | str) -> int:
    """Video frames (packets) in a file; 0 for a file without a video stream or with an empty one."""
    import av

    try:
        with av.open(local_input(path)) as container:
            if not container.streams.video:
                return 0
            stream = container.streams.video[0]
            return sum(1 for p in container.demux(stream) if p.size)
    except (av.error.FFmpegError, OSError):
        return 0
