"""`ballspot evaluate --model`: a run's weights classify the clips of a split of the index.

Uses test_train's tiny league (8 events and 2 background clips per split) and trains two 1-epoch runs on it
(classify, spot) with timm's `test_efficientnet` on 64x112 stacks. The metrics module is also checked against
hand-computed values.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from ballspot.classes import BACKGROUND, CLASSES_12
from ballspot.cli.app import app
from ballspot.engine.checkpoint import load_checkpoint, save_checkpoint
from ballspot.engine.metrics import classification_summary
from ballspot.metrics.classification import (
    classification_scores,
    confusion_csv,
    default_out_dir,
    majority_scores,
)
from tests import test_train
from tests.assertions import assert_one_error_line
from tests.spotting_data import GAME, golden_events, golden_labels, prediction, predictions_document, write_tree
from tests.test_train import LABELS, TINY_ARGS

index_path = test_train.index_path
"""test_train's fixture: the tiny league's clip index (splits train and valid)."""

runner = CliRunner()
VALID_EVENTS = len(LABELS)
VALID_BACKGROUND = 2


# --- fixtures: two 1-epoch runs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("evaluate")
    return {"runs": base / "runs", "cache": base / "cache"}


def _train(index: Path, folders: dict[str, Path], name: str, *extra: str) -> Path:
    args = ["train", "--index", str(index), *TINY_ARGS, "--epochs", "1", "--name", name, "--json", *extra]
    args += ["--runs-dir", str(folders["runs"]), "--cache-dir", str(folders["cache"])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return folders["runs"] / name


@pytest.fixture(scope="module")
def classify_run(index_path, folders) -> Path:
    return _train(index_path, folders, "classify")


@pytest.fixture(scope="module")
def spot_run(index_path, folders) -> Path:
    return _train(index_path, folders, "spot", "--task", "spot")


def evaluate(*args: str, cache: Path):
    return runner.invoke(app, ["evaluate", *args, "--cache-dir", str(cache)])


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


# --- the metrics module, by hand ------------------------------------------------------------------------------


def test_scores_match_hand_computed_values():
    truth, predicted = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    scores = classification_scores(truth, predicted, ("A", "B", "C"), "classify")
    assert scores.clips == 6 and scores.accuracy == pytest.approx(4 / 6)
    # A: 2 of 3 found, none wrong; B: 1 of 2 found, 1 of 2 calls right; C: 1 of 1 found, 1 of 2 calls right
    expected = {"A": (1.0, 2 / 3, 0.8, 3, 2), "B": (0.5, 0.5, 0.5, 2, 2), "C": (0.5, 1.0, 2 / 3, 1, 2)}
    for row in scores.per_class:
        assert (row.precision, row.recall, row.f1) == pytest.approx(expected[row.name][:3])
        assert (row.support, row.predicted, row.in_averages) == (*expected[row.name][3:], True)
    assert vars(scores.micro) == pytest.approx({"precision": 4 / 6, "recall": 4 / 6, "f1": 4 / 6})
    assert vars(scores.macro) == pytest.approx({"precision": 2 / 3, "recall": 13 / 18, "f1": 59 / 90})
    assert scores.confusion.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    same = classification_summary(np.array(truth), np.array(predicted), ["A", "B", "C"], "classify")
    assert same["macro_f1"] == pytest.approx(scores.macro.f1) and same["accuracy"] == scores.accuracy


def test_spot_scores_leave_background_out_of_the_averages_only():
    truth, predicted = [0, 0, 1, 2, 2], [0, 2, 1, 0, 2]  # an A called background, a background called A
    scores = classification_scores(truth, predicted, ("A", "B", BACKGROUND), "spot")
    assert scores.accuracy == pytest.approx(3 / 5) and scores.averaged_classes == ("A", "B")
    a, b, background = scores.per_class
    assert (a.precision, a.recall, a.f1) == pytest.approx((0.5, 0.5, 0.5))
    assert (b.precision, b.recall, b.f1) == pytest.approx((1.0, 1.0, 1.0))
    assert (background.precision, background.recall, background.support) == pytest.approx((0.5, 0.5, 2))
    assert not background.in_averages and sum(row.support for row in scores.per_class) == 5
    # micro over A and B: 2 right of 3 action calls, 2 found of 3 action clips
    assert vars(scores.micro) == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert vars(scores.macro) == pytest.approx({"precision": 0.75, "recall": 0.75, "f1": 0.75})
    assert scores.confusion.tolist() == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_a_class_without_clips_scores_zero_in_the_macro_average():
    scores = classification_scores([0, 1], [0, 1], ("A", "B", "C"), "classify")
    assert scores.accuracy == 1.0 and scores.classes_without_clips == ("C",)
    assert scores.macro.f1 == pytest.approx(2 / 3) and scores.micro.f1 == 1.0
    with pytest.raises(ValueError, match="no clips"):
        classification_scores([], [], ("A", "B"), "classify")


def test_majority_baseline_and_confusion_csv():
    baseline = majority_scores(np.array([2, 2, 1]), np.array([0, 0, 0, 1, 1, 2]), ("A", "B", "C"), "classify", "x")
    assert baseline["class"] == "C" and baseline["from"] == "x"
    assert baseline["accuracy"] == pytest.approx(1 / 6)
    assert baseline["macro_f1"] == pytest.approx((2 * (1 / 6) / (1 / 6 + 1)) / 3)
    text = confusion_csv(np.array([[2, 1], [0, 3]]), ("A", "B"))
    assert text.splitlines() == ["true \\ predicted,A,B", "A,2,1", "B,0,3"]


def test_default_out_dir_is_the_runs_eval_folder(tmp_path):
    assert default_out_dir(tmp_path / "r" / "weights" / "best.pt", "test") == (tmp_path / "r" / "eval" / "test")
    assert default_out_dir(tmp_path / "elsewhere.pt", "valid") == tmp_path / "eval" / "valid"


# --- the command ----------------------------------------------------------------------------------------------


def test_json_report_files_and_training_agreement(index_path, classify_run, folders):
    weights = classify_run / "weights" / "best.pt"
    result = evaluate(
        "--model", str(weights), "--index", str(index_path), "--split", "valid", "--json", cache=folders["cache"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stdout holds the JSON alone
    out = classify_run / "eval" / "valid"
    assert report["files"] == {
        "metrics": str(out / "metrics.json"),
        "confusion_csv": str(out / "confusion_matrix.csv"),
        "confusion_png": str(out / "confusion_matrix.png"),
    }
    assert json.loads((out / "metrics.json").read_text()) == report
    for key in ("accuracy", "micro", "macro", "per_class", "confusion_matrix", "majority_baseline", "loss"):
        assert key in report, key
    for kind in ("micro", "macro"):
        assert set(report[kind]) == {"precision", "recall", "f1"}
        assert all(0 <= value <= 1 for value in report[kind].values())
    assert (report["mode"], report["task"], report["split"], report["device"]) == (
        "classification",
        "classify",
        "valid",
        "cpu",
    )
    assert report["classes"] == list(CLASSES_12) and report["background"] is None
    assert report["clips"] == VALID_EVENTS  # classification drops the background clips
    assert [row["class"] for row in report["per_class"]] == list(CLASSES_12)
    assert sum(row["support"] for row in report["per_class"]) == report["clips"]
    assert sum(row["predicted"] for row in report["per_class"]) == report["clips"]
    support = {row["class"]: row["support"] for row in report["per_class"]}
    assert support == {name: LABELS.count(name) for name in CLASSES_12}
    assert report["majority_baseline"]["class"] == "PASS" and report["majority_baseline"]["from"] == "split train"
    assert report["majority_baseline"]["accuracy"] == pytest.approx(LABELS.count("PASS") / len(LABELS))
    assert "9 class(es) have no clip" in report["warnings"][0]

    rows = read_csv(out / "confusion_matrix.csv")
    assert len(rows) == 13 and all(len(row) == 13 for row in rows)
    assert rows[0][1:] == list(CLASSES_12) and [row[0] for row in rows[1:]] == list(CLASSES_12)
    matrix = np.array([[int(cell) for cell in row[1:]] for row in rows[1:]])
    assert matrix.sum() == report["clips"] and matrix.tolist() == report["confusion_matrix"]
    assert matrix.trace() / matrix.sum() == pytest.approx(report["accuracy"])
    assert (out / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the same weights on the validation split score what training logged for them
    summary = json.loads((classify_run / "summary.json").read_text())
    assert report["accuracy"] == pytest.approx(summary["best_valid_accuracy"], abs=1e-6)
    assert report["macro"]["f1"] == pytest.approx(summary["best_valid_macro_f1"], abs=1e-6)
    assert not list(out.glob(".*.part"))


def test_spot_model_reports_background_apart(index_path, spot_run, folders, tmp_path):
    out = tmp_path / "spot-eval"
    args = ("--model", str(spot_run / "weights" / "best.pt"), "--index", str(index_path), "--split", "valid")
    result = evaluate(*args, "--out", str(out), "--json", "--batch-size", "3", cache=folders["cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "spot" and report["classes"] == [*CLASSES_12, BACKGROUND]
    assert report["averaged_over"] == list(CLASSES_12) and "action classes only" in report["background"]
    assert report["clips"] == VALID_EVENTS + VALID_BACKGROUND
    rows = {row["class"]: row for row in report["per_class"]}
    assert rows[BACKGROUND]["support"] == VALID_BACKGROUND and not rows[BACKGROUND]["in_averages"]
    assert sum(row["support"] for row in report["per_class"]) == report["clips"]
    matrix = read_csv(out / "confusion_matrix.csv")
    assert len(matrix) == 14 and all(len(row) == 14 for row in matrix)
    assert sum(int(cell) for row in matrix[1:] for cell in row[1:]) == report["clips"]
    assert (out / "confusion_matrix.png").is_file() and (out / "metrics.json").is_file()
    assert not (spot_run / "eval").exists()


def test_the_human_report_is_a_table_then_the_files(index_path, classify_run, folders, tmp_path):
    out = tmp_path / "human"
    args = ("--model", str(classify_run / "weights" / "best.pt"), "--index", str(index_path), "--split", "valid")
    result = evaluate(*args, "--out", str(out), cache=folders["cache"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-3:] == [str(out / name) for name in ("metrics.json", "confusion_matrix.csv", "confusion_matrix.png")]
    for fragment in ("precision", "support", "PASS", "accuracy", "micro precision", "macro precision", "majority"):
        assert fragment in result.stdout, fragment
    assert "have no clip" in result.stderr


def test_errors(index_path, classify_run, folders, tmp_path):
    cache, weights = folders["cache"], str(classify_run / "weights" / "best.pt")
    missing = tmp_path / "none.pt"
    assert_one_error_line(
        evaluate("--model", str(missing), "--index", str(index_path), cache=cache),
        "weights file not found",
        str(missing),
    )
    result = evaluate("--model", weights, "--index", str(index_path), cache=cache)  # default split: test
    assert_one_error_line(result, "no clips in split 'test'", "splits in the index: train, valid")
    result = evaluate("--model", weights, "--index", str(index_path), "--split", "bogus", cache=cache)
    assert result.exit_code == 2 and "bogus" in result.stderr
    result = evaluate("--model", weights, cache=cache)  # the default index does not exist here
    assert_one_error_line(result, "index not found", "clips/index.parquet", "--index")
    result = evaluate("--model", weights, "--predictions", str(tmp_path), cache=cache)
    assert result.exit_code == 2 and "not both" in result.stderr and result.stdout == ""
    result = evaluate(cache=cache)
    assert result.exit_code == 2 and "--model" in result.stderr and "--predictions" in result.stderr
    result = evaluate("--model", weights, "--labels", str(tmp_path), cache=cache)
    assert result.exit_code == 2 and "spotting mode" in result.stderr
    result = evaluate("--predictions", str(tmp_path), "--index", str(tmp_path), cache=cache)
    assert result.exit_code == 2 and "classification mode" in result.stderr
    result = evaluate("--model", weights, "--classes", "2", "--no-chance", cache=cache)  # ignored before
    assert result.exit_code == 2 and "--classes, --chance/--no-chance belong(s) to spotting mode" in result.stderr


def test_an_out_that_cannot_be_written_fails_before_any_clip_is_classified(
    index_path, classify_run, folders, tmp_path, monkeypatch
):
    import ballspot.metrics.classification as classification

    def classified(*args, **kwargs):
        raise AssertionError("clips were classified before --out was checked")

    monkeypatch.setattr(classification, "evaluate_run", classified)
    (tmp_path / "a-file").write_text("not a folder")
    weights = str(classify_run / "weights" / "best.pt")
    result = evaluate("--model", weights, "--index", str(index_path), "--out", str(tmp_path / "a-file" / "eval"),
                      cache=folders["cache"])  # fmt: skip
    assert_one_error_line(result, "a-file")


def test_a_default_out_that_cannot_be_written_fails_before_any_clip_is_classified(
    index_path, classify_run, folders, tmp_path, monkeypatch
):
    """Without --out the files go to <run>/eval/<split>: a file named eval in the run is said before the work."""
    import ballspot.metrics.classification as classification

    def classified(*args, **kwargs):
        raise AssertionError("clips were classified before the output folder was checked")

    monkeypatch.setattr(classification, "evaluate_run", classified)
    weights = tmp_path / "run" / "weights" / "best.pt"
    weights.parent.mkdir(parents=True)
    shutil.copy(classify_run / "weights" / "best.pt", weights)
    (tmp_path / "run" / "eval").write_text("not a folder")
    result = evaluate("--model", str(weights), "--index", str(index_path), cache=folders["cache"])
    assert_one_error_line(result, "eval")


def test_spotting_mode_still_works_from_the_command(tmp_path):
    write_tree(tmp_path / "labels", {GAME: golden_labels()}, "Labels-ball.json")
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    args = ["evaluate", "--predictions", str(tmp_path / "predictions"), "--labels", str(tmp_path / "labels")]
    result = runner.invoke(app, [*args, "--json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["mAP"] == 1.0 and report["team_mAP"] == 1.0 and report["games"] == [GAME]
    result = runner.invoke(app, [*args, "--bootstrap", "20"])
    assert result.exit_code == 0 and "mAP@1: 1.0000" in result.stdout
    result = runner.invoke(app, args[:3])
    assert result.exit_code == 2 and "--labels" in result.stderr


def test_spotting_split_scores_only_that_splits_games(tmp_path):
    other = GAME.rsplit("/", 1)[0] + "/2000-01-01 - Other - Game"
    write_tree(tmp_path / "labels", {GAME: golden_labels(), other: golden_labels()}, "Labels-ball.json")
    (tmp_path / "labels" / "splits.json").write_text(json.dumps({"train": [other], "test": [GAME]}))
    exact = [prediction(CLASSES_12[i], ms, 1.0, team) for i, _, ms, team in golden_events()]
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact)}, "results_spotting.json")
    args = ["evaluate", "--predictions", str(tmp_path / "predictions"), "--labels", str(tmp_path / "labels")]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1 and "1 of 2 labelled game(s) have no results_spotting.json" in result.stderr
    result = runner.invoke(app, [*args, "--split", "test", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["games"] == [GAME] and json.loads(result.stdout)["mAP"] == 1.0
    result = runner.invoke(app, [*args, "--split", "valid", "--json"])
    assert result.exit_code == 1 and "splits.json lists no game in split valid (splits with games: " in result.stderr
    (tmp_path / "labels" / "splits.json").unlink()
    result = runner.invoke(app, [*args, "--split", "test"])
    assert (
        result.exit_code == 1
        and "holds no splits.json, so split test means SoccerNet's official test games, and none" in result.stderr
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda_is_an_error(index_path, classify_run, folders):
    args = ("--model", str(classify_run / "weights" / "best.pt"), "--index", str(index_path), "--split", "valid")
    assert_one_error_line(evaluate(*args, "--device", "cuda", cache=folders["cache"]), "no CUDA GPU is available")


def test_a_run_trained_in_fp16_on_a_gpu_evaluates_on_a_cpu(index_path, classify_run, folders, tmp_path):
    checkpoint = load_checkpoint(classify_run / "weights" / "best.pt")
    checkpoint["config"]["precision"] = "fp16"
    weights = save_checkpoint(tmp_path / "weights" / "best.pt", checkpoint)
    args = ("--model", str(weights), "--index", str(index_path), "--split", "valid", "--device", "cpu", "--json")
    result = evaluate(*args, cache=folders["cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    summary = json.loads((classify_run / "summary.json").read_text())
    assert report["accuracy"] == pytest.approx(summary["best_valid_accuracy"], abs=1e-6)
    assert (tmp_path / "eval" / "valid" / "metrics.json").is_file()


def test_the_model_may_be_a_run_folder_or_an_exported_model_folder(index_path, classify_run, folders, tmp_path):
    cache = folders["cache"]
    by_file = evaluate(
        "--model", str(classify_run / "weights" / "best.pt"), "--index", str(index_path), "--split", "valid",
        "--json", cache=cache,
    )  # fmt: skip
    by_folder = evaluate("--model", str(classify_run), "--index", str(index_path), "--split", "valid", "--json",
                         cache=cache)  # fmt: skip
    assert by_folder.exit_code == 0, by_folder.output
    file_report, folder_report = json.loads(by_file.stdout), json.loads(by_folder.stdout)
    assert folder_report["files"] == file_report["files"]  # <run>/eval/valid either way
    assert folder_report["accuracy"] == file_report["accuracy"]

    shared = tmp_path / "shared"
    exported = runner.invoke(app, ["export", str(classify_run / "weights" / "best.pt"), str(shared), "--format", "hf"])
    assert exported.exit_code == 0, exported.output
    args = ("--model", str(shared), "--index", str(index_path), "--split", "valid")
    result = evaluate(*args, cache=cache)  # an exported folder is no run: where the report goes must be said
    assert result.exit_code == 2 and "give --out" in result.stderr and not (shared / "eval").exists()
    result = evaluate(*args, "--out", str(tmp_path / "report"), "--json", cache=cache)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accuracy"] == file_report["accuracy"]
    assert (tmp_path / "report" / "metrics.json").is_file()
    result = evaluate("--model", "hf-hub:org/name", "--index", str(index_path), cache=cache)  # refused before fetching
    assert result.exit_code == 2 and "give --out" in result.stderr
    assert_one_error_line(evaluate("--model", "", "--index", str(index_path), cache=cache), "empty model path")
