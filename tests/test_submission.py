"""`predict ROOT --split challenge --zip`: the submission archive, read back by `evaluate` and by SoccerNet's
official evaluator (shared/tools/run-official-eval.sh), which must score the zip as it scores the folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballspot.cli.app import app
from tests.assertions import assert_one_error_line
from tests.tiny_run import GAMES

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def challenge_root(tiny_run, tmp_path_factory) -> Path:
    """The tiny league with its second game as the challenge split (videos linked, labels copied)."""
    root = tmp_path_factory.mktemp("challenge-league")
    for game in GAMES:
        (root / game).mkdir(parents=True)
        (root / game / "224p.mp4").symlink_to(tiny_run["league"] / game / "224p.mp4")
        shutil.copyfile(tiny_run["league"] / game / "Labels-ball.json", root / game / "Labels-ball.json")
    (root / "splits.json").write_text(json.dumps({"train": [GAMES[0]], "challenge": [GAMES[1]]}))
    return root


@pytest.fixture(scope="module")
def submission(tiny_run, challenge_root, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("submission")
    archive, folder = base / "submission.zip", base / "predictions"
    args = ["predict", str(challenge_root), "-m", str(tiny_run["best"]), "--split", "challenge"]
    result = runner.invoke(app, [*args, "--zip", str(archive), "--out", str(folder), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(archive)]
    return {"zip": archive, "folder": folder}


def test_the_zip_holds_only_the_splits_games_at_their_paths(submission):
    with zipfile.ZipFile(submission["zip"]) as archive:
        assert archive.namelist() == [f"{GAMES[1]}/results_spotting.json"]
        document = json.loads(archive.read(f"{GAMES[1]}/results_spotting.json"))
    assert document == json.loads((submission["folder"] / GAMES[1] / "results_spotting.json").read_text())
    assert document["UrlLocal"] == GAMES[1] and document["predictions"]
    assert not (submission["folder"] / GAMES[0]).exists()
    assert not [p for p in submission["zip"].parent.iterdir() if p.name.endswith(".part")]


@pytest.fixture(scope="module")
def challenge_labels(challenge_root, tmp_path_factory) -> Path:
    """The challenge games' labels only, as the evaluation server holds them."""
    labels = tmp_path_factory.mktemp("challenge-labels")
    (labels / GAMES[1]).mkdir(parents=True)
    shutil.copyfile(challenge_root / GAMES[1] / "Labels-ball.json", labels / GAMES[1] / "Labels-ball.json")
    return labels


def ballspot_scores(predictions: Path, labels: Path) -> dict:
    result = runner.invoke(app, ["evaluate", "--predictions", str(predictions), "--labels", str(labels), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_evaluate_reads_the_zip_as_it_reads_the_folder(submission, challenge_labels):
    from_zip = ballspot_scores(submission["zip"], challenge_labels)
    assert from_zip == ballspot_scores(submission["folder"], challenge_labels)
    assert from_zip["games"] == [GAMES[1]]


def official_eval_script() -> Path:
    candidates = [os.environ.get("BALLSPOT_OFFICIAL_EVAL", "")]
    candidates += [str(base / "shared" / "tools" / "run-official-eval.sh") for base in (REPO.parent, REPO.parents[1])]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    pytest.skip("the official evaluator script (shared/tools/run-official-eval.sh) is not beside this checkout")


def test_the_official_evaluator_scores_the_zip_as_the_folder(submission, challenge_labels):
    script = official_eval_script()
    try:
        import SoccerNet.Evaluation.ActionSpotting  # noqa: F401
    except ImportError:
        pytest.skip("the official evaluator needs the SoccerNet package: pip install 'ballspot[soccernet]'")
    labels = challenge_labels
    env = {**os.environ, "SN_VENV": sys.prefix}  # this environment already has SoccerNet; install nothing
    scores = []
    for predictions in (submission["zip"], submission["folder"]):
        done = subprocess.run(
            ["bash", str(script), str(labels), str(predictions), "--json"], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        scores.append(json.loads(done.stdout))
    assert scores[0] == scores[1]
    assert scores[0]["games"] == 1
    assert ballspot_scores(submission["zip"], labels)["mAP"] == pytest.approx(scores[0]["mAP"], abs=1e-6)


def test_split_errors_are_one_line(tiny_run, challenge_root, tmp_path):
    model = ["-m", str(tiny_run["best"])]
    video = challenge_root / GAMES[0] / "224p.mp4"
    result = runner.invoke(app, ["predict", str(video), *model, "--split", "challenge"])
    assert_one_error_line(result, "dataset root")
    result = runner.invoke(app, ["predict", str(challenge_root), *model, "--split", "valid"])
    assert_one_error_line(result, "split 'valid' lists no games")
    result = runner.invoke(app, ["predict", str(challenge_root), *model, "--split", "final"])
    assert result.exit_code == 2


def test_a_split_of_a_league_without_splits_json_says_so(tiny_run, tmp_path):
    """Without splits.json SoccerNet's official lists are read, which name none of a user's own games: the error
    said only that none of the test games "has a video"."""
    root = tmp_path / "own"
    for game in GAMES:
        (root / game).mkdir(parents=True)
        (root / game / "224p.mp4").symlink_to(tiny_run["league"] / game / "224p.mp4")
    result = runner.invoke(app, ["predict", str(root), "-m", str(tiny_run["best"]), "--split", "test"])
    assert_one_error_line(result, "no splits.json, and none of the 2 test game(s) of SoccerNet's official lists")


def test_a_rerun_replaces_its_zip_but_a_file_that_is_no_zip_is_left_alone(tmp_path):
    """--zip onto an earlier submission replaces it; onto a file that is not a zip archive it stops, leaving
    the file as it was (a mistyped path must not cost someone's file)."""
    from ballspot.errors import BallspotError
    from ballspot.predict.submission import check_submission_name

    earlier = tmp_path / "earlier.zip"
    with zipfile.ZipFile(earlier, "w") as archive:
        archive.writestr("a/b/c/results_spotting.json", "{}")
    assert check_submission_name(earlier) == earlier
    notes = tmp_path / "notes.zip"
    notes.write_text("my notes")
    with pytest.raises(BallspotError, match="not a zip file"):
        check_submission_name(notes)
    assert notes.read_text() == "my notes"
