"""The dense task end to end on two tiny games: train, resume, predict with team sides, flip TTA, evaluate."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.metrics import evaluate_spotting
from ballspot.metrics.spotting import team_map_of_present_classes
from ballspot.soccernet.labels import Annotation, labels_document
from tests.assertions import assert_one_error_line, assert_usage_error
from tests.videos import counter_frames, encode

runner = CliRunner()
GAMES = ("league/2020-2021/2020-01-01 - Alpha - Beta", "league/2020-2021/2020-01-02 - Gamma - Delta")
EVENTS = [("PASS", 700, "left"), ("DRIVE", 1900, "right"), ("PASS", 3100, "right"), ("HEADER", 4300, "left")]
TINY = [
    "--task", "dense", "--backbone", "test_efficientnet", "--height", "32", "--width", "64", "--frames", "12",
    "--stride", "2", "--batch-size", "2", "--device", "cpu", "--clips-per-epoch", "4", "--pooling", "gem",
]  # fmt: skip


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dense-league")
    for game in GAMES:
        folder = root / game
        folder.mkdir(parents=True)
        encode(folder / "224p.mp4", counter_frames(150), audio=False)  # 6 s
        annotations = [Annotation(label, ms, team=team) for label, ms, team in EVENTS]
        (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    (root / "splits.json").write_text(json.dumps({"train": [GAMES[0]], "valid": [GAMES[1]], "test": [GAMES[1]]}))
    return root


@pytest.fixture(scope="module")
def run(league, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("dense-run")
    clips, runs, cache = base / "clips", base / "runs", base / "cache"
    assert runner.invoke(app, ["segment", str(league), "--no-clips", "--out", str(clips), "-q"]).exit_code == 0
    result = runner.invoke(app, ["index", str(clips), "-q"])
    index = result.stdout.strip()
    args = ["train", "--index", index, *TINY, "--epochs", "1", "--name", "tiny", "-q"]
    result = runner.invoke(app, [*args, "--runs-dir", str(runs), "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    return {"base": base, "index": Path(index), "runs": runs, "cache": cache, "best": runs / "tiny/weights/best.pt"}


def test_a_dense_run_reports_map_per_epoch_and_resumes(run):
    rows = list(csv.DictReader((run["runs"] / "tiny" / "metrics.csv").open()))
    assert list(rows[0]) == ["epoch", "train_loss", "train_accuracy", "valid_map", "valid_team_map", "lr", "seconds"]
    assert 0.0 <= float(rows[0]["valid_map"]) <= 1.0 and float(rows[0]["valid_team_map"]) >= 0.0
    summary = json.loads((run["runs"] / "tiny" / "summary.json").read_text())
    assert summary["task"] == "dense" and set(summary["ap_per_class"]) >= {"PASS", "DRIVE", "HEADER"}
    args = ["train", "--name", "tiny", "--resume", "-q", "--runs-dir", str(run["runs"])]
    args += ["--cache-dir", str(run["cache"])]
    assert_one_error_line(runner.invoke(app, args), "already finished its 1 epochs")
    assert_one_error_line(runner.invoke(app, [*args, "--epochs", "2"]), "cannot change epochs 1 -> 2")


def test_predictions_carry_team_sides_that_evaluate_reads_back(run, league, tmp_path):
    out = tmp_path / "predictions"
    args = ["predict", str(league), "--model", str(run["best"]), "--out", str(out), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    for game in GAMES:
        predictions = json.loads((out / game / "results_spotting.json").read_text())["predictions"]
        assert predictions and all(p["team"] in ("left", "right") for p in predictions)
        positions = [p["position"] for p in predictions]
        assert max(positions) < 6000 and all(p % 40 == 0 for p in positions)  # frame starts at 25 fps
        events = json.loads((out / game / "events.json").read_text())["events"]
        assert all(e["team"] in ("left", "right") for e in events)
    result = evaluate_spotting(league, out, team=True)
    assert team_map_of_present_classes(result) is not None and 0.0 <= result.mAP <= 1.0
    report = runner.invoke(app, ["evaluate", "--predictions", str(out), "--labels", str(league), "--json"])
    assert report.exit_code == 0, report.output
    per_class = {row["class"]: row["team_ap"] for row in json.loads(report.stdout)["per_class"]}
    assert per_class["PASS"] == pytest.approx(result.per_class[0].team_ap)
    text = runner.invoke(app, ["evaluate", "--predictions", str(out), "--labels", str(league), "--no-chance"])
    assert "Team mAP@1: n/a" in text.stdout  # 9 of the 12 classes have no event: undefined by SoccerNet's rule
    present = f"over the 3 classes with events (what training reports): {team_map_of_present_classes(result):.4f}"
    assert present in text.stdout


def test_flip_tta_runs_and_a_window_model_refuses_it(run, league, tmp_path):
    video = league / GAMES[1] / "224p.mp4"
    args = ["predict", str(video), "--model", str(run["best"]), "--tta", "flip", "--json", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert all(p["team"] in ("left", "right") for p in json.loads(result.stdout)["predictions"])
    result = runner.invoke(app, [*args[:-5], "--tta", "mirror"])
    assert_usage_error(result, "--tta", "'mirror'")


def test_predict_phases_changes_the_scores_and_is_refused_beyond_a_stack(run, league, tmp_path):
    root = tmp_path / "season"
    args = ["predict", str(league), "--model", str(run["best"]), "--out", str(root), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    results = root / GAMES[1] / "results_spotting.json"
    one = json.loads(results.read_text())["predictions"]
    assert runner.invoke(app, [*args, "--phases", "3"]).exit_code == 0  # another setting: the games again
    three = json.loads(results.read_text())["predictions"]
    assert three and [p["confidence"] for p in three] != [p["confidence"] for p in one]
    assert all(p["team"] in ("left", "right") for p in three)
    result = runner.invoke(app, [*args, "--phases", "4"])  # stacks of 3 frames have 3 starting frames
    assert_one_error_line(result, "--phases 4 does not fit", "between 1 and the frames of a stack (3)")


def train_with(option: str, run, tmp_path) -> tuple[Path, object]:
    """A one-epoch tiny dense run with `option` on; (its best.pt, the model rebuilt from it)."""
    from ballspot.engine.checkpoint import load_model

    args = ["train", "--index", str(run["index"]), *TINY, "--epochs", "1", option, "--name", "with", "-q"]
    result = runner.invoke(app, [*args, "--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(run["cache"])])
    assert result.exit_code == 0, result.output
    weights = tmp_path / "runs/with/weights/best.pt"
    return weights, load_model(weights, "cpu")[0]


def predicted_events(weights: Path, video: Path, out: Path, *options: str) -> list:
    result = runner.invoke(app, ["predict", str(video), "--model", str(weights), "--json", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["predictions"]


def test_a_motion_run_keeps_its_input_mapping_through_predict(run, league, tmp_path):
    weights, model = train_with("--motion", run, tmp_path)
    assert model.cfg.motion is True and type(model.motion).__name__ == "MotionInput"
    assert predicted_events(weights, league / GAMES[1] / "224p.mp4", tmp_path / "p")


def test_a_camera_run_predicts_from_the_camera_shift_it_was_trained_with(run, league, tmp_path):
    weights, model = train_with("--camera", run, tmp_path)
    assert model.cfg.camera is True and model.feature_channels == model.cfg.temporal_channels + 2
    assert predicted_events(weights, league / GAMES[1] / "224p.mp4", tmp_path / "p", "--tta", "flip")


def test_a_run_without_the_team_side_validates_and_predicts_without_it(run, league, tmp_path):
    weights, model = train_with("--no-team", run, tmp_path)  # the labels have sides; the run ignores them
    assert model.cfg.team is False and model.team is None
    rows = list(csv.DictReader((tmp_path / "runs/with/metrics.csv").open()))
    assert rows[-1]["valid_map"] != "" and rows[-1]["valid_team_map"] == ""
    events = predicted_events(weights, league / GAMES[1] / "224p.mp4", tmp_path / "p")
    assert events and all("team" not in event for event in events)


def test_motion_needs_stacks_of_grey_frames(run, tmp_path):
    args = ["train", "--index", str(run["index"]), *TINY, "--motion", "--stack-size", "1", "--frames", "12"]
    result = runner.invoke(app, [*args, "--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(run["cache"])])
    assert_one_error_line(result, "--motion needs stacks of at least 2 grey frames")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_validation_can_start_at_a_later_epoch(run, tmp_path):
    recipe = tmp_path / "late.yaml"
    recipe.write_text("validate_from: 2\n")
    args = ["train", "--config", str(recipe), "--index", str(run["index"]), *TINY, "--epochs", "2", "-q"]
    args += ["--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(run["cache"]), "--name", "late"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "runs/late/metrics.csv").open()))
    assert [row["valid_map"] == "" for row in rows] == [True, False]  # epoch 1 only trained
    summary = json.loads((tmp_path / "runs/late/summary.json").read_text())
    assert summary["best_epoch"] == 2 and (tmp_path / "runs/late/weights/best.pt").is_file()
    recipe.write_text("validate_from: 5\n")  # beyond the epochs: the last one still validates
    result = runner.invoke(app, [*args[:-1], "late-5"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "runs/late-5/metrics.csv").open()))
    assert [row["valid_map"] == "" for row in rows] == [True, False]
    recipe.write_text("validate_from: 0\n")
    result = runner.invoke(app, [*args[:-1], "never"])
    assert_one_error_line(result, "validate_from must be at least 1, got 0")
    assert not (tmp_path / "runs/never").exists()


def test_training_on_several_splits_reads_every_game_of_them(run, tmp_path):
    from ballspot.engine.config import TrainConfig
    from ballspot.engine.dense import prepare_dense_split

    config = TrainConfig(task="dense", height=32, width=64, frames=12, stride=2)
    both = prepare_dense_split(run["index"], "train,valid", config, run["cache"])
    assert both.names == [f"{GAMES[0]} half 1", f"{GAMES[1]} half 1"]
    assert prepare_dense_split(run["index"], "train", config, run["cache"]).names == [f"{GAMES[0]} half 1"]
    recipe = tmp_path / "final.yaml"
    recipe.write_text("train_split: train, valid\n")
    args = ["train", "--config", str(recipe), "--index", str(run["index"]), *TINY, "--epochs", "1", "--name", "fit"]
    result = runner.invoke(app, [*args, "--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(run["cache"])])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "runs/fit/summary.json").read_text())
    assert summary["best_epoch"] == 1 and "warning" not in result.output  # a list naming valid is deliberate
    recipe.write_text("train_split: train,vlaid\n")
    result = runner.invoke(app, [*args[:-1], "typo", "--runs-dir", str(tmp_path / "runs")])
    assert_one_error_line(result, "train_split must name splits among train, valid, test, challenge")


def test_validation_games_with_some_events_of_no_team_train_without_a_team_map(tmp_path):
    """An event no side makes (no `team`) leaves the validation Team mAP undefined; training stopped with an
    error after the first epoch."""
    root = tmp_path / "league"
    for game in GAMES:
        folder = root / game
        folder.mkdir(parents=True)
        encode(folder / "224p.mp4", counter_frames(150), audio=False)
        annotations = [Annotation(label, ms, team=team) for label, ms, team in EVENTS]
        annotations[1] = Annotation("OUT", 1900)
        (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    (root / "splits.json").write_text(json.dumps({"train": [GAMES[0]], "valid": [GAMES[1]]}))
    clips, runs = tmp_path / "clips", tmp_path / "runs"
    assert runner.invoke(app, ["segment", str(root), "--no-clips", "--out", str(clips), "-q"]).exit_code == 0
    index = runner.invoke(app, ["index", str(clips), "-q"]).stdout.strip()
    args = ["train", "--index", index, *TINY, "--epochs", "1", "--name", "some", "-q", "--runs-dir", str(runs)]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((runs / "some" / "metrics.csv").open()))
    assert rows[-1]["valid_map"] != "" and rows[-1]["valid_team_map"] == ""


def test_an_hf_export_of_a_dense_model_finds_the_same_events(run, league, tmp_path):
    out = tmp_path / "dense-hf"
    assert runner.invoke(app, ["export", str(run["best"]), str(out), "-q"]).exit_code == 0
    documents = []
    for model in (run["best"], out):
        args = ["predict", str(league), "--model", str(model), "--device", "cpu", "--threads", "1", "--json"]
        result = runner.invoke(app, [*args, "--out", str(tmp_path / model.name)])
        assert result.exit_code == 0, result.output
        documents.append(json.loads(result.stdout))
    assert len(documents[0]) == len(documents[1]) and any(d["predictions"] for d in documents[0])
    for want, have in zip(*documents, strict=True):
        assert have["predictions"] == want["predictions"]
