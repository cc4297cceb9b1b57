"""The first hour of a new user: after `ballspot quickstart`, `predict VIDEO`, `evaluate` and `tune` need no
options pointing at its outputs, and each runs to the end; examples/predict_api.py runs as it is."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.defaults import clip_index, newest_spotter, quickstart_outputs
from ballspot.errors import BallspotError
from ballspot.tune.machine import CPU_RECIPE, CPU_SPACE, CPU_TRIAL_EPOCHS, choose_start, start_note
from ballspot.tune.space import DEFAULT_SPACE
from tests.assertions import assert_one_error_line

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    """A data folder with the runs and studies inside it, as for a user who set nothing but the data folder."""
    data = tmp_path / "data"
    monkeypatch.setenv("BALLSPOT_DATA_DIR", str(data))
    monkeypatch.delenv("BALLSPOT_RUNS_DIR")
    monkeypatch.delenv("BALLSPOT_STUDIES_DIR")
    return data


@pytest.mark.slow
def test_the_commands_after_the_quick_start_need_no_options(home, monkeypatch):
    monkeypatch.delenv("BALLSPOT_QUIET")  # the next-step lines are part of what is checked
    result = runner.invoke(app, ["quickstart", "--games", "3", "--minutes", "0.5", "--epochs", "1", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "ballspot evaluate\n" in result.stderr and "ballspot tune --trials 12" in result.stderr
    predict_line = next(line for line in result.stderr.splitlines() if "ballspot predict " in line)
    summary = json.loads((home / "quickstart" / "summary.json").read_text())
    video = predict_line.split("ballspot predict ", 1)[1].strip().strip("'")
    assert Path(video).is_file() and summary["test_games"][0] in video

    result = runner.invoke(app, ["predict", video, "--json"])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout)["predictions"], list)

    example = subprocess.run(
        [sys.executable, str(REPO / "examples" / "predict_api.py"), video, summary["model"]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert example.returncode == 0, example.stderr
    assert all(line.split()[1] == "s" for line in example.stdout.splitlines())  # "  12.34 s  PASS  0.87"

    result = runner.invoke(app, ["evaluate", "--json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["games"] == summary["test_games"]
    assert report["mAP"] == pytest.approx(summary["mAP@1"], abs=1e-4)
    assert 0 <= report["chance"]["mAP"] <= 1

    result = runner.invoke(app, ["tune", "--trials", "2", "--epochs", "1", "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    assert f"CPU recipe {CPU_RECIPE!r}" in result.stderr
    tuned = json.loads(result.stdout)
    assert [t["state"] for t in tuned["trials"]] == ["complete", "complete"]
    assert Path(tuned["best_config"]).is_file()


def test_newest_spotter_looks_in_the_runs_folder_and_the_quick_starts(home):
    with pytest.raises(BallspotError, match="`ballspot quickstart`"):
        newest_spotter()
    quick = home / "quickstart" / "runs" / "quickstart" / "weights" / "best.pt"
    quick.parent.mkdir(parents=True)
    quick.write_bytes(b"")
    assert newest_spotter() == quick
    trained = home / "runs" / "first" / "weights" / "best.pt"
    trained.parent.mkdir(parents=True)
    trained.write_bytes(b"")
    assert newest_spotter() == trained  # the newer one


def trained(home: Path, name: str, task: str, age_s: float) -> Path:
    """An (empty) best.pt of a run trained with --task `task`, written `age_s` seconds ago."""
    import os
    import time

    weights = home / "runs" / name / "weights" / "best.pt"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"")
    (weights.parent.parent / "config.yaml").write_text(f"task: {task}\nframes: 15\n")
    os.utime(weights, (time.time() - age_s, time.time() - age_s))
    return weights


def test_the_default_model_passes_over_newer_clip_classifiers(home):
    """predict and the app need a spotter: a clip classifier trained after it is not taken by default."""
    spotter = trained(home, "spotter", "dense", 300)
    trained(home, "classifier", "classify", 10)
    assert newest_spotter() == spotter
    newer = trained(home, "window", "spot", 1)
    assert newest_spotter() == newer


def test_predict_without_a_model_says_when_every_run_is_a_clip_classifier(home, tmp_path):
    trained(home, "old", "classify", 300)
    newest = trained(home, "new", "classify", 10)
    with pytest.raises(BallspotError, match="all clip classifiers"):
        newest_spotter()
    video = tmp_path / "match.mp4"
    video.write_bytes(b"")
    result = runner.invoke(app, ["predict", str(video)])
    assert_one_error_line(result, "clip classifiers (--task classify", str(newest), "--task dense", "--model")


def test_predict_without_a_model_says_which_model_it_took(home, tiny_run, monkeypatch):
    monkeypatch.delenv("BALLSPOT_QUIET")
    weights = home / "runs" / "first" / "weights" / "best.pt"
    weights.parent.mkdir(parents=True)
    shutil.copy(tiny_run["best"], weights)
    video = next(tiny_run["league"].rglob("224p.mp4"))
    result = runner.invoke(app, ["predict", str(video), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"model: {weights} (the newest spotting run's; --model picks another)" in result.stderr


def test_a_run_path_relative_to_the_data_folder_is_pointed_at_from_elsewhere(home, tmp_path, monkeypatch):
    """`runs/first/weights/best.pt`, as the docs write it, typed in another folder than the data folder."""
    weights = home / "runs" / "first" / "weights" / "best.pt"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["evaluate", "--model", "runs/first/weights/best.pt"])
    assert_one_error_line(result, "not found: runs/first/weights/best.pt", f"(did you mean {weights}?)")
    result = runner.invoke(app, ["evaluate", "--model", "runs/second/weights/best.pt"])
    assert_one_error_line(result, "not found: runs/second/weights/best.pt")
    assert "did you mean" not in result.stderr


def test_predict_without_a_model_names_the_command_that_makes_one(home, tmp_path):
    video = tmp_path / "match.mp4"
    video.write_bytes(b"")
    result = runner.invoke(app, ["predict", str(video)])
    assert_one_error_line(result, "no trained model under", "`ballspot quickstart`", "--model")


def test_clip_index_falls_back_to_the_quick_starts(home):
    with pytest.raises(BallspotError, match="index not found.*`ballspot quickstart`.*`ballspot segment DATASET_ROOT`"):
        clip_index()
    quick = home / "quickstart" / "clips" / "index.parquet"
    quick.parent.mkdir(parents=True)
    quick.write_bytes(b"")
    assert clip_index().path == quick and clip_index().from_quickstart
    usual = home / "clips" / "index.parquet"
    usual.parent.mkdir(parents=True)
    usual.write_bytes(b"")
    assert clip_index().path == usual and not clip_index().from_quickstart


def test_tune_without_an_index_names_the_commands_that_make_one(home):
    result = runner.invoke(app, ["tune", "--trials", "1", "--device", "cpu"])
    assert_one_error_line(result, "index not found", "`ballspot quickstart`", "--index")


def test_evaluate_without_inputs_scores_the_quick_start_or_says_how_to_get_one(home):
    result = runner.invoke(app, ["evaluate"])
    assert result.exit_code == 2 and "ballspot quickstart" in result.stderr
    assert quickstart_outputs() is None
    (home / "quickstart" / "league").mkdir(parents=True)
    (home / "quickstart" / "predictions").mkdir()
    summary = {"league": str(home / "quickstart" / "league"), "predictions": str(home / "quickstart" / "predictions")}
    (home / "quickstart" / "summary.json").write_text(json.dumps(summary))
    found = quickstart_outputs()
    assert found is not None and found.labels == home / "quickstart" / "league" and found.split == "test"


def test_tune_starts_from_a_recipe_that_fits_the_machine():
    cpu = choose_start(None, None, None, "cpu")
    assert (cpu.config, cpu.space, cpu.epochs) == (CPU_RECIPE, CPU_SPACE, CPU_TRIAL_EPOCHS)
    assert "no GPU" in cpu.note and f"({CPU_TRIAL_EPOCHS} epochs each)" in cpu.note
    assert start_note(cpu, {"lr"}) == cpu.note
    assert "(epochs from the search space)" in start_note(cpu, {"lr", "epochs"})  # a space that tunes them
    assert choose_start(None, None, 3, "cpu").epochs == 3
    gpu = choose_start(None, None, None, "cuda")
    assert (gpu.config, gpu.space, gpu.epochs, gpu.note) == (None, DEFAULT_SPACE, None, None)
    chosen = choose_start("my.yaml", None, None, "cpu")
    assert (chosen.config, chosen.space, chosen.note) == ("my.yaml", DEFAULT_SPACE, None)


def test_the_cpu_search_space_fits_the_cpu_recipe():
    """Every bound and choice of the CPU space makes a config `train` accepts on top of the recipe."""
    from ballspot.engine.config import resolve_config
    from ballspot.tune.space import load_space

    specs = load_space(CPU_SPACE, resolve_config(CPU_RECIPE, {}))
    assert {s.name for s in specs} >= {"lr", "dropout"}
