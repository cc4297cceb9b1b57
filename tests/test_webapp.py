"""`ballspot app`: the page driven with Streamlit's own testing API, on a tiny untrained spotter and generated
videos: run, filter, review (figures equal `ballspot evaluate`'s), export (files valid), errors, the command.

An untrained network still gives every position a score near 1/13 per class, so every class has candidates;
thresholds are taken from the candidates themselves, never guessed.
"""

from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit", reason="the app's extra is not installed: pip install 'ballspot[app]'")
pytest.importorskip("plotly", reason="the app's extra is not installed: pip install 'ballspot[app]'")

from streamlit.testing.v1 import AppTest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from ballspot.cli.app import app  # noqa: E402
from ballspot.soccernet.labels import Annotation, labels_document  # noqa: E402
from ballspot.video.probe import probe  # noqa: E402
from ballspot.webapp.events import labels_frame, predictions_frame, shown  # noqa: E402
from ballspot.webapp.export import events_csv, events_json  # noqa: E402
from ballspot.webapp.launch import SCRIPT  # noqa: E402
from ballspot.webapp.review import match_view  # noqa: E402
from tests.assertions import assert_one_error_line  # noqa: E402
from tests.videos import counter_frames, encode  # noqa: E402

runner = CliRunner()
GAME = "league/2021-2022/2021-09-01 - Home - Away"
LABELS = ("PASS", "DRIVE", "PASS", "HEADER", "SHOT", "PASS", "DRIVE", "PASS")
EVENT_MS = tuple(700 + 1100 * i for i in range(len(LABELS)))
TINY = dict(backbone="test_efficientnet", height=64, width=112, frames=6, stack_size=3, stride=2)


def moving_square_video(path: Path, frames: int = 250) -> Path:
    """A 10 s counter video with a moving square, so that the network's scores vary along it."""
    pixels = counter_frames(frames)
    for k in range(frames):
        left = (k * 5) % 350
        pixels[k, 10:50, left : left + 48] = 200
    return encode(path, pixels, audio=False)


def tiny_checkpoint(path: Path, task: str = "spot") -> Path:
    """An untrained tiny spotter (or clip classifier, `task` classify) saved through the trainer's checkpoint
    writer (a run folder's best.pt)."""
    import torch

    from ballspot.engine.checkpoint import save_checkpoint
    from ballspot.engine.config import TrainConfig
    from ballspot.engine.data import output_classes
    from ballspot.engine.trainer import _model_config
    from ballspot.models.network import build_model

    config = TrainConfig(task=task, **TINY)
    config.check()
    classes = output_classes(config)
    model_config = _model_config(config, len(classes))
    torch.manual_seed(0)
    model = build_model(model_config)
    payload = {"config": config.to_dict(), "model_config": model_config.to_dict(), "classes": classes}
    return save_checkpoint(path, {**payload, "task": task, "epoch": 0, "model": model.state_dict()})


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_checkpoint(tmp_path_factory.mktemp("runs") / "tiny" / "weights" / "best.pt")


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> Path:
    """A dataset root with one labelled game (SoccerNet's layout and names)."""
    root = tmp_path_factory.mktemp("league")
    folder = root / GAME
    folder.mkdir(parents=True)
    moving_square_video(folder / "224p.mp4")
    teams = [("left", "right")[i % 2] for i in range(len(LABELS))]
    annotations = [Annotation(*event, team=team) for *event, team in zip(LABELS, EVENT_MS, teams, strict=True)]
    (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    return root


def start(source: Path | str | None, model: Path | None, monkeypatch) -> AppTest:
    """The page as `ballspot app SOURCE --model MODEL` opens it, run once."""
    monkeypatch.setenv("BALLSPOT_APP_SOURCE", str(source) if source else "")
    monkeypatch.setenv("BALLSPOT_APP_MODEL", str(model) if model else "")
    page = AppTest.from_file(str(SCRIPT), default_timeout=180)
    page.run()
    return page


def assert_no_failure(page: AppTest) -> None:
    assert not page.exception, [e.value for e in page.exception]
    assert not page.error, [e.value for e in page.error]


def table(page: AppTest, key: str) -> pd.DataFrame:
    """The page's event table (its key), or the one table with these comma-separated columns."""
    if "," in key:
        (found,) = [d.value for d in page.dataframe if list(d.value.columns) == key.split(",")]
        return found
    (found,) = [d for d in page.dataframe if d.key == key]
    return found.value


def plotly_values(values) -> np.ndarray:
    """An array of a chart's JSON spec: a list, or plotly's typed-array form (dtype + base64 bytes)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def caption_texts(page: AppTest) -> list[str]:
    return [c.value for c in page.caption]


@pytest.fixture(scope="module")
def predicted(league, model, tmp_path_factory) -> Path:
    """A data folder (with its cache folder beside it) where the page predicted the game's video once; pages
    opened on it later read the kept run, as a reopened app does."""
    base = tmp_path_factory.mktemp("predicted")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BALLSPOT_DATA_DIR", str(base / "data"))
        patch.setenv("BALLSPOT_CACHE_DIR", str(base / "cache"))
        assert_no_failure(start(league / GAME / "224p.mp4", model, patch))
    return base / "data"


@pytest.fixture
def opened(predicted, league, model, monkeypatch) -> AppTest:
    """The page opened on the game's video, its run kept from `predicted`."""
    monkeypatch.setenv("BALLSPOT_DATA_DIR", str(predicted))
    monkeypatch.setenv("BALLSPOT_CACHE_DIR", str(predicted.parent / "cache"))
    page = start(league / GAME / "224p.mp4", model, monkeypatch)
    assert_no_failure(page)
    return page


@pytest.fixture
def data_dir(isolated_dirs) -> Path:
    """This test's own data folder (fresh)."""
    return isolated_dirs / "data"


# --- run ---------------------------------------------------------------------------------------------------


def test_a_video_is_predicted_on_open_and_written_where_predict_writes(league, model, data_dir, tmp_path, monkeypatch):
    opened = start(league / GAME / "224p.mp4", model, monkeypatch)
    assert_no_failure(opened)
    results = data_dir / "predictions" / GAME / "results_spotting.json"
    assert results.is_file() and (results.parent / "events.json").is_file()
    assert any("predicted in" in text and str(results) in text for text in caption_texts(opened))
    out = tmp_path / "cli"
    result = runner.invoke(app, ["predict", str(league / GAME / "224p.mp4"), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(results.read_text()) == json.loads((out / GAME / "results_spotting.json").read_text())
    assert json.loads((results.parent / "events.json").read_text()) == json.loads(
        (out / GAME / "events.json").read_text()
    )


def test_reopening_reads_the_kept_run_without_the_model(opened, league, model, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("the model ran again")

    monkeypatch.setattr("ballspot.webapp.runs.predict_games", no_model)
    again = start(league / GAME / "224p.mp4", model, monkeypatch)
    assert_no_failure(again)
    assert any("read from an earlier run" in text for text in caption_texts(again))
    assert table(again, "events_table").equals(table(opened, "events_table"))


def test_changed_post_processing_runs_again(league, model, data_dir, monkeypatch):
    opened = start(league / GAME / "224p.mp4", model, monkeypatch)
    before = (data_dir / "predictions" / GAME / "postprocess.json").read_text()
    (window,) = [n for n in opened.number_input if n.label.startswith("Suppression window")]
    window.set_value(2.0)
    opened.button(key="run").click().run()
    assert_no_failure(opened)
    params = json.loads((data_dir / "predictions" / GAME / "postprocess.json").read_text())
    assert params["nms_window_s"] == 2.0 and json.loads(before)["nms_window_s"] != 2.0


def test_a_dataset_root_lists_its_games_and_runs_on_request(league, model, monkeypatch, data_dir):
    second = league.parent / (league.name + "-two")
    for game in (GAME, GAME.replace("Home", "Other")):
        folder = second / game
        folder.mkdir(parents=True)
        (folder / "224p.mp4").symlink_to(league / GAME / "224p.mp4")
    page = start(second, model, monkeypatch)
    assert_no_failure(page)
    assert page.selectbox(key="game").options == sorted([GAME, GAME.replace("Home", "Other")])
    assert not (data_dir / "predictions").exists()  # a dataset root waits for Run
    page.button(key="run").click().run()
    assert_no_failure(page)
    chosen = page.selectbox(key="game").value
    assert (data_dir / "predictions" / chosen / "results_spotting.json").is_file()


def test_an_uploaded_video_is_saved_once_and_predicted(league, model, monkeypatch, data_dir):
    page = start(None, model, monkeypatch)
    assert_no_failure(page)
    content = (league / GAME / "224p.mp4").read_bytes()
    page.file_uploader(key="upload").set_value(("clip.mp4", content, "video/mp4")).run()
    page.button(key="run").click().run()
    assert_no_failure(page)
    assert (data_dir / "uploads" / "clip.mp4").read_bytes() == content
    assert (data_dir / "predictions" / "clip" / "results_spotting.json").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00garbage" * 200, "error: cannot read video upload clip.mp4: "),
        (b"", "error: video is empty (0 bytes): upload clip.mp4"),
    ],
)
def test_an_upload_that_is_no_video_is_refused_and_not_kept(league, model, monkeypatch, data_dir, content, message):
    uploads = data_dir / "uploads"
    uploads.mkdir(parents=True)
    earlier = (league / GAME / "224p.mp4").read_bytes()
    (uploads / "clip.mp4").write_bytes(earlier)  # an earlier upload of the same name
    page = start(None, model, monkeypatch)
    page.file_uploader(key="upload").set_value(("clip.mp4", content, "video/mp4")).run()
    assert not page.exception
    (error,) = page.error
    assert error.value.startswith(message) and "\n" not in error.value
    assert [f.name for f in uploads.iterdir()] == ["clip.mp4"] and (uploads / "clip.mp4").read_bytes() == earlier


# --- watch -------------------------------------------------------------------------------------------------


def test_the_confidence_slider_and_class_filter_update_the_table_without_running_again(opened, predicted, monkeypatch):
    document = json.loads((predicted / "predictions" / GAME / "results_spotting.json").read_text())
    confidences = sorted(p["confidence"] for p in document["predictions"])
    middle = round(float(np.median(confidences)), 2)
    monkeypatch.setattr("ballspot.webapp.runs.predict_games", lambda *a, **k: pytest.fail("the model ran again"))
    opened.slider(key="threshold").set_value(middle).run()
    assert_no_failure(opened)
    rows = table(opened, "events_table")
    expected = [p for p in document["predictions"] if p["confidence"] >= middle]
    assert 0 < len(rows) < len(document["predictions"]) and len(rows) == len(expected)
    assert list(rows["label"]) == [p["label"] for p in expected]
    opened.multiselect(key="classes").set_value(["PASS", "SHOT"]).run()
    rows = table(opened, "events_table")
    assert set(rows["label"]) <= {"PASS", "SHOT"}
    assert len(rows) == sum(p["label"] in ("PASS", "SHOT") for p in expected)


def test_the_timeline_has_one_lane_per_class_and_a_marker_per_event(opened):
    (chart,) = [c for c in opened.get("plotly_chart") if "timeline" in c.proto.id]
    figure = json.loads(chart.proto.spec)
    lanes = figure["layout"]["yaxis"]["ticktext"]
    assert lanes[0] == "PASS" and len(lanes) == 12
    rows = table(opened, "events_table")
    markers = sum(len(t["x"]) for t in figure["data"] if not t["name"].startswith("label"))
    assert markers == len(rows)
    labels = sum(len(t["x"]) for t in figure["data"] if t["name"].startswith("label"))
    assert labels == len(LABELS)


def test_jumping_to_a_missed_label_moves_the_player_there(opened):
    opened.slider(key="threshold").set_value(1.0).run()  # nothing shown: every label is missed
    misses = opened.selectbox(key="miss")
    assert len(misses.options) == len(LABELS)
    misses.set_value(misses.options[0]).run()
    assert_no_failure(opened)
    target = opened.session_state["seek"]
    assert target["half"] == 1 and target["position_ms"] in EVENT_MS
    (video,) = opened.get("video")
    assert video.proto.start_time == target["position_ms"] // 1000


def test_a_chosen_missed_label_stays_chosen_when_the_class_filter_changes(opened):
    opened.slider(key="threshold").set_value(1.0).run()  # nothing shown: every label is missed
    misses = opened.selectbox(key="miss")
    (shot,) = [text for text in misses.options if " SHOT " in text]
    misses.select_index(misses.options.index(shot)).run()
    opened.multiselect(key="classes").set_value(["DRIVE", "SHOT"]).run()  # the PASS labels leave the list
    assert_no_failure(opened)
    misses = opened.selectbox(key="miss")
    assert len(misses.options) == LABELS.count("DRIVE") + LABELS.count("SHOT")
    assert misses.index is not None and misses.options[misses.index] == shot


# --- review ------------------------------------------------------------------------------------------------


def test_review_figures_equal_ballspot_evaluate(opened, league, predicted):
    results = predicted / "predictions" / GAME / "results_spotting.json"
    labels = league / GAME / "Labels-ball.json"
    printed = runner.invoke(
        app, ["evaluate", "--predictions", str(results), "--labels", str(labels), "--bootstrap", "0", "--json"]
    )
    assert printed.exit_code == 0, printed.output
    expected = json.loads(printed.stdout)
    (metric,) = [m for m in opened.metric if m.label.startswith("mAP@1")]
    assert metric.value == f"{expected['mAP']:.4f}"
    per_class = table(opened, "class,labels,AP")
    assert list(per_class["class"]) == [c["class"] for c in expected["per_class"]]
    assert list(per_class["labels"]) == [c["ground_truth"] for c in expected["per_class"]]
    assert np.allclose(per_class["AP"], [c["ap"] for c in expected["per_class"]], rtol=0, atol=0)
    assert any(f"--labels {shlex.quote(str(labels))}" in code.value for code in opened.code)


def test_each_prediction_and_label_is_marked_by_soccernets_matching(league):
    labels = labels_frame(league / GAME / "Labels-ball.json")
    candidates = pd.DataFrame(
        [
            (1, "", 700, "PASS", 0.9, "left"),  # on a PASS label: matched
            (1, "", 1300, "PASS", 0.8, ""),  # 0.6 s after it: too far (±0.5 s), a false alarm
            (1, "", 1800 + 400, "DRIVE", 0.7, ""),  # 0.4 s after the DRIVE label: matched
            (1, "", 1800 + 300, "DRIVE", 0.6, ""),  # the label is taken by the more confident one
            (1, "", 3100, "PASS", 0.2, ""),  # near the third label, below the view's threshold: not shown
        ],
        columns=["half", "time", "position_ms", "label", "confidence", "team"],
    )
    view = shown(candidates, 0.5, ["PASS", "DRIVE", "HEADER", "SHOT"])
    matching = match_view(view, labels, candidates, ["PASS", "DRIVE", "HEADER", "SHOT"])
    assert list(matching.predictions["status"]) == ["matched", "false alarm", "matched", "false alarm"]
    status = dict(zip(matching.labels["position_ms"], matching.labels["status"], strict=True))
    assert status[700] == "matched" and status[1800] == "matched"
    assert [s for ms, s in status.items() if ms not in (700, 1800)] == ["missed"] * (len(LABELS) - 2)
    best = dict(zip(matching.labels["position_ms"], matching.labels["best_nearby"], strict=True))
    assert best[2900] == 0.2 and best[5100] == 0.0  # the hidden candidate still counts as "scored nearby"


def test_a_game_without_labels_says_there_is_nothing_to_review(tmp_path, model, monkeypatch):
    video = moving_square_video(tmp_path / "match.mp4", frames=75)
    page = start(video, model, monkeypatch)
    assert_no_failure(page)
    assert any("nothing to review" in info.value for info in page.info)


@pytest.mark.parametrize(
    ("annotations", "said"),
    [
        ([], "holds no event of the model's classes"),
        ([{"gameTime": "1 - 00:01", "label": "GOAL!", "position": "1000"}], "unknown label 'GOAL!'"),
    ],
)
def test_labels_that_cannot_be_scored_are_not_reviewed(tmp_path, model, monkeypatch, annotations, said):
    """Labels without an event of the model's classes would score mAP 0 whatever was predicted (`ballspot
    evaluate` refuses them); the review says they are not used, not that there are none."""
    video = moving_square_video(tmp_path / "match.mp4", frames=75)
    (tmp_path / "Labels-ball.json").write_text(json.dumps({"annotations": annotations}))
    page = start(video, model, monkeypatch)
    assert not page.exception and not page.error
    (warning,) = page.warning
    assert warning.value.startswith("labels not used: ") and said in warning.value
    assert not [m for m in page.metric if m.label.startswith("mAP@1")]
    assert [i.value for i in page.info] == ["Its labels are not used: nothing to review."]


@pytest.mark.parametrize(
    ("annotation", "said"),
    [
        (Annotation("SHOT", 1000, half=2), "1 label(s) of half 2, which has no video here"),
        (Annotation("SHOT", 95_000), "1 label(s) of half 1 after its video's end (00:03.000)"),
    ],
)
def test_labels_the_video_cannot_show_are_warned_about(tmp_path, model, monkeypatch, annotation, said):
    video = moving_square_video(tmp_path / "match.mp4", frames=75)
    labels = tmp_path / "Labels-ball.json"
    labels.write_text(json.dumps(labels_document([Annotation("PASS", 700), annotation])))
    page = start(video, model, monkeypatch)
    assert_no_failure(page)
    assert [shown_text(w.value) for w in page.warning] == [
        f"{labels} does not fit the video: {said}; are they the labels of another game?"
    ]
    assert [m for m in page.metric if m.label.startswith("mAP@1")]  # still reviewed


# --- export ------------------------------------------------------------------------------------------------


def test_exported_events_are_valid_json_and_csv(opened, league, predicted):
    document = json.loads((predicted / "predictions" / GAME / "results_spotting.json").read_text())
    frame = predictions_frame(document)
    threshold = float(np.median(frame["confidence"]))
    rows = shown(frame, threshold, ["PASS", "DRIVE"])
    videos = {1: league / GAME / "224p.mp4"}
    events = json.loads(events_json(rows, threshold, videos))
    assert events["threshold"] == threshold and events["videos"] == {"1": str(videos[1].resolve())}
    listed = [(e["position"], e["label"]) for e in events["events"]]
    assert listed == list(zip(rows["position_ms"], rows["label"], strict=True))
    assert all(e["confidence"] >= threshold for e in events["events"])
    from io import StringIO

    parsed = pd.read_csv(StringIO(events_csv(rows).decode()), keep_default_na=False)
    assert list(parsed.columns) == ["half", "time", "position_ms", "label", "confidence", "team"]
    assert list(parsed["position_ms"]) == list(rows["position_ms"]) and len(parsed) == len(rows)


def test_clips_of_the_chosen_events_are_cut(opened, predicted):
    opened.slider(key="threshold").set_value(0.0).run()
    names = opened.multiselect(key="clip_events")
    assert len(names.options) > 3
    names.set_value([names.options[0], names.options[3]]).run()
    opened.number_input(key="clip_before").set_value(1.0)
    opened.number_input(key="clip_after").set_value(1.5)
    opened.button(key="cut_clips").click().run()
    assert_no_failure(opened)
    clips = sorted((predicted / "predictions" / GAME / "clips").glob("*.mp4"))
    assert len(clips) == 2
    document = json.loads((predicted / "predictions" / GAME / "results_spotting.json").read_text())
    chosen = predictions_frame(document).iloc[[0, 3]]  # the options list the shown events in time order
    for clip, position_ms in zip(clips, chosen["position_ms"], strict=True):
        info = probe(clip)
        assert abs(info.duration_s - min(2.5, position_ms / 1000 + 1.5)) < 0.15, (clip.name, info.duration_s)
        assert clip.name.startswith(f"1_{position_ms // 1000:04d}.{position_ms % 1000:03d}_")


def test_chosen_clips_stay_on_their_events_when_the_slider_moves(opened, predicted):
    """The events to cut are chosen by name: raising the threshold drops those no longer shown from the choice
    and never swaps in the events that now sit at the same place in the list."""
    document = json.loads((predicted / "predictions" / GAME / "results_spotting.json").read_text())
    frame = predictions_frame(document)
    steps = [t / 100 for t in range(1, 100)]  # the slider's
    threshold = next(t for t in steps if 0 < (frame["confidence"] >= t).sum() < len(frame))
    kept = frame[frame["confidence"] >= threshold].iloc[0]  # shown at both thresholds
    dropped = frame[frame["confidence"] < threshold].iloc[0]  # shown only at 0
    opened.slider(key="threshold").set_value(0.0).run()
    names = opened.multiselect(key="clip_events")
    chosen = [n for n in names.options if n.startswith(f"half 1 {kept.time} {kept.label} ")]
    chosen += [n for n in names.options if n.startswith(f"half 1 {dropped.time} {dropped.label} ")]
    names.set_value(chosen).run()
    opened.slider(key="threshold").set_value(threshold).run()
    assert opened.multiselect(key="clip_events").value == chosen[:1]
    opened.button(key="cut_clips").click().run()
    assert_no_failure(opened)
    clips = [p.name for p in (predicted / "predictions" / GAME / "clips").glob("*.mp4")]
    assert f"1_{kept.position_ms // 1000:04d}.{kept.position_ms % 1000:03d}_{kept.label.replace(' ', '-')}.mp4" in clips
    assert len(opened.session_state["clips"]["paths"]) == 1


@pytest.mark.parametrize(("before_s", "shown"), [(2.0, list(range(29, 90))), (0.0, [89])])
def test_a_clip_of_an_event_on_the_last_frame_holds_every_frame_up_to_it(before_s, shown, tmp_path):
    """At 29.97 fps the last frame (89) shows at 2969.6 ms, the event at 2970: the clip started 0.4 ms after the
    frame on screen 2 s before it, so it came out one frame short (with no time before it, no frame at all)."""
    import av

    from ballspot.webapp.export import cut_event_clips
    from tests.videos import read_counter

    video = encode(tmp_path / "match.mp4", counter_frames(90), fps=30000 / 1001)
    events = pd.DataFrame([{"half": 1, "position_ms": 2970, "label": "PASS"}])
    [clip] = cut_event_clips(events, {1: video}, tmp_path / "clips", before_s=before_s, after_s=3.0)
    with av.open(str(clip)) as container:
        assert [read_counter(frame.to_ndarray(format="gray")) for frame in container.decode(video=0)] == shown


# --- errors in the page: one line ---------------------------------------------------------------------------


def test_a_missing_model_is_one_line_in_the_page(league, monkeypatch, tmp_path):
    page = start(league / GAME / "224p.mp4", tmp_path / "nowhere.pt", monkeypatch)
    assert not page.exception
    assert [e.value for e in page.error] == [f"error: weights file not found: {tmp_path / 'nowhere.pt'}"]


def test_no_trained_run_is_said_and_the_page_waits(league, monkeypatch):
    page = start(league / GAME / "224p.mp4", None, monkeypatch)
    assert not page.exception and not page.error
    assert any("no trained model under" in w.value for w in page.warning)


def test_an_unreadable_video_is_one_line_in_the_page(model, monkeypatch, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    page = start(broken, model, monkeypatch)
    assert not page.exception
    (error,) = page.error
    assert error.value.startswith("error: ") and "\n" not in error.value and "Traceback" not in error.value


def test_a_missing_path_is_one_line_in_the_page(model, monkeypatch, tmp_path):
    page = start(tmp_path / "missing.mp4", model, monkeypatch)
    assert not page.exception
    assert [e.value for e in page.error] == [f"error: video not found: {tmp_path / 'missing.mp4'}"]


MARKUP_NAME = "G $5 and $6 [HD](x) :red[final] _e_ *b* ~~c~~"
"""A game folder name that Markdown (with Streamlit's formulas and colours) would turn into a link and styles."""


def shown_text(markdown: str) -> str:
    """What a Markdown reader shows of `markdown`, as plain text, and whether it made links or emphasis."""
    import html
    import re

    from markdown_it import MarkdownIt

    rendered = MarkdownIt().render(markdown)
    assert not re.search(r"<(a|em|strong|s|del|code) ?", rendered), rendered
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


def test_names_that_look_like_markdown_are_shown_as_they_are(league, model, monkeypatch, tmp_path, data_dir):
    folder = tmp_path / "lg" / "s" / MARKUP_NAME
    folder.mkdir(parents=True)
    (folder / "224p.mp4").symlink_to(league / GAME / "224p.mp4")
    page = start(folder / "224p.mp4", model, monkeypatch)
    assert_no_failure(page)
    (caption,) = [text for text in caption_texts(page) if "candidates" in text]
    results = data_dir / "predictions" / "lg" / "s" / MARKUP_NAME / "results_spotting.json"
    assert shown_text(caption).endswith(str(results))
    assert "\\$5" in caption and "\\:red" in caption  # Streamlit's own: no formula, no colour
    (heading,) = [h.value for h in page.subheader]
    assert shown_text(heading) == f"lg/s/{MARKUP_NAME}"
    weights = tmp_path / MARKUP_NAME / "best.pt"
    page = start(folder / "224p.mp4", weights, monkeypatch)
    assert not page.exception
    (error,) = page.error
    assert shown_text(error.value) == f"error: weights file not found: {weights}"


# --- the command -------------------------------------------------------------------------------------------


def test_the_command_starts_streamlit_on_loopback_with_the_choices(league, model, monkeypatch):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr("ballspot.webapp.launch.check_port", lambda host, port: None)
    video = league / GAME / "224p.mp4"
    result = runner.invoke(app, ["app", str(video), "--model", str(model), "--port", "8765"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    args = call["args"]
    assert args[:2] == ["run", str(SCRIPT)]
    assert "--server.address=127.0.0.1" in args and "--server.port=8765" in args
    assert "--server.headless=True" in args and "--browser.gatherUsageStats=False" in args
    import os

    assert os.environ["BALLSPOT_APP_SOURCE"] == str(video.resolve())
    assert os.environ["BALLSPOT_APP_MODEL"] == str(model.resolve())


def test_help_says_the_default_address_and_what_0000_means():
    result = runner.invoke(app, ["app", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "127.0.0.1" in text and "0.0.0.0" in text and "ballspot[app]" in text


def test_missing_extra_is_one_line_with_the_install_hint(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    result = runner.invoke(app, ["app"])
    assert result.exit_code == 1
    assert_one_error_line(result, "pip install 'ballspot[app]'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/video.mp4"], "video or dataset root not found: /no/such/video.mp4"),
        (["--model", "/no/such/best.pt"], "weights file not found: /no/such/best.pt"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message):
    result = runner.invoke(app, ["app", *args])
    assert result.exit_code == 1
    assert_one_error_line(result, message)


def test_a_model_that_is_no_checkpoint_is_refused_before_the_server_starts(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    weights = tmp_path / "best.pt"
    weights.write_bytes(b"not a checkpoint" * 64)
    result = runner.invoke(app, ["app", "--model", str(weights)])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, f"cannot read weights file {weights}")


def test_a_clip_classifier_is_refused_before_the_server_starts(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    weights = tiny_checkpoint(tmp_path / "classifier.pt", task="classify")
    result = runner.invoke(app, ["app", "--model", str(weights)])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, f"{weights} is a clip classifier (trained with --task classify)")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("notes.txt", b"hello", "not a video file"), ("match.mp4", b"\x00garbage" * 200, "cannot read video")],
)
def test_a_source_that_is_no_video_is_refused_before_the_server_starts(monkeypatch, tmp_path, name, content, message):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    source = tmp_path / name
    source.write_bytes(content)
    result = runner.invoke(app, ["app", str(source)])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, message)


def test_folders_the_page_cannot_use_are_refused_before_the_server_starts(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    (tmp_path / "notes.txt").write_text("no games here")
    result = runner.invoke(app, ["app", str(tmp_path)])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, f"no games under {tmp_path}")
    result = runner.invoke(app, ["app", "--runs-dir", str(tmp_path / "notes.txt")])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, "--runs-dir", "is a file, not a folder")


def test_a_run_folder_without_weights_is_refused_naming_its_best_pt(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    (tmp_path / "run" / "weights").mkdir(parents=True)
    result = runner.invoke(app, ["app", "--model", str(tmp_path / "run")])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, f"weights file not found: {tmp_path / 'run' / 'weights' / 'best.pt'}")


def test_the_model_may_be_a_run_folder_or_an_exported_model_folder_as_for_predict(monkeypatch, tmp_path):
    launched = []
    monkeypatch.setattr("ballspot.webapp.launch.serve", lambda settings, host, port: launched.append(settings))
    weights = tiny_checkpoint(tmp_path / "run" / "weights" / "best.pt")
    result = runner.invoke(app, ["app", "--model", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert launched[-1].model == weights
    export = runner.invoke(app, ["export", str(weights), str(tmp_path / "shared"), "--format", "hf"])
    assert export.exit_code == 0, export.output
    result = runner.invoke(app, ["app", "--model", str(tmp_path / "shared")], env={"BALLSPOT_CACHE_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert launched[-1].model.is_file() and launched[-1].model != weights  # the folder's weights, as a checkpoint
    result = runner.invoke(app, ["app", "--model", ""])
    assert result.exit_code == 1 and len(launched) == 2
    assert_one_error_line(result, "empty model path or address")


@pytest.mark.parametrize("variable", ["BALLSPOT_DATA_DIR", "BALLSPOT_RUNS_DIR"])
def test_a_folder_variable_naming_a_file_is_refused_before_the_server_starts(monkeypatch, tmp_path, variable):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    (tmp_path / "notes.txt").write_text("not a folder")
    result = runner.invoke(app, ["app"], env={variable: str(tmp_path / "notes.txt")})
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, variable, "notes.txt is a file, not a folder")


@pytest.mark.parametrize("option", ["--data-dir", "--runs-dir"])
def test_a_folder_that_is_a_symbolic_link_loop_is_refused_before_the_server_starts(monkeypatch, tmp_path, option):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    result = runner.invoke(app, ["app", option, str(tmp_path / "loop")])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, "its symbolic links form a loop")


def test_an_empty_host_is_one_line_error(monkeypatch):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    result = runner.invoke(app, ["app", "--host", ""])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, "--host is empty")


@pytest.mark.parametrize("host", ["127.0.0..1", "a" * 70 + ".example"])
def test_a_host_name_with_an_empty_or_too_long_part_is_one_line_error(monkeypatch, host):
    calls = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda **kwargs: calls.append(kwargs))
    result = runner.invoke(app, ["app", "--host", host])
    assert result.exit_code == 1 and not calls
    assert_one_error_line(result, f"cannot listen on {host}: not a valid host name or address")


def test_a_port_in_use_is_one_line_error():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["app", "--port", str(port)])
    assert result.exit_code == 1
    assert_one_error_line(result, f"port {port} on 127.0.0.1 is in use")


# --- score curves, halves, team side ------------------------------------------------------------------------


def test_score_curves_are_computed_on_demand_and_kept(opened, league, model, predicted):
    from ballspot.predict.api import load_spotter, predict_scores

    assert not [c for c in opened.get("plotly_chart") if "curves_chart" in c.proto.id]
    opened.button(key="compute_curves").click().run()
    assert_no_failure(opened)
    (chart,) = [c for c in opened.get("plotly_chart") if "curves_chart" in c.proto.id]
    traces = json.loads(chart.proto.spec)["data"]
    times, scores = predict_scores(league / GAME / "224p.mp4", load_spotter(model, "cpu"))
    assert [t["name"] for t in traces] == list(opened.multiselect(key="classes").value)
    assert np.allclose(plotly_values(traces[0]["y"]), scores[:, 0], atol=1e-6)
    assert list((predicted.parent / "cache" / "app").glob("scores-*.npz"))


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "header"])
def test_damaged_kept_score_curves_are_computed_again(tmp_path, damage):
    from ballspot.webapp.curves import cached_curves, curves_path

    video, model, cache = tmp_path / "game.mp4", tmp_path / "best.pt", tmp_path / "cache"
    video.write_bytes(b"video")
    model.write_bytes(b"weights")
    cache.mkdir()
    path = curves_path(video, model, cache)
    np.savez_compressed(path, times_s=np.arange(500.0), scores=np.random.rand(500, 12), classes=np.array(["PASS"] * 12))
    assert cached_curves(video, model, cache) is not None
    data = path.read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],
        "empty": b"",
        "garbage": b"PK\x03\x04" + b"x" * 100,
        "header": data[:200] + bytes(b ^ 0xFF for b in data[200:400]) + data[400:],
    }[damage]
    path.write_bytes(damaged)
    assert cached_curves(video, model, cache) is None


@pytest.mark.parametrize("files", [[], {"results": 5}, {}])
def test_a_damaged_kept_run_is_predicted_again(tmp_path, files):
    from ballspot.predict.postprocess import PostprocessParams
    from ballspot.webapp.runs import cached_run, run_key
    from ballspot.webapp.sources import open_target

    video, model, cache = tmp_path / "game.mp4", tmp_path / "best.pt", tmp_path / "cache"
    video.write_bytes(b"video")
    model.write_bytes(b"weights")
    cache.mkdir()
    (game,) = open_target(video)
    params, out = PostprocessParams(), tmp_path / "out"
    entry = {"game_id": "game", "document": {}, "files": files, "params": {}, "classes": [], "seconds": 0}
    (cache / f"{run_key(game, model, params, out)}.json").write_text(json.dumps(entry))
    assert cached_run(game, model, params, out, cache) is None


def test_a_game_in_two_halves_switches_half_when_jumping(league, model, monkeypatch, tmp_path, data_dir):
    folder = tmp_path / "root" / GAME
    folder.mkdir(parents=True)
    for half in (1, 2):
        (folder / f"{half}_224p.mp4").symlink_to(league / GAME / "224p.mp4")
    annotations = [Annotation("PASS", 1000, half=1), Annotation("SHOT", 6000, half=2)]
    (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    page = start(tmp_path / "root", model, monkeypatch)
    page.button(key="run").click().run()
    assert_no_failure(page)
    assert page.selectbox(key="half").options == ["1", "2"]
    results = json.loads((data_dir / "predictions" / GAME / "results_spotting.json").read_text())
    assert {p["half"] for p in results["predictions"]} == {1, 2}
    page.slider(key="threshold").set_value(1.0).run()
    misses = page.selectbox(key="miss")
    (second,) = [i for i, text in enumerate(misses.options) if text.startswith("half 2")]
    misses.set_value(misses.options[second]).run()
    assert_no_failure(page)
    assert page.selectbox(key="half").value == 2
    assert page.session_state["seek"]["position_ms"] == 6000
    (video,) = page.get("video")
    assert video.proto.start_time == 6 and video.proto.url


def test_team_side_is_shown_when_predictions_carry_it():
    from ballspot.webapp.figures import timeline

    document = {
        "predictions": [
            {"gameTime": "1 - 00:01", "label": "PASS", "position": 1000, "half": 1, "confidence": 0.9, "team": "left"},
            {"gameTime": "1 - 00:02", "label": "PASS", "position": 2000, "half": 1, "confidence": 0.4, "team": "right"},
            {"gameTime": "1 - 00:03", "label": "PASS", "position": 3000, "half": 1, "confidence": 0.7},
        ]
    }
    frame = predictions_frame(document)
    assert list(frame["team"]) == ["left", "right", ""]
    other_side = dict(document["predictions"][0], team="right", confidence=0.1)  # written before its event
    assert predictions_frame({"predictions": [other_side, *document["predictions"]]}).equals(frame)
    figure = timeline(frame, ["PASS", "DRIVE"], 10_000)
    (trace,) = figure.data
    assert list(trace.marker.symbol) == ["triangle-left", "triangle-right", "circle"]
    assert list(trace.marker.size) == [6 + 14 * 0.9, 6 + 14 * 0.4, 6 + 14 * 0.7]
    assert list(trace.customdata) == [1000, 2000, 3000]


def test_predictions_with_team_sides_show_them_and_the_team_map(league, model, monkeypatch, data_dir, tmp_path):
    """A model that predicts sides (the dense spotter does) is stood in for by a run that writes a game's labels
    back as predictions through predict's own writer, the first one on the wrong side."""
    from ballspot.classes import CLASSES_12
    from ballspot.predict.outputs import results_document, write_game_outputs
    from ballspot.soccernet.results import Prediction

    folder = tmp_path / "root" / GAME
    folder.mkdir(parents=True)
    (folder / "224p.mp4").symlink_to(league / GAME / "224p.mp4")
    annotations = [Annotation(c, 400 + 800 * i, team=("left", "right")[i % 2]) for i, c in enumerate(CLASSES_12)]
    (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    swapped = {"left": "right", "right": "left"}
    predictions = [
        Prediction(a.label, a.position_ms, 0.9, 1, swapped[a.team] if i == 0 else a.team)
        for i, a in enumerate(annotations)
    ]

    def with_sides(jobs, spotter, params, out_root, batch_size, precision, **options):
        (job,) = jobs
        files = write_game_outputs(out_root / job.game_id, job.game_id, {1: job.video}, predictions, params)
        return [{"document": results_document(predictions, job.game_id), "files": files}]

    monkeypatch.setattr("ballspot.webapp.runs.predict_games", with_sides)
    page = start(folder / "224p.mp4", model, monkeypatch)
    assert_no_failure(page)
    assert list(table(page, "events_table")["team"]) == [p.team for p in predictions]
    results = data_dir / "predictions" / GAME / "results_spotting.json"
    printed = runner.invoke(
        app,
        ["evaluate", "--predictions", str(results), "--labels", str(folder / "Labels-ball.json")]
        + ["--bootstrap", "0", "--json"],
    )
    expected = json.loads(printed.stdout)
    assert 0 < expected["team_mAP"] < expected["mAP"] == 1.0
    (team_metric,) = [m for m in page.metric if m.label.startswith("Team mAP@1")]
    assert team_metric.value == f"{expected['team_mAP']:.4f}"
    per_class = table(page, "class,labels,AP,team AP")
    assert list(per_class["team AP"]) == [c["team_ap"] for c in expected["per_class"]]


def test_exported_events_at_one_time_are_in_the_order_predict_writes_them(tmp_path):
    """Events sharing a half and a time: the app's events.json and CSV list them as `ballspot predict`'s
    events.json does (most confident first, then by class and side), whatever order they were found in."""
    from ballspot.predict.outputs import events_document
    from ballspot.soccernet.results import Prediction, results_document

    found = [
        Prediction("PASS", 1000, 0.6, team="left"),
        Prediction("SHOT", 1000, 0.9, team="left"),
        Prediction("DRIVE", 1000, 0.9, team="right"),
        Prediction("PASS", 400, 0.7, team="right"),
        Prediction("HEADER", 1000, 0.6, half=2, team="left"),
        Prediction("CROSS", 1000, 0.6, half=2, team="left"),
    ]
    videos, threshold = {1: tmp_path / "1_224p.mkv", 2: tmp_path / "2_224p.mkv"}, 0.5
    written = events_document(found, threshold, videos)["events"]
    assert written == events_document(found[::-1], threshold, videos)["events"]
    assert [(e["half"], e["position"], e["label"]) for e in written] == [
        (1, 400, "PASS"), (1, 1000, "DRIVE"), (1, 1000, "SHOT"), (1, 1000, "PASS"), (2, 1000, "CROSS"),
        (2, 1000, "HEADER"),
    ]  # fmt: skip
    rows = shown(predictions_frame(results_document(found, "g")), threshold, sorted({p.label for p in found}))
    assert json.loads(events_json(rows, threshold, videos))["events"] == written
    from io import StringIO

    listed = pd.read_csv(StringIO(events_csv(rows).decode()), keep_default_na=False)
    assert list(zip(listed["position_ms"], listed["label"], strict=True)) == [
        (e["position"], e["label"]) for e in written
    ]
