"""`ballspot segment` and `ballspot index` on tiny generated games: both cuts, background, reruns, dataset roots,
the clip index, and every bad input as a one-line error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ballspot.classes import CLASSES_12
from ballspot.cli.app import app
from ballspot.data.index import COLUMNS, load_index
from ballspot.errors import BallspotError
from ballspot.video.decode import decode_range
from tests.assertions import assert_one_error_line
from tests.videos import counter_frames, encode, ffmpeg, read_counter

runner = CliRunner()
SEASON = "england_efl/2019-2020"
READING = f"{SEASON}/2019-10-01 - Reading - Fulham"  # test split
BRENTFORD = f"{SEASON}/2019-10-01 - Brentford - Bristol City"  # train split
MIDDLESBROUGH = f"{SEASON}/2019-10-01 - Middlesbrough - Preston North End"  # valid split
CARDIFF = f"{SEASON}/2019-10-02 - Cardiff City - Queens Park Rangers"  # challenge: no labels

EVENTS = [  # (label, ms, team, visibility) in a 10 s video; on the 40 ms frame grid, as SoccerNet's are
    ("PASS", 1000, "left", "visible"),
    ("DRIVE", 2520, "left", "visible"),
    ("HEADER", 4000, "right", "not shown"),
    ("SHOT", 8000, "right", "visible"),
]
NEXT_RANGES = {"PASS": (1000, 3520), "DRIVE": (2520, 5000), "HEADER": (4000, 9000), "SHOT": (8000, 9000)}
"""The seed's cut: from an event to the next one, plus 1 s."""
ORDER_WITH_BACKGROUND = [*CLASSES_12, "BACKGROUND"]
LABEL_IDS = {"PASS": 0, "DRIVE": 1, "HEADER": 2, "SHOT": 7, "BACKGROUND": 12}


def labels_json(events, half: int = 1) -> str:
    annotations = []
    for label, ms, *rest in events:
        item = {"gameTime": f"{half} - {ms // 60000:02d}:{ms // 1000 % 60:02d}", "label": label, "position": str(ms)}
        if rest:
            item["team"], item["visibility"] = rest
        annotations.append(item)
    return json.dumps({"UrlLocal": "", "annotations": annotations})


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")}


def counters(clip: Path) -> list[int]:
    """The source frame numbers a clip shows."""
    return [read_counter(f) for f in decode_range(clip, 0.0, 20.0)]


def frames_in(start_ms: int, end_ms: int) -> list[int]:
    """Source frames (25 fps) whose display starts in [start_ms, end_ms)."""
    return list(range(-(-start_ms // 40), -(-end_ms // 40)))


@pytest.fixture(scope="module")
def match(tmp_path_factory) -> Path:
    """A 10 s 398x224 match (frame k shows k) with four events in Labels-ball.json beside it."""
    folder = tmp_path_factory.mktemp("match")
    encode(folder / "match.mp4", counter_frames(250))
    (folder / "Labels-ball.json").write_text(labels_json(EVENTS))
    return folder / "match.mp4"


@pytest.fixture(scope="module")
def segmented(match, tmp_path_factory) -> Path:
    """The match cut the seed's way with half a background clip per event; the clips folder."""
    out = tmp_path_factory.mktemp("clips")
    result = runner.invoke(app, ["segment", str(match), "--out", str(out), "--background", "0.5"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A dataset root: two 2024-layout games, one 2023-layout game (two halves), one game without labels."""
    root = tmp_path_factory.mktemp("dataset")
    source = tmp_path_factory.mktemp("source")
    mp4 = encode(source / "224p.mp4", counter_frames(100), audio=False)
    mkv = encode(source / "half.mkv", counter_frames(100), audio=False)
    for game, events in ((READING, [("PASS", 520), ("GOAL", 2000)]), (BRENTFORD, [("CROSS", 1000), ("OUT", 3000)])):
        folder = root / game
        folder.mkdir(parents=True)
        shutil.copy(mp4, folder / "224p.mp4")
        shutil.copy(mp4, folder / "720p.mp4")
        (folder / "Labels-ball.json").write_text(labels_json(events))
    old = root / MIDDLESBROUGH
    old.mkdir(parents=True)
    shutil.copy(mkv, old / "1_224p.mkv")
    shutil.copy(mkv, old / "2_224p.mkv")
    annotations = json.loads(labels_json([("PASS", 1000)], half=1))["annotations"]
    annotations += json.loads(labels_json([("DRIVE", 3000)], half=2))["annotations"]
    (old / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    (root / CARDIFF).mkdir(parents=True)
    shutil.copy(mp4, root / CARDIFF / "224p.mp4")
    return root


# ---------------------------------------------------------------- segment: one video


def test_seed_cut_runs_from_an_event_to_the_next_plus_one_second(segmented, match):
    folder = segmented / "match"  # a user's video: its name is the game
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["game"] == "match" and manifest["split"] == "train"
    assert manifest["video"] == str(match.resolve())
    assert manifest["labels"] == str((match.parent / "Labels-ball.json").resolve())
    assert manifest["mode"] == "next" and manifest["cut"] is True
    assert manifest["fps"] == pytest.approx(25.0) and manifest["duration_ms"] == 10000
    events = [c for c in manifest["clips"] if c["kind"] == "event"]
    assert [(c["label"], c["event_ms"], c["team"], c["visibility"]) for c in events] == EVENTS
    assert {c["label"]: (c["start_ms"], c["end_ms"]) for c in events} == NEXT_RANGES
    for clip in events:
        assert counters(folder / clip["file"]) == frames_in(clip["start_ms"], clip["end_ms"]), clip["file"]


def test_a_video_with_too_few_places_for_background_clips_says_so(match, tmp_path):
    result = ok("segment", match, "--out", tmp_path, "--no-clips", "--background", "1", "--background-gap", "4")
    manifest = json.loads((tmp_path / "match" / "manifest.json").read_text())
    made = sum(c["kind"] == "background" for c in manifest["clips"])
    assert made < len(EVENTS)
    assert f"{made} of {len(EVENTS)} background clips" in " ".join(result.stderr.split())
    assert "background clips" not in ok("segment", match, "--out", tmp_path / "b", "--no-clips").stderr


def test_the_quick_start_cuts_without_naming_segment_options_it_does_not_take(match, tmp_path, capfd):
    from ballspot.data.segment import SegmentOptions, segment_game

    opts = SegmentOptions(background_per_event=1, background_gap_s=4, cut=False, warn_few_background=False)
    segment_game(match, match.parent / "Labels-ball.json", tmp_path / "match", "match", "train", opts)
    manifest = json.loads((tmp_path / "match" / "manifest.json").read_text())
    assert sum(c["kind"] == "background" for c in manifest["clips"]) < len(EVENTS)  # as few as above
    assert "--background" not in capfd.readouterr().err


def test_background_clips_stay_away_from_events(segmented):
    folder = segmented / "match"
    manifest = json.loads((folder / "manifest.json").read_text())
    background = [c for c in manifest["clips"] if c["kind"] == "background"]
    assert len(background) == 2  # 0.5 per event
    for clip in background:
        assert clip["label"] == "BACKGROUND"
        assert min(abs(clip["event_ms"] - ms) for _, ms, *_ in EVENTS) >= 1500
        assert (clip["start_ms"], clip["end_ms"]) == (clip["event_ms"] - 1000, clip["event_ms"] + 1000)
        assert counters(folder / clip["file"])[0] == clip["start_ms"] // 40
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [c["file"] for c in manifest["clips"]] + ["manifest.json"]
    )


def test_rerun_skips_clips_already_cut_and_recuts_changed_ones(segmented, match, tmp_path):
    out = tmp_path / "clips"
    shutil.copytree(segmented / "match", out / "match")
    folder = out / "match"
    before = mtimes(folder)
    ok("segment", match, "--out", out, "--background", "0.5")
    assert mtimes(folder) == before

    ok("segment", match, "--out", out, "--background", "0.5", "--window", "2")
    after = mtimes(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["mode"] == "window" and manifest["window_s"] == 2.0
    for clip in manifest["clips"]:
        changed = after[clip["file"]] != before[clip["file"]]
        assert changed == (clip["kind"] == "event"), clip["file"]  # background windows did not move
        if clip["kind"] == "event":
            assert (clip["start_ms"], clip["end_ms"]) == (clip["event_ms"] - 1000, clip["event_ms"] + 1000)
    shot = next(c for c in manifest["clips"] if c["label"] == "SHOT")
    assert counters(folder / shot["file"]) == list(range(175, 225))

    (folder / "manifest.json").unlink()  # as after a run killed while cutting: the clips there are whole
    ok("segment", match, "--out", out, "--background", "0.5", "--window", "2")
    assert mtimes(folder) == after
    assert json.loads((folder / "manifest.json").read_text()) == manifest


def test_a_rerun_stopped_while_recutting_leaves_no_clip_its_manifest_misdescribes(match, tmp_path, monkeypatch):
    """A rerun with another --window, stopped after recutting one clip, left the old manifest vouching for the
    new clip: a third run with the old --window kept it, and the index listed 2 s of a clip holding 3 s."""
    from ballspot.data import segment as segment_module

    out, cut_clip = tmp_path / "clips", segment_module.cut_clip
    ok("segment", match, "--out", out, "--background", "0", "--window", "2")
    cuts = []

    def stopped_after_one(*args, **kw):
        if cuts:
            raise KeyboardInterrupt
        cuts.append(cut_clip(*args, **kw))

    monkeypatch.setattr(segment_module, "cut_clip", stopped_after_one)
    assert invoke("segment", match, "--out", out, "--background", "0", "--window", "4", "-j", "1").exit_code != 0
    monkeypatch.setattr(segment_module, "cut_clip", cut_clip)
    assert invoke("index", out, "--out", tmp_path / "index.parquet").exit_code == 1  # a game half recut
    ok("segment", match, "--out", out, "--background", "0", "--window", "2")
    folder = out / "match"
    for clip in json.loads((folder / "manifest.json").read_text())["clips"]:
        assert counters(folder / clip["file"]) == frames_in(clip["start_ms"], clip["end_ms"]), clip["file"]


def test_window_cut_is_centred_and_clamped_to_the_video(match, tmp_path):
    ok("segment", match, "--out", tmp_path, "--window", "5", "--background", "0", "--no-clips")
    manifest = json.loads((tmp_path / "match" / "manifest.json").read_text())
    assert manifest["cut"] is False
    assert [(c["label"], c["start_ms"], c["end_ms"]) for c in manifest["clips"]] == [
        ("PASS", 0, 3500),
        ("DRIVE", 20, 5020),
        ("HEADER", 1500, 6500),
        ("SHOT", 5500, 10000),
    ]
    assert [p.name for p in (tmp_path / "match").iterdir()] == ["manifest.json"]


def test_a_folder_where_the_manifest_goes_is_refused_before_any_clip_is_cut(match, tmp_path):
    (tmp_path / "match" / "manifest.json").mkdir(parents=True)
    result = runner.invoke(app, ["segment", str(match), "--out", str(tmp_path), "--background", "0"])
    assert_one_error_line(result, "manifest.json: a folder of that name is in the way")
    assert [p.name for p in (tmp_path / "match").iterdir()] == ["manifest.json"]


def test_labels_option_and_an_event_at_the_very_end(match, tmp_path):
    labels = tmp_path / "elsewhere.json"
    labels.write_text(labels_json([("PASS", 9000), ("GOAL", 10400)]))  # 0.4 s past the end: within the slack
    ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0")
    folder = tmp_path / "clips" / "match"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["labels"] == str(labels.resolve())
    assert [(c["label"], c["start_ms"], c["end_ms"]) for c in manifest["clips"]] == [
        ("PASS", 9000, 10000),
        ("GOAL", 9960, 10000),
    ]
    assert counters(folder / manifest["clips"][1]["file"]) == [249]


def test_an_event_in_the_slack_past_the_end_is_indexed(match, tmp_path):
    """segment cuts an event up to a second past the video's end (a re-encode may lose that much): index and
    training take the clip it wrote."""
    labels = tmp_path / "late.json"
    labels.write_text(labels_json([("PASS", 9000), ("GOAL", 10400)]))
    ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0")
    ok("index", tmp_path / "clips", "--out", tmp_path / "index.parquet")
    frame = load_index(tmp_path / "index.parquet")
    assert list(zip(frame["label"], frame["event_ms"], frame["end_ms"], strict=True)) == [
        ("PASS", 9000, 10000),
        ("GOAL", 10400, 10000),
    ]


def test_a_second_video_of_the_same_name_replacing_the_first_ones_clips_is_a_warning(match, tmp_path):
    """Two games kept as `<game>/match.mp4` are both game "match": segmenting the second into the same clips
    folder replaced the first one's clips and manifest without a word."""
    for game in ("first", "second"):
        (tmp_path / game).mkdir()
        shutil.copy(match, tmp_path / game / "match.mp4")
        shutil.copy(match.parent / "Labels-ball.json", tmp_path / game / "Labels-ball.json")
    out = tmp_path / "clips"
    assert "replaces" not in ok("segment", tmp_path / "first" / "match.mp4", "--out", out, "--no-clips").stderr
    result = ok("segment", tmp_path / "second" / "match.mp4", "--out", out, "--no-clips")
    warning = " ".join(result.stderr.split())
    first, second = (tmp_path / game / "match.mp4" for game in ("first", "second"))
    assert f"match (half 1): the clips in {out / 'match'} were cut from {first}; this run replaces them" in warning
    assert f"with those of {second}" in warning
    assert "replaces" not in ok("segment", second, "--out", out, "--no-clips").stderr
    shutil.copy(second, second.with_name("match.mkv"))  # another video of the same folder: the user's choice
    assert "replaces" not in ok("segment", second.with_name("match.mkv"), "--out", out, "--no-clips").stderr


def test_a_game_being_segmented_by_another_process_is_refused(match, tmp_path):
    """Two `segment` into one --out with other options would cut clips of one and write the manifest of the other."""
    from ballspot.atomic import held_alone

    folder = tmp_path / "clips" / "match"
    with held_alone(folder / ".segment-h1.lock", "held by the first segment"):  # what the first `segment` holds
        result = invoke("segment", match, "--out", tmp_path / "clips", "--background", "0")
        assert_one_error_line(result, "match (half 1) is being segmented into", "by another process")
        assert [p.name for p in folder.iterdir()] == [".segment-h1.lock"]
    ok("segment", match, "--out", tmp_path / "clips", "--background", "0")
    assert not (folder / ".segment-h1.lock").exists()


def test_a_game_whose_cutting_fails_leaves_no_empty_folder(match, tmp_path, monkeypatch):
    from ballspot.data import segment as segment_module
    from ballspot.errors import BallspotError

    def broken(*args, **kw):
        raise BallspotError("ffmpeg could not cut")

    monkeypatch.setattr(segment_module, "cut_clip", broken)
    result = invoke("segment", match, "--out", tmp_path / "clips" / "deeper", "--background", "0")
    assert result.exit_code == 1 and "ffmpeg could not cut" in result.stderr
    assert not (tmp_path / "clips").exists()


def test_an_event_labelled_twice_is_cut_once_with_a_warning(match, tmp_path):
    """A repeat (same action, same time; another team too) would be cut over its twin and listed twice."""
    labels = tmp_path / "twice.json"
    labels.write_text(labels_json([("PASS", 1000, "left", "visible"), ("PASS", 1000, "right", "visible"),
                                   ("DRIVE", 2520), ("PASS", 2520), ("DRIVE", 2520)]))  # fmt: skip
    result = ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0", "--json")
    assert "2 event(s) repeat another of the same action in the same 40 ms frame" in " ".join(result.stderr.split())
    manifest = json.loads((tmp_path / "clips" / "match" / "manifest.json").read_text())
    assert [(c["label"], c["event_ms"], c["team"]) for c in manifest["clips"]] == [
        ("PASS", 1000, "left"), ("DRIVE", 2520, None), ("PASS", 2520, None)]  # fmt: skip
    assert len(list((tmp_path / "clips" / "match").glob("*.mp4"))) == 3
    ok("index", tmp_path / "clips", "--out", tmp_path / "index.parquet")


def test_events_of_one_action_in_one_frame_are_cut_once_with_a_warning(match, tmp_path):
    """Two PASS labels 20 ms apart fall in one 40 ms frame, which SoccerNet's evaluator (and `evaluate`) count
    as one event: they were cut as two clips and trained on twice, without a word."""
    labels = tmp_path / "one_frame.json"
    labels.write_text(labels_json([("PASS", 1000), ("PASS", 1020), ("DRIVE", 1020), ("PASS", 1040)]))
    result = ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0", "--no-clips")
    assert "1 event(s) repeat another of the same action in the same 40 ms frame" in " ".join(result.stderr.split())
    manifest = json.loads((tmp_path / "clips" / "match" / "manifest.json").read_text())
    assert [(c["label"], c["event_ms"]) for c in manifest["clips"]] == [("PASS", 1000), ("DRIVE", 1020), ("PASS", 1040)]


def test_teams_read_without_a_side_are_warned_of_once_per_labels_file(match, tmp_path):
    """segment read the labels twice (checking, then cutting), and said each warning of them twice."""
    labels = tmp_path / "teams.json"
    labels.write_text(labels_json([("PASS", 1000, "home", "visible"), ("DRIVE", 2520, "", "visible"),
                                   ("SHOT", 8000, "Left", "visible")]))  # fmt: skip
    result = ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0", "--no-clips")
    stderr = " ".join(result.stderr.split())
    assert stderr.count("1 event(s) name their team 'home' or 'away'") == 1, stderr
    assert stderr.count("1 event(s) give an empty 'team'") == 1, stderr
    manifest = json.loads((tmp_path / "clips" / "match" / "manifest.json").read_text())
    assert [(c["label"], c["team"]) for c in manifest["clips"]] == [("PASS", None), ("DRIVE", None), ("SHOT", "left")]


def test_positions_far_from_their_game_time_are_named_in_a_warning(match, tmp_path):
    """A file whose `position` is in seconds (or frames) where SoccerNet writes ms, as another tool may export
    it, put every clip at the wrong time without a word, though each `gameTime` said where the event was."""
    labels = tmp_path / "seconds.json"
    document = json.loads(labels_json([("PASS", 1000), ("DRIVE", 8000), ("SHOT", 9000)]))
    document["annotations"][1]["position"] = "8"  # "1 - 00:08": seconds written where ms go
    labels.write_text(json.dumps(document))
    result = ok("segment", match, "--labels", labels, "--out", tmp_path / "clips", "--background", "0", "--no-clips")
    warning = " ".join(result.stderr.split())
    assert "1 of 3 event(s) lie more than 1 s from their gameTime, first: annotation 1 ('1 - 00:08' at 8 ms)" in warning
    consistent = tmp_path / "consistent.json"  # gameTime is whole seconds: 1999 ms is 00:01
    consistent.write_text(labels_json([("PASS", 1999), ("DRIVE", 8000), ("SHOT", 9960)]))
    result = ok("segment", match, "--labels", consistent, "--out", tmp_path / "c2", "--background", "0", "--no-clips")
    assert "gameTime" not in result.stderr


# ---------------------------------------------------------------- segment: a dataset root


def test_dataset_root_segments_every_game(dataset, tmp_path):
    out = tmp_path / "clips"
    result = ok("segment", dataset, "--out", out, "--background", "0", "--json")
    report = json.loads(result.stdout)
    assert [(g["game"], g["split"], g["half"], g["clips"]) for g in report["games"]] == [
        (BRENTFORD, "train", 1, 2),
        (MIDDLESBROUGH, "valid", 1, 1),
        (MIDDLESBROUGH, "valid", 2, 1),
        (READING, "test", 1, 2),
    ]
    reading = json.loads((out / READING / "manifest.json").read_text())
    assert reading["video"] == str((dataset / READING / "224p.mp4").resolve())
    assert [(c["file"], c["start_ms"], c["end_ms"]) for c in reading["clips"]] == [
        ("h1_000000520_PASS.mp4", 520, 3000),
        ("h1_000002000_GOAL.mp4", 2000, 3000),
    ]
    halves = [json.loads((out / MIDDLESBROUGH / name).read_text()) for name in ("manifest.json", "manifest_h2.json")]
    assert [m["video"].rsplit("/", 1)[1] for m in halves] == ["1_224p.mkv", "2_224p.mkv"]
    assert [[(c["label"], c["half"], c["event_ms"]) for c in m["clips"]] for m in halves] == [
        [("PASS", 1, 1000)],
        [("DRIVE", 2, 3000)],
    ]
    assert counters(out / MIDDLESBROUGH / "h2_000003000_DRIVE.mp4") == list(range(75, 100))
    assert sorted(p.name for p in (out / BRENTFORD).iterdir()) == [
        "h1_000001000_CROSS.mp4",
        "h1_000003000_OUT.mp4",
        "manifest.json",
    ]
    assert not (out / CARDIFF).exists()

    index = ok("index", out, "--json")
    counts = json.loads(index.stdout)["counts"]
    assert list(counts) == ["train", "valid", "test"]
    assert counts["test"]["GOAL"] == 1 and counts["valid"]["DRIVE"] == 1 and counts["train"]["OUT"] == 1
    frame = load_index(out / "index.parquet")
    assert frame.loc[frame["game"] == MIDDLESBROUGH, "half"].tolist() == [1, 2]


def test_a_2023_half_is_bounded_by_its_own_video_not_the_other_halfs(tmp_path):
    game = tmp_path / "root" / MIDDLESBROUGH
    game.mkdir(parents=True)
    encode(game / "1_224p.mkv", counter_frames(50), audio=False)  # 2 s
    encode(game / "2_224p.mkv", counter_frames(100), audio=False)  # 4 s: the second half runs longer
    annotations = json.loads(labels_json([("PASS", 1000)], half=1))["annotations"]
    annotations += json.loads(labels_json([("DRIVE", 3500)], half=2))["annotations"]
    (game / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    out = tmp_path / "clips"
    report = json.loads(ok("segment", tmp_path / "root", "--out", out, "--no-clips", "--json").stdout)
    assert [(g["half"], g["clips"]) for g in report["games"]] == [(1, 1), (2, 1)]
    annotations += json.loads(labels_json([("PASS", 5500)], half=2))["annotations"]
    (game / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    result = invoke("segment", tmp_path / "root", "--out", out, "--no-clips", "-q")
    assert_one_error_line(result, "at 5500 ms is beyond the video's end (4000 ms)")


def test_a_game_with_labels_but_no_video_is_left_out_with_a_warning(dataset, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    for video in (root / BRENTFORD).glob("*.mp4"):
        video.unlink()
    result = invoke("segment", root, "--out", tmp_path / "clips", "--no-clips", "-q")
    assert result.exit_code == 0, result.output
    assert f"1 game(s) with labels but no video left out: {BRENTFORD}" in " ".join(result.stderr.split())
    assert not (tmp_path / "clips" / BRENTFORD).exists() and (tmp_path / "clips" / READING).is_dir()


def test_a_game_whose_video_is_not_named_as_soccernet_names_them_is_told_so(dataset, tmp_path):
    """A dataset game holding `match.mp4` (or `224P.MP4`) beside its labels was left out as one with "no video",
    and a root of such games only was "no game ... has both a video and Labels-ball.json"."""
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    (root / BRENTFORD / "224p.mp4").rename(root / BRENTFORD / "match.mp4")
    (root / BRENTFORD / "720p.mp4").unlink()
    result = invoke("segment", root, "--out", tmp_path / "clips", "--no-clips", "-q")
    assert result.exit_code == 0, result.output
    hint = "named as no SoccerNet video is (224p.mp4, or 1_224p.mkv and 2_224p.mkv)"
    warning = " ".join(result.stderr.split())
    assert f"1 game(s) with labels but no video left out: {BRENTFORD}" in warning
    assert f"{BRENTFORD}/match.mp4 is {hint}" in warning
    alone = tmp_path / "alone"
    shutil.copytree(root / BRENTFORD, alone / BRENTFORD)
    result = invoke("segment", alone, "--out", tmp_path / "clips2", "--no-clips")
    assert_one_error_line(result, f"no game under {alone} has both a video and Labels-ball.json", hint)


def test_a_game_with_a_video_but_no_labels_is_left_out_with_a_warning(dataset, tmp_path):
    """A game whose labels file is missing or misnamed (`labels-ball.json`) gave no clip without a word; a
    challenge game (labels never public) is left out quietly, as before."""
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    (root / READING / "Labels-ball.json").rename(root / READING / "labels-ball.json")
    result = invoke("segment", root, "--out", tmp_path / "clips", "--no-clips", "-q")
    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())
    assert f"1 game(s) with a video but no Labels-ball.json left out: {READING}" in warning
    assert CARDIFF not in warning


def test_a_game_whose_labels_hold_no_event_is_named(dataset, tmp_path):
    """One game of a dataset labelled with nothing (a labels file saved empty) gave no clip without a word."""
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    (root / BRENTFORD / "Labels-ball.json").write_text('{"annotations": []}')
    result = invoke("segment", root, "--out", tmp_path / "clips", "--no-clips", "-q")
    assert result.exit_code == 0, result.output
    assert f"1 game(s) whose labels hold no event give no clip, first: {BRENTFORD}" in " ".join(result.stderr.split())


@pytest.mark.parametrize("name", ["0_224p.mkv", "3_224p.mkv", "9_224p.mkv"])
def test_a_video_numbered_as_a_half_other_than_1_or_2_is_no_half_video(tmp_path, name):
    """SoccerNet's games have halves 1 and 2: `3_224p.mkv` alone in a game folder gave a manifest of half 3
    (and predictions of a half the metric never reads); the game now has no video, and a warning names it."""
    from ballspot.predict.run import plan_videos
    from ballspot.soccernet.layout import soccernet_video_half

    root = tmp_path / "root"
    (root / MIDDLESBROUGH).mkdir(parents=True)
    encode(root / MIDDLESBROUGH / "1_224p.mkv", counter_frames(50), audio=False)
    (root / MIDDLESBROUGH / "Labels-ball.json").write_text(labels_json([("PASS", 1000)]))
    (root / READING).mkdir(parents=True)
    shutil.copy(root / MIDDLESBROUGH / "1_224p.mkv", root / READING / name)
    (root / READING / "Labels-ball.json").write_text(labels_json([("PASS", 1000)]))
    out = tmp_path / "clips"
    result = ok("segment", root, "--out", out, "--no-clips", "--json")
    assert [(g["game"], g["half"]) for g in json.loads(result.stdout)["games"]] == [(MIDDLESBROUGH, 1)]
    stderr = " ".join(result.stderr.split())
    assert "1 game folder(s) have only a video numbered as a half other than 1 or 2" in stderr
    assert f"{READING}/{name}" in stderr
    assert not list(out.rglob("manifest_h*.json"))
    assert [(job.game_id, job.half) for job in plan_videos([root])] == [(MIDDLESBROUGH, 1)]
    assert soccernet_video_half(name) is None and soccernet_video_half("2_224p.mkv") == 2


def test_labels_of_a_half_without_a_video_are_left_out_with_a_warning(tmp_path):
    game = tmp_path / "root" / MIDDLESBROUGH
    game.mkdir(parents=True)
    encode(game / "224p.mp4", counter_frames(100), audio=False)  # one whole-match video: every label is half 1
    annotations = json.loads(labels_json([("PASS", 1000), ("DRIVE", 2000)], half=1))["annotations"]
    annotations += json.loads(labels_json([("DRIVE", 1500)], half=2))["annotations"]
    (game / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    result = ok("segment", tmp_path / "root", "--out", tmp_path / "clips", "--no-clips", "--json")
    assert [g["clips"] for g in json.loads(result.stdout)["games"]] == [2]
    assert "1 label(s) of half 2 left out: no video holds that half" in " ".join(result.stderr.split())


def test_a_half_video_beside_a_whole_game_video_is_named_when_its_labels_are_left_out(tmp_path):
    game = tmp_path / "root" / MIDDLESBROUGH
    game.mkdir(parents=True)
    encode(game / "224p.mp4", counter_frames(100), audio=False)
    encode(game / "2_224p.mp4", counter_frames(100), audio=False)  # half 2 too, but the whole video is read
    annotations = json.loads(labels_json([("PASS", 1000), ("DRIVE", 2000)], half=1))["annotations"]
    annotations += json.loads(labels_json([("DRIVE", 1500)], half=2))["annotations"]
    (game / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    result = ok("segment", tmp_path / "root", "--out", tmp_path / "clips", "--no-clips", "--json")
    assert [g["clips"] for g in json.loads(result.stdout)["games"]] == [2]
    stderr = " ".join(result.stderr.split())
    assert "1 label(s) of half 2 left out: 2_224p.mp4 is not read, as the game's whole video 224p.mp4 is" in stderr


def test_a_game_cut_by_an_earlier_run_and_gone_from_the_root_is_named(dataset, tmp_path):
    """A game removed from the dataset root (or left without labels) kept its manifest from an earlier run in
    the clips folder, and `index` went on training on it without a word."""
    root, out = tmp_path / "root", tmp_path / "clips"
    shutil.copytree(dataset, root)
    ok("segment", root, "--out", out, "--no-clips")
    shutil.rmtree(root / READING)
    result = ok("segment", root, "--out", out, "--no-clips")
    warning = " ".join(result.stderr.split())
    assert (
        f"1 clip manifest(s) under {out} come from games of {root} this run does not cut, first: {READING}" in warning
    )
    shutil.rmtree(out / READING)  # as the warning says
    assert "this run does not cut" not in ok("segment", root, "--out", out, "--no-clips").stderr


def test_dataset_root_with_its_own_splits_and_resolution(dataset, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(dataset / READING, root / READING)
    (root / READING / "224p.mp4").unlink()
    (root / "splits.json").write_text(json.dumps({"valid": [READING]}))
    result = ok("segment", root, "--out", tmp_path / "clips", "--no-clips", "--resolution", "720p", "--json")
    assert [(g["game"], g["split"]) for g in json.loads(result.stdout)["games"]] == [(READING, "valid")]
    manifest = json.loads((tmp_path / "clips" / READING / "manifest.json").read_text())
    assert manifest["video"].endswith("720p.mp4")
    assert "have no" not in result.stderr
    (root / READING / "720p.mp4").rename(root / READING / "224p.mp4")  # 720p asked for, only 224p there
    result = ok("segment", root, "--out", tmp_path / "clips2", "--no-clips", "--resolution", "720p", "--json")
    message = " ".join(result.stderr.split())
    assert "1 game(s) have no 720p video, so another is used (first: 2019-10-01 - Reading - Fulham, its 224p" in message


def two_game_root(dataset: Path, tmp_path: Path) -> Path:
    """A dataset root holding copies of READING and BRENTFORD only, for splits.json of one's own."""
    root = tmp_path / "root"
    for game in (READING, BRENTFORD):
        shutil.copytree(dataset / game, root / game)
    return root


def segment_with_splits(root: Path, splits: dict, tmp_path: Path) -> tuple[list[tuple[str, str]], str]:
    """Segment `root` with `splits` as its splits.json: each game's (name, split), and stderr on one line."""
    (root / "splits.json").write_text(json.dumps(splits))
    result = ok("segment", root, "--out", tmp_path / "clips", "--no-clips", "--json")
    return [(g["game"], g["split"]) for g in json.loads(result.stdout)["games"]], " ".join(result.stderr.split())


def test_games_missing_from_the_splits_file_go_to_train_with_a_warning(dataset, tmp_path):
    root = two_game_root(dataset, tmp_path)
    splits, warning = segment_with_splits(root, {"train": [BRENTFORD], "test": [READING + "/"]}, tmp_path)  # a typo
    assert splits == [(BRENTFORD, "train"), (READING, "train")]
    assert f"1 game(s) in no list of splits.json go to train, first: {READING!r}" in warning
    assert f"it lists 1 game(s) not found here, first: {READING + '/'!r}" in warning
    (root / "splits.json").write_text(json.dumps({"train": [BRENTFORD], "test": [READING]}))
    result = ok("segment", root, "--out", tmp_path / "clips2", "--no-clips")
    assert "no list of splits.json" not in result.stderr


def test_games_the_splits_file_lists_but_the_root_lacks_are_named(dataset, tmp_path):
    """A validation game listed in splits.json but absent (not downloaded, a typo in its season) left the split
    without it, without a word, when every game on disk was listed."""
    root = two_game_root(dataset, tmp_path)
    absent = MIDDLESBROUGH.replace("2019-2020", "2019-20")
    (root / "splits.json").write_text(json.dumps({"train": [BRENTFORD], "valid": [absent], "test": [READING]}))
    result = ok("segment", root, "--out", tmp_path / "clips", "--no-clips")
    assert f"splits.json lists 1 game(s) not found under {root}, first: {absent!r} in 'valid'" in " ".join(
        result.stderr.split()
    )
    (root / "splits.json").write_text(json.dumps({"train": [BRENTFORD], "test": [READING]}))
    assert "splits.json" not in ok("segment", root, "--out", tmp_path / "clips", "--no-clips").stderr


def test_a_game_the_splits_file_lists_under_valid_and_test_is_named(dataset, tmp_path):
    """A game listed under valid and test went to valid (training picks its best epoch on it), while
    `evaluate --split test` scored it as an unseen test game, without a word."""
    root = two_game_root(dataset, tmp_path)
    twice = {"train": [BRENTFORD], "valid": [READING], "test": [READING]}
    splits, warning = segment_with_splits(root, twice, tmp_path)
    assert splits == [(BRENTFORD, "train"), (READING, "valid")]
    assert f"splits.json lists 1 game(s) in two splits, first: {READING!r} in 'valid' and 'test'" in warning


def test_games_of_a_root_without_a_splits_file_all_going_to_train_is_a_warning(dataset, tmp_path):
    root = tmp_path / "root"
    for number, game in enumerate((READING, BRENTFORD)):  # the user's own games: in no SoccerNet list
        shutil.copytree(dataset / game, root / f"my_league/2026/game {number}")
    result = ok("segment", root, "--out", tmp_path / "clips", "--no-clips")
    warning = " ".join(result.stderr.split())
    assert "no splits.json in" in warning
    assert 'all 2 games go to train; to hold some out, list games under "valid"' in warning
    shutil.copytree(dataset / MIDDLESBROUGH, root / MIDDLESBROUGH)  # a game of SoccerNet's valid list
    result = ok("segment", root, "--out", tmp_path / "clips2", "--no-clips")
    assert "no splits.json" not in result.stderr


def test_one_video_inside_a_dataset_root_keeps_its_game_id(dataset, tmp_path):
    result = ok("segment", dataset / READING / "224p.mp4", "--out", tmp_path, "--no-clips", "--json")
    assert [(g["game"], g["split"]) for g in json.loads(result.stdout)["games"]] == [(READING, "test")]
    assert (tmp_path / READING / "manifest.json").is_file()


def test_a_league_reached_twice_through_a_link_is_read_once(dataset, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(dataset / READING, root / READING)
    league = READING.split("/")[0]
    (root / "mirror").symlink_to(root / league, target_is_directory=True)  # a second name for the league
    result = ok("segment", root, "--out", tmp_path / "clips", "--no-clips", "--json")
    assert [g["game"] for g in json.loads(result.stdout)["games"]] == [READING]
    stderr = " ".join(result.stderr.split())
    assert "1 game folder(s) are reached twice through linked folders and read once, first: 'mirror/" in stderr


def test_a_video_linked_into_a_game_folder_keeps_that_game_id(dataset, tmp_path):
    """A dataset whose videos are links to a video store: the game and its split came from the store's folder
    (game 'store', split train for a test game) instead of the game folder the link is in."""
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    store = tmp_path / "store"
    store.mkdir()
    (root / READING / "224p.mp4").rename(store / "reading.mp4")
    (root / READING / "224p.mp4").symlink_to(store / "reading.mp4")
    result = ok("segment", root / READING / "224p.mp4", "--out", tmp_path / "clips", "--no-clips", "--json")
    assert [(g["game"], g["split"]) for g in json.loads(result.stdout)["games"]] == [(READING, "test")]


# ---------------------------------------------------------------- index


def test_index_rows_and_label_ids(segmented, match, tmp_path):
    target = tmp_path / "index.parquet"
    ok("index", segmented, "--out", target)
    frame = pd.read_parquet(target)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 6
    assert (frame["label_id"] == frame["label"].map(LABEL_IDS)).all()
    assert sorted(frame.loc[frame["kind"] == "event", "label_id"]) == [0, 1, 2, 7]
    assert (frame.loc[frame["kind"] == "background", "label_id"] == 12).all()
    assert set(frame["game"]) == {"match"} and set(frame["split"]) == {"train"}
    assert set(frame["video"]) == {str(match.resolve())}
    assert frame["duration_s"].tolist() == ((frame["end_ms"] - frame["start_ms"]) / 1000).tolist()
    events = frame[frame["kind"] == "event"].sort_values("event_ms")
    assert list(zip(events["label"], events["event_ms"], events["team"], events["visibility"], strict=True)) == EVENTS
    assert {row.label: (row.start_ms, row.end_ms) for row in events.itertuples()} == NEXT_RANGES
    assert frame["event_ms"].is_monotonic_increasing
    assert all(Path(clip).is_absolute() and Path(clip).is_file() for clip in frame["clip"])
    assert frame.loc[frame["kind"] == "background", "team"].tolist() == ["", ""]


def test_index_reads_game_folders_linked_into_the_clips_folder(segmented, tmp_path):
    """Clips of two segment runs put together with `ln -s` were left out of the index without a word; a link
    back up the tree (a loop) adds nothing."""
    ok("index", segmented, "--out", tmp_path / "whole.parquet")
    linked = tmp_path / "clips"
    linked.mkdir()
    (linked / "match").symlink_to(segmented / "match")
    (linked / "again").symlink_to(linked)
    ok("index", linked, "--out", tmp_path / "linked.parquet")
    whole, joined = pd.read_parquet(tmp_path / "whole.parquet"), pd.read_parquet(tmp_path / "linked.parquet")
    assert len(joined) == len(whole) and set(joined["game"]) == {"match"}
    assert all(Path(clip).is_file() for clip in joined["clip"])


def test_index_round_trips_as_parquet_and_csv(segmented, tmp_path):
    ok("index", segmented, "--out", tmp_path / "index.parquet")
    ok("index", segmented, "--out", tmp_path / "index.csv")
    from_parquet = load_index(tmp_path / "index.parquet")
    from_csv = load_index(tmp_path / "index.csv")
    assert (tmp_path / "index.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    pd.testing.assert_frame_equal(from_parquet, from_csv)
    assert from_csv["label_id"].dtype.kind == "i" and from_csv["duration_s"].dtype.kind == "f"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("start_ms", "-40", "a whole number >= 0"),
        ("event_ms", "soon", "a whole number >= 0"),
        ("half", "", "a whole number >= 0"),
        ("label_id", "1.5", "a whole number >= 0"),
        ("label_id", "1e30", "below 2"),  # read as int64: it would wrap round to a negative number
    ],
)
def test_a_hand_edited_index_with_a_bad_number_is_refused(segmented, tmp_path, column, value, expected):
    ok("index", segmented, "--out", tmp_path / "index.csv")
    frame = pd.read_csv(tmp_path / "index.csv", keep_default_na=False, dtype=str)
    frame.loc[2, column] = value
    frame.to_csv(tmp_path / "edited.csv", index=False)
    with pytest.raises(BallspotError, match=f"row 2: '{column}' must be {expected}"):
        load_index(tmp_path / "edited.csv")


def test_index_default_target_and_counts(segmented, monkeypatch):
    monkeypatch.delenv("BALLSPOT_QUIET")
    result = ok("index", segmented)
    assert result.stdout == f"{segmented / 'index.parquet'}\n"
    rows = [line.split("│") for line in result.stderr.splitlines() if "│" in line]
    table = {cells[1].strip(): cells[2].strip() for cells in rows}
    expected = dict(zip(ORDER_WITH_BACKGROUND, [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2], strict=True))
    assert table == {label: str(n) for label, n in expected.items()}
    report = json.loads(ok("index", segmented, "--json").stdout)
    assert report == {"index": str(segmented / "index.parquet"), "rows": 6, "counts": {"train": expected}}


def test_index_of_the_2023_classes(dataset, tmp_path):
    out = tmp_path / "clips"
    ok("segment", dataset / MIDDLESBROUGH / "1_224p.mkv", "--out", out, "--classes", "2", "--no-clips")
    ok("segment", dataset / MIDDLESBROUGH / "2_224p.mkv", "--out", out, "--classes", "2", "--no-clips")
    report = json.loads(ok("index", out, "--classes", "2", "--json").stdout)
    assert report["counts"] == {"valid": {"PASS": 1, "DRIVE": 1, "BACKGROUND": 0}}
    frame = load_index(Path(report["index"]))
    assert frame[["label", "label_id", "half", "clip"]].values.tolist() == [["PASS", 0, 1, ""], ["DRIVE", 1, 2, ""]]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "index not found"), (b"PAR1 broken", "cannot read index"), (b"clip,label\nx,PASS\n", "missing columns")],
)
def test_load_index_errors(tmp_path, content, message):
    path = tmp_path / ("index.csv" if content and content.startswith(b"clip") else "index.parquet")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BallspotError, match=message):
        load_index(path)


# ---------------------------------------------------------------- bad input: one line, exit 1, no traceback


@pytest.fixture(scope="module")
def bad(match, tmp_path_factory) -> Path:
    """A folder of broken inputs beside a good video."""
    folder = tmp_path_factory.mktemp("bad")
    (folder / "corrupt.mp4").write_bytes(b"\x00\x01 not a video " * 100)
    (folder / "empty.mp4").write_bytes(b"")
    for zero_frames in ("zero.mp4", "zero.mkv"):  # containers ffmpeg wrote with no frame in them
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:d=1",
            "-frames:v",
            "0",
            "-c:v",
            "libx264",
            str(folder / zero_frames),
        )
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1", "-c:a", "aac", str(folder / "audio.mp4"))
    (folder / "notjson.json").write_text("{'annotations': [")
    (folder / "noannotations.json").write_text('{"UrlLocal": "", "events": []}')
    (folder / "unknown.json").write_text(labels_json([("PASS", 1000), ("BICYCLE KICK", 2000)]))
    (folder / "beyond.json").write_text(labels_json([("PASS", 1000), ("GOAL", 60000)]))
    (folder / "nolabels").mkdir()
    shutil.copy(match, folder / "nolabels" / "match.mp4")
    (folder / "nogames" / "league" / "season").mkdir(parents=True)
    (folder / "a_file").write_text("")
    (folder / "lonely" / "l" / "s" / "g").mkdir(parents=True)
    (folder / "lonely" / "l" / "s" / "g" / "Labels-ball.json").write_text(labels_json([("PASS", 1)]))
    clips = folder / "clips"
    (clips / "broken").mkdir(parents=True)
    (clips / "broken" / "manifest.json").write_text("{")
    (clips / "other" / "x").mkdir(parents=True)
    (clips / "other" / "x" / "manifest.json").write_text('{"game": "x"}')
    (folder / "empty_clips").mkdir()
    return folder


SEGMENT_ERRORS = [
    (["{bad}/missing.mp4", "--labels", "{bad}/beyond.json"], "video not found"),
    (["{bad}/corrupt.mp4", "--labels", "{match_labels}"], "cannot read video"),
    (["{bad}/empty.mp4", "--labels", "{match_labels}"], "video is empty (0 bytes)"),
    (["{bad}/audio.mp4", "--labels", "{match_labels}"], "no video stream"),
    (["{bad}/zero.mp4", "--labels", "{match_labels}"], "zero.mp4"),
    (["{bad}/zero.mkv", "--labels", "{match_labels}"], "zero.mkv"),
    (["{match}", "--labels", "{bad}/notjson.json"], "not valid JSON"),
    (["{match}", "--labels", "{bad}/noannotations.json"], "no 'annotations' list"),
    (["{match}", "--labels", "{bad}/unknown.json"], "unknown label 'BICYCLE KICK'"),
    (["{match}", "--labels", "{bad}/beyond.json"], "at 60000 ms is beyond the video's end (10000 ms)"),
    (["{match}", "--labels", "{bad}/missing.json"], "labels not found"),
    (["{bad}/nolabels/match.mp4"], "labels not found"),
    (["{match}", "--classes", "2"], "unknown label 'HEADER'"),
    (["{bad}/nogames"], "no games under"),
    (["{bad}/lonely"], "no game under"),
    (["{bad}/lonely", "--labels", "{match_labels}"], "--labels applies to a single video"),
    (["{match}", "--out", "{bad}/a_file/sub"], "cannot create folder"),
    (["{match}", "--out", "{bad}/a_file"], "cannot create folder"),
    (["{match}", "--out", "/proc/ballspot-test/clips"], "cannot create folder"),
    (["{match}", "--window", "0"], "--window must be between"),
    (["{match}", "--window", "61"], "--window must be between"),
    (["{match}", "--background", "-1"], "--background must be between"),
    (["{match}", "--background-gap", "-0.5"], "--background-gap must be >= 0"),
    (["{match}", "--jobs", "0"], "--jobs must be between"),
]


@pytest.mark.parametrize(("args", "message"), SEGMENT_ERRORS, ids=[m for _, m in SEGMENT_ERRORS])
def test_segment_bad_input(bad, match, tmp_path, args, message):
    if "/proc" in " ".join(args) and not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    fill = {"bad": bad, "match": match, "match_labels": match.parent / "Labels-ball.json"}
    args = [a.format(**fill) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    result = invoke("segment", *args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]
    assert not list(tmp_path.rglob("*.mp4")), "nothing is cut from bad input"


INDEX_ERRORS = [
    (["{bad}/missing_clips"], "clips folder not found"),
    (["{bad}/empty_clips"], "no clip manifests under"),
    (["{bad}/clips"], "cannot read clip manifest"),
    (["{bad}/clips/other"], "is not a ballspot clip manifest"),
    (["{segmented}", "--out", "{bad}/a_file/index.parquet"], "a file of that name is in the way"),
    (["{segmented}", "--classes", "2"], "unknown label 'HEADER' for class set of 2"),
]


@pytest.mark.parametrize(("args", "message"), INDEX_ERRORS, ids=[m for _, m in INDEX_ERRORS])
def test_index_bad_input(bad, segmented, args, message):
    result = invoke("index", *[a.format(bad=bad, segmented=segmented) for a in args])
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_an_index_target_without_a_table_suffix_is_named_whole(segmented):
    result = invoke("index", segmented, "--out", "/")
    assert result.exit_code == 2 and "'/' must end in .parquet or .csv" in result.stderr, result.output


def test_an_index_that_cannot_be_written_leaves_no_folder_it_made(segmented, tmp_path):
    target = tmp_path / "new" / "deeper" / ("x" * 300 + ".parquet")  # a name longer than the file system takes
    result = invoke("index", segmented, "--out", target)
    assert_one_error_line(result, "File name too long")
    assert not (tmp_path / "new").exists()


def test_a_manifest_that_is_a_folder_is_named_once(tmp_path):
    (tmp_path / "clips" / "game" / "manifest.json").mkdir(parents=True)
    result = invoke("index", tmp_path / "clips", "--out", tmp_path / "index.parquet")
    manifest = tmp_path / "clips" / "game" / "manifest.json"
    assert_one_error_line(result, f"error: clip manifest {manifest} is a folder; give the file itself")
