"""Decode a live source (a growing file, standard input, a stream URL) as it arrives, with no probe first.

Unlike a file, a live source has no known length and cannot be seeked or read twice, so nothing looks at it
before the one ffmpeg that decodes it. Frame 0 is the first frame received and frame k shows the picture `k / fps`
seconds later (to the nearest frame), however late the stream's own clock starts; a picture size that changes
midway keeps the count going.
"""

from __future__ import annotations

import array
import contextlib
import os
import select
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ballspot.errors import BallspotError
from ballspot.video.decode import FrameChunk, FrameFormat
from ballspot.video.ffmpeg_bin import ffmpeg_exe, ffmpeg_reason, start_tied
from ballspot.video.probe import refuse_still_image

STDIN = "-"
STDIN_FD = 0
STDIN_POLL_S = 0.5
"""How often waiting for standard input's first byte looks whether the stream was stopped (Ctrl-C)."""
DEFAULT_IDLE_TIMEOUT_S = 10.0
MAX_IDLE_TIMEOUT_S = 7 * 24 * 3600.0
"""The longest idle timeout (a week): ffmpeg takes it in whole microseconds, and `inf` has none."""
STOP_GRACE_S = 2.0
"""How long ffmpeg may go on SIGTERM without ending or sending a byte before it is killed (the frames it decoded are
still used); a pipe that holds frames not yet read keeps it waiting: it is writing them out to a busy reader."""
SILENCE_SLACK_S = 5.0
"""How much longer than the idle timeout a URL may go without a decoded frame before it is ended here: ffmpeg's
own timeout misses some protocols (udp://, a listening tcp://); the slack covers probing and decoding delay."""
FILE_CHECK_S = 1.0
"""How often a followed file is looked at while nothing arrives from it: whether it was truncated or replaced."""
NO_FRAME = "Nothing was written into output file"
"""How ffmpeg's last words start when its input ended before one whole frame was decoded."""
TIMED_OUT = "Input/output error"
"""How ffmpeg's last words end when a followed file grew no more for the idle timeout (`-rw_timeout`)."""
URL_TIMED_OUT = "Connection timed out"
"""How ffmpeg's last words end when a URL sent nothing for the idle timeout (`-rw_timeout`)."""
DEMUX_ERROR = "Error during demuxing:"
"""How ffmpeg says that reading its input failed midway (a connection reset): it then ends as at the input's end."""
UNSEEKABLE_MP4 = ("partial file", "moov atom not found")
"""What ffmpeg says of an MP4 on a pipe whose index (the moov box) comes after its frames: it cannot seek to it."""


@dataclass
class LiveSource:
    """Where live video comes from: `-` (standard input), a URL ffmpeg opens, or a file still being written.

    A file or URL that sends nothing for `idle_timeout_s` seconds has ended; standard input ends at EOF.
    """

    address: str
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    _process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _stopped: bool = field(default=False, init=False, repr=False)
    _received: int = field(default=0, init=False, repr=False)
    """Bytes of frames read from ffmpeg so far: whether it still sends anything after `stop`."""
    _broken_off: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.idle_timeout_s <= MAX_IDLE_TIMEOUT_S:
            raise BallspotError(
                f"idle timeout (--idle-timeout) must be positive and at most {MAX_IDLE_TIMEOUT_S:g} s (a week), got "
                f"{self.idle_timeout_s:g}"
            )
        if self.kind == "file":
            if Path(self.address).exists() and not Path(self.address).is_file():
                raise BallspotError(
                    f"not a video file (a folder, pipe or device): {self.address}; follow a video file, "
                    "- (standard input: `- < PIPE`) or a stream URL"
                )
            if not Path(self.address).is_file():
                raise BallspotError(f"video not found: {self.address}")
            refuse_still_image(Path(self.address))  # a picture would decode as one frame and end with no event

    @property
    def kind(self) -> str:
        if self.address == STDIN:
            return "stdin"
        return "url" if "://" in self.address else "file"

    def input_args(self) -> list[str]:
        """ffmpeg's input options: start decoding after at most ~1 s of stream.

        (`-fflags nobuffer` would start sooner but drops the frames read while probing.)
        """
        args = ["-analyzeduration", "1000000", "-probesize", "2000000"]
        timeout = ["-rw_timeout", str(int(self.idle_timeout_s * 1_000_000))]
        if self.kind == "stdin":
            return [*args, "-i", "pipe:0"]
        if self.kind == "file":
            return [*args, "-follow", "1", *timeout, "-i", "file:" + str(Path(self.address).resolve())]
        return [*args, *timeout, "-i", self.address]

    def command(self, fmt: FrameFormat) -> list[str]:
        # the rate is kept from the first frame on, with no time base of its own: ffmpeg rebuilds the filters when
        # the picture's size changes midway, and a restarted base (setpts=PTS-STARTPTS, start_time=0) dropped
        # every frame until the new clock caught up with the old
        filters = [f"fps=fps={fmt.fps}:round=near"]
        if fmt.crop < 1.0:
            filters.append(f"crop=iw*{fmt.crop}:ih*{fmt.crop}")
        filters.append(f"scale={fmt.width}:{fmt.height}:flags=bilinear")
        return [
            ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *self.input_args(),
            *("-map", "0:v:0", "-vf", ",".join(filters), "-an", "-sn"),
            *("-f", "rawvideo", "-pix_fmt", "gray" if fmt.grey else "rgb24", "-flush_packets", "1", "pipe:1"),
        ]

    def frames(self, fmt: FrameFormat, chunk_frames: int = 256) -> Iterator[FrameChunk]:
        """Yield frames as soon as they are decoded: every complete frame available, up to `chunk_frames`. A
        stream that breaks off midway (a network drop) ends too, once its frames are out: `broken_off` says so."""
        fmt.check()
        if self.kind == "stdin" and not self._wait_for_stdin():
            return  # stopped before anything arrived
        stdin = None if self.kind == "stdin" else subprocess.DEVNULL
        watch = _FileWatch.of(Path(self.address)) if self.kind == "file" else None
        self._process = process = start_tied(
            self.command(fmt), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stderr is not None
        errors: deque[str] = deque(maxlen=5)  # drained all along: a full stderr pipe would stall ffmpeg
        first_errors: list[str] = []  # the cause, where the last lines only say that nothing was written
        drain = threading.Thread(target=_drain_and_reap, args=(process, errors, first_errors), daemon=True)
        drain.start()
        fd = process.stdout.fileno()
        buffer, first = bytearray(), 0
        limit = fmt.frame_bytes * chunk_frames
        silence_s = self.idle_timeout_s + SILENCE_SLACK_S if self.kind == "url" else None
        silent = False
        try:
            while True:
                if watch is not None:
                    watch.look()
                    if not select.select([fd], [], [], FILE_CHECK_S)[0]:
                        continue
                if silence_s is not None and not select.select([fd], [], [], silence_s)[0]:
                    silent, silence_s = True, None  # end it: ffmpeg then flushes what it holds and exits
                    self.stop()
                    continue
                block = os.read(fd, max(limit - len(buffer), fmt.frame_bytes))
                if not block:
                    break
                self._received += len(block)
                buffer += block
                n = len(buffer) // fmt.frame_bytes
                if n:
                    data = bytes(buffer[: n * fmt.frame_bytes])
                    del buffer[: n * fmt.frame_bytes]
                    yield FrameChunk(first=first, frames=np.frombuffer(data, dtype=np.uint8).reshape(fmt.shape(n)))
                    first += n
            code = process.wait()
            drain.join(timeout=5)
            if watch is not None:
                watch.look()
            if silent and first == 0:
                raise BallspotError(f"nothing came from {self.address} for {self.idle_timeout_s:g} s (--idle-timeout)")
            if code != 0 and not self._stopped and first == 0:
                raise BallspotError(self._failure(code, list(errors), first_errors))
            if first and not self._stopped:
                self._broken_off = self._break(code, list(errors))
        finally:
            process.stdout.close()  # a write blocked on a full pipe fails now, so ffmpeg can exit
            self.stop()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            drain.join(timeout=5)
            process.stderr.close()

    def _failure(self, code: int, errors: list[str], first_errors: list[str]) -> str:
        """What to say of an ffmpeg that ended with `code` before its first frame: the cause, in the user's terms
        where ffmpeg's last `errors` (or its `first_errors`) tell it."""
        if any("matches no streams" in line for line in errors):  # -map 0:v:0 found no video
            return f"no video stream in {self.address}"
        unindexed = any(hint in line for line in first_errors for hint in UNSEEKABLE_MP4)
        if self.kind == "stdin" and unindexed:
            return (
                "standard input holds an MP4 whose index comes after its frames (or is cut off before it), "
                "which a pipe cannot seek to: give the file itself instead of -, or pipe it as MPEG-TS "
                "re-encoded (ffmpeg -i IN -c:v libx264 -preset ultrafast -f mpegts -; with -c copy, frames "
                "an MP4 edit list hides come through and shift every time)"
            )
        if self.kind == "file" and _size(self.address) == 0:  # ffmpeg gave up waiting: "Input/output error"
            return (
                f"{self.address} stayed empty for {self.idle_timeout_s:g} s (--idle-timeout): nothing was "
                "written to it to follow"
            )
        if self.kind == "file" and unindexed:
            return (
                f"{self.address} is an MP4 without its index yet (a recorder writes it when it stops): to "
                "follow a recording, record MPEG-TS (.ts) or a fragmented MP4 (-movflags "
                "+frag_keyframe+empty_moov); or predict the file once it is finished"
            )
        reason = ffmpeg_reason("\n".join(errors), code)
        if reason.startswith(NO_FRAME) or (self.kind == "file" and reason.endswith(TIMED_OUT)):
            return self._no_frame()
        return f"ffmpeg could not read {self.address}: {reason}"

    @property
    def broken_off(self) -> str | None:
        """Why the stream broke off midway (ffmpeg failed, or said reading failed: a network drop), once its
        frames have ended; None when it ended normally (its end, the idle timeout, `stop`)."""
        return self._broken_off

    def _break(self, code: int, errors: list[str]) -> str | None:
        """What to say of a stream whose frames ended with ffmpeg's exit `code` and last error lines `errors`:
        None for a normal end (EOF, or nothing sent for the idle timeout)."""
        if code != 0:
            said = ": " + ffmpeg_reason("\n".join(errors)) if errors else ""
            what = f"ffmpeg ended with exit code {code}{said}"
        else:
            failed = [ffmpeg_reason(line) for line in errors if DEMUX_ERROR in line]
            idle = {"file": TIMED_OUT, "url": URL_TIMED_OUT}.get(self.kind)
            if not failed or (idle is not None and failed[-1].endswith(idle)):
                return None
            what = f"ffmpeg said {failed[-1]!r}"
        return f"{self.name} broke off: {what}; the events before the break came out"

    @property
    def name(self) -> str:
        """The source in messages: its address, or `standard input`."""
        return "standard input" if self.kind == "stdin" else self.address

    def _no_frame(self) -> str:
        """What to say of a source that ended before one whole frame (ffmpeg says nothing was written)."""
        if self.kind == "file":
            return (
                f"{self.address} ended before a whole frame could be decoded (nothing more was written to it for "
                f"{self.idle_timeout_s:g} s, --idle-timeout): it holds the very start of a recording, or no video"
            )
        return f"{self.name} ended before a whole frame could be decoded: it was cut off at its start, or is not video"

    def _wait_for_stdin(self) -> bool:
        """Wait for standard input's first byte without reading it (ffmpeg reads it all): False when stopped
        first; standard input that ends before its first byte is an error, not ffmpeg's "Invalid data"."""
        while not self._stopped:
            try:
                ready = select.select([STDIN_FD], [], [], STDIN_POLL_S)[0]
            except (OSError, ValueError):  # closed, or not selectable: ffmpeg says what it finds
                return True
            if ready:
                if _bytes_waiting(STDIN_FD) == 0:
                    raise BallspotError(
                        "nothing arrived on standard input (it ended before its first byte): pipe a video stream "
                        "into it, e.g. ffmpeg -i IN -c:v libx264 -f mpegts - | ballspot predict - --follow"
                    )
                return True
        return False

    @property
    def stopped(self) -> bool:
        """Whether `stop` was called (the stream was ended on purpose, not by its source)."""
        return self._stopped

    def stop(self) -> None:
        """End the stream now: ffmpeg stops, the frames already decoded are still yielded, then the end."""
        self._stopped = True
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            # ffmpeg checks for the signal between reads: one blocked on a silent pipe or socket never does
            self._kill_when_silent(process)

    def _kill_when_silent(self, process: subprocess.Popen) -> None:
        """Kill `process` if, STOP_GRACE_S from now, it still runs, has sent nothing more and has nothing
        waiting in its pipe; else look again then."""
        received = self._received

        def look() -> None:
            if process.poll() is not None:
                return
            if self._received != received or _unread(process):
                self._kill_when_silent(process)  # still writing out frames, to a reader busy with earlier ones
                return
            with contextlib.suppress(ProcessLookupError):
                process.kill()

        timer = threading.Timer(STOP_GRACE_S, look)
        timer.daemon = True  # ends with the program: the decoder waits for ffmpeg, or kills it, before then
        timer.start()


@dataclass
class _FileWatch:
    """A followed file as ffmpeg opened it. ffmpeg reads on from where it had got to in the file it opened, so a
    recording written again from its start, or another file moved into place, is never read: said once."""

    path: Path
    identity: tuple[int, int]
    size: int
    told: bool = False

    @classmethod
    def of(cls, path: Path) -> _FileWatch:
        stat = path.stat()
        return cls(path, (stat.st_dev, stat.st_ino), stat.st_size)

    def look(self) -> None:
        """Warn when the path now names another file (or none), or a shorter one than it did."""
        if self.told:
            return
        try:
            stat = self.path.stat()
        except OSError:
            stat = None
        if stat is None or (stat.st_dev, stat.st_ino) != self.identity:
            self._warn(
                "replaced while followed (removed, or another file moved into its place): the file opened at the "
                "start is read on to its end, not the new one; to follow the new one, run predict --follow on it"
            )
        elif stat.st_size < self.size:
            self._warn(
                "truncated while followed (written again from its start, as `>` does where `>>` appends): reading "
                "goes on from where it had got to, so what is written before that is never read; to follow a new "
                "recording, run predict --follow on it"
            )
        else:
            self.size = stat.st_size

    def _warn(self, what: str) -> None:
        from ballspot import console

        console.warn(f"{self.path} was {what}")
        self.told = True


def _bytes_waiting(fd: int) -> int | None:
    """Bytes ready to read on `fd` without reading them (0 at the end of a pipe, a socket or a file: readable and
    empty); None when that cannot be told."""
    import fcntl
    import termios

    try:
        if os.path.samestat(os.fstat(fd), os.stat(os.devnull)):  # ends at once, yet answers no FIONREAD
            return 0
        count = array.array("i", [0])
        fcntl.ioctl(fd, termios.FIONREAD, count, True)
    except OSError:
        return None
    return count[0]


def _size(path: str) -> int | None:
    """The size of a file in bytes, None when it cannot be read."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return None


def _unread(process: subprocess.Popen) -> bool:
    """Whether `process`'s standard output holds bytes not read yet (False once it is closed: nobody reads)."""
    try:
        return bool(_bytes_waiting(process.stdout.fileno()))
    except (AttributeError, ValueError):  # closed
        return False


def _drain_and_reap(process: subprocess.Popen, lines: deque[str], first: list[str]) -> None:
    """Keep ffmpeg's error lines (`_keep_lines`), then wait for it as soon as it ends (its stderr closes): a
    reader that stops at the last frame without closing the generator leaves no zombie behind."""
    _keep_lines(process.stderr, lines, first)
    process.wait()


def _keep_lines(pipe, lines: deque[str], first: list[str]) -> None:
    """Keep the last lines of `pipe` in `lines` and its first five in `first`."""
    for raw in iter(pipe.readline, b""):
        text = raw.decode("utf-8", "replace").strip()
        if text:
            lines.append(text)
            if len(first) < 5:
                first.append(text)
