"""Video I/O: probing, decoding time ranges and streams, timestamps on VFR and edit-listed MP4s, cutting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ballspot.errors import BallspotError
from ballspot.video.cut import cut_clip
from ballspot.video.decode import FrameFormat, decode_frames_at, decode_range, stream_frames
from ballspot.video.probe import probe
from tests.videos import counter_frames, encode, ffmpeg, read_counter, scale_mp4_durations

FOOTAGE = Path(__file__).resolve().parents[2] / "shared" / "footage"


@pytest.fixture(scope="module")
def counter_video(tmp_path_factory) -> Path:
    """4 s at 25 fps, 398x224, frame k shows k."""
    path = tmp_path_factory.mktemp("video") / "counter.mp4"
    return encode(path, counter_frames(100))


def test_probe_reads_duration_rate_size(counter_video):
    info = probe(counter_video)
    assert info.width == 398 and info.height == 224
    assert info.fps == pytest.approx(25.0)
    assert info.duration_s == pytest.approx(4.0, abs=0.05)
    assert info.frames == 100
    assert info.has_audio


def test_a_matroska_written_to_a_pipe_is_probed_from_its_packets(counter_video, tmp_path):
    """A capture written to a pipe has no duration in its header: the last frame gives it."""
    import subprocess

    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(counter_video), "-map", "0:v"]
    piped = subprocess.run([*command, "-c", "copy", "-f", "matroska", "-"], capture_output=True, check=True).stdout
    capture = tmp_path / "capture.mkv"
    capture.write_bytes(piped)
    info = probe(capture)
    assert info.duration_s == pytest.approx(4.0, abs=0.05) and info.frames == 100
    frames = np.concatenate([c.frames for c in stream_frames(capture)])
    assert [read_counter(f) for f in frames] == list(range(100))


def test_stream_yields_every_frame_in_order_with_bounded_chunks(counter_video):
    chunks = list(stream_frames(counter_video, chunk_frames=16))
    assert all(len(c.frames) <= 16 for c in chunks)
    frames = np.concatenate([c.frames for c in chunks])
    assert [read_counter(f) for f in frames] == list(range(100))
    assert [c.first for c in chunks] == list(range(0, 100, 16))


def test_decode_range_starts_on_the_exact_frame(counter_video):
    frames = decode_range(counter_video, start_s=1.0, duration_s=0.4)
    assert [read_counter(f) for f in frames] == list(range(25, 35))


def test_decode_at_lower_rate_and_other_size(counter_video):
    fmt = FrameFormat(height=112, width=200, fps=12.5)
    frames = decode_range(counter_video, 0.0, 2.0, fmt)
    assert frames.shape == (25, 112, 200)
    assert [read_counter(f) for f in frames] == list(range(0, 50, 2))


def test_rgb_frames(counter_video):
    frames = decode_range(counter_video, 0.0, 0.2, FrameFormat(grey=False))
    assert frames.shape == (5, 224, 398, 3)


def test_frames_at_indices_in_one_pass_and_past_the_end(counter_video):
    wanted = np.array([50, 3, 99, 120, 3])
    frames = decode_frames_at(counter_video, wanted)
    assert [read_counter(f) for f in frames] == [50, 3, 99, 99, 3]


def test_variable_frame_rate_maps_to_presentation_time(tmp_path):
    # 50 frames whose timestamps jump: frame k shown at 0.08*k s for k < 25, then 0.04 s apart
    src = encode(tmp_path / "cfr.mp4", counter_frames(50), fps=25, audio=False)
    vfr = tmp_path / "vfr.mkv"
    ffmpeg(
        "-i",
        str(src),
        "-vf",
        "setpts='if(lt(N,25),2*N,N+25)/(25*TB)'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "0",
        str(vfr),
    )
    frames = decode_range(vfr, 0.0, 3.0)
    shown = [read_counter(f) for f in frames]
    # at time t (25 fps grid) the frame on screen is floor(t/0.08) up to 2 s, then 25 + (t-2)/0.04
    assert shown[0] == 0 and shown[2] == 1 and shown[48] == 24
    assert shown[50] == 25 and shown[60] == 35


def _variable_rate_mp4(tmp_path) -> Path:
    """50 frames over 3 s: 0.08 s apart for the first 2 s, then 0.04 s apart (frame k shows k)."""
    src = encode(tmp_path / "cfr.mp4", counter_frames(50), fps=25, audio=False)
    vfr = tmp_path / "vfr.mp4"
    setpts = "setpts='if(lt(N,25),2*N,N+25)/(25*TB)'"
    ffmpeg("-i", str(src), "-vf", setpts, "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", str(vfr))
    return vfr


def test_a_header_shorter_than_the_frames_is_not_the_end(tmp_path):
    """A variable-rate MP4 whose header says 2 s while its frames (all shown) run to 3 s lasts 3 s, as it
    decodes: probe stopped at the header's 2 s and predict gave events past the video's end. An edit list that
    ends at 2 s does hide the frames after it."""
    vfr = _variable_rate_mp4(tmp_path)
    wrong = scale_mp4_durations(vfr, tmp_path / "wrong.mp4", 2 / 3, (b"mvhd", b"tkhd", b"mdhd"))
    edited = scale_mp4_durations(vfr, tmp_path / "edited.mp4", 2 / 3, (b"mvhd", b"tkhd", b"mdhd", b"elst"))
    for path, shown, last_frame in ((wrong, 3.0, 2.96), (edited, 2.0, 1.92)):
        decoded = sum(len(chunk.frames) for chunk in stream_frames(path)) / 25
        info = probe(path)
        assert decoded == pytest.approx(shown, abs=0.05)
        assert info.duration_s == pytest.approx(decoded, abs=0.05)
        assert info.last_frame_s == pytest.approx(last_frame, abs=0.01)


def _slow_ending_video(tmp_path, suffix: str) -> Path:
    """60 frames over 3 s: 50 at 50 fps (1 s), then 10 at 5 fps (2 s), joined by ffmpeg's concat demuxer without
    re-encoding, so the last frame lasts 0.2 s, four average frames (frame k shows k)."""
    frames, timing = counter_frames(60), ["-bf", "0", "-video_track_timescale", "1000"]
    fast = encode(tmp_path / "fast.mp4", frames[:50], fps=50, audio=False, extra=timing)
    slow = encode(tmp_path / "slow.mp4", frames[50:], fps=5, audio=False, extra=timing)
    parts = tmp_path / "parts.txt"
    parts.write_text(f"file '{fast}'\nfile '{slow}'\n")
    joined = tmp_path / f"joined{suffix}"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(parts), "-c", "copy", str(joined))
    return joined


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", "piped"])
def test_a_variable_rate_video_ends_when_its_last_frame_does(tmp_path, suffix):
    """The end is the last frame's time plus that frame's own duration (0.2 s here), as ffmpeg decodes it: an
    average frame's (0.05 s) ended a video whose last frames are slower than the rest too early. `piped`: a
    Matroska written to a pipe, whose header has no duration."""
    import subprocess

    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    video = _slow_ending_video(tmp_path, ".mkv" if suffix == "piped" else suffix)
    if suffix == "piped":
        command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(video), "-c", "copy", "-f", "matroska"]
        video = tmp_path / "capture.mkv"
        video.write_bytes(subprocess.run([*command, "-"], capture_output=True, check=True).stdout)
    info = probe(video)
    assert info.last_frame_s == pytest.approx(2.8, abs=0.001)
    assert info.duration_s == pytest.approx(3.0, abs=0.001)
    decoded = sum(len(chunk.frames) for chunk in stream_frames(video, FrameFormat(fps=25.0)))
    assert decoded == 75 == round(info.duration_s * 25)


def test_edit_list_hides_leading_frames(tmp_path):
    src = encode(tmp_path / "src.mp4", counter_frames(150), keyint=50)
    edited = tmp_path / "edited.mp4"
    # stream copy from 1.2 s: the file starts at the keyframe at 1.0 s; an edit list hides 5 frames
    ffmpeg("-ss", "1.2", "-i", str(src), "-c", "copy", str(edited))
    info = probe(edited)
    frames = decode_range(edited, 0.0, 1.0)
    assert read_counter(frames[0]) == 30
    assert [read_counter(f) for f in frames] == list(range(30, 55))
    assert info.duration_s == pytest.approx(150 / 25 - 1.2, abs=0.05)


def test_a_display_rotation_turns_the_probed_size_as_the_decoded_frames(tmp_path):
    """A phone video stored 224x398 with a 90-degree display matrix plays (and decodes) as 398x224."""
    stored = encode(tmp_path / "stored.mp4", counter_frames(25, height=398, width=224), audio=False)
    turned = tmp_path / "turned.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(stored), "-c", "copy", str(turned))
    assert (probe(stored).width, probe(stored).height) == (224, 398)
    info = probe(turned)
    assert (info.width, info.height) == (398, 224)
    assert info.frames == 25
    frame = decode_range(turned, 0.0, 1.0, FrameFormat(height=224, width=398, fps=25.0))[5].astype(float)
    # the counter's vertical bands were turned into horizontal ones: the picture changes down, not across
    assert np.abs(np.diff(frame, axis=0)).mean() > 5 * np.abs(np.diff(frame, axis=1)).mean()


def test_anamorphic_video_is_judged_by_the_picture_shown(tmp_path):
    """480x576 pixels with a 32:15 pixel aspect play as 1024x576 (16:9): the shape warning said the picture was
    widened 2.1 times, and a picture shown narrow (720x576 at 1:2) was not warned about. Decoding fills the
    model's frames with the picture as shown, as it does for square pixels."""
    from ballspot.engine.config import TrainConfig, load_yaml
    from ballspot.engine.video_fit import video_warnings
    from ballspot.recipes import find_config

    config = TrainConfig.from_dict(load_yaml(find_config("dense-quickstart")))
    square = encode(tmp_path / "square.mp4", counter_frames(25), audio=False)
    wide, narrow = tmp_path / "wide.mp4", tmp_path / "narrow.mp4"
    for path, size, sar in ((wide, "480:576", "32/15"), (narrow, "720:576", "1/2")):
        ffmpeg("-i", str(square), "-vf", f"scale={size},setsar={sar}", "-c:v", "libx264", "-qp", "0", str(path))
    info = probe(wide)
    assert (info.width, info.height, info.display_width) == (480, 576, 1024)
    assert info.pixel_aspect == pytest.approx(32 / 15)
    assert not [w for w in video_warnings(info, config) if "widened" in w or "narrowed" in w]
    assert probe(narrow).display_width == 360
    assert any("720x576 pixels shown as 360x576" in w and "widened 2.7 times" in w
               for w in video_warnings(probe(narrow), config))  # fmt: skip
    fmt = FrameFormat(height=224, width=398)
    shown, stored = decode_range(wide, 0.0, 1.0, fmt), decode_range(square, 0.0, 1.0, fmt)
    assert [read_counter(f) for f in shown] == list(range(25))
    assert np.abs(shown.astype(float) - stored).mean() < 10


@pytest.mark.skipif(not FOOTAGE.is_dir(), reason="shared footage not present")
def test_real_footage_with_edit_list():
    path = FOOTAGE / "laliga_rma_sev_720p.mp4"
    info = probe(path)
    assert info.duration_s == pytest.approx(21.04, abs=0.05)
    assert info.frames == 630  # the container counts 772 packets
    n = sum(len(c.frames) for c in stream_frames(path))
    assert n == round(info.duration_s * 25)


def test_cut_clip_is_frame_accurate(counter_video, tmp_path):
    clip = cut_clip(counter_video, tmp_path / "clip.mp4", start_s=1.4, duration_s=0.8)
    frames = decode_range(clip, 0.0, 10.0)
    assert [read_counter(f) for f in frames] == list(range(35, 55))
    assert not list(tmp_path.glob(".*part"))


@pytest.mark.parametrize(
    "content, message",
    [(None, "not found"), (b"", "empty"), (b"\x00garbage" * 200, "cannot read video")],
)
def test_bad_videos_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BallspotError, match=message):
        probe(path)
    with pytest.raises(BallspotError):
        next(stream_frames(path))


def test_a_pipe_named_like_a_video_is_not_read(tmp_path):
    import os

    path = tmp_path / "live.mp4"
    os.mkfifo(path)  # opening it for reading would block until a writer came
    with pytest.raises(BallspotError, match="not a regular file"):
        probe(path)


def test_audio_only_file_has_no_video_stream(tmp_path):
    path = tmp_path / "audio.m4a"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1", "-c:a", "aac", str(path))
    with pytest.raises(BallspotError, match="no video stream"):
        probe(path)


def test_truncated_video_is_an_error(counter_video, tmp_path):
    data = counter_video.read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(BallspotError):
        probe(path)
        decode_range(path, 0, 4)


def test_an_ffmpeg_that_gives_no_frame_is_an_error(counter_video, monkeypatch):
    """No frame from an ffmpeg that exits 0 (a wrong BALLSPOT_FFMPEG) is said so: a 2 s video read as empty, a
    longer one was called truncated."""
    monkeypatch.setattr("ballspot.video.decode.ffmpeg_exe", lambda: "true")  # exits 0, writes nothing
    with pytest.raises(BallspotError, match="ffmpeg decoded no frame of .*counter.mp4"):
        list(stream_frames(counter_video))


@pytest.mark.parametrize("program", ["true", "false", "ls"])
def test_a_ballspot_ffmpeg_that_is_another_program_is_named_at_once(program, monkeypatch):
    from ballspot.video.ffmpeg_bin import ffmpeg_exe

    monkeypatch.setenv("BALLSPOT_FFMPEG", program)
    ffmpeg_exe.cache_clear()
    try:
        with pytest.raises(BallspotError, match=f"BALLSPOT_FFMPEG points at '{program}', which is not ffmpeg"):
            ffmpeg_exe()
    finally:
        ffmpeg_exe.cache_clear()


def test_ffmpeg_errors_are_quoted_without_memory_addresses():
    from ballspot.video.ffmpeg_bin import ffmpeg_reason

    stderr = "[Parsed_crop_0 @ 0x7f58a0001234] Invalid too big or non positive size\n[AVFilterGraph @ 0x55aa] Error\n"
    assert ffmpeg_reason(stderr, 1, first=True) == "Invalid too big or non positive size"
    assert ffmpeg_reason(stderr, 1) == "Error"
    assert ffmpeg_reason(" \n", 3) == "exit code 3" and ffmpeg_reason("") == "unknown error"
    assert ffmpeg_reason("[mp4 @ x] not an address\n") == "[mp4 @ x] not an address"


def test_bad_format_values():
    with pytest.raises(BallspotError, match="out of range"):
        FrameFormat(fps=0).check()
    with pytest.raises(BallspotError, match="out of range"):
        FrameFormat(height=4, width=4).check()


def test_centre_crop_keeps_the_middle_of_the_picture(tmp_path):
    frames = np.zeros((10, 224, 398), dtype=np.uint8)
    frames[:, :, :80] = 255  # a bright left edge, outside the centred half of the picture
    frames[:, 100:124, 189:209] = 255  # a bright square in the very centre
    video = encode(tmp_path / "edge.mp4", frames, audio=False)
    whole = decode_range(video, 0.0, 0.2, FrameFormat(height=112, width=199))
    centre = decode_range(video, 0.0, 0.2, FrameFormat(height=112, width=199, crop=0.5))
    assert whole[0, 56, :30].mean() > 200 and whole[0, 56, 99] > 200
    assert centre[0, :, :20].max() < 40  # the edge is cropped away
    assert centre[0, 56, 99] > 200 and centre[0, 40:72, 80:120].mean() > whole[0, 40:72, 80:120].mean()
    with pytest.raises(BallspotError, match="crop"):
        FrameFormat(crop=0.05).check()


def test_a_matroska_that_starts_late_is_not_called_truncated(tmp_path):
    """A Matroska whose first frame is at 10 s (cut with -c copy, or a recording's clock) gives a Segment
    duration counted from 0 (16 s for 6 s of frames); probe refused it as truncated."""
    path = encode(tmp_path / "late.mkv", counter_frames(150), extra=["-output_ts_offset", "10"])
    info = probe(path)
    assert info.duration_s == pytest.approx(6.0, abs=0.1) and info.frames == 150
    assert [read_counter(f) for f in decode_frames_at(path, np.array([0, 50, 149]))] == [0, 50, 149]
