"""Faults found in real use, each reproduced with a generated file: clips without frames, frames dropped or
one late, odd sizes, truncated files, deep JSON, killed writers, tune reruns and interrupted trials."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from ballspot.atomic import atomic_path, remove_stale_parts
from ballspot.cli.app import app
from ballspot.errors import BallspotError
from ballspot.inputfiles import MAX_DEPTH, nesting_depth, parse_json
from ballspot.soccernet.labels import read_labels
from ballspot.video.decode import decode_range, stream_frames
from ballspot.video.probe import count_frames, probe
from tests.assertions import assert_one_error_line
from tests.videos import counter_frames, encode, ffmpeg, read_counter

runner = CliRunner()


def counters(clip: Path) -> list[int]:
    """The source frame numbers a clip shows, one per stored frame (no resampling)."""
    with av.open(str(clip)) as container:
        return [read_counter(frame.to_ndarray(format="gray")) for frame in container.decode(video=0)]


def segment(video: Path, events: list[tuple[str, int]], out: Path, *args: str) -> dict:
    labels = out.parent / f"{video.stem}-labels.json"
    annotations = [{"gameTime": "1 - 00:00", "label": label, "position": str(ms)} for label, ms in events]
    labels.write_text(json.dumps({"annotations": annotations}))
    result = runner.invoke(app, ["segment", str(video), "--labels", str(labels), "--out", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / video.stem / "manifest.json").read_text())


# ---------------------------------------------------------------- clips: every clip holds frames


def test_an_event_on_the_last_frame_gets_that_frame(tmp_path):
    """An event 20 ms into the last frame of a 10 s video: the clip once started after the last frame (empty)."""
    video = encode(tmp_path / "match.mp4", counter_frames(250))
    manifest = segment(video, [("PASS", 9980)], tmp_path / "clips", "--background", "0")
    clip = tmp_path / "clips" / "match" / manifest["clips"][0]["file"]
    assert counters(clip) == [249]


def test_labels_past_a_container_duration_longer_than_the_video(tmp_path):
    """An .mkv whose audio runs a second past its 2 s of video: the end is the last frame, not the header's."""
    silent = encode(tmp_path / "silent.mkv", counter_frames(50), audio=False)
    video = tmp_path / "long-audio.mkv"
    ffmpeg("-i", str(silent), "-f", "lavfi", "-t", "3", "-i", "anullsrc=r=48000:cl=mono", "-c:v", "copy",
           "-c:a", "aac", str(video))  # fmt: skip
    info = probe(video)
    assert info.duration_s == pytest.approx(2.0, abs=0.01) and info.last_frame_s == pytest.approx(1.96, abs=0.01)
    manifest = segment(video, [("PASS", 1500), ("DRIVE", 2500)], tmp_path / "clips", "--background", "0")
    files = [tmp_path / "clips" / "long-audio" / c["file"] for c in manifest["clips"]]
    assert [counters(f)[0] for f in files] == [37, 49]
    assert all(count_frames(f) > 0 for f in files)


def test_a_clip_starts_on_the_frame_shown_at_the_event_at_29_97_fps(tmp_path):
    """Frame 10 shows from 333.67 ms; an event at 334 ms must start on it, not on frame 11."""
    video = encode(tmp_path / "ntsc.mp4", counter_frames(90), fps=30000 / 1001)
    manifest = segment(video, [("PASS", 334), ("DRIVE", 1001)], tmp_path / "clips", "--background", "0")
    first = [counters(tmp_path / "clips" / "ntsc" / c["file"])[0] for c in manifest["clips"]]
    assert first == [10, 30]


def test_variable_rate_video_keeps_every_source_frame(tmp_path):
    """2 s at 25 fps then 2 s at 50 fps: the clip holds all 150 source frames, none resampled away."""
    cfr = encode(tmp_path / "cfr.mp4", counter_frames(150), audio=False)
    vfr = tmp_path / "vfr.mkv"
    ffmpeg(
        *("-i", str(cfr), "-vf", "settb=1/1000,setpts='if(lt(N,50),2*N,N+50)/(50*TB)'"),
        *("-fps_mode", "vfr", "-enc_time_base", "1:1000"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(vfr)),
    )
    manifest = segment(vfr, [("PASS", 0)], tmp_path / "clips", "--background", "0", "--window", "8")
    assert counters(tmp_path / "clips" / "vfr" / manifest["clips"][0]["file"]) == list(range(150))


def test_a_video_named_like_an_ffmpeg_protocol_is_that_file(tmp_path, monkeypatch):
    """`file:x.mp4` given relative was read as x.mp4, and `pipe:0.mp4` as standard input."""
    encode(tmp_path / "x.mp4", counter_frames(20), fps=10.0, audio=False)
    encode(tmp_path / "file:x.mp4", counter_frames(50), audio=False)
    encode(tmp_path / "pipe:0.mp4", counter_frames(30), audio=False)
    monkeypatch.chdir(tmp_path)
    assert (probe("file:x.mp4").fps, probe("file:x.mp4").frames) == (25.0, 50)
    assert [read_counter(f) for chunk in stream_frames(Path("pipe:0.mp4")) for f in chunk.frames][-1] == 29
    manifest = segment(Path("file:x.mp4"), [("PASS", 1000)], tmp_path / "clips", "--background", "0")
    assert manifest["fps"] == 25.0 and counters(tmp_path / "clips" / "file:x" / manifest["clips"][0]["file"])


def test_odd_sized_video_is_cut_to_even_size(tmp_path):
    video = encode(tmp_path / "odd.mkv", counter_frames(50, 223, 397), audio=False, extra=["-pix_fmt", "yuv444p"])
    manifest = segment(video, [("PASS", 400)], tmp_path / "clips", "--background", "0")
    clip = tmp_path / "clips" / "odd" / manifest["clips"][0]["file"]
    info = probe(clip)
    assert (info.width, info.height) == (396, 222)
    assert counters(clip)[0] == 10


def test_truncated_mp4_is_an_error_in_segment_and_decode(tmp_path):
    """The first 30 % of a 10 s MP4 whose index is at the front: the header promises 10 s."""
    whole = encode(tmp_path / "whole.mp4", counter_frames(250), extra=["-movflags", "+faststart"])
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.3)])
    with pytest.raises(BallspotError, match="truncated"):
        probe(truncated)
    with pytest.raises(BallspotError, match="truncated"):
        list(stream_frames(truncated))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"annotations": [{"gameTime": "1 - 00:05", "label": "PASS", "position": "5000"}]}))
    out = tmp_path / "clips"
    result = runner.invoke(app, ["segment", str(truncated), "--labels", str(labels), "--out", str(out)])
    assert_one_error_line(result, "truncated")
    assert not list(out.rglob("*.mp4"))
    assert len(decode_range(whole, 0, 10.0)) == 250  # the whole file is no error


# ---------------------------------------------------------------- input documents


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
def test_deep_json_is_a_one_line_error(depth):
    with pytest.raises(BallspotError, match="nested"):
        parse_json("[" * depth + "]" * depth, "x.json")


def test_nesting_depth_skips_strings_and_escapes():
    assert nesting_depth(b'{"a": "[[[\\\\", "b": [1, {}], "c": "x\\"[[", "d": "\\n"}') == 3
    assert nesting_depth(b"[]") == 1 and nesting_depth(b'"[["') == 0


@pytest.mark.parametrize("game_time", ["9 - 00:04", "first half, 0:04", "1-", 2, "1 - 99:99", "2 - 00:60"])
def test_a_game_time_without_half_1_or_2_or_with_seconds_past_59_is_an_error(tmp_path, game_time):
    path = tmp_path / "Labels-ball.json"
    path.write_text(json.dumps({"annotations": [{"gameTime": game_time, "label": "PASS", "position": "4000"}]}))
    with pytest.raises(BallspotError, match="gameTime"):
        read_labels(path)


# ---------------------------------------------------------------- atomic writes


def test_part_files_of_killed_writers_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    target = tmp_path / "224p.mp4"
    stale = tmp_path / f".224p.mp4.{dead.stdout.strip()}.abc.mp4.part"
    live = tmp_path / f".224p.mp4.{os.getppid()}.def.mp4.part"
    other = tmp_path / f".720p.mp4.{dead.stdout.strip()}.abc.mp4.part"
    for path in (stale, live, other):
        path.write_bytes(b"half")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert not stale.exists() and live.exists() and other.exists()
    assert remove_stale_parts(tmp_path / "720p.mp4") == [other]


def test_an_unwritable_folder_is_one_line():
    with pytest.raises(BallspotError, match="cannot"), atomic_path("/proc/x.parquet") as tmp:
        tmp.write_bytes(b"x")


def test_a_full_disk_while_saving_weights_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    """Weights are serialised in memory and written by Python: torch.save to a file on a full disk failed deep
    in C++ (torch.jit.save aborted the process)."""
    import errno

    import torch

    from ballspot.engine.checkpoint import save_checkpoint
    from ballspot.share.model_folder import write_weights

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    weights = {"w": torch.ones(3)}
    with pytest.raises(BallspotError, match=r"cannot write .*best\.pt: No space left on device"):
        save_checkpoint(tmp_path / "best.pt", {"model": weights})
    with pytest.raises(BallspotError, match=r"cannot write .*model\.safetensors: No space left on device"):
        write_weights(tmp_path / "model.safetensors", weights)
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_fails_names_its_target_not_the_temporary_folder(tmp_path):
    from ballspot.share.export import atomic_folder

    target = tmp_path / "exported"
    with pytest.raises(BallspotError) as raised, atomic_folder(target) as tmp:
        raise BallspotError(f"cannot write {tmp / 'encoder.pt'}: No space left on device")
    assert str(raised.value) == f"cannot write {target / 'encoder.pt'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_a_marker_is_never_written_for_infinite_minutes(tmp_path):
    result = runner.invoke(app, ["download", "synthetic", "--minutes", "inf", "--out", str(tmp_path / "league")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "league").exists()


# ---------------------------------------------------------------- child processes


def test_ffmpeg_dies_with_its_parent(tmp_path):
    """A parent killed with SIGKILL (no cleanup runs) takes its ffmpeg child with it."""
    code = (
        "import subprocess, sys, time\n"
        "from ballspot.video.ffmpeg_bin import ffmpeg_exe, tied_to_parent\n"
        "p = subprocess.Popen([ffmpeg_exe(), '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=d=600',"
        " '-f', 'null', '-'], **tied_to_parent())\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _running(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert wait_until(lambda: not _running(child))


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition, limit_s: float = 30.0) -> bool:
    """Poll `condition` until it holds (True) or `limit_s` passes (False): a bound, not a timed assertion."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# ---------------------------------------------------------------- tune


def quick_objective(trial) -> float:
    return trial.suggest_float("x", 0.0, 1.0)


def test_a_seeded_rerun_draws_new_parameters(tmp_path):
    from ballspot.tune.storage import parse_storage
    from ballspot.tune.study import continue_sampler, make_sampler, open_study

    spec = parse_storage(str(tmp_path / "s.db"), tmp_path)
    drawn = []
    for _ in range(2):  # two runs of `ballspot tune --seed 0 --trials 2`
        study = open_study(spec, "seeded", "val_loss", make_sampler("random", 0))
        continue_sampler(study, "random", 0)
        study.optimize(quick_objective, n_trials=2)
        drawn = [t.params["x"] for t in study.trials]
    assert len(set(drawn)) == 4


def test_a_killed_trial_under_journal_storage_is_failed_by_the_next_run(tmp_path):
    import optuna

    from ballspot.tune.storage import parse_storage
    from ballspot.tune.study import WORKER_ATTR, open_study, worker_id

    spec = parse_storage(f"journal:{tmp_path / 'journal.log'}", tmp_path)
    study = open_study(spec, "killed", "val_loss")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    trial = study.ask()
    trial.set_user_attr(WORKER_ATTR, worker_id().rsplit(":", 1)[0] + ":" + dead.stdout.strip())
    alive = study.ask()
    alive.set_user_attr(WORKER_ATTR, worker_id())
    again = open_study(spec, "killed", "val_loss")
    states = [t.state for t in again.trials]
    assert states == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.RUNNING]


def test_an_interrupted_trial_leaves_no_empty_folder(tmp_path):
    from ballspot.tune.objective import RUN_ATTR
    from ballspot.tune.storage import parse_storage
    from ballspot.tune.study import open_study, run_trials

    spec = parse_storage(str(tmp_path / "s.db"), tmp_path)
    study = open_study(spec, "interrupted", "val_loss")

    def interrupted(trial) -> float:
        folder = tmp_path / "runs" / f"trial-{trial.number}"
        (folder / "weights").mkdir(parents=True)
        (folder / "config.yaml").write_text("epochs: 1\n")
        trial.set_user_attr(RUN_ATTR, str(folder))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_trials(study, interrupted, 1)
    assert not (tmp_path / "runs" / "trial-0").exists()
    assert study.trials[0].state.name == "FAIL"


def test_tune_device_cuda_without_cuda_is_an_error(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    index = tmp_path / "index.csv"
    index.write_text("x\n")
    args = ["tune", "--index", str(index), "--device", "cuda", "--studies-dir", str(tmp_path / "studies")]
    assert_one_error_line(runner.invoke(app, args), "CUDA")
    assert not (tmp_path / "studies").exists()


def test_team_map_undefined_names_the_class_in_one_line():
    from ballspot.metrics.spotting import undefined_team_note

    weights = np.array([1.0, -1.0, 0.0, 0.0, 2.0, 1.0])
    note = undefined_team_note(("PASS", "DRIVE", "SHOT"), weights, [float("inf"), float("nan"), 0.5])
    assert "\n" not in note
    assert "PASS (side weights 1 + -1 = 0: the 2025 scorer's AP is inf)" in note
    assert "DRIVE (no events" in note and "SHOT" not in note
    note = undefined_team_note(("PASS", "DRIVE", "SHOT"), weights, [float("inf"), float("nan"), 0.5], [3, 2, 1])
    assert "DRIVE (its 2 event(s) are not in half 1, the only half it reads: the 2025 scorer's AP is nan)" in note


def test_an_error_quoting_a_huge_input_is_one_short_line(tmp_path):
    """A label of a million characters is quoted in the error: the line keeps both ends and drops the middle."""
    video = encode(tmp_path / "match.mp4", counter_frames(50), audio=False)
    labels = tmp_path / "labels.json"
    labels.write_text(
        json.dumps({"annotations": [{"gameTime": "1 - 00:01", "label": "X" * 10**6, "position": "1000"}]})
    )
    result = runner.invoke(app, ["segment", str(video), "--labels", str(labels), "--out", str(tmp_path / "out")])
    assert_one_error_line(result, "characters left out")
    assert len(result.stderr) < 2100 and result.stderr.startswith("error: ") and "XXX" in result.stderr
