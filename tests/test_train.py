"""`ballspot train` on a tiny generated league: config layering and errors, the frame cache, samples,
checkpoints, resume after an interruption, and a 2-process torchrun job on CPU.

Two 8 s videos (one per split) show a frame counter, so a cached window can be read back to the frame
numbers it holds. Every run uses timm's `test_efficientnet` on 64x112 stacks and lasts seconds.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from ballspot import __version__
from ballspot.classes import BACKGROUND, CLASSES_12
from ballspot.cli.app import app
from ballspot.engine import frame_cache
from ballspot.engine.checkpoint import load_checkpoint, load_model
from ballspot.engine.config import TrainConfig, resolve_config, resumed_config
from ballspot.engine.data import output_classes, prepare_split, split_rows, targets
from ballspot.engine.dataset import WindowDataset, to_stacks
from ballspot.engine.frame_cache import event_frame
from ballspot.engine.losses import build_loss
from ballspot.engine.trainer import train
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import Annotation, labels_document
from tests.assertions import assert_one_error_line, assert_usage_error
from tests.videos import counter_frames, encode, read_counter

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

GAMES = ("league/2020-2021/2020-01-01 - Alpha - Beta", "league/2020-2021/2020-01-02 - Gamma - Delta")
"""The train game, then the valid game."""
LABELS = ("PASS", "DRIVE", "PASS", "HEADER", "DRIVE", "PASS", "DRIVE", "PASS")
EVENT_MS = tuple(500 + 500 * i for i in range(len(LABELS)))
"""Events in the first 4 s only, so `segment --background 0.25` finds room for 2 background clips per video."""
VIDEO_FRAMES = 200

TINY = dict(
    backbone="test_efficientnet",
    height=64,
    width=112,
    frames=6,
    stack_size=3,
    stride=1,
    batch_size=4,
    epochs=2,
    device="cpu",
)
TINY_ARGS = [arg for key, value in TINY.items() for arg in (f"--{key.replace('_', '-')}", str(value))]
METRIC_COLUMNS = [
    "epoch",
    "train_loss",
    "train_accuracy",
    "valid_loss",
    "valid_accuracy",
    "valid_macro_f1",
    "lr",
    "seconds",
]


# --- fixtures: a tiny league, its clip index, and one finished run ---------------------------------------------


@pytest.fixture(scope="module")
def index_path(tmp_path_factory) -> Path:
    """segment (window 1.2 s, no clip files) + index over 2 games: 8 events and 2 background clips each."""
    root = tmp_path_factory.mktemp("league")
    for speed, game in enumerate(GAMES, start=3):
        folder = root / game
        folder.mkdir(parents=True)
        frames = counter_frames(VIDEO_FRAMES)
        for k in range(VIDEO_FRAMES):  # a moving square above the counter's read-out row
            left = (k * speed) % 350
            frames[k, 10:50, left : left + 48] = 128
        encode(folder / "224p.mp4", frames, audio=False)
        annotations = [Annotation(label, ms) for label, ms in zip(LABELS, EVENT_MS, strict=True)]
        (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    (root / "splits.json").write_text(json.dumps({"train": [GAMES[0]], "valid": [GAMES[1]]}))
    clips = root / "clips"
    result = runner.invoke(app, ["segment", str(root), "--window", "1.2", "--no-clips", "--out", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["index", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict[str, Path]:
    """Runs and cache folders shared by the module's tests (so the frames are decoded once)."""
    base = tmp_path_factory.mktemp("train")
    return {"runs": base / "runs", "cache": base / "cache"}


@pytest.fixture(scope="module")
def base_run(index_path, shared) -> dict:
    """`ballspot train --json` run to the end: the uninterrupted run the others are compared with."""
    args = ["train", "--index", str(index_path), *TINY_ARGS, "--name", "base", "--json"]
    args += ["--runs-dir", str(shared["runs"]), "--cache-dir", str(shared["cache"])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    caches = sorted(shared["cache"].glob("frames-*.npy"))
    return {
        "root": shared["runs"] / "base",
        "summary": json.loads(result.stdout),
        "cache_mtimes": {path: path.stat().st_mtime_ns for path in caches},
    }


def tiny_config(index_path: Path, **changes) -> TrainConfig:
    return resolve_config(None, {**TINY, "index": str(index_path), **changes})


def read_metrics(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def invoke_train(*args: str, index_path: Path, cache: Path) -> object:
    return runner.invoke(app, ["train", "--index", str(index_path), *TINY_ARGS, "--cache-dir", str(cache), *args])


def forbid_decoding(monkeypatch) -> None:
    def decoded_again(*args, **kwargs):
        raise AssertionError("the frame cache was decoded again")

    monkeypatch.setattr(frame_cache, "decode_frames_at", decoded_again)


# --- configuration --------------------------------------------------------------------------------------------


def test_options_beat_the_yaml_file_which_beats_the_defaults(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("epochs: 5\nlr: 1e-3\nbatch-size: 2\nclasses: 2\n")  # YAML 1.1 reads 1e-3 as a string
    config = resolve_config(config_file, {"epochs": 3, "height": None})
    assert (config.epochs, config.lr, config.batch_size, config.classes) == (3, 0.001, 2, "2")
    assert config.height == TrainConfig().height


def test_unknown_yaml_key_is_an_error_with_a_suggestion(tmp_path, index_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("lrr: 0.01\n")
    result = invoke_train("--config", str(config_file), index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, "unknown key 'lrr'", "did you mean 'lr'?", str(config_file))


@pytest.mark.parametrize(
    ("text", "message"),
    [("epochs: ten\n", "epochs must be an integer, got 'ten'"), ("augment: maybe\n", "augment must be true or false")],
)
def test_yaml_values_of_the_wrong_type_are_one_line_errors(tmp_path, text, message):
    config_file = tmp_path / "run.yaml"
    config_file.write_text(text)
    with pytest.raises(BallspotError, match=message):
        resolve_config(config_file, {})


def test_one_option_spelled_two_ways_in_a_yaml_file_is_an_error(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("batch-size: 2\nbatch_size: 4\n")  # one would silently win
    with pytest.raises(BallspotError, match="'batch-size' and 'batch_size' are the same option; keep one"):
        resolve_config(config_file, {})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frames", "7"], "--frames (7) must be a multiple of --stack-size (3)"),
        (["--lr", "2"], "--lr must be in (0, 1], got 2.0"),
        (["--dropout", "1"], "--dropout must be in [0, 1)"),
    ],
)
def test_out_of_range_options_are_one_line_errors(tmp_path, index_path, args, message):
    result = invoke_train(*args, index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, message)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--frames", "0"], ["--frames"]),
        (["--height", "8"], ["--height"]),
        (["--batch-size", "0"], ["--batch-size"]),
        (["--workers", "-1"], ["--workers"]),
        (["--task", "detect"], ["--task", "'detect' is not one of 'classify', 'spot', 'dense'"]),
        (["--precision", "fp8"], ["--precision", "'fp8'"]),
    ],
)
def test_choices_and_ranges_declared_on_the_options_are_usage_errors(tmp_path, index_path, args, fragments):
    assert_usage_error(invoke_train(*args, index_path=index_path, cache=tmp_path), *fragments)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda_is_an_error(tmp_path, index_path):
    result = invoke_train("--device", "cuda", index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, "--device cuda", "no CUDA GPU is available")


def test_missing_index_is_an_error_and_leaves_no_run_folder(tmp_path, index_path):
    missing = tmp_path / "nowhere" / "index.parquet"
    result = invoke_train("--index", str(missing), "--name", "typo", index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, "index not found", str(missing), "ballspot index")
    assert not (Path(os.environ["BALLSPOT_RUNS_DIR"]) / "typo").exists()


def test_a_split_with_no_rows_is_an_error(tmp_path, index_path, shared, base_run):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("valid_split: test\n")
    result = invoke_train("--config", str(config_file), index_path=index_path, cache=shared["cache"])
    assert_one_error_line(
        result, "no clips in split 'test'", "splits in the index: train, valid", 'list games under "valid"'
    )


def test_validating_on_the_training_split_warns(tmp_path, index_path, shared, base_run):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("valid_split: train\n")
    result = invoke_train("--config", str(config_file), "--name", "fit", index_path=index_path, cache=shared["cache"])
    assert result.exit_code == 0, result.stderr
    assert "validating on the training split 'train'" in " ".join(result.stderr.split())


def test_training_videos_far_from_what_the_model_sees_are_warned_about(tmp_path, index_path, shared, base_run):
    """The index's 25 fps videos for a model that sees 60 frames a second: each frame repeats, and train says so."""
    config_file = tmp_path / "run.yaml"
    config_file.write_text("fps: 60\n")
    args = ("--config", str(config_file), "--name", "sixty", "--runs-dir", str(tmp_path / "runs"))
    result = invoke_train(*args, index_path=index_path, cache=shared["cache"])
    assert result.exit_code == 0, result.stderr
    assert "224p.mp4: 25 frames a second: the model sees 60" in " ".join(result.stderr.split())
    assert "frames a second" not in " ".join(invoke_train("--name", "again", "--runs-dir", str(tmp_path / "runs"),
        index_path=index_path, cache=shared["cache"]).stderr.split())  # fmt: skip


def test_resume_of_a_missing_run_is_an_error(tmp_path, index_path):
    result = invoke_train("--resume", "--name", "never-ran", index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, "no run to resume", "never-ran")
    result = invoke_train("--resume", index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, "--resume needs --name")


def test_an_existing_run_name_needs_resume(index_path, shared, base_run):
    result = invoke_train(
        "--name", "base", "--runs-dir", str(shared["runs"]), index_path=index_path, cache=shared["cache"]
    )
    assert_one_error_line(result, "already holds a run", "--resume")


def test_a_run_folder_without_last_pt_keeps_its_best_pt_and_says_how_to_resume(tmp_path, index_path, base_run):
    """A run whose weights/last.pt is gone still holds its trained weights/best.pt: a new run of the same name
    must not overwrite it, and --resume says how to continue from it."""
    runs = tmp_path / "runs"
    shutil.copytree(base_run["root"], runs / "kept")
    (runs / "kept" / "weights" / "last.pt").unlink()
    kept = {path: path.read_bytes() for path in (runs / "kept").rglob("*") if path.is_file()}
    folders = ("--name", "kept", "--runs-dir", str(runs))
    result = invoke_train(*folders, index_path=index_path, cache=tmp_path / "cache")
    assert_one_error_line(result, "already holds a run", "--resume")
    result = invoke_train(*folders, "--resume", index_path=index_path, cache=tmp_path / "cache")
    best = runs / "kept" / "weights" / "best.pt"
    assert_one_error_line(result, "no weights/last.pt", f"copy {best} to", "--resume")
    assert {path: path.read_bytes() for path in (runs / "kept").rglob("*") if path.is_file()} == kept
    shutil.move(best, tmp_path / "best.pt")
    result = invoke_train(*folders, "--resume", index_path=index_path, cache=tmp_path / "cache")
    assert_one_error_line(result, "holds no weights to continue from", "another --name")
    shutil.move(tmp_path / "best.pt", best)
    shutil.copy(best, runs / "kept" / "weights" / "last.pt")  # what the error says to do
    result = invoke_train(*folders, "--resume", index_path=index_path, cache=tmp_path / "cache")
    if base_run["summary"]["best_epoch"] == TINY["epochs"]:  # the best epoch was the last: nothing to redo
        assert_one_error_line(result, "already finished its 2 epochs")
    else:
        assert result.exit_code == 0, result.output
        assert [row["epoch"] for row in read_metrics(runs / "kept" / "metrics.csv")[1]] == ["1", "2"]


def test_a_run_name_being_trained_by_another_process_is_refused(tmp_path, index_path):
    """Two `train --name same` started together would both write the run's weights and metrics."""
    from ballspot.atomic import held_alone

    runs = tmp_path / "runs"
    with held_alone(runs / ".same.lock", "held by the first training"):  # what the first `train` holds
        result = invoke_train("--name", "same", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path / "c")
        assert_one_error_line(result, "run same is being trained by another process", "another --name")
        assert [p.name for p in runs.iterdir()] == [".same.lock"]
    assert not any(runs.iterdir())


def test_a_frame_cache_on_a_full_disk_is_one_error_line_and_leaves_no_folder(tmp_path, index_path, monkeypatch):
    """The cache is written through a memory map: into a full disk that kills the process (SIGBUS) unless its
    space is reserved first. A full disk is played by posix_fallocate's ENOSPC."""
    import errno
    import os

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    result = invoke_train("--name", "full", "--runs-dir", str(runs), index_path=index_path, cache=cache)
    assert_one_error_line(result, f"cannot write the frame cache into {cache}: No space left on device", "MiB needed")
    assert not runs.exists() and not cache.exists()  # nor the cache folder the build made


def test_a_run_stopped_before_its_first_epoch_is_saved_leaves_nothing_and_says_so(tmp_path, index_path, monkeypatch):
    from ballspot.engine import trainer

    def stop(*args, **kwargs):  # Ctrl-C once the run folder and its config.yaml are written
        assert (runs / "early" / "config.yaml").is_file()
        raise KeyboardInterrupt

    runs = tmp_path / "runs"
    monkeypatch.setattr(trainer, "build_optimizer", stop)
    result = invoke_train("--name", "early", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path / "cache")
    assert result.exit_code == 130, result.output
    assert result.stderr.splitlines() == ["error: interrupted; no epoch had finished, so nothing was kept"]
    assert not runs.exists()  # the command made it, and nothing was kept in it


def test_a_run_stopped_while_saving_its_first_epoch_leaves_nothing(tmp_path, index_path, monkeypatch):
    """Stopped after the first epoch's best.pt, metrics.csv and summary.json, before its last.pt: the epoch was
    not saved, so those go too, and the same command starts the run again."""
    from ballspot.engine import trainer

    saved = trainer.save_checkpoint

    def stop_before_last(path, payload):
        if path.name == "last.pt":
            assert (runs / "early" / "metrics.csv").is_file() and (runs / "early" / "weights" / "best.pt").is_file()
            raise KeyboardInterrupt
        saved(path, payload)

    runs = tmp_path / "runs"
    monkeypatch.setattr(trainer, "save_checkpoint", stop_before_last)
    result = invoke_train("--name", "early", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path / "cache")
    assert result.stderr.splitlines() == ["error: interrupted; no epoch had finished, so nothing was kept"]
    assert not runs.exists()


def test_a_run_stopped_after_an_epoch_says_how_to_continue_it(tmp_path, index_path, monkeypatch):
    from ballspot.engine import trainer

    saved = trainer.save_checkpoint

    def stop_after(path, payload):  # Ctrl-C right after the first epoch is saved
        saved(path, payload)
        if path.name == "last.pt":
            raise KeyboardInterrupt

    runs = tmp_path / "runs"
    args = ("--name", "it's", "--runs-dir", str(runs), "--epochs", "2")
    monkeypatch.setattr(trainer, "save_checkpoint", stop_after)
    result = invoke_train(*args, index_path=index_path, cache=tmp_path / "cache")
    assert result.exit_code == 130, result.output
    last = runs / "it's" / "weights" / "last.pt"
    assert result.stderr.splitlines() == [
        f"error: interrupted; its last finished epoch is in {last}; continue with the same command and "
        "--name 'it'\"'\"'s' --resume"
    ]
    monkeypatch.setattr(trainer, "save_checkpoint", saved)
    resumed = invoke_train(*args, "--resume", index_path=index_path, cache=tmp_path / "cache")
    assert resumed.exit_code == 0, resumed.output
    rows = (runs / "it's" / "metrics.csv").read_text().strip().splitlines()
    assert [int(r.split(",")[0]) for r in rows[1:]] == [1, 2]


def test_the_built_in_defaults_on_a_cpu_point_at_a_cpu_recipe(tmp_path, monkeypatch):
    """Bare `ballspot train` without a GPU trains a network sized for one: stderr says which recipe fits."""
    monkeypatch.delenv("BALLSPOT_QUIET")
    missing = str(tmp_path / "index.parquet")  # stops the command right after the warning
    result = runner.invoke(app, ["train", "--index", missing, "--device", "cpu"])
    assert result.exit_code == 1
    assert "no GPU: the built-in defaults (tf_efficientnetv2_b0 at 224x398) are sized for one" in result.stderr
    assert "--config dense-quickstart" in result.stderr
    for chosen in (["--config", "quickstart"], ["--backbone", "resnet10t"]):
        result = runner.invoke(app, ["train", "--index", missing, "--device", "cpu", *chosen])
        assert result.exit_code == 1 and "no GPU" not in result.stderr, chosen


def test_resuming_a_finished_run_is_an_error(index_path, shared, base_run):
    args = ("--resume", "--name", "base", "--runs-dir", str(shared["runs"]))
    result = invoke_train(*args, index_path=index_path, cache=shared["cache"])
    best = base_run["root"] / "weights" / "best.pt"
    assert_one_error_line(result, "already finished its 2 epochs", str(best), "another --name and more --epochs")


def test_resuming_a_finished_run_without_best_pt_names_its_last_pt(tmp_path, index_path, base_run):
    runs = tmp_path / "runs"
    shutil.copytree(base_run["root"], runs / "done")
    (runs / "done" / "weights" / "best.pt").unlink()
    result = invoke_train("--resume", "--name", "done", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path)
    last = runs / "done" / "weights" / "last.pt"
    assert_one_error_line(result, "already finished its 2 epochs", f"(weights: {last})")


def test_resume_refuses_settings_that_differ_from_the_run_and_names_them(index_path, shared, base_run):
    args = ("--resume", "--name", "base", "--runs-dir", str(shared["runs"]))
    last = base_run["root"] / "weights" / "last.pt"
    before = last.read_bytes()
    result = invoke_train(*args, "--lr", "0.5", "--epochs", "9", index_path=index_path, cache=shared["cache"])
    assert_one_error_line(result, "cannot change", "epochs 2 -> 9", "lr", "0.5", "another --name")
    result = invoke_train(*args, "--config", "quickstart", index_path=index_path, cache=shared["cache"])
    assert_one_error_line(result, "cannot change", "pooling 'netvlad' -> 'gem'")
    assert last.read_bytes() == before
    # where the run continues is not what it learns: --device and --workers pass on to the finished-run check
    result = invoke_train(*args, "--device", "cpu", "--workers", "0", index_path=index_path, cache=shared["cache"])
    assert_one_error_line(result, "already finished its 2 epochs")


def test_resume_reads_the_config_file_once(tmp_path, index_path, monkeypatch):
    """`train --resume --config FILE` reads FILE once: the settings it resolves and those it checks against the
    run are the same reading (a file read twice could change in between, and a pipe cannot be read twice)."""
    from ballspot import inputfiles
    from ballspot.engine import trainer

    config_file = tmp_path / "run.yaml"
    config_file.write_text("epochs: 2\nlr: 0.002\n")
    reads, calls = [], []
    read_yaml = inputfiles.read_yaml

    def counted(path, *args, **kwargs):
        reads.append(Path(path))
        return read_yaml(path, *args, **kwargs)

    def stand_in(config, run_dir, cache, resume, requested):
        calls.append((config, requested))
        return {"weights": {"best": str(run_dir / "weights" / "best.pt")}}

    monkeypatch.setattr(inputfiles, "read_yaml", counted)
    monkeypatch.setattr(trainer, "train", stand_in)
    args = ("--resume", "--name", "run", "--config", str(config_file), "--runs-dir", str(tmp_path / "runs"))
    result = invoke_train(*args, "--workers", "0", index_path=index_path, cache=tmp_path / "cache")
    assert result.exit_code == 0, result.output
    assert reads.count(config_file) == 1
    ((config, requested),) = calls
    assert (config.epochs, config.lr, config.workers) == (2, 0.002, 0)
    assert (requested["epochs"], requested["lr"], requested["workers"]) == (2, 0.002, 0)
    assert requested["index"] == str(index_path.resolve())


def test_a_resumed_config_takes_only_where_it_runs_from_the_command_line(index_path):
    saved = tiny_config(index_path)
    resumed = resumed_config(saved, {"workers": 3, "device": "cpu", "lr": saved.lr}, "run")
    assert (resumed.workers, resumed.device, resumed.lr) == (3, "cpu", saved.lr)
    with pytest.raises(BallspotError, match="cannot change seed 0 -> 5"):
        resumed_config(saved, {"seed": 5}, "run")


class RunsCode:
    """An object whose unpickling writes a file: what a hostile checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def test_a_checkpoint_that_would_run_code_is_refused_unread(tmp_path, base_run):
    data = torch.load(base_run["root"] / "weights" / "best.pt", weights_only=True)
    marker = tmp_path / "ran"
    torch.save({**data, "extra": RunsCode(marker)}, tmp_path / "hostile.pt")
    result = runner.invoke(app, ["export", str(tmp_path / "hostile.pt"), str(tmp_path / "x")])
    assert_one_error_line(result, "cannot read weights file", "could run code")
    assert not marker.exists()
    # numpy's random state, which earlier checkpoints kept, still reads
    torch.save({**data, "rng": {"numpy": np.random.get_state()}}, tmp_path / "earlier.pt")
    assert load_checkpoint(tmp_path / "earlier.pt")["rng"]["numpy"][0] == "MT19937"


def test_corrupt_weights_are_one_line_errors(tmp_path, index_path, shared, base_run):
    runs = tmp_path / "runs"
    shutil.copytree(base_run["root"], runs / "broken")
    last = runs / "broken" / "weights" / "last.pt"
    last.write_bytes(last.read_bytes()[:200])
    result = invoke_train(
        "--resume", "--name", "broken", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path
    )
    best = runs / "broken" / "weights" / "best.pt"
    assert_one_error_line(result, "cannot read weights file", str(last), f"copy {best} to {last}, then --resume")
    with pytest.raises(BallspotError, match="cannot read weights file"):
        load_model(last)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(BallspotError, match="is not a ballspot checkpoint"):
        load_checkpoint(foreign)


@pytest.mark.parametrize("part", ["epoch", "optimizer", "history"])
def test_a_last_pt_without_training_state_is_one_error_line_naming_what_it_lacks(tmp_path, index_path, base_run, part):
    """A checkpoint fit to predict with but not to train on (a copied model, a damaged record) as last.pt."""
    from ballspot.engine.checkpoint import save_checkpoint

    runs = tmp_path / "runs"
    shutil.copytree(base_run["root"], runs / "bare")
    last = runs / "bare" / "weights" / "last.pt"
    data = {**load_checkpoint(last), "epoch": 0}  # as if stopped after its first epoch
    save_checkpoint(last, {key: value for key, value in data.items() if key != part})
    result = invoke_train("--resume", "--name", "bare", "--runs-dir", str(runs), index_path=index_path, cache=tmp_path)
    assert_one_error_line(result, str(last), "cannot be resumed from", f"no valid {part}", "best.pt")


def test_a_checkpoint_of_a_newer_ballspot_with_unknown_settings_says_to_upgrade(tmp_path, base_run):
    data = torch.load(base_run["root"] / "weights/best.pt", map_location="cpu", weights_only=False)
    newer = tmp_path / "newer.pt"
    torch.save({**data, "version": "99.0.0", "config": {**data["config"], "new_setting": 1}}, newer)
    with pytest.raises(BallspotError) as info:
        load_checkpoint(newer)
    assert str(info.value) == (
        f"{newer} was written by ballspot 99.0.0, newer than this one ({__version__}), which cannot read it "
        "(its config: unknown key 'new_setting'); upgrade ballspot: pip install -U ballspot"
    )
    torch.save({**data, "config": {**data["config"], "new_setting": 1}}, newer)  # this version's: damaged
    with pytest.raises(BallspotError, match="is a damaged ballspot checkpoint: its config: unknown key"):
        load_checkpoint(newer)


def test_a_weights_path_that_is_a_pipe_or_a_folder_says_what_it_is(tmp_path):
    os.mkfifo(tmp_path / "pipe.pt")  # reading it would block until a writer comes
    with pytest.raises(BallspotError, match=r"weights file .*pipe.pt is not a regular file \(a pipe or device\)"):
        load_checkpoint(tmp_path / "pipe.pt")
    with pytest.raises(BallspotError, match=r"weights file .* is a folder; give the file itself"):
        load_checkpoint(tmp_path)


def test_a_zip_of_other_files_is_named_as_such_not_by_torchs_internals(tmp_path):
    import zipfile

    path = tmp_path / "best.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(BallspotError) as info:
        load_checkpoint(path)
    assert str(info.value) == (
        f"cannot read weights file {path}: a zip archive of other files (notes.txt), not a file torch.save wrote"
    )


# --- data: rows, classes, the frame cache, samples -------------------------------------------------------------


def test_spot_adds_background_and_keeps_background_clips(index_path):
    from ballspot.data.index import load_index

    index = load_index(index_path)
    classify, spot = tiny_config(index_path), tiny_config(index_path, task="spot")
    assert output_classes(classify) == list(CLASSES_12)
    assert output_classes(spot) == [*CLASSES_12, BACKGROUND]
    classify_rows, spot_rows = split_rows(index, "train", classify), split_rows(index, "train", spot)
    assert len(classify_rows) == len(LABELS) and set(classify_rows["kind"]) == {"event"}
    assert (spot_rows["kind"] == "background").sum() == 2 and len(spot_rows) == len(LABELS) + 2
    spot_targets = targets(spot_rows, spot)
    assert list(spot_targets[spot_rows["kind"].to_numpy() == "background"]) == [12, 12]
    assert list(targets(classify_rows, classify)) == [CLASSES_12.index(label) for label in LABELS]


def test_frame_cache_holds_the_sampled_frames_around_each_event(index_path, shared, base_run):
    config = tiny_config(index_path, stride=1, jitter=2)
    data = prepare_split(index_path, "train", config, shared["cache"])
    assert data.cache.array.shape == (len(LABELS), config.frames + 2 * config.jitter, 64, 112)
    for row, event_ms in enumerate(data.rows["event_ms"]):
        centre = int(event_frame(event_ms, 25.0))
        for shift in (-2, 0, 2):
            shown = [read_counter(frame) for frame in data.cache.window(row, shift)]
            assert shown == list(centre + shift + np.arange(-3, 3)), (row, shift)


def test_a_second_run_reuses_the_frame_cache_and_another_window_gets_its_own(index_path, shared, base_run, monkeypatch):
    forbid_decoding(monkeypatch)
    for split in ("train", "valid"):
        prepare_split(index_path, split, tiny_config(index_path), shared["cache"])
    assert {p: p.stat().st_mtime_ns for p in base_run["cache_mtimes"]} == base_run["cache_mtimes"]
    assert len(base_run["cache_mtimes"]) == 2
    monkeypatch.undo()
    data = prepare_split(index_path, "valid", tiny_config(index_path, height=32), shared["cache"])
    assert data.cache.path not in base_run["cache_mtimes"] and data.cache.array.shape[2:] == (32, 112)


def test_augmentation_is_deterministic_for_seed_epoch_and_index(index_path, shared, base_run):
    config = tiny_config(index_path)
    data = prepare_split(index_path, "train", config, shared["cache"])

    def dataset(seed: int = 0, epoch: int = 0, train: bool = True) -> WindowDataset:
        samples = WindowDataset(data.cache, data.targets, config.stack_size, train=train, seed=seed)
        samples.set_epoch(epoch)
        return samples

    first, again = dataset(), dataset()
    x, label = first[3]
    assert x.shape == (2, 3, 64, 112) and x.dtype == torch.float32 and 0 <= float(x.min()) <= float(x.max()) <= 1
    assert label == CLASSES_12.index(LABELS[3])
    again[5]  # another sample drawn first changes nothing
    assert torch.equal(again[3][0], x)
    indices = range(len(LABELS))
    assert any(not torch.equal(dataset(epoch=1)[i][0], first[i][0]) for i in indices)
    assert any(not torch.equal(dataset(seed=1)[i][0], first[i][0]) for i in indices)
    plain = dataset(train=False)
    for i in indices:
        assert torch.equal(plain[i][0], to_stacks(torch.from_numpy(data.cache.window(i)), 3))


# --- the run folder -------------------------------------------------------------------------------------------


def test_a_run_folder_holds_config_metrics_summary_and_weights(index_path, base_run):
    root, summary = base_run["root"], base_run["summary"]
    assert summary["weights"] == {"best": str(root / "weights/best.pt"), "last": str(root / "weights/last.pt")}
    assert summary["epochs_done"] == 2 and set(summary["per_class"]) == set(CLASSES_12)
    assert summary["majority_baseline"]["class"] == "PASS"
    assert json.loads((root / "summary.json").read_text()) == summary
    saved = yaml.safe_load((root / "config.yaml").read_text())
    assert saved == tiny_config(index_path).to_dict()


def test_metrics_csv_has_one_row_per_epoch_with_the_columns(base_run):
    columns, rows = read_metrics(base_run["root"] / "metrics.csv")
    assert columns == METRIC_COLUMNS
    assert [int(row["epoch"]) for row in rows] == [1, 2]
    for row in rows:
        assert all(math.isfinite(float(row[c])) for c in METRIC_COLUMNS)
        assert 0 <= float(row["valid_accuracy"]) <= 1 and float(row["train_loss"]) > 0
    # 2 steps per epoch: warm-up ends at the first epoch's end, the cosine reaches 0 at the second's
    assert [float(row["lr"]) for row in rows] == [pytest.approx(1e-3), pytest.approx(0.0, abs=1e-12)]


def test_checkpoints_carry_config_classes_and_version(index_path, base_run):
    best = load_checkpoint(base_run["root"] / "weights/best.pt")
    last = load_checkpoint(base_run["root"] / "weights/last.pt")
    for checkpoint in (best, last):
        assert checkpoint["version"] == __version__
        assert checkpoint["classes"] == list(CLASSES_12) and checkpoint["task"] == "classify"
        assert checkpoint["config"] == tiny_config(index_path).to_dict()
        assert checkpoint["model_config"]["backbone"] == "test_efficientnet"
        assert checkpoint["model_config"]["num_classes"] == 12
    assert last["epoch"] == 1 and len(last["history"]) == 2
    assert best["epoch"] + 1 == base_run["summary"]["best_epoch"]


def test_load_model_rebuilds_the_network_and_reproduces_validation(index_path, shared, base_run):
    model, config, classes = load_model(base_run["root"] / "weights/last.pt")
    assert not model.training and classes == list(CLASSES_12) and config.backbone == "test_efficientnet"
    data = prepare_split(index_path, "valid", config, shared["cache"])
    x = torch.stack([sample[0] for sample in WindowDataset(data.cache, data.targets, config.stack_size)])
    y = torch.from_numpy(data.targets)
    with torch.inference_mode():
        logits = model(x)
    loss = float(build_loss(config.loss, len(classes), gamma=config.gamma, alpha=config.alpha)(logits, y))
    _, rows = read_metrics(base_run["root"] / "metrics.csv")
    assert loss == pytest.approx(float(rows[-1]["valid_loss"]), abs=1e-4)
    assert float((logits.argmax(1) == y).float().mean()) == pytest.approx(float(rows[-1]["valid_accuracy"]))


# --- resume, torchrun -----------------------------------------------------------------------------------------


def test_resume_after_an_interruption_ends_with_the_uninterrupted_weights(
    tmp_path, index_path, shared, base_run, monkeypatch
):
    config = tiny_config(index_path)
    reference = load_checkpoint(base_run["root"] / "weights/last.pt")
    assert reference["config"] == config.to_dict()  # the same run, only cut in two
    forbid_decoding(monkeypatch)  # and the frames come from the first run's cache
    run_dir = tmp_path / "cut"

    def interrupt(epoch: int, row: dict) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config, run_dir, shared["cache"], on_epoch_end=interrupt)
    assert load_checkpoint(run_dir / "weights/last.pt")["epoch"] == 0
    assert len(read_metrics(run_dir / "metrics.csv")[1]) == 1

    summary = train(config, run_dir, shared["cache"], resume=True)
    resumed = load_checkpoint(run_dir / "weights/last.pt")
    assert resumed["model"].keys() == reference["model"].keys()
    differing = [k for k, v in reference["model"].items() if not torch.equal(v, resumed["model"][k])]
    assert differing == []
    assert resumed["scheduler"]["last_epoch"] == reference["scheduler"]["last_epoch"]

    def without_time(rows):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    assert without_time(read_metrics(run_dir / "metrics.csv")[1]) == without_time(
        read_metrics(base_run["root"] / "metrics.csv")[1]
    )
    assert summary["best_epoch"] == base_run["summary"]["best_epoch"]


def never_improving(monkeypatch) -> None:
    """Every validation scores the same, so the first validated epoch stays the best."""
    from ballspot.engine import tasks

    built = tasks.build_task

    def build_task(*args, **kwargs):
        task = built(*args, **kwargs)
        validate = task.validate
        task.validate = lambda *a, **k: {**validate(*a, **k), "score": [0.0]}
        return task

    monkeypatch.setattr(tasks, "build_task", build_task)


def cut_after(config: TrainConfig, run_dir: Path, cache: Path, epochs: int) -> None:
    """Train `run_dir` and stop it (Ctrl-C) once `epochs` epochs are saved."""

    def interrupt(epoch: int, row: dict) -> None:
        if epoch + 1 == epochs:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config, run_dir, cache, on_epoch_end=interrupt)


def test_a_resume_puts_back_a_missing_best_pt_from_last_pt_when_that_epoch_was_the_best(
    tmp_path, index_path, shared, monkeypatch, capsys
):
    never_improving(monkeypatch)
    run_dir = tmp_path / "run"
    cut_after(tiny_config(index_path), run_dir, shared["cache"], 1)
    weights = load_checkpoint(run_dir / "weights/last.pt")["model"]
    (run_dir / "weights/best.pt").unlink()
    capsys.readouterr()
    summary = train(tiny_config(index_path), run_dir, shared["cache"], resume=True)
    assert "warning" not in capsys.readouterr().err  # config.yaml as written: no word about it
    assert summary["best_epoch"] == 1
    best = load_checkpoint(summary["weights"]["best"])
    assert best["epoch"] == 0 and all(torch.equal(v, best["model"][k]) for k, v in weights.items())


def test_a_resume_without_best_pt_says_it_is_lost_and_the_epochs_left_choose_a_new_best(
    tmp_path, index_path, shared, monkeypatch, capsys
):
    never_improving(monkeypatch)
    run_dir = tmp_path / "run"
    config = tiny_config(index_path, epochs=3)
    cut_after(config, run_dir, shared["cache"], 2)  # epoch 1 is the best, epoch 2 the last saved
    (run_dir / "weights/best.pt").unlink()
    capsys.readouterr()
    summary = train(config, run_dir, shared["cache"], resume=True)
    assert "warning: weights/best.pt is missing; the best epoch so far (1) is lost" in capsys.readouterr().err
    assert summary["best_epoch"] == 3
    assert load_checkpoint(summary["weights"]["best"])["epoch"] == 2


def test_a_run_stopped_before_its_last_epochs_metrics_were_written_finishes_them_on_resume(
    tmp_path, index_path, shared, monkeypatch
):
    """weights/last.pt is written after the epoch's metrics.csv and summary.json: a run stopped between them
    is not taken for finished, and --resume writes the rows it lacked."""
    from ballspot.engine import trainer

    written = trainer.write_metrics

    def stopped_at_the_last_epoch(path, history, columns):
        if len(history) == TINY["epochs"]:
            raise KeyboardInterrupt
        written(path, history, columns)

    run_dir = tmp_path / "run"
    monkeypatch.setattr(trainer, "write_metrics", stopped_at_the_last_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(index_path), run_dir, shared["cache"])
    monkeypatch.setattr(trainer, "write_metrics", written)
    summary = train(tiny_config(index_path), run_dir, shared["cache"], resume=True)
    assert summary["epochs_done"] == 2
    assert [row["epoch"] for row in read_metrics(run_dir / "metrics.csv")[1]] == ["1", "2"]
    assert json.loads((run_dir / "summary.json").read_text())["epochs_done"] == 2


def test_a_resume_over_an_edited_config_yaml_says_it_goes_on_with_the_runs_own_settings(
    tmp_path, index_path, shared, capsys
):
    """config.yaml records the run's settings; an edit there changes nothing, which --resume says."""
    run_dir = tmp_path / "run"
    cut_after(tiny_config(index_path), run_dir, shared["cache"], 1)
    written = (run_dir / "config.yaml").read_text()
    (run_dir / "config.yaml").write_text(written.replace("epochs: 2\n", "epochs: 5\n"))
    capsys.readouterr()
    summary = train(tiny_config(index_path), run_dir, shared["cache"], resume=True)
    warned = capsys.readouterr().err
    assert f"warning: {run_dir / 'config.yaml'} is not the settings run run trained with (epochs 2 -> 5)" in warned
    assert "goes on with those in weights/last.pt" in warned
    assert summary["epochs_done"] == 2 and (run_dir / "config.yaml").read_text() == written


def test_a_run_resumed_where_fp16_needs_a_gradient_scaler_starts_one(tmp_path, index_path, shared, monkeypatch):
    """A run started in fp32 or bf16 (a CPU, a bf16 GPU) saves a disabled scaler's empty state; resumed on a GPU
    without bf16, `auto` precision is fp16, whose scaler starts afresh (torch refuses the empty state). The
    GPU is played by an enabled CPU scaler."""
    from ballspot.engine import trainer

    run_dir = tmp_path / "run"
    cut_after(tiny_config(index_path), run_dir, shared["cache"], 1)
    assert load_checkpoint(run_dir / "weights/last.pt")["scaler"] == {}
    monkeypatch.setattr(trainer, "make_grad_scaler", lambda device, precision: torch.amp.GradScaler("cpu"))
    summary = train(tiny_config(index_path), run_dir, shared["cache"], resume=True)
    assert summary["epochs_done"] == 2
    assert load_checkpoint(run_dir / "weights/last.pt")["scaler"]["scale"] > 0


def test_a_resume_needs_no_pretrained_weights_file_its_last_pt_holds_the_weights(tmp_path, index_path, shared):
    """The backbone's starting weights (a file, or `hub`: a download) serve the first epoch only; a resumed run
    takes its weights from last.pt, so the file moved away (or no internet) does not stop it."""
    import timm

    start = tmp_path / "encoder.pth"
    torch.save(timm.create_model("test_efficientnet", in_chans=3).state_dict(), start)
    config = tiny_config(index_path, pretrained=str(start))
    run_dir = tmp_path / "run"
    cut_after(config, run_dir, shared["cache"], 1)
    start.unlink()
    args = ("--pretrained", str(start), "--resume", "--name", "run", "--runs-dir", str(tmp_path), "--json")
    result = invoke_train(*args, index_path=index_path, cache=shared["cache"])  # the command that started it
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["epochs_done"] == 2


def test_a_resume_over_an_index_whose_clips_changed_is_refused(tmp_path, index_path, shared):
    """The run's index rewritten at the same path with other clips (another `segment`/`index`): going on would
    train the later epochs on other data. Rewritten with the same clips (another file, same rows) is fine."""
    import pandas as pd

    index = tmp_path / "index.parquet"
    shutil.copy(index_path, index)
    config = tiny_config(index)
    run_dir = tmp_path / "run"
    cut_after(config, run_dir, shared["cache"], 1)
    rows = pd.read_parquet(index_path)
    rows.iloc[1:].to_parquet(index)  # one clip fewer
    with pytest.raises(BallspotError, match=f"clip index {index} no longer holds the clips run run trained on"):
        train(config, run_dir, shared["cache"], resume=True)
    rows.sample(frac=1.0, random_state=0).to_parquet(index)  # the same clips, written in another order
    assert train(config, run_dir, shared["cache"], resume=True)["epochs_done"] == 2


def _small_index():
    """Two games' clips as `ballspot index` lists them (the videos need not exist to read the index)."""
    import pandas as pd

    from ballspot.data.index import COLUMNS

    rows = []
    for game, split in (("g1", "train"), ("g2", "valid")):
        for label_id, (label, ms) in enumerate((("PASS", 1000), ("DRIVE", 2500), (BACKGROUND, 4000))):
            kind = "background" if label == BACKGROUND else "event"
            team = "left" if label_id == 0 else ""
            rows.append(
                dict(clip="", label=label, label_id=label_id, kind=kind, game=game, split=split, video=f"/v/{game}.mp4")
                | dict(half=1, event_ms=ms, start_ms=ms - 500, end_ms=ms + 500, duration_s=1.0, team=team)
                | dict(visibility="visible")
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


TEXT_COLUMNS_OF_THE_INDEX = ("label", "kind", "game", "split", "video", "team", "visibility")


@pytest.mark.parametrize(
    "suffix, dtypes",
    [
        (".csv", {}),
        (".parquet", {"half": float, "event_ms": float}),  # a table that once held a gap: pandas made it float
        (".csv", {"half": float, "event_ms": float}),  # written 1.0, read back as float
        (".parquet", {"half": "int32", "event_ms": "Int64", "label_id": "uint8"}),
        (".parquet", dict.fromkeys(TEXT_COLUMNS_OF_THE_INDEX, "category")),
        (".csv", {"event_ms": float} | dict.fromkeys(TEXT_COLUMNS_OF_THE_INDEX, "category")),
    ],
)
def test_the_clip_digest_resume_checks_reads_the_values_not_how_they_are_stored(tmp_path, suffix, dtypes):
    """The same clips saved as CSV instead of Parquet, or with other column types, are the same clips to
    `--resume`; another event time is not."""
    from ballspot.engine.data import index_digest

    config = TrainConfig(index="unused")
    index = _small_index()
    index.to_parquet(tmp_path / "index.parquet", index=False)
    saved_again = tmp_path / f"again{suffix}"
    getattr(index.astype(dtypes), "to_csv" if suffix == ".csv" else "to_parquet")(saved_again, index=False)
    assert index_digest(saved_again, config) == index_digest(tmp_path / "index.parquet", config)
    other = index.astype(dtypes)
    other.loc[1, "event_ms"] += 40
    getattr(other, "to_csv" if suffix == ".csv" else "to_parquet")(saved_again, index=False)
    assert index_digest(saved_again, config) != index_digest(tmp_path / "index.parquet", config)


def test_the_clip_digest_of_an_index_ballspot_wrote_is_the_one_runs_already_store(tmp_path):
    """Whole numbers stored as integers (what `ballspot index` writes, CSV or Parquet) digest as before: runs
    started earlier resume over their index."""
    from ballspot.engine.data import index_digest

    _small_index().to_parquet(tmp_path / "index.parquet", index=False)
    assert index_digest(tmp_path / "index.parquet", TrainConfig(index="unused")) == "a75a93b5e186ee29add9"


def test_a_resume_takes_the_runs_index_from_its_new_place_and_no_other(tmp_path, index_path, shared, capsys):
    """Data moved to another disk: --index gives the run's index where it lies now (the same clips), which the
    resumed run goes on with; an index of other clips there is still a change it refuses."""
    import pandas as pd

    before, moved, other = tmp_path / "before.parquet", tmp_path / "moved.parquet", tmp_path / "other.parquet"
    shutil.copy(index_path, before)
    run_dir = tmp_path / "run"
    cut_after(tiny_config(before), run_dir, shared["cache"], 1)
    pd.read_parquet(index_path).iloc[1:].to_parquet(other)
    with pytest.raises(BallspotError, match="cannot change index"):
        train(tiny_config(other), run_dir, shared["cache"], resume=True, requested={"index": str(other)})
    before.rename(moved)
    capsys.readouterr()
    summary = train(tiny_config(moved), run_dir, shared["cache"], resume=True, requested={"index": str(moved)})
    assert summary["epochs_done"] == 2
    assert "warning" not in capsys.readouterr().err  # config.yaml named the index's old place: no edit of it
    assert load_checkpoint(run_dir / "weights/last.pt")["config"]["index"] == str(moved)
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["index"] == str(moved)


def test_a_weight_average_is_what_is_saved_and_resume_keeps_both(tmp_path, index_path, shared, monkeypatch):
    """`ema`: checkpoints hold the moving average as `model` (what validation and predict use) and the
    weights as trained beside it, and a resumed run ends exactly where an uninterrupted one does."""
    config = tiny_config(index_path, ema=0.9)
    forbid_decoding(monkeypatch)
    train(config, tmp_path / "whole", shared["cache"])
    whole = load_checkpoint(tmp_path / "whole/weights/last.pt")
    averaged, trained = whole["model"], whole["trained_model"]
    assert averaged.keys() == trained.keys()
    assert any(not torch.equal(v, trained[k]) for k, v in averaged.items() if v.is_floating_point())
    model, _, _ = load_model(tmp_path / "whole/weights/last.pt")
    assert all(torch.equal(v, averaged[k]) for k, v in model.state_dict().items())

    def interrupt(epoch: int, row: dict) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config, tmp_path / "cut", shared["cache"], on_epoch_end=interrupt)
    train(config, tmp_path / "cut", shared["cache"], resume=True)
    resumed = load_checkpoint(tmp_path / "cut/weights/last.pt")
    for key in ("model", "trained_model"):
        assert [k for k, v in whole[key].items() if not torch.equal(v, resumed[key][k])] == []


def test_ema_must_be_below_one(tmp_path, index_path):
    for value in ("1.0", "-0.1"):
        config = tmp_path / f"ema{value}.yaml"
        config.write_text(f"ema: {value}\n")
        result = invoke_train("--config", str(config), index_path=index_path, cache=tmp_path)
        assert_one_error_line(result, "ema must be at least 0 and below 1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_torchrun_two_processes_on_cpu_train_one_run(tmp_path, index_path):
    """`torchrun --nproc_per_node 2 -m ballspot train` with gloo: rank 0 alone writes the run folder."""
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    env = {**os.environ, "BALLSPOT_RUNS_DIR": str(runs), "BALLSPOT_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_port", str(free_port()), "-m", "ballspot", "train", "--index", str(index_path)]
    command += [*TINY_ARGS, "--task", "spot", "--name", "ddp", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    if result.returncode != 0 and "terminate called without an active exception" in result.stderr:
        shutil.rmtree(runs, ignore_errors=True)  # gloo's rare abort at teardown: one more try, from scratch
        command[command.index("--master_port") + 1] = str(free_port())
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)  # one JSON document: the other rank prints nothing
    root = runs / "ddp"
    assert summary["run"] == str(root) and summary["epochs_done"] == 2
    assert [p.name for p in runs.iterdir()] == ["ddp"]
    assert sorted(p.name for p in root.iterdir()) == ["config.yaml", "metrics.csv", "summary.json", "weights"]
    assert sorted(p.name for p in (root / "weights").iterdir()) == ["best.pt", "last.pt"]
    columns, rows = read_metrics(root / "metrics.csv")
    assert columns == METRIC_COLUMNS and [int(row["epoch"]) for row in rows] == [1, 2]
    last = load_checkpoint(root / "weights/last.pt")
    assert last["classes"] == [*CLASSES_12, BACKGROUND] and last["model_config"]["num_classes"] == 13
    assert not any(key.startswith("module.") for key in last["model"])
    assert len(list(cache.glob("frames-*.npy"))) == 2


def test_a_bad_value_from_the_config_file_names_the_file(tmp_path):
    """Range errors spell settings as options; one the YAML file set says which file, one an option set does
    not, and an option overriding the file's bad value is accepted."""
    from ballspot.engine.config import resolve_config

    bad = tmp_path / "bad.yaml"
    bad.write_text("height: 7\n")
    with pytest.raises(BallspotError, match=r"--height must be between .* got 7 \(set in .*bad.yaml\)"):
        resolve_config(bad, {})
    assert resolve_config(bad, {"height": 64}).height == 64
    good = tmp_path / "good.yaml"
    good.write_text("height: 64\n")
    with pytest.raises(BallspotError) as raised:
        resolve_config(good, {"epochs": 0})
    assert "--epochs" in str(raised.value) and "set in" not in str(raised.value)
