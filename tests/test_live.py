"""`predict --follow`: events from a pipe, a loopback stream served by ffmpeg and a growing file, each printed
before the stream ends, and together exactly the events of a whole-file run of the same video.

The tests gate the stream themselves: they send the first 60% of the video, wait for a first JSON line, and only
then send the rest, so "before the stream ends" needs no clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import ballspot
from ballspot.predict.postprocess import PostprocessParams
from ballspot.video.ffmpeg_bin import ffmpeg_exe
from tests.tiny_run import game_video
from tests.videos import counter_frames, encode, read_counter

HANG_GUARD_S = 120  # only a hang fails on this; nothing here is timed


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> dict:
    """A 16 s counter video as MP4 and as an MPEG-TS stream (the same H.264 frames)."""
    base = tmp_path_factory.mktemp("live")
    mp4 = game_video(base / "match.mp4", frames=400)
    ts = base / "match.ts"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(mp4), "-c", "copy", "-f", "mpegts", str(ts)],
        check=True,
    )
    return {"mp4": mp4, "ts": ts, "bytes": ts.read_bytes()}


@pytest.fixture(scope="module")
def whole_file(tiny_run, stream) -> list[tuple[int, str, float]]:
    """(position, label, confidence) of every candidate of a whole-file run."""
    events = ballspot.predict_video(stream["mp4"], tiny_run["best"], PostprocessParams(), device="cpu")
    return sorted((e.position_ms, e.label, round(e.confidence, 6)) for e in events)


class Follower:
    """`ballspot predict SOURCE --follow` in a real process, its stdout lines collected by a thread."""

    early: str | None = None

    def __init__(self, source: str, model: Path, *extra: str, stdin=subprocess.DEVNULL) -> None:
        command = [sys.executable, "-m", "ballspot", "predict", source, "--follow", "-m", str(model)]
        command += ["--event-threshold", "0", "--device", "cpu", "--batch-size", "1", *extra]
        env = {k: v for k, v in os.environ.items() if k != "BALLSPOT_QUIET"}  # its log lines are checked
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        self.process = subprocess.Popen(command, stdin=stdin, env=env, **pipes)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.decode())
        self.lines.put(None)

    def first_line(self) -> dict:
        try:
            line = self.lines.get(timeout=HANG_GUARD_S)
        except queue.Empty:
            self.process.kill()
            raise AssertionError(f"no event line: {self.process.stderr.read().decode()[-2000:]}") from None
        assert line is not None, self.finish()[1]
        self.early = line  # kept for finish()
        return json.loads(line)

    def finish(self) -> tuple[list[dict], str, int]:
        """All events printed (the first included), stderr and the exit code, once the process has ended."""
        lines = [self.early] if self.early else []
        while (line := self.lines.get(timeout=HANG_GUARD_S)) is not None:
            lines.append(line)
        self.stderr = self.process.stderr.read().decode()
        code = self.process.wait(timeout=HANG_GUARD_S)
        return [json.loads(line) for line in lines], self.stderr, code


def as_events(printed: list[dict]) -> list[tuple[int, str, float]]:
    return sorted((e["position"], e["label"], round(e["confidence"], 6)) for e in printed)


def assert_same_events(printed: list[dict], whole_file) -> None:
    events = as_events(printed)
    assert len({(p, label) for p, label, _ in events}) == len(events), "an event was printed twice"
    assert [(p, label) for p, label, _ in events] == [(p, label) for p, label, _ in whole_file]
    assert [c for _, _, c in events] == pytest.approx([c for _, _, c in whole_file], abs=1e-5)
    assert all(set(e) == {"gameTime", "label", "position", "half", "confidence"} for e in printed)


def test_a_pipe(tiny_run, stream, whole_file):
    follower = Follower("-", tiny_run["best"], stdin=subprocess.PIPE)
    data, cut = stream["bytes"], len(stream["bytes"]) * 6 // 10
    follower.process.stdin.write(data[:cut])
    follower.process.stdin.flush()
    follower.first_line()  # printed while the rest of the stream has not even been sent
    follower.process.stdin.write(data[cut:])
    follower.process.stdin.close()
    printed, stderr, code = follower.finish()
    assert code == 0, stderr
    assert_same_events(printed, whole_file)
    assert "events are final at most" in stderr and "stream ended" in stderr


def test_empty_standard_input_says_nothing_arrived(tiny_run):
    """Standard input that ends before its first byte said ffmpeg's "Invalid data found when processing input"."""
    printed, stderr, code = Follower("-", tiny_run["best"], stdin=subprocess.DEVNULL).finish()
    assert code == 1 and printed == [] and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("error: nothing arrived on standard input")


LIVE_FRAMES = (
    "import sys; from ballspot.video.live import LiveSource; from ballspot.video.decode import FrameFormat; "
    "from tests.videos import read_counter; "
    "print([read_counter(f) for c in LiveSource('-').frames(FrameFormat()) for f in c.frames])"
)
"""A child process that follows its standard input and prints the counter of each frame it decodes."""


@pytest.mark.parametrize("kind", ["devnull", "empty pipe", "empty file", "stream"])
def test_standard_input_is_told_empty_without_losing_a_byte_of_a_stream(kind, tmp_path):
    """Nothing on standard input is said plainly; a stream piped in still decodes from its first frame, the
    bytes looked at first included."""
    video = encode(tmp_path / "counter.mp4", counter_frames(50), audio=False)
    ts = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(video), "-c", "copy", "-f", "mpegts", "-"],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "empty.ts").touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", LIVE_FRAMES]
    if kind == "devnull":
        child = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=HANG_GUARD_S)
    elif kind == "empty file":
        with (tmp_path / "empty.ts").open("rb") as empty:
            child = subprocess.run(command, stdin=empty, capture_output=True, env=env, timeout=HANG_GUARD_S)
    else:
        data = ts if kind == "stream" else b""
        child = subprocess.run(command, input=data, capture_output=True, env=env, timeout=HANG_GUARD_S)
    if kind == "stream":
        assert child.returncode == 0, child.stderr.decode()
        assert child.stdout.decode().strip() == str(list(range(50)))
    else:
        assert child.returncode != 0
        assert "BallspotError: nothing arrived on standard input" in child.stderr.decode()


def test_frames_of_a_new_size_midway_all_come_through(tmp_path):
    """A stream whose picture size changes (a camera switched, an adaptive stream) gets ffmpeg to rebuild its
    filters: the first-frame time base restarted with them, so the frames after the change were dropped. The
    second part is a recording of its own (its clock starts again), as one appended to a followed file."""
    frames = counter_frames(50)
    small = frames[25:, ::2, :396:2]  # the second half at half the size (even, as yuv420p wants)
    parts = [encode(tmp_path / "big.ts", frames[:25], audio=False), encode(tmp_path / "small.ts", small, audio=False)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    data = b"".join(part.read_bytes() for part in parts)
    child = subprocess.run(
        [sys.executable, "-c", LIVE_FRAMES], input=data, capture_output=True, env=env, timeout=HANG_GUARD_S
    )
    assert child.returncode == 0, child.stderr.decode()
    counters = json.loads(child.stdout)
    assert len(counters) == 50  # at most the frame at the change is shown twice, in place of its neighbour
    assert sum(counter != k for k, counter in enumerate(counters)) <= 1, counters


def test_a_reader_slower_than_the_grace_after_stop_gets_every_decoded_frame(tmp_path, monkeypatch):
    """After `stop`, ffmpeg writes out the frames it holds, then ends; it was killed once the grace period was
    over even while it was blocked on a full pipe that a busy reader (the network scoring a chunk) had not read
    yet, and those frames were lost. Killing is for an ffmpeg that sends nothing (blocked on a silent input)."""
    import time

    import ballspot.video.live as live
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    video = encode(tmp_path / "counter.ts", counter_frames(100), audio=False)  # 8.9 MB decoded: pipes hold less
    monkeypatch.setattr(live, "STOP_GRACE_S", 0.5)
    source = LiveSource(str(video), idle_timeout_s=60)
    chunks = source.frames(FrameFormat(), chunk_frames=1)
    counters = [read_counter(frame) for frame in next(chunks).frames]
    source.stop()
    time.sleep(2.0)  # the reader is busy for four grace periods: not a timed check, the reader is just slow
    counters += [read_counter(frame) for chunk in chunks for frame in chunk.frames]
    assert source._process.returncode != -signal.SIGKILL  # ffmpeg ended on its own, having written all it held
    assert counters == list(range(len(counters))) and len(counters) > 1


def test_a_recording_appended_to_a_followed_file_continues_its_times(tmp_path):
    """`>>` a second recording, whose clock starts again, onto a followed file: its frames follow the first's."""
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    frames = counter_frames(75)
    # 2 s: more than ffmpeg reads to learn the format, so the first frame comes before the end of the file
    recording = encode(tmp_path / "recording.ts", frames[:50], audio=False)
    second = encode(tmp_path / "second.ts", frames[50:], audio=False).read_bytes()
    chunks = LiveSource(str(recording), idle_timeout_s=5).frames(FrameFormat(), chunk_frames=1)
    counters = [read_counter(frame) for frame in next(chunks).frames]
    with recording.open("ab") as handle:
        handle.write(second)
    counters += [read_counter(frame) for chunk in chunks for frame in chunk.frames]
    assert counters == list(range(75))


@pytest.mark.parametrize("how", ["truncated", "replaced"])
def test_a_followed_file_cut_short_or_replaced_is_warned_about(tmp_path, monkeypatch, how):
    """ffmpeg reads on from where it was in the file it opened: a recording written again from its start (`>`
    rather than `>>`) or moved into place went unread, with no word."""
    import ballspot.console
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    warnings: list[str] = []
    monkeypatch.setattr(ballspot.console, "warn", warnings.append)
    recording = encode(tmp_path / "recording.ts", counter_frames(50), audio=False)
    again = encode(tmp_path / "again.ts", counter_frames(5), audio=False)  # a new recording, just started
    source = LiveSource(str(recording), idle_timeout_s=1)
    chunks = source.frames(FrameFormat(), chunk_frames=1)
    next(chunks)
    if how == "truncated":
        recording.write_bytes(again.read_bytes())
    else:
        os.replace(again, recording)
    for _ in chunks:  # the rest of what ffmpeg read, until the idle timeout ends the stream
        pass
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"{recording} was {how} while followed")


def test_a_stream_cut_off_before_its_first_frame_says_so(tmp_path):
    """A stream that ends before one whole frame said ffmpeg's last words: "Nothing was written into output file,
    because at least one of its streams received no packets"."""
    video = encode(tmp_path / "counter.ts", counter_frames(25), audio=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", LIVE_FRAMES]
    cut = video.read_bytes()[:1000]  # whole MPEG-TS packets, the first frame's beginning only
    child = subprocess.run(command, input=cut, capture_output=True, env=env, timeout=HANG_GUARD_S)
    assert child.returncode != 0
    last = child.stderr.decode().strip().splitlines()[-1]
    assert last.startswith("ballspot.errors.BallspotError: standard input ended before a whole frame"), last


def test_a_followed_file_that_stops_before_its_first_frame_says_so(tmp_path):
    """It said ffmpeg's "Error opening input files: Input/output error" (its wait for more data timed out)."""
    from ballspot.errors import BallspotError
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    recording = tmp_path / "recording.ts"
    recording.write_bytes(encode(tmp_path / "counter.ts", counter_frames(25), audio=False).read_bytes()[:1000])
    with pytest.raises(BallspotError, match="recording.ts ended before a whole frame could be decoded"):
        list(LiveSource(str(recording), idle_timeout_s=0.5).frames(FrameFormat()))


def listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port (read from /proc/net/tcp: connecting would take the slot)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if local == f"0100007F:{port:04X}" and state == "0A":
            return True
    return False


@pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="needs Linux's /proc/net/tcp to see the server listen")
def test_a_loopback_stream_served_by_ffmpeg(tiny_run, stream, whole_file):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "mpegts", "-i", "pipe:0", "-c", "copy"]
        + ["-f", "mpegts", "-flush_packets", "1", f"tcp://127.0.0.1:{port}?listen=1"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    data, cut = stream["bytes"], len(stream["bytes"]) * 6 // 10
    rest = threading.Event()

    def feed() -> None:  # ffmpeg stops reading while it waits for a client: write from a thread
        with contextlib.suppress(OSError):  # a server killed by a failing test
            server.stdin.write(data[:cut])
            server.stdin.flush()
            rest.wait(HANG_GUARD_S)
            server.stdin.write(data[cut:])
            server.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        guard = threading.Timer(HANG_GUARD_S, server.kill)
        guard.start()
        while not listening(port):
            assert server.poll() is None, server.stderr.read()
            threading.Event().wait(0.05)
        guard.cancel()
        follower = Follower(f"tcp://127.0.0.1:{port}", tiny_run["best"])
        follower.first_line()
        assert server.poll() is None  # the server is still streaming: it has not been given the rest yet
        rest.set()
        printed, stderr, code = follower.finish()
        assert code == 0, stderr
        assert server.wait(timeout=HANG_GUARD_S) == 0
        assert_same_events(printed, whole_file)
    finally:
        rest.set()
        if server.poll() is None:
            server.kill()
            server.wait()
        feeder.join(timeout=5)


def test_a_growing_file(tiny_run, stream, whole_file, tmp_path):
    growing = tmp_path / "recording.ts"
    data, cut = stream["bytes"], len(stream["bytes"]) // 2
    growing.write_bytes(data[:cut])
    follower = Follower(str(growing), tiny_run["best"], "--idle-timeout", "8")
    follower.first_line()
    with growing.open("ab") as handle:
        handle.write(data[cut:])
    printed, stderr, code = follower.finish()
    assert code == 0, stderr
    assert_same_events(printed, whole_file)
    assert "pixels:" not in stderr  # a video like the model's frames: no warning


def test_a_followed_file_far_from_what_the_model_sees_is_warned_about(tiny_run, tmp_path):
    """As predict warns about a file: here a portrait one; not for its length so far (it may still grow)."""
    pixels = counter_frames(5)  # 0.2 s: shorter than one stack of the model (0.24 s) too
    phone = encode(tmp_path / "phone.mp4", np.ascontiguousarray(pixels.transpose(0, 2, 1)), audio=False)
    _, stderr, code = Follower(str(phone), tiny_run["best"], "--idle-timeout", "1").finish()
    assert code == 0, stderr
    assert "224x398 pixels: the model sees 112x64, so the picture is widened 3.1 times" in stderr
    assert "less than one stack" not in stderr


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux), [] where /proc cannot tell."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_prints_what_is_final_and_exits_0(tiny_run, stream, whole_file, signum):
    follower = Follower("-", tiny_run["best"], stdin=subprocess.PIPE)
    follower.process.stdin.write(stream["bytes"][: len(stream["bytes"]) * 6 // 10])
    follower.process.stdin.flush()
    follower.first_line()
    decoders = children(follower.process.pid)  # its ffmpeg
    assert decoders or not Path(f"/proc/{follower.process.pid}/task/{follower.process.pid}/children").exists()
    follower.process.send_signal(signum)  # the stream stays open: only the signal ends it
    printed, stderr, code = follower.finish()
    follower.process.stdin.close()
    assert code == 0, stderr
    for pid in decoders:  # none left running (an exited one no longer has a /proc entry once reaped)
        assert not Path(f"/proc/{pid}").exists() or "ffmpeg" not in Path(f"/proc/{pid}/cmdline").read_text()
    assert "Traceback" not in stderr and "stream ended" in stderr
    events = as_events(printed)
    assert len({(p, label) for p, label, _ in events}) == len(events)
    settled = max(p for p, _, _ in events) - 5000  # away from the cut, the events are the whole file's
    assert_same_events([e for e in printed if e["position"] < settled], [e for e in whole_file if e[0] < settled])


def test_an_mp4_piped_with_its_index_at_the_end_says_to_give_the_file(tiny_run, stream):
    """ffmpeg's last words ("nothing was written") hide the cause: a pipe cannot seek to the moov box."""
    data = stream["mp4"].read_bytes()
    assert data.find(b"moov") > data.find(b"mdat")  # encode() writes the index last, as most recorders do
    with stream["mp4"].open("rb") as video:
        printed, stderr, code = Follower("-", tiny_run["best"], stdin=video).finish()
    assert code == 1 and printed == [] and "Traceback" not in stderr
    assert (
        stderr.strip()
        .splitlines()[-1]
        .startswith("error: standard input holds an MP4 whose index comes after its frames")
    )


def test_a_followed_mp4_recording_without_its_index_yet_says_how_to_record(tiny_run, stream, tmp_path):
    from typer.testing import CliRunner

    from ballspot.cli.app import app
    from tests.assertions import assert_one_error_line

    recording = tmp_path / "recording.mp4"  # a recorder writes the MP4's index (moov) when it stops
    data = stream["mp4"].read_bytes()
    recording.write_bytes(data[: len(data) // 2])
    args = ["predict", str(recording), "-m", str(tiny_run["best"]), "--follow", "--idle-timeout", "1"]
    result = CliRunner().invoke(app, args)
    assert_one_error_line(result, "recording.mp4 is an MP4 without its index yet", "record MPEG-TS (.ts)")


def test_a_silent_udp_stream_ends_after_the_idle_timeout(tiny_run):
    """ffmpeg's read timeout does not cover udp:// (it would wait for a packet forever): the follower ends it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"udp://127.0.0.1:{port}"
    printed, stderr, code = Follower(url, tiny_run["best"], "--idle-timeout", "1").finish()
    assert code == 1 and printed == [] and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == f"error: nothing came from {url} for 1 s (--idle-timeout)"


def test_a_followed_file_that_stays_empty_says_so(tiny_run, tmp_path):
    from typer.testing import CliRunner

    from ballspot.cli.app import app
    from tests.assertions import assert_one_error_line

    (tmp_path / "recording.ts").touch()  # a recorder that never started writing
    args = ["predict", str(tmp_path / "recording.ts"), "-m", str(tiny_run["best"]), "--follow", "--idle-timeout", "1"]
    result = CliRunner().invoke(app, args)
    assert_one_error_line(result, "recording.ts stayed empty for 1 s (--idle-timeout): nothing was written to it")


def test_follow_errors_are_one_line(tiny_run, tmp_path):
    from typer.testing import CliRunner

    from ballspot.cli.app import app
    from tests.assertions import assert_one_error_line

    runner = CliRunner()
    model = ["-m", str(tiny_run["best"]), "--follow"]
    assert_one_error_line(runner.invoke(app, ["predict", str(tmp_path / "none.ts"), *model]), "video not found")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["predict", f"tcp://127.0.0.1:{port}", *model, "--idle-timeout", "2"])
    assert_one_error_line(result, "ffmpeg could not read", f"127.0.0.1:{port}")
    result = runner.invoke(app, ["predict", "a.ts", "b.ts", *model])
    assert result.exit_code == 2 and "exactly one source" in result.stderr
    result = runner.invoke(app, ["predict", "-", *model, "--zip", str(tmp_path / "s.zip")])
    assert result.exit_code == 2 and "--zip" in result.stderr
    result = runner.invoke(app, ["predict", "a.ts", "-m", str(tiny_run["best"]), "--idle-timeout", "2"])
    assert result.exit_code == 2 and "only applies with --follow" in result.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("seconds", ["inf", "1e30"])
def test_an_idle_timeout_too_long_for_ffmpeg_is_one_line(tiny_run, stream, seconds):
    """`inf` (wait for ever) and other values past ffmpeg's microsecond counter were a traceback (OverflowError)
    or ffmpeg's "Numerical result out of range"."""
    from typer.testing import CliRunner

    from ballspot.cli.app import app
    from tests.assertions import assert_one_error_line

    args = ["predict", str(stream["ts"]), "-m", str(tiny_run["best"]), "--follow", "--idle-timeout", seconds]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert_one_error_line(result, "idle timeout (--idle-timeout) must be positive and at most 604800 s (a week)")


def test_ffmpeg_is_reaped_once_its_frames_end_though_the_last_chunk_is_not_read_past(tmp_path):
    """A reader that stops at the last frame (it knows the length) without closing the generator kept a finished
    ffmpeg as a zombie: it was waited for only when the generator was read on past its end, or closed."""
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    video = encode(tmp_path / "counter.ts", counter_frames(50), audio=False)
    source = LiveSource(f"file://{video}")  # a URL: ffmpeg ends at the end of the file, as at a stream's end
    chunks = source.frames(FrameFormat(), chunk_frames=8)
    counters: list[int] = []
    while not counters or counters[-1] != 49:
        counters += [read_counter(frame) for frame in next(chunks).frames]
    assert counters == list(range(50))
    pid = source._process.pid
    for _ in range(int(HANG_GUARD_S / 0.05)):  # an exited ffmpeg nobody waits for stays a zombie: a hang guard
        if not Path(f"/proc/{pid}").exists():
            break
        threading.Event().wait(0.05)
    else:
        raise AssertionError(f"ffmpeg not reaped: {Path(f'/proc/{pid}/stat').read_text().split()[2]} (Z: a zombie)")
    chunks.close()
    chunks.close()  # closing again, and stopping, are harmless
    source.stop()
    assert source._process.returncode == 0


def unread_bytes(port: int) -> int:
    """Bytes of the loopback TCP connections on `port` that were sent and not read yet, both ways (Linux)."""
    total = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if f":{port:04X}" in (fields[1][-5:], fields[2][-5:]):
            tx, rx = fields[4].split(":")
            total += int(tx, 16) + int(rx, 16)
    return total


def serve_then_end(data: bytes, how: str) -> tuple[int, threading.Thread]:
    """A TCP server on 127.0.0.1 that sends `data` to its first client and, once the client has read it all,
    closes the connection (`close`: the stream's end) or resets it (`reset`: a network drop)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        with server, server.accept()[0] as client:
            client.sendall(data)
            for _ in range(int(HANG_GUARD_S / 0.05)):  # a connection reset drops what the client has not read
                if unread_bytes(server.getsockname()[1]) == 0:
                    break
                threading.Event().wait(0.05)
            if how == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


@pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="needs Linux's /proc/net/tcp to see what was read")
def test_a_stream_that_breaks_off_says_so_after_printing_its_events(tiny_run, stream):
    """A connection reset midway ended like the stream's end: exit 0, nothing said. Now the events up to the
    break are all printed (those of the same stream ended there normally), then one error line, exit 1."""
    data = stream["bytes"][: len(stream["bytes"]) * 6 // 10 // 188 * 188]  # whole MPEG-TS packets
    ended = {}
    for how in ("close", "reset"):
        port, server = serve_then_end(data, how)
        ended[how] = Follower(f"tcp://127.0.0.1:{port}", tiny_run["best"]).finish()
        server.join(HANG_GUARD_S)
    printed, stderr, code = ended["close"]
    assert code == 0 and "broke off" not in stderr, stderr
    assert printed and ended["reset"][0] == printed  # nothing lost to the break
    _, stderr, code = ended["reset"]
    assert code == 1 and "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: tcp://127.0.0.1:{port} broke off: ffmpeg said "), last
    assert "Connection reset by peer" in last


def test_a_live_source_whose_ffmpeg_fails_midway_says_it_broke_off(tmp_path, monkeypatch):
    """ffmpeg exiting non-zero after frames (killed, out of memory) ended the frames as a normal end does."""
    from ballspot.video.decode import FrameFormat
    from ballspot.video.live import LiveSource

    video = encode(tmp_path / "counter.ts", counter_frames(20), audio=False)
    command = LiveSource.command
    fail = '"$0" "$@"; echo "[in#0 @ 0x1] the network is gone" >&2; exit 3'
    monkeypatch.setattr(LiveSource, "command", lambda self, fmt: ["sh", "-c", fail, *command(self, fmt)])
    source = LiveSource(f"file://{video}")
    counters = [read_counter(frame) for chunk in source.frames(FrameFormat()) for frame in chunk.frames]
    assert counters == list(range(20))  # every frame still comes out
    assert source.broken_off == (
        f"file://{video} broke off: ffmpeg ended with exit code 3: the network is gone; the events before the "
        "break came out"
    )
    monkeypatch.undo()  # the same stream ending with ffmpeg's exit 0
    ended = LiveSource(f"file://{video}")
    assert len(list(ended.frames(FrameFormat()))) and ended.broken_off is None


def test_ctrl_c_again_and_again_stops_at_the_second_and_exits_130(tiny_run, stream):
    """The second Ctrl-C stops at once; a third while stopping cut the clean-up short or killed Python on its
    way out (exit code -2, a traceback from an exit handler)."""
    follower = Follower("-", tiny_run["best"], stdin=subprocess.PIPE)
    follower.process.stdin.write(stream["bytes"][: len(stream["bytes"]) * 6 // 10])
    follower.process.stdin.flush()
    follower.first_line()
    while follower.process.poll() is None:  # Ctrl-C again and again, until it has exited
        follower.process.send_signal(signal.SIGINT)
        threading.Event().wait(0.01)
    _, stderr, code = follower.finish()
    follower.process.stdin.close()
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in stderr, stderr


def test_the_follow_help_gives_the_look_ahead_the_quick_start_model_logs():
    """`predict --help` names the dense quick start recipe's look-ahead: the figure `delay_bound` computes."""
    from types import SimpleNamespace

    from ballspot.cli.predict import DELAY_HELP
    from ballspot.engine.config import resolve_config
    from ballspot.predict.api import dense_default_params
    from ballspot.predict.live import delay_bound
    from ballspot.quickstart.pipeline import TRAIN_CONFIG
    from ballspot.recipes import recipe_path

    config = resolve_config(recipe_path(TRAIN_CONFIG), {})
    bound = delay_bound(SimpleNamespace(config=config, dense=True), dense_default_params(), 8)
    assert f"{bound.lookahead_s:.2f} s for the {TRAIN_CONFIG} recipe" in DELAY_HELP
    assert f"{bound.total_s:.2f} s" in DELAY_HELP
