"""SoccerNet formats: classes, Labels-ball.json, results_spotting.json, game layout, splits; atomic writes."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import pytest

from ballspot.atomic import atomic_path, ensure_dir, write_json, write_text
from ballspot.classes import BACKGROUND, CLASSES_2, CLASSES_12, class_index, class_set
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import Annotation, game_time, labels_document, read_labels
from ballspot.soccernet.layout import find_games, soccernet_video_half
from ballspot.soccernet.results import Prediction, plain_view, results_document, write_results
from ballspot.soccernet.splits import OFFICIAL_SPLITS, SPLITS, load_splits, split_of

OFFICIAL_ORDER = [
    "PASS",
    "DRIVE",
    "HEADER",
    "HIGH PASS",
    "OUT",
    "CROSS",
    "THROW IN",
    "SHOT",
    "BALL PLAYER BLOCK",
    "PLAYER SUCCESSFUL TACKLE",
    "FREE KICK",
    "GOAL",
]
SEASON = "england_efl/2019-2020"


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic write could leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".part"))


# ---------------------------------------------------------------- classes


def test_twelve_classes_in_the_official_order():
    assert list(CLASSES_12) == OFFICIAL_ORDER
    assert class_index(CLASSES_12) == {name: i for i, name in enumerate(OFFICIAL_ORDER)}
    assert class_index(CLASSES_12)["GOAL"] == 11


def test_2023_edition_has_pass_and_drive():
    assert CLASSES_2 == ("PASS", "DRIVE")
    assert class_set("2") == CLASSES_2
    assert class_set("12") == CLASSES_12
    assert BACKGROUND not in CLASSES_12


@pytest.mark.parametrize("name", ["7", "13", "", "twelve"])
def test_unknown_class_set_is_a_one_line_error(name):
    with pytest.raises(BallspotError, match="unknown class set"):
        class_set(name)


# ---------------------------------------------------------------- labels


def write_labels(path: Path, annotations: list, **extra) -> Path:
    path.write_text(json.dumps({"UrlLocal": "x/y/z/", **extra, "annotations": annotations}), encoding="utf-8")
    return path


def annotation(label="PASS", position="680", game="1 - 00:00", **fields) -> dict:
    return {"gameTime": game, "label": label, "position": position, **fields}


def test_read_labels_as_soccernet_writes_them(tmp_path):
    path = write_labels(
        tmp_path / "Labels-ball.json",
        [
            annotation("THROW IN", "3077440", "1 - 51:17", team="right", visibility="visible"),
            annotation("PASS", "680", team="left", visibility="visible"),
            annotation("DRIVE", "2120", "1 - 00:02", team="left", visibility="not shown"),
        ],
        halftime="1 - 46:04",
    )
    labels = read_labels(path)
    assert labels.url_local == "x/y/z/"
    assert [(a.label, a.position_ms, a.half, a.team, a.visibility) for a in labels.annotations] == [
        ("PASS", 680, 1, "left", "visible"),
        ("DRIVE", 2120, 1, "left", "not shown"),
        ("THROW IN", 3077440, 1, "right", "visible"),
    ]
    assert labels.annotations[0].seconds == pytest.approx(0.68)


def test_2023_labels_carry_the_half_and_no_team(tmp_path):
    path = write_labels(
        tmp_path / "Labels-ball.json",
        [annotation("DRIVE", "5000", "2 - 00:05"), annotation("PASS", "9000", "1 - 00:09"), annotation("PASS", 100)],
    )
    labels = read_labels(path, CLASSES_2)
    assert [(a.half, a.position_ms) for a in labels.annotations] == [(1, 100), (1, 9000), (2, 5000)]
    assert [a.label for a in labels.for_half(2)] == ["DRIVE"]
    assert all(a.team is None and a.visibility == "visible" for a in labels.annotations)


def test_an_event_of_no_team_reads_as_one_without_a_team(tmp_path):
    """SoccerNet writes `"team": "not applicable"` for an event no side makes; segment refused the whole game."""
    path = write_labels(
        tmp_path / "Labels-ball.json",
        [
            annotation("OUT", "1000", team="not applicable", visibility="not shown", halftime="1"),
            annotation("PASS", "2000", team="left"),
            annotation("DRIVE", "3000"),
        ],
        halftime=1,
    )
    labels = read_labels(path)
    assert [(a.label, a.team) for a in labels.annotations] == [("OUT", None), ("PASS", "left"), ("DRIVE", None)]
    assert labels.annotations[0].visibility == "not shown"


def labels_with_teams(path: Path, teams: list) -> list[tuple[str, str | None]]:
    """(label, team) of each event as read from a labels file of one event a second, each with its `team`
    (None: no `team` key)."""
    names = ("PASS", "DRIVE", "OUT", "SHOT")
    events = [
        annotation(names[i], str(1000 * (i + 1)), f"1 - 00:0{i + 1}", **({} if team is None else {"team": team}))
        for i, team in enumerate(teams)
    ]
    return [(a.label, a.team) for a in read_labels(write_labels(path, events)).annotations]


def warning_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]


def test_home_and_away_teams_read_as_no_side_with_one_warning(tmp_path, capsys):
    """SoccerNet's action-spotting labels name the acting club (home/away), which says nothing of the side of the
    picture; segment refused such a file whole."""
    read = labels_with_teams(tmp_path / "Labels-ball.json", ["home", "away", None])
    assert read == [("PASS", None), ("DRIVE", None), ("OUT", None)]
    warnings = warning_lines(capsys)
    assert len(warnings) == 1 and "2 event(s) name their team 'home' or 'away'" in warnings[0]


def test_left_and_right_in_another_case_or_with_spaces_read_as_the_side(tmp_path, capsys):
    """A labelling tool writing "Left" or " RIGHT " made segment refuse the whole game."""
    read = labels_with_teams(tmp_path / "Labels-ball.json", ["Left", "RIGHT", " left ", "Right\t"])
    assert [team for _, team in read] == ["left", "right", "left", "right"]
    assert not warning_lines(capsys)


def test_an_empty_team_reads_as_no_side_with_one_warning(tmp_path, capsys):
    read = labels_with_teams(tmp_path / "Labels-ball.json", ["", " ", "left"])
    assert read == [("PASS", None), ("DRIVE", None), ("OUT", "left")]
    warnings = warning_lines(capsys)
    assert len(warnings) == 1 and "2 event(s) give an empty 'team'" in warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ("[]", "no 'annotations' list"),
        ('{"UrlLocal": ""}', "no 'annotations' list"),
        ('{"annotations": {"label": "PASS"}}', "no 'annotations' list"),
        ('{"annotations": ["PASS"]}', "annotation 0: an annotation must be an object"),
        ('{"annotations": [{"position": "10"}]}', "annotation 0: annotation without a 'label'"),
        ('{"annotations": [{"label": 3, "position": "10"}]}', "annotation 0: 'label' must be a class name"),
        (b'{"annotations": [{"label": "PASS", "position": "10", "note": "caf\xe9"}]}', "not UTF-8 text: byte 0xe9"),
        ('{"annotations": [{"label": "KICK", "position": "10"}]}', "unknown label 'KICK'"),
        ('{"annotations": [{"label": "pass", "position": "10"}]}', "unknown label 'pass'"),
        ('{"annotations": [{"label": "PASS"}]}', "'position' must be an integer"),
        ('{"annotations": [{"label": "PASS", "position": "12.5"}]}', "'position' must be an integer"),
        ('{"annotations": [{"label": "PASS", "position": "abc"}]}', "'position' must be an integer"),
        ('{"annotations": [{"label": "PASS", "position": "-40"}]}', "negative 'position'"),
        ('{"annotations": [{"label": "PASS", "position": "0", "team": "Home"}]}', "'team' must be"),
        ('{"annotations": [{"label": "PASS", "position": "0", "team": "lefty"}]}', "'team' must be"),
        ('{"annotations": [{"label": "PASS", "position": "0", "team": "L"}]}', "'team' must be"),
        ('{"annotations": [{"label": "PASS", "position": "0", "team": 0}]}', "'team' must be"),
        ('{"annotations": [{"label": "PASS", "position": "0", "visibility": "hidden"}]}', "'visibility' must be"),
        (
            '{"annotations": [{"label": "PASS", "position": "0"}, {"label": "GOAL", "position": "1"}]}',
            "annotation 1: unknown label 'GOAL'",
        ),
    ],
)
def test_bad_labels_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "Labels-ball.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    classes = CLASSES_2 if "GOAL" in str(content) else CLASSES_12
    with pytest.raises(BallspotError, match=message) as caught:
        read_labels(path, classes)
    assert "\n" not in str(caught.value)


def test_a_half_key_that_disagrees_with_the_game_time_is_refused(tmp_path):
    """Labels written with a `half` key as predictions carry it, and no `gameTime`: a half-2 event was read as
    half 1 (SoccerNet reads the half from gameTime) and cut from the first half's video without a word."""
    path = write_labels(tmp_path / "Labels-ball.json", [{"label": "PASS", "position": "1000", "half": 2}])
    with pytest.raises(BallspotError, match=r"annotation 0: 'half' 2 but 'gameTime' names half 1"):
        read_labels(path)
    path = write_labels(tmp_path / "Labels-ball.json", [annotation("PASS", "1000", "2 - 00:01", half=1)])
    with pytest.raises(BallspotError, match=r"'half' 1 but 'gameTime' names half 2 \('2 - 00:01'\)"):
        read_labels(path)
    path = write_labels(
        tmp_path / "Labels-ball.json",
        [annotation("PASS", "1000", "2 - 00:01", half=2), annotation("DRIVE", "1000", "1 - 00:01", half="1")],
    )
    assert [(a.label, a.half) for a in read_labels(path).annotations] == [("DRIVE", 1), ("PASS", 2)]


@pytest.mark.parametrize(
    ("label", "classes", "hint"),
    [
        ("High pass", CLASSES_12, "(SoccerNet writes 'HIGH PASS'; labels are matched exactly)"),
        ("HIGH  PASS", CLASSES_12, "(SoccerNet writes 'HIGH PASS'; labels are matched exactly)"),
        ("Throw-in", CLASSES_12, "(SoccerNet writes 'THROW IN'; labels are matched exactly)"),
        ("HEADER", CLASSES_2, "(a class of the 12-class set, which `--classes 12` reads)"),
    ],
)
def test_a_label_spelled_otherwise_says_how_soccernet_writes_it(tmp_path, label, classes, hint):
    """Labels in SoccerNet's shape from another tool ("Pass", "High Pass": SoccerTrack v2 writes them so) were
    refused with the list of classes only, which does not say that case and spacing count."""
    path = write_labels(tmp_path / "Labels-ball.json", [annotation(label, "1000")])
    with pytest.raises(BallspotError) as caught:
        read_labels(path, classes)
    assert f"unknown label {label!r} {hint}; expected one of: " in str(caught.value)


def test_missing_labels_file(tmp_path):
    with pytest.raises(BallspotError, match="labels file not found"):
        read_labels(tmp_path / "Labels-ball.json")


def test_positions_beyond_the_video_are_refused_beyond_the_slack(tmp_path):
    path = write_labels(tmp_path / "Labels-ball.json", [annotation("PASS", "10500")])
    assert read_labels(path, duration_ms=10500).annotations[0].position_ms == 10500
    assert len(read_labels(path, duration_ms=10000, slack_ms=500).annotations) == 1
    with pytest.raises(BallspotError, match=r"10500 ms is beyond the video's end \(10000 ms\)"):
        read_labels(path, duration_ms=10000)
    with pytest.raises(BallspotError, match="beyond the video's end"):
        read_labels(path, duration_ms=10000, slack_ms=499)


def test_positions_are_bounded_by_their_own_halfs_video(tmp_path):
    path = write_labels(
        tmp_path / "Labels-ball.json", [annotation("PASS", "1000"), annotation("DRIVE", "9000", game="2 - 00:09")]
    )
    assert len(read_labels(path, duration_ms=5000, half=1).annotations) == 2
    with pytest.raises(BallspotError, match=r"9000 ms is beyond the video's end \(5000 ms\)"):
        read_labels(path, duration_ms=5000, half=2)
    with pytest.raises(BallspotError, match="beyond the video's end"):
        read_labels(path, duration_ms=5000)


@pytest.mark.parametrize(
    ("position_ms", "half", "expected"),
    [
        (0, 1, "1 - 00:00"),
        (680, 1, "1 - 00:00"),
        (3077440, 1, "1 - 51:17"),
        (6_000_999, 1, "1 - 100:00"),
        (65_000, 2, "2 - 01:05"),
    ],
)
def test_game_time(position_ms, half, expected):
    assert game_time(position_ms, half) == expected


def test_labels_document_round_trips(tmp_path):
    annotations = [
        Annotation("GOAL", 125_000, team="left"),
        Annotation("PASS", 680, team="right", visibility="not shown"),
        Annotation("DRIVE", 2120),
    ]
    document = labels_document(annotations, url_local="a/b/c")
    assert [item["position"] for item in document["annotations"]] == ["680", "2120", "125000"]
    assert document["annotations"][2]["gameTime"] == "1 - 02:05"
    assert "team" not in document["annotations"][1]
    path = write_json(tmp_path / "Labels-ball.json", document)
    assert list(read_labels(path).annotations) == sorted(annotations, key=lambda a: a.position_ms)


# ---------------------------------------------------------------- results


def strict_json(path: Path) -> dict:
    """Parse JSON refusing NaN/Infinity, which SoccerNet's tools (and the JSON spec) do not accept."""

    def refuse(token: str):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_results_file_follows_the_spec(tmp_path):
    predictions = [
        Prediction("THROW IN", 3077440, 0.41, team="right"),
        Prediction("PASS", 680, 0.93, team="left"),
        Prediction("GOAL", 5_999_999, 1.7),
        Prediction("SHOT", 12_345, -0.2),
        Prediction("DRIVE", 12_000, float("nan")),
    ]
    game = "england_efl/2019-2020/2019-10-01 - Reading - Fulham"
    path = write_results(tmp_path / game / "results_spotting.json", predictions, url_local=game)
    document = strict_json(path)
    assert document["UrlLocal"] == game
    items = document["predictions"]
    assert [item["label"] for item in items] == ["PASS", "DRIVE", "SHOT", "THROW IN", "GOAL"]
    for item in items:
        assert item["half"] == 1
        assert isinstance(item["position"], int)
        assert 0.0 <= item["confidence"] <= 1.0
        assert item["gameTime"] == game_time(item["position"])
    assert items[0] == {
        "gameTime": "1 - 00:00",
        "label": "PASS",
        "position": 680,
        "half": 1,
        "confidence": 0.93,
        "team": "left",
    }
    assert items[4]["gameTime"] == "1 - 99:59" and items[4]["confidence"] == 1.0
    assert items[2]["confidence"] == 0.0 and "team" not in items[2]
    assert not math.isnan(items[1]["confidence"])
    assert leftovers(path.parent) == []


def test_results_are_sorted_by_time_then_confidence():
    predictions = [Prediction("PASS", 2000, 0.2), Prediction("DRIVE", 1000, 0.1), Prediction("SHOT", 1000, 0.9)]
    items = results_document(predictions)["predictions"]
    assert [(i["position"], i["label"]) for i in items] == [(1000, "SHOT"), (1000, "DRIVE"), (2000, "PASS")]
    assert Prediction("PASS", 1999.9, 0.5).to_json()["position"] == 1999


def test_an_unsure_side_is_written_both_ways_the_likelier_last():
    predictions = [
        Prediction("PASS", 1000, 0.8, team="right", team_probability=0.8),
        Prediction("SHOT", 3000, 0.5, team="left", team_probability=1.0),  # sure: one side only
        Prediction("DRIVE", 5000, 0.4, team="left", team_probability=0.99),  # other side below the floor
        Prediction("OUT", 7000, 0.3),  # no side
    ]
    items = results_document(predictions, floor=0.01)["predictions"]
    assert [(i["label"], i.get("team"), round(i["confidence"], 6)) for i in items] == [
        ("PASS", "left", 0.2),  # 0.8 x (1 - 0.8) / 0.8
        ("PASS", "right", 0.8),
        ("SHOT", "left", 0.5),
        ("DRIVE", "left", 0.4),
        ("OUT", None, 0.3),
    ]
    both = [Prediction(i["label"], i["position"], i["confidence"], 1, i.get("team")) for i in items]
    assert [(p.label, p.team) for p in plain_view(both)] == [
        ("PASS", "right"),
        ("SHOT", "left"),
        ("DRIVE", "left"),
        ("OUT", None),
    ]


# ---------------------------------------------------------------- layout


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_find_games_in_the_2024_layout(tmp_path):
    for game in ("2019-10-01 - Reading - Fulham", "2019-10-01 - Brentford - Bristol City"):
        touch(tmp_path / SEASON / game / "224p.mp4")
        touch(tmp_path / SEASON / game / "720p.mp4")
        touch(tmp_path / SEASON / game / "Labels-ball.json")
    challenge = tmp_path / SEASON / "2019-10-02 - Cardiff City - Queens Park Rangers"
    touch(challenge / "224p.mp4")
    touch(tmp_path / SEASON / "notes" / "readme.txt")  # neither video nor labels: not a game
    touch(tmp_path / SEASON / ".cache" / "224p.mp4")  # hidden: huggingface bookkeeping

    games = find_games(tmp_path)
    assert [g.game_id for g in games] == [
        f"{SEASON}/2019-10-01 - Brentford - Bristol City",
        f"{SEASON}/2019-10-01 - Reading - Fulham",
        f"{SEASON}/2019-10-02 - Cardiff City - Queens Park Rangers",
    ]
    brentford = games[0]
    assert brentford.videos == {1: brentford.folder / "224p.mp4"}
    assert brentford.labels == brentford.folder / "Labels-ball.json"
    assert brentford.league == "england_efl"
    assert games[2].labels is None
    assert find_games(tmp_path, "720p")[0].videos == {1: brentford.folder / "720p.mp4"}


def test_find_games_in_the_2023_layout_and_fallback_resolution(tmp_path):
    game = tmp_path / SEASON / "2019-10-01 - Leeds United - West Bromwich"
    for name in ("1_224p.mkv", "2_224p.mkv", "1_720p.mkv", "2_720p.mkv", "Labels-ball.json"):
        touch(game / name)
    only_hd = tmp_path / SEASON / "2019-10-01 - Hull City - Sheffield Wednesday"
    touch(only_hd / "720p.mp4")
    touch(only_hd / "1080p.mp4")
    labels_only = tmp_path / "other_league" / "2020" / "game"
    touch(labels_only / "Labels-ball.json")

    games = {g.game_id: g for g in find_games(tmp_path)}
    halves = games[f"{SEASON}/2019-10-01 - Leeds United - West Bromwich"].videos
    assert halves == {1: game / "1_224p.mkv", 2: game / "2_224p.mkv"}
    assert find_games(tmp_path, "720p")[1].videos == {1: game / "1_720p.mkv", 2: game / "2_720p.mkv"}
    assert games[f"{SEASON}/2019-10-01 - Hull City - Sheffield Wednesday"].videos == {1: only_hd / "720p.mp4"}
    assert games["other_league/2020/game"].videos == {}
    assert "other_league/2020/game" not in {g.game_id for g in find_games(tmp_path, require_video=True)}


def test_a_half_missing_at_the_chosen_size_comes_at_another(tmp_path):
    """A game whose 2_224p.mkv is missing (a failed download) but whose 2_720p.mkv is there kept only its first
    half, without a word: predict wrote no half-2 predictions and segment left half 2's labels out."""
    game = tmp_path / SEASON / "2019-10-01 - Leeds United - West Bromwich"
    for name in ("1_224p.mkv", "1_720p.mkv", "2_720p.mkv", "Labels-ball.json"):
        touch(game / name)
    assert find_games(tmp_path)[0].videos == {1: game / "1_224p.mkv", 2: game / "2_720p.mkv"}
    assert find_games(tmp_path, "720p")[0].videos == {1: game / "1_720p.mkv", 2: game / "2_720p.mkv"}


def test_a_chosen_video_that_is_a_broken_link_is_an_error_and_another_size_is_not(tmp_path):
    game = tmp_path / SEASON / "2019-10-01 - Reading - Fulham"
    touch(game / "224p.mp4")
    (game / "720p.mp4").symlink_to(tmp_path / "gone.mp4")
    assert find_games(tmp_path)[0].videos == {1: game / "224p.mp4"}  # the broken 720p is never read
    with pytest.raises(BallspotError, match="720p.mp4: the game's video is a broken link"):
        find_games(tmp_path, "720p")
    (game / "224p.mp4").unlink()
    (game / "224p.mp4").mkdir()
    with pytest.raises(BallspotError, match="224p.mp4: the game's video is a folder"):
        find_games(tmp_path)


def test_a_game_league_or_season_folder_given_as_the_root_says_what_to_give(tmp_path):
    game = tmp_path / SEASON / "2019-10-01 - Reading - Fulham"
    touch(game / "224p.mp4")
    touch(game / "Labels-ball.json")
    with pytest.raises(BallspotError) as error:
        find_games(game)
    assert f"; it holds a video: give the video itself ({game / '224p.mp4'})" in str(error.value)
    for folder in (game.parent, game.parent.parent):  # the season, the league
        with pytest.raises(BallspotError) as error:
            find_games(folder)
        assert f"down instead of 3: give the dataset root above it ({tmp_path})" in str(error.value)


def test_a_root_without_games_is_an_error(tmp_path):
    touch(tmp_path / "a" / "b" / "c" / "notes.txt")
    touch(tmp_path / "match.mp4")  # a video, but not in a league/season/game folder
    with pytest.raises(BallspotError, match="no games under"):
        find_games(tmp_path)
    with pytest.raises(BallspotError, match="dataset root not found"):
        find_games(tmp_path / "missing")


@pytest.mark.parametrize(
    ("name", "half"),
    [
        ("224p.mp4", 1),
        ("720p.mkv", 1),
        ("1_224p.mkv", 1),
        ("2_720p.mp4", 2),
        ("match.mp4", None),
        ("2_goals.mp4", None),
    ],
)
def test_soccernet_video_names(name, half):
    assert soccernet_video_half(name) == half


# ---------------------------------------------------------------- splits


def test_official_splits_are_the_nine_ball_action_games():
    assert tuple(OFFICIAL_SPLITS) == SPLITS
    assert [len(OFFICIAL_SPLITS[s]) for s in SPLITS] == [4, 1, 2, 2]
    every = [g for games in OFFICIAL_SPLITS.values() for g in games]
    assert len(set(every)) == 9 and all(g.startswith(SEASON + "/") for g in every)
    assert split_of(f"{SEASON}/2019-10-01 - Reading - Fulham", OFFICIAL_SPLITS) == "test"
    assert split_of(f"{SEASON}/2019-10-01 - Middlesbrough - Preston North End", OFFICIAL_SPLITS) == "valid"
    assert split_of(f"{SEASON}/2019-10-02 - Cardiff City - Queens Park Rangers", OFFICIAL_SPLITS) == "challenge"
    assert split_of("my_league/2024/my game", OFFICIAL_SPLITS) == "train"


def test_splits_file_of_a_dataset_root(tmp_path):
    assert load_splits(tmp_path) == OFFICIAL_SPLITS
    (tmp_path / "splits.json").write_text(json.dumps({"train": ["l/s/a"], "valid": ["l/s/b"], "test": []}))
    splits = load_splits(tmp_path)
    assert splits == {"train": ("l/s/a",), "valid": ("l/s/b",), "test": ()}
    assert split_of("l/s/b", splits) == "valid"


def test_a_splits_file_finds_its_games_however_their_accents_are_stored(tmp_path):
    """A game folder named with decomposed accents (NFD, as macOS writes names) and splits.json with composed
    ones (NFC): both look the same, yet the game was in no list and went to train."""
    import unicodedata

    nfc, nfd = (unicodedata.normalize(form, "ligue ñ/2099-2100/2099-08-01 - Réal - Ünïon") for form in ("NFC", "NFD"))
    assert nfc != nfd
    (tmp_path / nfd).mkdir(parents=True)
    (tmp_path / "l/s/a").mkdir(parents=True)
    (tmp_path / "splits.json").write_text(json.dumps({"train": ["l/s/a"], "test": [nfc, "l/s/gone"]}))
    splits = load_splits(tmp_path)
    assert split_of(nfd, splits) == "test" and splits["test"] == (nfd, "l/s/gone")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "not valid JSON"),
        ('["l/s/a"]', "expected an object"),
        ('{"train": "l/s/a"}', "expected an object"),
        ('{"training": ["l/s/a"]}', "unknown split"),
    ],
)
def test_bad_splits_file(tmp_path, content, message):
    (tmp_path / "splits.json").write_text(content)
    with pytest.raises(BallspotError, match=message):
        load_splits(tmp_path)


# ---------------------------------------------------------------- atomic writes


def test_atomic_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "deep" / "er" / "out.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert leftovers(target.parent) == []


def test_atomic_write_gives_a_normal_file_mode(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    target = write_text(tmp_path / "out.txt", "x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = write_text(tmp_path / "out.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        assert tmp.parent == target.parent and tmp.name.endswith(".txt.part")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []
    with pytest.raises(TypeError):
        write_json(target, {"not serialisable": object()})
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_failed_write_of_a_new_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "new.parquet") as tmp:
        tmp.write_bytes(b"PAR1")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_ensure_dir_errors_are_one_line(tmp_path):
    blocker = write_text(tmp_path / "a_file", "")
    with pytest.raises(BallspotError, match="a file of that name is in the way"):
        ensure_dir(blocker)
    with pytest.raises(BallspotError, match="cannot create folder"):
        ensure_dir(blocker / "sub")
    with pytest.raises(BallspotError, match="cannot create folder"):
        write_json(blocker / "sub" / "x.json", {})
    assert ensure_dir(tmp_path / "x" / "y").is_dir()


def test_ensure_dir_that_fails_leaves_none_of_the_folders_it_made(tmp_path):
    with pytest.raises(BallspotError, match="File name too long"):
        ensure_dir(tmp_path / "new" / "deeper" / ("x" * 300))  # the parents are made before the long name fails
    assert list(tmp_path.iterdir()) == []
