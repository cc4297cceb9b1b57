"""Whole seasons: several games in flight give the same outputs, a resumed run skips finished games."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.errors import BallspotError
from ballspot.predict.season import DONE_FILE, rank_share, threads_per_worker
from tests.test_dense_pipeline import GAMES, league, run  # noqa: F401  (module fixtures: a tiny trained run)

runner = CliRunner()


def _predict(league, model, out, *extra):  # noqa: F811
    args = ["predict", str(league), "--model", str(model), "--out", str(out), "--json", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _same(documents, expected) -> bool:
    """Same events; confidences equal up to float rounding (the network's thread count changes the sums' order)."""
    if len(documents) != len(expected):
        return False
    for doc, want in zip(documents, expected, strict=True):
        keys = [[(p["label"], p["position"], p["half"], p.get("team")) for p in d["predictions"]] for d in (doc, want)]
        close = all(
            abs(a["confidence"] - b["confidence"]) < 1e-5
            for a, b in zip(doc["predictions"], want["predictions"], strict=True)
        )
        if doc["UrlLocal"] != want["UrlLocal"] or keys[0] != keys[1] or not close:
            return False
    return True


def test_two_workers_write_what_one_writes_and_a_resumed_run_skips_finished_games(run, league, tmp_path):  # noqa: F811
    one = _predict(league, run["best"], tmp_path / "one", "--workers", "1")
    out = tmp_path / "two"
    two = _predict(league, run["best"], out, "--workers", "2")
    assert _same(two, one) and len(two) == len(GAMES)
    results = [out / game / "results_spotting.json" for game in GAMES]
    assert all((out / game / DONE_FILE).is_file() for game in GAMES)
    stamps = [path.stat().st_mtime_ns for path in results]

    results[0].unlink()  # an interrupted game: its results are gone, so it is predicted again
    again = _predict(league, run["best"], out, "--workers", "2")
    assert _same(again, one)
    assert results[1].stat().st_mtime_ns == stamps[1]  # the finished game was skipped, not rewritten
    assert results[0].is_file()

    changed = _predict(league, run["best"], out, "--threshold", "0.2")  # other parameters: predicted again
    assert results[1].stat().st_mtime_ns != stamps[1]
    assert all(p["confidence"] >= 0.2 for doc in changed for p in doc["predictions"])
    stamp = results[1].stat().st_mtime_ns
    _predict(league, run["best"], out, "--threshold", "0.2", "--force")
    assert results[1].stat().st_mtime_ns != stamp


def test_another_video_of_the_same_name_is_not_skipped_as_done(run, league, tmp_path):  # noqa: F811
    """a/clip.mp4 then b/clip.mp4 (a shorter video) into one --out: both are game `clip`, but b's results are b's."""
    import shutil

    from tests.videos import counter_frames, encode

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    videos = [shutil.copy(league / GAMES[0] / "224p.mp4", tmp_path / "a" / "clip.mp4")]
    videos.append(encode(tmp_path / "b" / "clip.mp4", counter_frames(75), audio=False))  # 3 s, not 6
    alone = [_predict(videos[1], run["best"], tmp_path / "alone")]  # one video: --json prints one document
    out = tmp_path / "out"
    first = [_predict(videos[0], run["best"], out)]
    second = [_predict(videos[1], run["best"], out)]
    assert not _same(first, alone) and _same(second, alone)
    assert json.loads((out / "clip" / DONE_FILE).read_text())["videos"]["1"][0] == str(tmp_path / "b" / "clip.mp4")


def test_games_are_split_between_torchrun_processes(monkeypatch):
    games = [f"g{i}" for i in range(5)]
    assert rank_share(games) == games
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert rank_share(games) == ["g1", "g3"]
    assert threads_per_worker(2, 2) == 1 and threads_per_worker(1, 4) == 1 and threads_per_worker(16, 4) == 4


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WORLD_SIZE": "two"}, "WORLD_SIZE is 'two', not a whole number at least 1"),
        ({"WORLD_SIZE": "2"}, "WORLD_SIZE is 2 but RANK is not set"),
        ({"WORLD_SIZE": "2", "RANK": "5"}, "RANK is '5', not a whole number from 0 to 1"),
        ({"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "-1"}, "LOCAL_RANK is '-1', not a whole number at least 0"),
    ],
)
def test_torchrun_variables_no_torchrun_sets_are_one_line_errors(monkeypatch, env, message):
    for variable, value in env.items():  # left from another job, or a typo: not a ValueError, nor no game at all
        monkeypatch.setenv(variable, value)
    with pytest.raises(BallspotError, match=re.escape(message)):
        rank_share(["g0", "g1"])


def test_a_finished_game_whose_results_file_is_damaged_is_predicted_again(run, league, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    first = _predict(league, run["best"], out)
    results = out / GAMES[0] / "results_spotting.json"
    for damage in ("{", "[]", '{"predictions": 3}'):
        results.write_text(damage)
        assert _same(_predict(league, run["best"], out), first)
        assert json.loads(results.read_text())["predictions"] == first[0]["predictions"]


def test_a_finished_game_missing_another_output_is_predicted_again(run, league, tmp_path):  # noqa: F811
    """events.json or the parameters file gone: the game is redone, not reported as done with 0 events."""
    from ballspot.predict.outputs import EVENTS_FILE
    from ballspot.predict.postprocess import PARAMS_FILE

    out = tmp_path / "out"
    first = _predict(league, run["best"], out)
    results = [out / game / "results_spotting.json" for game in GAMES]
    events = (out / GAMES[0] / EVENTS_FILE).read_text()
    for name in (EVENTS_FILE, PARAMS_FILE):
        stamps = [path.stat().st_mtime_ns for path in results]
        (out / GAMES[0] / name).unlink()
        assert _same(_predict(league, run["best"], out), first)
        assert results[0].stat().st_mtime_ns != stamps[0] and results[1].stat().st_mtime_ns == stamps[1]
        assert (out / GAMES[0] / EVENTS_FILE).read_text() == events and (out / GAMES[0] / PARAMS_FILE).is_file()


def test_a_run_that_fails_midway_leaves_the_finished_games_and_no_empty_folder(run, league, tmp_path, monkeypatch):  # noqa: F811
    """The second game fails (or Ctrl-C): the first is written whole, the second's folder is not left empty."""
    from ballspot.errors import BallspotError
    from ballspot.predict import season

    real, calls = season._spot_game, []

    def second_fails(game_id, *args, **kw):
        calls.append(game_id)
        if len(calls) == 2:
            raise BallspotError("the disk went away")
        return real(game_id, *args, **kw)

    monkeypatch.setattr(season, "_spot_game", second_fails)
    out = tmp_path / "out"
    result = runner.invoke(app, ["predict", str(league), "--model", str(run["best"]), "--out", str(out)])
    assert result.exit_code == 1 and "the disk went away" in result.stderr
    assert (out / calls[0] / "results_spotting.json").is_file() and (out / calls[0] / DONE_FILE).is_file()
    assert not (out / calls[1]).exists()
    assert all(any(folder.iterdir()) for folder in out.rglob("*") if folder.is_dir())
