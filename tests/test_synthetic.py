"""The synthetic league: SoccerNet layout and labels, segment/index on it, determinism, class coverage,
event timing in the ball's motion, and no label in the pixels."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ballspot.cli.download_synthetic  # noqa: F401  (registers `download synthetic`)
from ballspot.classes import CLASSES_12
from ballspot.cli.app import app
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import LABELS_FILE, read_labels
from ballspot.soccernet.layout import find_games
from ballspot.soccernet.splits import load_splits, split_of
from ballspot.synthetic import generate_league, simulate_match
from ballspot.synthetic.league import LOCK_FILE, PARAMS_FILE, split_sizes
from ballspot.synthetic.pitch import LENGTH, WIDTH
from ballspot.synthetic.render import Renderer, Scene, render_match
from ballspot.video.decode import decode_range
from ballspot.video.probe import probe
from tests.assertions import assert_one_error_line

runner = CliRunner()
MINUTES = 0.25


def ok(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("league")
    return root, generate_league(root, games=3, minutes=MINUTES, seed=11, progress=False)


# ---------------------------------------------------------------- layout and labels


def test_league_has_soccernet_layout_and_valid_labels(league):
    root, game_ids = league
    games = find_games(root, require_video=True)
    assert [g.game_id for g in games] == game_ids
    for game in games:
        assert game.game_id.startswith("england_efl/2099-2100/2099-08-")
        assert sorted(p.name for p in game.folder.iterdir()) == ["224p.mp4", LABELS_FILE]
        info = probe(game.videos[1])
        assert (info.width, info.height, info.fps, info.has_audio) == (398, 224, 25.0, True)
        assert abs(info.duration_s - MINUTES * 60) < 0.05
        labels = read_labels(game.labels, duration_ms=info.duration_ms)
        assert labels.annotations and labels.url_local == game.game_id + "/"
        raw = json.loads(game.labels.read_text())
        assert set(raw) >= {"UrlLocal", "UrlYoutube", "annotations"}
        for item in raw["annotations"]:
            assert set(item) == {"gameTime", "label", "position", "team", "visibility"}
            assert isinstance(item["position"], str) and item["gameTime"].startswith("1 - 00:")
            assert item["team"] in ("left", "right") and item["visibility"] in ("visible", "not shown")
        gaps = np.diff([a.position_ms for a in labels.annotations])
        assert gaps.min() >= 0 and 300 < np.mean(gaps) < 6000
    splits = load_splits(root)
    assert [split_of(g, splits) for g in game_ids] == ["train", "valid", "test"]
    # SoccerNet's evaluator takes every .json under the root for a game: only splits.json may sit there
    assert [p.name for p in root.glob("*.json")] == ["splits.json"]


def test_split_sizes():
    assert split_sizes(6) == {"train": 4, "valid": 1, "test": 1}
    assert split_sizes(1) == {"train": 1, "valid": 0, "test": 0}
    assert split_sizes(12) == {"train": 8, "valid": 2, "test": 2}


def test_segment_and_index_run_on_the_league(league, tmp_path):
    root, game_ids = league
    out = tmp_path / "clips"
    report = json.loads(ok("segment", root, "--out", out, "--background", "0", "--no-clips", "--json").stdout)
    assert [(g["game"], g["split"]) for g in report["games"]] == list(
        zip(game_ids, ["train", "valid", "test"], strict=True)
    )
    counts = json.loads(ok("index", out, "--json").stdout)["counts"]
    assert list(counts) == ["train", "valid", "test"]
    labelled = Counter(a.label for g in game_ids for a in read_labels(root / g / LABELS_FILE).annotations)
    assert sum(sum(c.values()) for c in counts.values()) == sum(labelled.values())


# ---------------------------------------------------------------- determinism and reruns


def test_same_seed_same_labels_and_frames(league, tmp_path):
    root, game_ids = league
    again = generate_league(tmp_path, games=1, minutes=MINUTES, seed=11, progress=False)
    assert again == game_ids[:1]
    first, second = root / game_ids[0], tmp_path / again[0]
    assert (first / LABELS_FILE).read_text() == (second / LABELS_FILE).read_text()
    a, b = (decode_range(p / "224p.mp4", 0.0, 1.0) for p in (first, second))
    assert len(a) == 25 and np.array_equal(a, b)
    # the same bytes too (x264 on two threads gave other bytes when the machine was busy)
    assert (first / "224p.mp4").read_bytes() == (second / "224p.mp4").read_bytes()
    other = generate_league(tmp_path / "other", games=1, minutes=MINUTES, seed=12, progress=False)
    assert (tmp_path / "other" / other[0] / LABELS_FILE).read_text() != (first / LABELS_FILE).read_text()


def test_rerun_skips_complete_games_and_refuses_other_settings(tmp_path):
    generate_league(tmp_path, games=1, minutes=0.1, seed=0, progress=False)
    video = next(tmp_path.rglob("224p.mp4"))
    stamp = video.stat().st_mtime_ns
    generate_league(tmp_path, games=1, minutes=0.1, seed=0, progress=False)
    assert video.stat().st_mtime_ns == stamp
    assert (tmp_path / PARAMS_FILE).is_file()
    with pytest.raises(BallspotError, match="seed=0"):
        generate_league(tmp_path, games=1, minutes=0.1, seed=1, progress=False)


def test_rerun_with_fewer_games_is_refused(tmp_path):
    generate_league(tmp_path, games=3, minutes=0.05, seed=0, progress=False)
    splits = (tmp_path / "splits.json").read_text()
    with pytest.raises(BallspotError, match=r"holds 1 game\(s\) beyond --games 2 .* give --games 3"):
        generate_league(tmp_path, games=2, minutes=0.05, seed=0, progress=False)
    assert (tmp_path / "splits.json").read_text() == splits  # the test game stays in its split


def test_a_league_folder_being_written_by_another_process_is_refused(tmp_path):
    """Two `download synthetic --out same` at once (other seeds or --games) would mix their games and splits."""
    from ballspot.atomic import held_alone

    root = tmp_path / "league"
    with held_alone(root / LOCK_FILE, "held by the first writer"):  # what the first writer holds
        result = runner.invoke(app, ["download", "synthetic", "--games", "1", "--minutes", "0.05", "--out", str(root)])
        assert_one_error_line(result, "is being written by another `download synthetic`")
        assert [p.name for p in root.iterdir()] == [LOCK_FILE]
    generate_league(root, games=1, minutes=0.05, seed=0, progress=False)  # the folder is free again
    assert not (root / LOCK_FILE).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"games": "2"}, "--games must be between 1 and 1000, got '2'"),
        ({"games": 1.5}, "--games must be between 1 and 1000, got 1.5"),
        ({"minutes": "0.1"}, "--minutes must be between 0.05"),
        ({"seed": -1}, "--seed must be a whole number >= 0, got -1"),
        ({"seed": 1.5}, "--seed must be a whole number >= 0, got 1.5"),  # was taken as seed 1
        ({"season": None}, "season None must be a folder name"),
        ({"root": None}, "the league folder must be a str or pathlib.Path, got NoneType"),
    ],
)
def test_generate_league_names_an_argument_of_the_wrong_type_or_range(tmp_path, changes, message):
    arguments = {"root": tmp_path / "league", "games": 1, "minutes": 0.05, "seed": 0, "progress": False} | changes
    with pytest.raises(BallspotError) as caught:
        generate_league(arguments.pop("root"), **arguments)
    assert message in str(caught.value)
    assert not (tmp_path / "league").exists()


@pytest.mark.parametrize(
    ("seed", "minutes", "message"),
    [
        (-1, 1.0, "seed must be a whole number >= 0 (or a numpy SeedSequence), got -1"),
        ("x", 1.0, "seed must be a whole number >= 0"),
        (0, float("nan"), "minutes must be above 0 and at most 120, got nan"),
        (0, 1e9, "minutes must be above 0 and at most 120, got 1000000000.0"),  # was hours of simulation
        (0, "1", "minutes must be above 0 and at most 120, got '1'"),
    ],
)
def test_simulate_match_names_an_argument_of_the_wrong_type_or_range(seed, minutes, message):
    with pytest.raises(BallspotError) as caught:
        simulate_match(seed, minutes)
    assert message in str(caught.value)


def test_a_grown_league_keeps_its_games_splits(tmp_path):
    """Rerun with more games: the games already there keep their split (the old test game is not trained on)."""
    games = generate_league(tmp_path, games=3, minutes=0.05, seed=0, progress=False)
    before = json.loads((tmp_path / "splits.json").read_text())
    assert before == {"train": games[:1], "valid": games[1:2], "test": games[2:3]}
    grown = generate_league(tmp_path, games=4, minutes=0.05, seed=0, progress=False)
    after = json.loads((tmp_path / "splits.json").read_text())
    assert after == {"train": [grown[0], grown[3]], "valid": [grown[1]], "test": [grown[2]]}


def test_cli_prints_the_root_and_json_and_rejects_bad_values(tmp_path):
    result = ok("download", "synthetic", "--games", "1", "--minutes", "0.1", "--out", tmp_path, "--json")
    report = json.loads(result.stdout)
    assert report["root"] == str(tmp_path) and len(report["games"]) == 1
    assert list(report["events"]) == list(CLASSES_12) and sum(report["events"].values()) > 0
    assert ok("download", "synthetic", "--games", "1", "--minutes", "0.1", "--out", tmp_path).stdout == f"{tmp_path}\n"
    for option, value, code in (("--games", "0", 2), ("--minutes", "inf", 2), ("--minutes", "0", 1)):
        result = runner.invoke(app, ["download", "synthetic", option, value, "--out", str(tmp_path / "x")])
        assert result.exit_code == code and option in result.output
        assert not (tmp_path / "x").exists()


def test_default_folder_is_under_the_data_dir(tmp_path):
    result = ok("download", "synthetic", "--games", "1", "--minutes", "0.05", "--data-dir", tmp_path)
    assert result.stdout.strip() == str(tmp_path / "synthetic")


# ---------------------------------------------------------------- what the labels mean


def test_balanced_league_covers_every_class():
    counts = Counter(e.label for seed in (0, 1) for e in simulate_match(seed, 2.0, balanced=True).events)
    assert set(counts) == set(CLASSES_12)
    realistic = Counter(e.label for e in simulate_match(0, 6.0).events)
    share = (realistic["PASS"] + realistic["DRIVE"]) / sum(realistic.values())
    assert 0.6 < share < 0.9


@pytest.mark.parametrize("seed", [0, 1])
def test_each_touch_is_a_sharp_change_of_ball_velocity_at_its_position(seed):
    match = simulate_match(seed, 2.0, balanced=True)
    ball = match.ball
    velocity = np.diff(ball, axis=0) * match.fps  # velocity[i]: from frame i to i + 1
    checked = Counter()
    for event in match.events:
        k = int(event.position_ms * match.fps / 1000)  # the touch lies between frames k and k + 1
        if k < 8 or k + 3 >= len(ball):
            continue
        if event.label in ("OUT", "GOAL"):  # no touch: the ball crosses a line at that instant

            def on_pitch(p, slack=0.0):
                return -slack <= p[0] <= LENGTH + slack and -slack <= p[1] <= WIDTH + slack

            # slack: position is rounded to the ms, and the ball moves ~2 cm in half a ms
            assert on_pitch(ball[k], slack=0.03) and not on_pitch(ball[k + 1]), event
        else:
            at = np.linalg.norm(velocity[k + 1] - velocity[k - 1])
            before = np.linalg.norm(velocity[k - 4] - velocity[k - 6])
            assert at > 1.5 and at > 3 * before + 1.0, (event, at, before)
        checked[event.label] += 1
    assert len(checked) >= 10


# ---------------------------------------------------------------- no label in the pixels


def test_rendering_never_sees_the_labels():
    assert {f.name for f in dataclasses.fields(Scene)} == {"fps", "ball", "players", "yaw", "tilt", "style_seed"}
    assert "event" not in inspect.signature(Renderer).parameters


def test_frames_do_not_change_when_labels_are_shuffled():
    match = simulate_match(5, 1.0)
    times = np.array([e.time for e in match.events])
    distance = np.array([np.min(np.abs(times - k / match.fps)) for k in range(match.n_frames)])
    far = [int(np.argmax(distance))]
    assert distance[far[0]] > 2.0, "the test needs a frame well away from any event"
    near = [match.frame_of(e) for e in match.events[:4]]
    labels = [e.label for e in match.events]
    shuffled = [labels[(i + 1) % len(labels)] for i in range(len(labels))]
    assert shuffled != labels
    relabelled = dataclasses.replace(
        match,
        events=tuple(
            dataclasses.replace(e, label=label, team=1 - e.team)
            for e, label in zip(match.events, shuffled, strict=True)
        ),
    )
    wanted = far + near
    frames = list(render_match(match, frames=wanted))
    for k, a, b in zip(wanted, frames, render_match(relabelled, frames=wanted), strict=True):
        assert np.array_equal(a, b), k
    # ...while the motion does show: move the ball and the picture changes
    moved = dataclasses.replace(match, ball=match.ball + np.array([3.0, 0.0, 0.0]))
    assert not np.array_equal(next(render_match(moved, frames=near[:1])), frames[1])
