"""`ballspot predict` with a tiny spotter trained for one epoch: SoccerNet JSON, time mapping, errors, API.

The tiny run (timm's `test_efficientnet`, 64x112 grey stacks, 6 frames, stride 2) is trained once per module
by `ballspot segment`, `index` and `train --task spot` on two 8 s counter videos, so predict reads a real
run folder. Videos show a frame counter: a spy on the encoder reads back which source frame every window
centre holds, so the times predict gives can be checked against the frames it actually scored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import ballspot
from ballspot.classes import CLASSES_12
from ballspot.cli.app import app
from ballspot.engine.config import TrainConfig, load_yaml
from ballspot.errors import BallspotError
from ballspot.metrics import evaluate_spotting
from ballspot.metrics.game_events import Diagnostics, game_from_documents
from ballspot.predict.api import load_spotter, predict_scores
from ballspot.predict.postprocess import PostprocessParams, pick_events
from ballspot.predict.spotter import position_step_s, sampled_frames
from ballspot.soccernet.labels import Annotation, game_time, labels_document
from ballspot.soccernet.results import Prediction, results_document
from ballspot.video.probe import probe
from tests.assertions import assert_one_error_line, assert_usage_error
from tests.videos import counter_frames, encode, ffmpeg, read_counter

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

GAMES = ("league/2020-2021/2020-01-01 - Alpha - Beta", "league/2020-2021/2020-01-02 - Gamma - Delta")
"""The train game, then the valid game; predict later runs over both."""
LABELS = ("PASS", "DRIVE", "PASS", "HEADER", "DRIVE", "PASS", "DRIVE", "PASS")
EVENT_MS = tuple(500 + 500 * i for i in range(len(LABELS)))
VIDEO_FRAMES = 200  # 8 s at 25 fps

TINY = dict(
    backbone="test_efficientnet",
    height=64,
    width=112,
    frames=6,
    stack_size=3,
    stride=2,
    batch_size=4,
    epochs=1,
    device="cpu",
)
TINY_ARGS = [arg for key, value in TINY.items() for arg in (f"--{key.replace('_', '-')}", str(value))]
PAD = TINY["frames"] // 2
"""Kept frames before a window's centre: window p holds kept frames 3p - PAD .. 3p + PAD - 1 (centre 3p)."""
RAW_PER_POSITION = TINY["stack_size"] * TINY["stride"]
"""Frames at 25 fps between consecutive window positions (0.24 s)."""


# --- fixtures -------------------------------------------------------------------------------------------------


def game_video(path: Path, frames: int = VIDEO_FRAMES, speed: int = 3) -> Path:
    """A counter video with a moving square above the counter's read-out row."""
    pixels = counter_frames(frames)
    for k in range(frames):
        left = (k * speed) % 350
        pixels[k, 10:50, left : left + 48] = 128
    return encode(path, pixels, audio=False)


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> Path:
    """Two labelled games in SoccerNet's layout with a splits file: the training data and a dataset root."""
    root = tmp_path_factory.mktemp("league")
    for speed, game in enumerate(GAMES, start=3):
        folder = root / game
        folder.mkdir(parents=True)
        game_video(folder / "224p.mp4", speed=speed)
        annotations = [Annotation(label, ms) for label, ms in zip(LABELS, EVENT_MS, strict=True)]
        (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    (root / "splits.json").write_text(json.dumps({"train": [GAMES[0]], "valid": [GAMES[1]]}))
    return root


@pytest.fixture(scope="module")
def run(league, tmp_path_factory) -> dict[str, Path]:
    """`segment` + `index` + `train --task spot` for one epoch: a real run folder with weights/best.pt."""
    base = tmp_path_factory.mktemp("predict-run")
    clips, runs, cache = base / "clips", base / "runs", base / "cache"
    result = runner.invoke(app, ["segment", str(league), "--window", "1.2", "--no-clips", "--out", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["index", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    index = result.stdout.strip()
    args = ["train", "--index", index, "--task", "spot", *TINY_ARGS, "--name", "tiny", "-q"]
    result = runner.invoke(app, [*args, "--runs-dir", str(runs), "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    best = runs / "tiny" / "weights" / "best.pt"
    assert best.is_file()
    return {"runs": runs, "best": best, "root": runs / "tiny"}


@pytest.fixture(scope="module")
def spotter(run):
    return load_spotter(run["best"], "cpu")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A single 6 s video outside any dataset (its game id is its stem)."""
    return game_video(tmp_path_factory.mktemp("clip") / "match.mp4", frames=150)


@pytest.fixture(scope="module")
def middle_confidence(run, clip) -> str:
    """The median candidate confidence over `clip`: a threshold that keeps some candidates and drops others."""
    confidences = [e.confidence for e in ballspot.predict_video(clip, run["best"], device="cpu")]
    return f"{float(np.median(confidences)):.6f}"


def invoke(*args: str):
    return runner.invoke(app, ["predict", *args])


def assert_valid_results(document: dict, game_id: str, duration_ms: int, halves: tuple[int, ...] = (1,)) -> list:
    """A results_spotting.json as SoccerNet's evaluator and ballspot's reader take it; returns its predictions."""
    assert set(document) == {"UrlLocal", "predictions"}
    assert document["UrlLocal"] == game_id
    predictions = document["predictions"]
    assert predictions, "a tiny untrained-ish model over seconds of video still has candidates above 0.01"
    for p in predictions:
        assert set(p) == {"gameTime", "label", "position", "half", "confidence"}
        assert p["label"] in CLASSES_12
        assert isinstance(p["position"], int) and 0 <= p["position"] <= duration_ms
        assert p["half"] in halves
        assert isinstance(p["confidence"], float) and 0.0 <= p["confidence"] <= 1.0
        assert p["gameTime"] == game_time(p["position"], p["half"])
    keys = [(p["half"], p["position"]) for p in predictions]
    assert keys == sorted(keys)
    # at most one prediction per class and 40 ms frame: the official evaluator would silently drop the others
    frames = [(p["half"], p["label"], p["position"] * 25 // 1000) for p in predictions]
    assert len(set(frames)) == len(frames)
    # ballspot's own reader (what `evaluate` uses) accepts it without a diagnostic
    diagnostics = Diagnostics()
    index = {name: i for i, name in enumerate(CLASSES_12)}
    events = game_from_documents(game_id, {"annotations": []}, document, index, diagnostics, "labels", "results")
    assert len(events.pred_ms) == len(predictions)
    assert diagnostics.messages() == []
    return predictions


def spy_on_encoder(monkeypatch, spotter) -> list[int]:
    """Record the counter value of every frame the encoder sees, in order (3 grey frames per stack)."""
    seen: list[int] = []
    encode_stacks = spotter.model.encode

    def recording(stacks: torch.Tensor) -> torch.Tensor:
        for stack in stacks:
            seen.extend(read_counter((frame * 255).round().byte().numpy()) for frame in stack)
        return encode_stacks(stacks)

    monkeypatch.setattr(spotter.model, "encode", recording)
    return seen


def centre_frames(seen: list[int], positions: int) -> list[int]:
    """The source frame at the centre of each window, from what the encoder saw (first frame padded PAD times)."""
    return [seen[3 * p + PAD] for p in range(positions)]


# --- output files -------------------------------------------------------------------------------------------


def test_a_video_gives_valid_soccernet_json_and_the_analyst_list(run, clip, middle_confidence, tmp_path):
    out = tmp_path / "predictions"
    threshold = float(middle_confidence)
    result = invoke(str(clip), "--model", str(run["best"]), "--out", str(out), "--event-threshold", middle_confidence)
    assert result.exit_code == 0, result.output
    results_file = out / "match" / "results_spotting.json"
    assert result.stdout.splitlines() == [str(results_file)]
    info = probe(clip)
    predictions = assert_valid_results(json.loads(results_file.read_text()), "match", info.duration_ms)
    # every candidate is a window position: a multiple of 0.24 s from the start
    step_ms = 1000 * RAW_PER_POSITION / 25
    assert all(min(p["position"] % step_ms, -p["position"] % step_ms) <= 1 for p in predictions)

    events = json.loads((out / "match" / "events.json").read_text())
    assert events["threshold"] == threshold
    assert events["videos"] == {"1": str(clip.resolve())}
    confident = sorted((p["position"], p["label"]) for p in predictions if p["confidence"] >= threshold)
    listed = [(e["position"], e["label"]) for e in events["events"]]
    assert sorted(listed) == confident and [t for t, _ in listed] == sorted(t for t, _ in listed)
    assert 0 < len(confident) < len(predictions)
    for e in events["events"]:
        minutes, seconds = e["time"].split(":")
        assert int(minutes) * 60_000 + round(float(seconds) * 1000) == e["position"]

    used = json.loads((out / "match" / "postprocess.json").read_text())
    assert PostprocessParams.from_dict(used) == PostprocessParams(event_threshold=threshold)


def test_a_folder_where_events_json_goes_leaves_no_half_written_game(run, clip, tmp_path):
    (tmp_path / "out" / "match" / "events.json").mkdir(parents=True)
    result = invoke(str(clip), "--model", str(run["best"]), "--out", str(tmp_path / "out"))
    assert_one_error_line(result, "events.json: a folder of that name is in the way")
    assert [p.name for p in (tmp_path / "out" / "match").iterdir()] == ["events.json"]


def test_a_game_being_predicted_by_another_process_is_refused_and_not_mixed(run, clip, tmp_path):
    """Two `predict` into one --out (another model, say) would each write part of the game's files."""
    from ballspot.atomic import held_alone
    from ballspot.predict.season import LOCK_FILE

    game = tmp_path / "out" / "match"
    with held_alone(game / LOCK_FILE, "held by the first predict"):  # what the first `predict` holds
        result = invoke(str(clip), "--model", str(run["best"]), "--out", str(tmp_path / "out"))
        assert_one_error_line(result, "match is being predicted into", "by another process")
        assert [p.name for p in game.iterdir()] == [LOCK_FILE]
    result = invoke(str(clip), "--model", str(run["best"]), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in game.iterdir()) == sorted(
        ["results_spotting.json", "events.json", "postprocess.json", "predict.json"]
    )


def test_a_game_whose_rewrite_fails_midway_is_not_skipped_as_done_later(run, clip, tmp_path, monkeypatch):
    """A redo (--force, other parameters) that wrote results_spotting.json, then hit a full disk, leaves no
    predict.json of the first run to vouch for the new file."""
    import ballspot.predict.outputs as outputs

    out, game = tmp_path / "out", tmp_path / "out" / "match"
    assert invoke(str(clip), "--model", str(run["best"]), "--out", str(out)).exit_code == 0
    assert (game / "predict.json").is_file()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "save_params", full)
    result = invoke(str(clip), "--model", str(run["best"]), "--out", str(out), "--force", "--threshold", "0.5")
    assert_one_error_line(result, "No space left on device")
    assert not (game / "predict.json").exists()


def test_an_out_that_cannot_be_written_fails_before_any_video_is_spotted(run, clip, tmp_path, monkeypatch):
    import ballspot.predict.api as api

    def spotted(*args, **kwargs):
        raise AssertionError("a video was spotted before --out was checked")

    monkeypatch.setattr(api, "predict_video", spotted)
    (tmp_path / "a-file").write_text("not a folder")
    result = invoke(str(clip), "--model", str(run["best"]), "--out", str(tmp_path / "a-file" / "out"))
    assert_one_error_line(result, "a-file")


def test_postprocessing_options_and_the_runs_tuned_file(run, clip, middle_confidence, tmp_path):
    """--threshold drops candidates; <run>/postprocess.json is used by default; options beat it."""
    low, high = tmp_path / "low", tmp_path / "high"
    model = ["-m", str(run["best"])]
    assert invoke(str(clip), *model, "--out", str(low), "-q").exit_code == 0
    assert invoke(str(clip), *model, "--out", str(high), "--threshold", middle_confidence, "-q").exit_code == 0
    all_candidates = json.loads((low / "match" / "results_spotting.json").read_text())["predictions"]
    kept = json.loads((high / "match" / "results_spotting.json").read_text())["predictions"]
    assert kept == [p for p in all_candidates if p["confidence"] >= float(middle_confidence)]
    assert 0 < len(kept) < len(all_candidates)

    tuned = run["root"] / "postprocess.json"
    tuned.write_text(json.dumps({"nms_window_s": 3.0, "threshold": 0.02}))
    try:
        for name, extra, expected in (
            ("tuned", [], PostprocessParams(nms_window_s=3.0, threshold=0.02)),
            ("override", ["--smooth", "0.5"], PostprocessParams(nms_window_s=3.0, threshold=0.02, smooth_s=0.5)),
        ):
            result = invoke(str(clip), "-m", str(run["best"]), "--out", str(tmp_path / name), *extra, "-q")
            assert result.exit_code == 0, result.output
            used = json.loads((tmp_path / name / "match" / "postprocess.json").read_text())
            assert PostprocessParams.from_dict(used) == expected
        wide = json.loads((tmp_path / "tuned" / "match" / "results_spotting.json").read_text())["predictions"]
        assert len(wide) < len(all_candidates)  # a 3 s suppression window keeps fewer peaks than 1 s
    finally:
        tuned.unlink()


def test_a_runs_tuned_file_warns_once_on_weights_it_was_not_tuned_on(run, clip, tmp_path):
    """<run>/postprocess.json, tuned on best.pt, was applied to last.pt, and after a resumed run replaced best.pt,
    in silence: now it records the weights it was tuned on, and predict warns (once) when they are not these."""
    import shutil

    from ballspot.engine.checkpoint import load_checkpoint, save_checkpoint
    from ballspot.predict.postprocess import save_params

    root = Path(shutil.copytree(run["root"], tmp_path / "run"))
    best, last = root / "weights" / "best.pt", root / "weights" / "last.pt"
    save_checkpoint(last, {**load_checkpoint(best), "note": "a later epoch"})  # other bytes than best.pt's
    save_params(root / "postprocess.json", PostprocessParams(nms_window_s=3.0), tuned_on=best)
    said = "postprocess.json was tuned on other weights (best.pt with sha256 "

    def stderr_of(model: Path, *extra: str) -> str:
        result = invoke(str(clip), "-m", str(model), "--out", str(tmp_path / "out"), "--force", *extra, "-q")
        assert result.exit_code == 0, result.output
        return result.stderr

    assert said not in stderr_of(best)
    assert stderr_of(last).count(said) == 1
    kept = tmp_path / "kept" / "postprocess.json"  # a copy: the run's file was checked against last.pt above
    kept.parent.mkdir()
    shutil.copyfile(root / "postprocess.json", kept)
    assert stderr_of(last, "--params", str(kept)).count(said) == 1
    shutil.copyfile(last, best)  # as a resumed run replaces best.pt
    assert stderr_of(best).count(said) == 1


def test_default_model_is_the_newest_runs_best(run, clip, tmp_path):
    out = tmp_path / "out"
    result = invoke(str(clip), "--runs-dir", str(run["runs"]), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    by_default = json.loads((out / "match" / "results_spotting.json").read_text())
    result = invoke(str(clip), "-m", str(run["best"]), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == by_default


def test_json_stdout_is_parseable_and_alone(run, clip, tmp_path, monkeypatch):
    """A real process, logs not silenced: stdout holds exactly one JSON document, nothing else."""
    env = {k: v for k, v in os.environ.items() if k != "BALLSPOT_QUIET"}
    command = [sys.executable, "-m", "ballspot", "predict", str(clip), "-m", str(run["best"]), "--device", "cpu"]
    done = subprocess.run([*command, "--out", str(tmp_path), "--json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # fails on any stray line
    assert_valid_results(document, "match", probe(clip).duration_ms)
    assert document == json.loads((tmp_path / "match" / "results_spotting.json").read_text())
    assert "Traceback" not in done.stderr

    # without --json the same command logs on stderr and prints only the path on stdout
    monkeypatch.delenv("BALLSPOT_QUIET")
    result = invoke(str(clip), "-m", str(run["best"]), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(tmp_path / "match" / "results_spotting.json")]
    assert "candidates" in result.stderr


def test_a_dataset_root_gives_one_output_per_game_at_its_relative_path(run, league, tmp_path):
    out = tmp_path / "predictions"
    result = invoke(str(league), "-m", str(run["best"]), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    expected = [out / game / "results_spotting.json" for game in GAMES]
    assert result.stdout.splitlines() == [str(path) for path in expected]
    for game, path in zip(GAMES, expected, strict=True):
        assert_valid_results(json.loads(path.read_text()), game, probe(league / game / "224p.mp4").duration_ms)
        assert (path.parent / "events.json").is_file() and (path.parent / "postprocess.json").is_file()
    # the tree is what `ballspot evaluate` reads against the labels, game by game
    scored = evaluate_spotting(league, out)
    assert scored.games == GAMES and 0.0 <= scored.mAP <= 1.0
    assert not [w for w in scored.warnings if "40 ms frame" in w or "half" in w or "outside" in w], scored.warnings

    # --json over several games: a list of documents, in the same order
    result = invoke(str(league), "-m", str(run["best"]), "--out", str(tmp_path / "again"), "--json")
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)
    assert [d["UrlLocal"] for d in documents] == list(GAMES)
    assert documents[0] == json.loads(expected[0].read_text())


def test_several_videos_and_per_half_games(run, league, tmp_path):
    """Videos given directly keep their game (SoccerNet names) or their stem; two halves share one file."""
    game = tmp_path / "data" / "league" / "2019-2020" / "2019-10-01 - A - B"
    game.mkdir(parents=True)
    first = game_video(game / "1_224p.mp4", frames=100)
    second = game_video(game / "2_224p.mp4", frames=75)
    loose = game_video(tmp_path / "other.mp4", frames=50)
    out = tmp_path / "predictions"
    result = invoke(str(first), str(second), str(loose), "-m", str(run["best"]), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    game_id = "league/2019-2020/2019-10-01 - A - B"
    assert result.stdout.splitlines() == [
        str(out / game_id / "results_spotting.json"),
        str(out / "other" / "results_spotting.json"),
    ]
    halves = json.loads((out / game_id / "results_spotting.json").read_text())
    predictions = assert_valid_results(halves, game_id, duration_ms=4000, halves=(1, 2))
    assert {p["half"] for p in predictions} == {1, 2}
    assert max(p["position"] for p in predictions if p["half"] == 2) <= probe(second).duration_ms
    events = json.loads((out / game_id / "events.json").read_text())
    assert events["videos"] == {"1": str(first.resolve()), "2": str(second.resolve())}

    # a dataset root holding the per-half game gives the same file
    result = invoke(str(tmp_path / "data"), "-m", str(run["best"]), "--out", str(tmp_path / "root"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == halves


def test_a_soccernet_named_video_two_folders_below_the_root_writes_into_out():
    """/data/game/224p.mp4 (a container's mount) was the game "/data/game": an absolute path, so its outputs
    went beside the video instead of into --out."""
    from ballspot.predict.run import _game_and_half

    assert _game_and_half(Path("/data/game/2_224p.mkv")) == ("data/game", 2)
    assert _game_and_half(Path("/game/224p.mp4")) == ("224p", 1)


def test_a_video_linked_into_a_game_folder_is_that_game(tmp_path):
    """A dataset whose videos are links to a video store: the outputs went to the store's folders."""
    from ballspot.predict.run import _game_and_half

    game = tmp_path / "league" / "season" / "game"
    game.mkdir(parents=True)
    (tmp_path / "match123.mp4").write_bytes(b"")
    (game / "2_224p.mkv").symlink_to(tmp_path / "match123.mp4")
    assert _game_and_half(game / "2_224p.mkv") == ("league/season/game", 2)


# --- time mapping ---------------------------------------------------------------------------------------------


def test_sampled_frames_keep_every_stride_th_frame_across_chunk_boundaries(spotter, clip):
    config = spotter.config.merged({"stride": 3})
    kept = np.concatenate([frames for frames, _ in sampled_frames(clip, config, chunk_frames=7)])
    assert [read_counter(f) for f in kept] == list(range(0, 150, 3))


def test_window_times_are_the_time_of_their_centre_frame(monkeypatch, spotter, clip):
    seen = spy_on_encoder(monkeypatch, spotter)
    times, scores = predict_scores(clip, spotter, batch_size=3)
    assert position_step_s(spotter.config) == pytest.approx(0.24)
    positions = int(np.ceil(150 / RAW_PER_POSITION))  # every kept frame is the centre of a window once
    assert len(times) == len(scores) == positions
    assert times == pytest.approx(np.arange(positions) * 0.24)
    assert centre_frames(seen, positions) == [RAW_PER_POSITION * p for p in range(positions)]
    assert seen[:PAD] == [0] * PAD  # the first frame repeated half a window outwards
    assert scores.shape[1] == 12 and np.all((scores >= 0) & (scores <= 1))


def test_variable_frame_rate_video_maps_to_presentation_time(monkeypatch, spotter, tmp_path):
    """2 s at 25 fps then 2 s at 50 fps: window times follow the timestamps, not the frame count."""
    cfr = encode(tmp_path / "cfr.mp4", counter_frames(150), audio=False)
    vfr = tmp_path / "vfr.mkv"
    ffmpeg(
        *("-i", str(cfr), "-vf", "settb=1/1000,setpts='if(lt(N,50),2*N,N+50)/(50*TB)'"),
        *("-fps_mode", "vfr", "-enc_time_base", "1:1000"),  # ms timestamps, so 20 ms gaps survive
        *("-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(vfr)),
    )
    with av.open(str(vfr)) as container:  # really variable: the gaps halve after 2 s
        stream = container.streams.video[0]
        pts = [float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None]
    gaps = np.round(np.diff(sorted(pts)), 3)
    assert set(gaps[:45]) == {0.04} and set(gaps[-45:]) == {0.02}
    assert probe(vfr).duration_s == pytest.approx(4.0, abs=0.05)

    seen = spy_on_encoder(monkeypatch, spotter)
    times, _ = predict_scores(vfr, spotter)
    assert len(times) == int(np.ceil(100 / RAW_PER_POSITION))  # 4 s at 25 fps, whatever was stored
    expected = []
    for t in times:
        k = round(t * 25)  # frame index on the 25 fps grid
        expected.append(k if k < 50 else 2 * k - 50)  # source frame on screen at t
    assert centre_frames(seen, len(times)) == expected

    events = list(ballspot.predict_video(vfr, spotter))
    assert events and all(e.position_ms in {round(t * 1000) for t in times} for e in events)
    assert max(e.position_ms for e in events) <= 4000


def test_edit_list_that_hides_leading_frames(monkeypatch, spotter, tmp_path):
    """A stream copy from 1.2 s starts at the keyframe before it (frame 0, keyint 50): an edit list hides 30."""
    source = encode(tmp_path / "source.mp4", counter_frames(150), keyint=50)
    edited = tmp_path / "edited.mp4"
    ffmpeg("-ss", "1.2", "-i", str(source), "-c", "copy", str(edited))
    assert b"elst" in edited.read_bytes()
    with av.open(str(edited)) as container:  # the hidden frames are in the file, before time 0
        stream = container.streams.video[0]
        pts = sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None)
    assert pts[0] == pytest.approx(-1.2, abs=0.01) and len(pts) == 150
    info = probe(edited)
    assert info.duration_s == pytest.approx(4.8, abs=0.05)

    seen = spy_on_encoder(monkeypatch, spotter)
    times, _ = predict_scores(edited, spotter)
    assert len(times) == int(np.ceil(120 / RAW_PER_POSITION))
    # time t of the edited file shows source frame 30 + 25 t: frame 30 first, none of 25..29
    assert centre_frames(seen, len(times)) == [30 + round(t * 25) for t in times]
    assert min(seen) == 30

    out = tmp_path / "out"
    result = invoke(str(edited), "-m", str(spotter.path), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert_valid_results(json.loads((out / "edited" / "results_spotting.json").read_text()), "edited", 4800)


@pytest.mark.parametrize("suffix", [".ts", ".mpg"])
def test_a_broadcast_capture_is_read_from_its_first_frame(monkeypatch, spotter, tmp_path, suffix):
    """MPEG-TS and MPEG-PS (their clock starts at 1.4 s or 0.5 s, not 0) are videos like any other."""
    video = encode(tmp_path / f"capture{suffix}", counter_frames(150), audio=False)
    seen = spy_on_encoder(monkeypatch, spotter)
    times, _ = predict_scores(video, spotter)
    assert len(times) == int(np.ceil(75 / 3))
    assert centre_frames(seen, len(times)) == [round(t * 25) for t in times]
    out = tmp_path / "out"
    result = invoke(str(video), "-m", str(spotter.path), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert_valid_results(json.loads((out / "capture" / "results_spotting.json").read_text()), "capture", 6000)


@pytest.mark.parametrize("frames", [1, 4, 11])
def test_a_video_shorter_than_one_window(run, spotter, tmp_path, frames):
    """1, 4 and 11 frames (a window spans 12): every frame is still a window centre, edges padded."""
    video = encode(tmp_path / "short.mp4", counter_frames(frames), audio=False)
    times, scores = predict_scores(video, spotter)
    assert len(times) == int(np.ceil(np.ceil(frames / 2) / 3))
    assert np.all(times * 1000 <= probe(video).duration_ms)
    assert np.all(np.isfinite(scores))
    out = tmp_path / "out"
    result = invoke(str(video), "-m", str(run["best"]), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_valid_results(document, "short", probe(video).duration_ms)
    stack_ms = 3 * 2 * 40  # 3 grey frames, every 2nd frame at 25 fps
    assert ("less than one stack of frames the model scores" in result.stderr) == (frames * 40 < stack_ms)


@pytest.mark.parametrize(
    ("width", "height", "fps", "duration_s", "warned"),
    [
        (398, 224, 25.0, 60.0, []),
        (398, 224, 29.97, 60.0, []),
        (2, 2, 25.0, 60.0, ["2x2 pixels: the model sees 192x112", "widened 1.7 times"]),
        (90, 224, 25.0, 60.0, ["90x224 pixels: the model sees 192x112", "widened 4.3 times"]),
        (360, 640, 25.0, 60.0, ["360x640 pixels: the model sees 192x112, so the picture is widened 3.0 times"]),
        (1280, 720, 25.0, 60.0, []),
        (320, 240, 25.0, 60.0, []),
        (1280, 360, 25.0, 60.0, ["narrowed 2.1 times"]),
        (398, 224, 1.0, 60.0, ["1 frames a second: the model sees 25, so each frame repeats 25 times"]),
        (398, 224, 25.0, 0.04, ["lasts 0.04 s, less than one stack of frames the model scores (0.48 s)"]),
    ],
)
def test_a_video_far_from_what_the_model_sees_is_warned_about(width, height, fps, duration_s, warned):
    from ballspot.engine.video_fit import video_warnings
    from ballspot.recipes import find_config
    from ballspot.video.probe import VideoInfo

    config = TrainConfig.from_dict(load_yaml(find_config("dense-quickstart")))
    info = VideoInfo(Path("v.mp4"), duration_s, fps, width, height, int(duration_s * fps), False)
    warnings = video_warnings(info, config)
    assert len(warnings) == len(warned)
    assert all(text in warning for text, warning in zip(warned, warnings, strict=True))
    assert ("a portrait video" in " ".join(warnings)) == (height > width)  # not said of a tiny or wide one


def test_no_event_lies_past_the_end_of_a_video_whose_header_is_short(spotter, clip, tmp_path):
    """An MP4 whose header says 4 s while its frames (all decoded) run 6 s: events came up to 6 s, past the
    probed 4 s end (the app's timeline and the progress total)."""
    from tests.videos import scale_mp4_durations

    video = scale_mp4_durations(clip, tmp_path / "short-header.mp4", 2 / 3, (b"mvhd", b"tkhd", b"mdhd"))
    events = list(ballspot.predict_video(video, spotter, PostprocessParams(threshold=0.0)))
    end_ms = probe(video).duration_ms
    assert end_ms == pytest.approx(6000, abs=50)
    assert max(e.position_ms for e in events) > 4500 and all(0 <= e.position_ms <= end_ms for e in events)


# --- Python API -----------------------------------------------------------------------------------------------


def test_predict_video_is_a_generator_of_events_matching_the_cli(run, clip, tmp_path):
    events = ballspot.predict_video(clip, run["best"], device="cpu")
    assert isinstance(events, types.GeneratorType)
    events = list(events)
    assert events and all(isinstance(e, Prediction) for e in events)
    assert [(e.position_ms, e.label) for e in events] == sorted((e.position_ms, e.label) for e in events)
    result = invoke(str(clip), "-m", str(run["best"]), "--out", str(tmp_path), "--json")
    document = json.loads(result.stdout)
    assert document == results_document(events, "match")


def test_streamed_events_equal_post_processing_of_the_whole_video(spotter, tmp_path):
    """Events are yielded while the video is still decoding, and are exactly those of the whole score array."""
    video = game_video(tmp_path / "long.mp4", frames=500)  # 20 s: many score blocks
    params = PostprocessParams(threshold=0.0, smooth_s=0.5, nms_window_s=1.5)
    progress: list[tuple[int, int]] = []
    streamed, decoded_when_yielded = [], []
    for event in ballspot.predict_video(
        video, spotter, params, batch_size=3, on_progress=lambda d, t: progress.append((d, t))
    ):
        streamed.append(event)
        decoded_when_yielded.append(progress[-1][0])
    total = progress[-1][1]
    assert total == 500 and progress[-1][0] == 500
    assert progress[0] == (0, 500)  # the total is known before the first frame is scored (a bar shows it at once)
    assert decoded_when_yielded[0] < total  # the first events came out before decoding was over

    times, scores = predict_scores(video, spotter, batch_size=3)
    whole = pick_events(scores, times, spotter.action_classes, params, position_step_s(spotter.config))
    assert [(e.label, e.position_ms) for e in streamed] == [(label, round(t * 1000)) for label, t, _ in whole]
    assert [e.confidence for e in streamed] == pytest.approx([c for _, _, c in whole], abs=1e-6)


def test_predict_video_accepts_a_loaded_spotter_and_refuses_bad_params(spotter, clip):
    with pytest.raises(BallspotError, match="threshold"):
        next(ballspot.predict_video(clip, spotter, PostprocessParams(threshold=2.0)))
    first = next(ballspot.predict_video(clip, spotter))
    assert first.label in spotter.action_classes and first.half == 1


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "8", True, 10**6])
def test_the_python_functions_refuse_a_batch_size_that_would_score_nothing_or_fail_inside(spotter, clip, batch_size):
    with pytest.raises(BallspotError, match=rf"batch_size must be a whole number from 1 to 4096, got {batch_size!r}"):
        ballspot.predict_scores(clip, spotter, batch_size=batch_size)
    with pytest.raises(BallspotError, match="batch_size must be a whole number"):
        next(ballspot.predict_video(clip, spotter, batch_size=batch_size))


def test_predict_scores_takes_a_weights_path_as_predict_video_does(run, spotter, clip):
    times, scores = ballspot.predict_scores(clip, run["best"])
    expected_times, expected_scores = ballspot.predict_scores(clip, spotter)
    assert np.array_equal(times, expected_times) and np.allclose(scores, expected_scores, atol=1e-5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, c: ballspot.load_spotter(None), "the weights (path) must be a str or pathlib.Path, got NoneType"),
        (lambda s, c: next(ballspot.predict_video(None, s)), "the video (or a LiveSource) must be a str or pathlib"),
        (lambda s, c: next(ballspot.predict_video(c, 3)), "the model must be ballspot.load_spotter(...)'s result or a"),
        (lambda s, c: next(ballspot.predict_video(c, s, {"threshold": 0.5})), "PostprocessParams.from_dict"),
        (lambda s, c: ballspot.predict_scores(7, s), "the video must be a str or pathlib.Path, got int"),
        (lambda s, c: ballspot.predict_scores(c, None), "the model must be ballspot.load_spotter(...)'s result"),
    ],
)
def test_the_python_functions_name_an_argument_of_the_wrong_type(spotter, clip, call, message):
    with pytest.raises(BallspotError) as caught:
        call(spotter, clip)
    assert message in str(caught.value)


# --- errors ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, clip) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bad")
    garbage = base / "garbage.mp4"
    garbage.write_bytes(b"\x00not a video" * 300)
    truncated = base / "truncated.mp4"
    data = game_video(base / "whole.mp4", frames=150).read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    audio = base / "audio.m4a"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1", "-c:a", "aac", str(audio))
    audio_mp4 = base / "audio.mp4"
    ffmpeg("-i", str(audio), "-c", "copy", str(audio_mp4))
    empty = base / "empty.mp4"
    empty.write_bytes(b"")
    not_weights = base / "weights.pt"
    not_weights.write_bytes(b"not a checkpoint")
    return {
        "garbage": garbage,
        "truncated": truncated,
        "audio": audio_mp4,
        "empty": empty,
        "not_weights": not_weights,
        "text": base / "notes.txt",
    }


@pytest.mark.parametrize(
    "name, fragments",
    [
        ("missing", ("video not found",)),
        ("garbage", ("cannot read video",)),
        ("truncated", ("truncated.mp4",)),
        ("audio", ("no video stream",)),
        ("empty", ("empty",)),
        ("text", ("not a video file",)),
    ],
)
def test_bad_videos_are_one_line_errors(run, bad_files, tmp_path, name, fragments):
    video = bad_files.get(name, tmp_path / "missing.mp4")
    if name == "text":
        video.write_text("hello")
    out = tmp_path / "out"
    assert_one_error_line(invoke(str(video), "-m", str(run["best"]), "--out", str(out)), *fragments)
    assert not out.exists() or not list(out.rglob("*.json"))


def test_bad_models_and_options_are_one_line_errors(run, clip, bad_files, tmp_path, monkeypatch):
    model = ["-m", str(run["best"])]
    assert_one_error_line(invoke(str(clip), "-m", str(tmp_path / "none.pt")), "weights file not found")
    assert_one_error_line(invoke(str(clip), "-m", str(bad_files["not_weights"])), "cannot read weights file")
    assert_one_error_line(invoke(str(clip), "--runs-dir", str(tmp_path / "no-runs")), "no trained model", "quickstart")
    assert_usage_error(invoke(str(clip), *model, "--batch-size", "0"), "--batch-size")
    assert_usage_error(invoke(str(clip), *model, "--precision", "fp8"), "fp8")
    assert_one_error_line(invoke(str(clip), *model, "--threshold", "1.5"), "--threshold must be between 0 and 1")
    assert_one_error_line(invoke(str(clip), *model, "--nms-window", "0"), "--nms-window must be above 0")
    params = tmp_path / "params.json"
    params.write_text('{"nms_window": 1}')
    assert_one_error_line(invoke(str(clip), *model, "--params", str(params)), "unknown post-processing key")
    assert_one_error_line(invoke(str(clip), str(clip), *model), "same output folder")
    assert_usage_error(invoke(str(clip), *model, "--device", "tpu"), "tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert_one_error_line(invoke(str(clip), *model, "--device", "cuda"), "no CUDA GPU")


def test_a_clip_classifier_cannot_spot(run, clip, tmp_path):
    from ballspot.engine.checkpoint import load_checkpoint, save_checkpoint

    data = load_checkpoint(run["best"])
    data["classes"] = [c for c in data["classes"] if c in CLASSES_12]
    data["config"] = {**data["config"], "task": "classify"}
    data["model_config"] = {**data["model_config"], "num_classes": 12}
    data["model"] = {k: v[:12] if k.startswith("classifier.") else v for k, v in data["model"].items()}
    classifier = save_checkpoint(tmp_path / "classifier.pt", data)
    assert_one_error_line(invoke(str(clip), "-m", str(classifier)), "clip classifier", "--task dense")


@pytest.mark.parametrize(
    ("sources", "options", "fragment"),
    [
        (["mach.mp4"], [], "video not found"),
        (["notes.txt"], [], "not a video file"),
        (["dataset"], ["--split", "test"], "lists no games"),
        (["match.mp4"], ["--zip", "submission.zip"], "not in such a game folder"),
        (["match.mp4"], ["--zip", "submission.txt"], "must end in .zip"),
        (["match.mp4"], ["--zip", "notes.zip"], "not a zip file"),
        (["match.mp4", "match.mp4"], ["--follow"], "exactly one source"),
        (["match.mp4"], ["--out", "notes.txt"], "--out notes.txt is a file, not a folder"),
    ],
)
def test_the_sources_are_checked_before_the_model_loads(tmp_path, monkeypatch, sources, options, fragment):
    """A mistyped video path costs no model load (seconds, or a download) before it is said."""
    import ballspot.predict.backends as backends

    def loaded(*args, **kwargs):
        raise AssertionError("the model was loaded before the sources were checked")

    monkeypatch.setattr(backends, "load_backend", loaded)
    monkeypatch.chdir(tmp_path)
    Path("match.mp4").write_bytes(b"")
    Path("notes.txt").write_text("hello")
    Path("notes.zip").write_text("not an archive")
    Path("dataset").mkdir()
    Path("dataset/splits.json").write_text('{"train": [], "valid": [], "test": []}')
    Path("best.pt").write_bytes(b"weights")
    result = runner.invoke(app, ["predict", *sources, "--model", "best.pt", *options])
    assert "Traceback" not in result.output and fragment in result.stderr, result.output
    assert result.exit_code == (2 if "--follow" in options else 1), result.output


def test_a_video_numbered_as_a_half_other_than_1_or_2_is_its_own_game_with_one_warning(tmp_path, capsys):
    """`3_224p.mkv` given directly is no half of its game folder (SoccerNet's halves are 1_ and 2_): it is
    predicted as a video of its own, under its stem; a warning says so (once for several), as the user may
    have meant a half."""
    from ballspot.predict.run import plan_videos

    game = tmp_path / "league" / "2099-2100" / "2099-08-01 - A - B"
    game.mkdir(parents=True)
    for name in ("1_224p.mkv", "3_224p.mkv", "0_720p.mp4", "match.mp4"):
        (game / name).write_bytes(b"")
    jobs = plan_videos([game / "1_224p.mkv", game / "3_224p.mkv", game / "0_720p.mp4", game / "match.mp4"])
    game_id = "league/2099-2100/2099-08-01 - A - B"
    assert [(job.game_id, job.half) for job in jobs] == [(game_id, 1), ("3_224p", 1), ("0_720p", 1), ("match", 1)]
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, warnings
    assert "2 video(s)" in warnings[0] and str(game / "3_224p.mkv") in warnings[0] and "3_224p/" in warnings[0]
    plan_videos([game / "1_224p.mkv", game / "match.mp4"])
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("signum", "code", "line"), [(2, 130, "error: interrupted"), (15, 143, "error: terminated")], ids=["INT", "TERM"]
)
def test_ctrl_c_or_kill_again_while_predict_stops_is_harmless(tiny_run, tmp_path, signum, code, line):
    """A second Ctrl-C (or SIGTERM) while predict cleaned up or exited after the first broke off the clean-up,
    or killed Python on its way out (exit code -2, a traceback from an exit handler). Now the first one decides:
    the clean-up finishes (no empty output folder left), one `error:` line, exit 130 (143 for SIGTERM)."""
    import threading

    from ballspot.video.ffmpeg_bin import ffmpeg_exe
    from tests.terminal import ctrl_c_default

    video = tmp_path / "long.mp4"  # ten minutes: still being predicted when Ctrl-C comes
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=398x224:rate=25"]
        + ["-t", "600", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", str(video)],
        check=True,
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ballspot", "predict", str(video), "-m", str(tiny_run["best"]), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--device", "cpu"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=ctrl_c_default
    )
    for _ in range(2400):  # the game's lock: its prediction has begun (a hang guard of 120 s, nothing timed)
        if (out / "long" / ".predict.lock").exists() or process.poll() is not None:
            break
        threading.Event().wait(0.05)
    assert process.poll() is None, process.communicate()[1].decode()
    while process.poll() is None:  # the signal again and again, through the clean-up and the exit
        process.send_signal(signum)
        threading.Event().wait(0.01)
    stderr = process.communicate()[1].decode()
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == line and "Traceback" not in stderr, stderr
    assert not out.exists()  # made for the game, and removed again with nothing written
