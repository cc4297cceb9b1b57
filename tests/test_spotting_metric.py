"""The spotting metric: the spec's golden values, a plain-Python reference of SoccerNet's rules on
random data, the quirks the official evaluator handles silently, the in-memory API and the bootstrap."""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ballspot.classes import CLASSES_2, CLASSES_12
from ballspot.errors import BallspotError
from ballspot.metrics import METRICS, evaluate_spotting, spotting_map
from ballspot.metrics.matching import frames_of
from ballspot.soccernet.labels import Annotation
from ballspot.soccernet.results import Prediction
from tests.spotting_data import (
    GAME,
    TEAMS,
    golden_events,
    golden_labels,
    prediction,
    predictions_document,
    random_games,
    write_tree,
)

LABELS_FILE = "Labels-ball.json"
RESULTS_FILE = "results_spotting.json"


def read_labels_of(path: Path) -> list[Annotation]:
    """A labels file's events, read as `evaluate` reads them (every event, in the file's order)."""
    from ballspot.soccernet.labels import parse_annotation

    raws = json.loads(path.read_text(encoding="utf-8"))["annotations"]
    return [parse_annotation(raw, f"annotation {i}", CLASSES_12) for i, raw in enumerate(raws)]


def score(tmp_path: Path, labels: dict, items: list[dict], metric: str = "at1", **options):
    """Write the golden game's labels and these predictions, and evaluate them from the files."""
    write_tree(tmp_path / "labels", {GAME: labels}, LABELS_FILE)
    write_tree(tmp_path / "predictions", {GAME: predictions_document(items)}, RESULTS_FILE)
    return evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", metric=metric, **options)


def exact(shift_ms: int = 0, confidence: float = 1.0, flip=lambda i, k: False) -> list[dict]:
    """One prediction per golden event, shifted; `flip(i, k)` says whether to swap its team."""
    return [
        prediction(CLASSES_12[i], ms + shift_ms, confidence, TEAMS[1 - TEAMS.index(team)] if flip(i, k) else team)
        for i, k, ms, team in golden_events()
    ]


# ---------------------------------------------------------------- golden values (spec section 6)


@pytest.mark.parametrize(
    ("shift", "at1", "tight", "team"),
    [(0, 1.0, 1.0, 1.0), (480, 1.0, 1.0, 1.0), (520, 0.0, 0.875, 0.0)],
)
def test_golden_shifted_predictions(tmp_path, shift, at1, tight, team):
    result = score(tmp_path, golden_labels(), exact(shift))
    assert result.mAP == pytest.approx(at1, abs=1e-12)
    assert result.team_mAP == pytest.approx(team, abs=1e-12)
    assert score(tmp_path, golden_labels(), exact(shift), "tight").mAP == pytest.approx(tight, abs=1e-12)


def test_golden_half_right_half_three_seconds_late_with_every_team_flipped(tmp_path):
    items = [
        prediction(CLASSES_12[i], ms + (3000 if k else 0), 0.8 if k else 0.9, TEAMS[1 - TEAMS.index(team)])
        for i, k, ms, team in golden_events()
    ]
    result = score(tmp_path, golden_labels(), items)
    assert result.mAP == pytest.approx(6 / 11, abs=1e-12)
    assert round(result.mAP, 4) == 0.5455
    assert result.team_mAP == pytest.approx(0.0, abs=1e-12)
    assert score(tmp_path, golden_labels(), items, "tight").mAP == pytest.approx(6 / 11, abs=1e-12)


def test_golden_right_team_events_predicted_as_left(tmp_path):
    items = [prediction(CLASSES_12[i], ms, 1.0, "left") for i, _, ms, _ in golden_events()]
    result = score(tmp_path, golden_labels(), items)
    assert result.mAP == pytest.approx(1.0, abs=1e-12)
    assert result.team_mAP == pytest.approx(0.25, abs=1e-12)


def test_both_sides_of_an_event_keep_plain_map_and_find_the_wrong_side(tmp_path):
    """Every golden event given the wrong side (p = 0.6), written both ways: plain mAP as with one side; in
    Team mAP each (class, side) now finds its event (at 0.4 / 0.6 of the confidence) below the other event's
    wrong side: precision 1/2 at full recall, 0.5 instead of 0; no duplicate warning."""
    from ballspot.soccernet.results import results_document

    wrong = [
        Prediction(CLASSES_12[i], ms, 0.9, team=TEAMS[1 - TEAMS.index(team)], team_probability=0.6)
        for i, _, ms, team in golden_events()
    ]
    one_side = score(tmp_path / "one", golden_labels(), [p.to_json() for p in wrong])
    both = score(tmp_path / "both", golden_labels(), results_document(wrong)["predictions"])
    assert one_side.mAP == both.mAP == pytest.approx(1.0, abs=1e-12)
    assert one_side.team_mAP == pytest.approx(0.0, abs=1e-12)
    assert both.team_mAP == pytest.approx(0.5, abs=1e-12)
    assert not any("share a 40 ms frame" in w for w in both.warnings)


def test_golden_half_two_copies_are_false_positives_with_a_warning(tmp_path):
    copies = [prediction(CLASSES_12[i], ms, 1.0, team, half=2) for i, k, ms, team in golden_events() if k == 0]
    result = score(tmp_path, golden_labels(), exact() + copies)
    assert result.mAP == pytest.approx(2 / 3, abs=1e-12)
    assert any("half 2" in w and "false positives" in w for w in result.warnings)


def test_golden_false_positives_below_the_true_ones_cost_nothing(tmp_path):
    false = [prediction(CLASSES_12[i], ms + 5000, 0.5, team) for i, _, ms, team in golden_events()]
    assert score(tmp_path, golden_labels(), exact() + false).mAP == pytest.approx(1.0, abs=1e-12)


def test_golden_a_later_duplicate_in_the_same_frame_replaces_the_true_positive(tmp_path):
    items = []
    for i, _, ms, team in golden_events():
        items.append(prediction(CLASSES_12[i], ms, 1.0, team))
        items.append(prediction(CLASSES_12[i], ms + 10, 0.01, team))  # same 40 ms frame, written after
        items.append(prediction(CLASSES_12[i], ms + 5000, 0.5, team))
    result = score(tmp_path, golden_labels(), items)
    assert result.mAP == pytest.approx(0.5, abs=1e-12)
    assert any("24 prediction(s) share a 40 ms frame" in w for w in result.warnings)


def test_golden_not_shown_event_makes_team_map_nan(tmp_path):
    result = score(tmp_path, golden_labels(not_shown={(0, 1)}), exact())
    assert result.mAP == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(result.team_mAP)
    assert math.isnan(result.per_class[0].team_ap)
    assert result.per_class[1].team_ap == pytest.approx(1.0)
    note = next(w for w in result.warnings if w.startswith("Team mAP is undefined"))
    assert "PASS (side weights" in note and "= 0" in note and "\n" not in note
    assert result.to_dict()["team_mAP"] is None


def test_golden_strings_for_positions_and_confidences_change_nothing(tmp_path):
    items = [{**p, "position": str(p["position"]), "confidence": str(p["confidence"])} for p in exact(480)]
    result = score(tmp_path, golden_labels(), items)
    assert result.mAP == pytest.approx(1.0, abs=1e-12)
    assert result.team_mAP == pytest.approx(1.0, abs=1e-12)


def test_golden_class_without_ground_truth_scores_zero_and_still_counts(tmp_path):
    items = [p for p in exact() if p["label"] != "GOAL"]
    result = score(tmp_path, golden_labels(drop={11}), items)
    assert result.mAP == pytest.approx(11 / 12, abs=1e-12)
    assert result.per_class[11].ap == 0.0 and result.per_class[11].ground_truth == 0
    assert any("no ground truth for GOAL" in w for w in result.warnings)


def test_golden_ground_truth_counts_per_class(tmp_path):
    result = score(tmp_path, golden_labels(not_shown={(3, 0)}), exact())
    assert [c.ground_truth for c in result.per_class] == [2] * 12
    assert result.per_class[3].ground_truth_visible == 1
    assert result.games == (GAME,)


# ---------------------------------------------------------------- frames and windows


def test_frames_follow_the_official_floating_point_order():
    positions = np.array([0, 39, 40, 480, 520, 1160, 2280, 7_199_999, 7_200_000, 9_000_000])
    expected = [min(int(25 * (int(p) / 1000)), 179_999) for p in positions]
    assert frames_of(positions).tolist() == expected
    assert frames_of(np.array([1160])).tolist() == [28]  # 29 with exact integer arithmetic


def test_a_window_edge_decided_by_the_floating_point_frame(tmp_path):
    # 1160 ms is frame 28 (not 29): 13 frames from 1640 ms (frame 41), so it misses at 1 s
    assert int(25 * (1640 / 1000)) == 41 and int(25 * (1160 / 1000)) == 28
    labels = {"annotations": [{"gameTime": "1 - 00:01", "label": "PASS", "position": "1640"}]}
    result = score(tmp_path, labels, [prediction("PASS", 1160, 0.9)])
    assert result.per_class[0].ap == 0.0
    result = score(tmp_path, labels, [prediction("PASS", 1200, 0.9)])  # frame 30: 11 away
    assert result.per_class[0].ap == 1.0


def test_events_past_two_hours_are_clamped_to_the_last_frame_with_a_warning(tmp_path):
    labels = {"annotations": [{"gameTime": "1 - 130:00", "label": "PASS", "position": "7800000"}]}
    result = score(tmp_path, labels, [prediction("PASS", 7_250_000, 0.9)])
    assert result.per_class[0].ap == 1.0
    assert any("past 120 min" in w for w in result.warnings)


# ---------------------------------------------------------------- a reference of SoccerNet's rules


def reference_scores(labels: dict[str, dict], predictions: dict[str, dict], classes, tolerances) -> dict:
    """SoccerNet's definitions written plainly, one event at a time (spec section 6)."""
    index = {c: i for i, c in enumerate(classes)}
    last = 120 * 60 * 25 - 1

    def frame(position) -> int:
        return min(int(25 * (int(position) / 1000)), last)

    gt = {}  # (game, half, class) -> {frame: value}, later writes win
    det = {}
    for game in sorted(labels):
        for a in labels[game]["annotations"]:
            half = int(a["gameTime"][0])
            if a["label"] in index and half in (1, 2):
                value = -1 if a.get("visibility") == "not shown" else 1
                gt.setdefault((game, half, index[a["label"]]), {})[frame(a["position"])] = value
        for p in predictions[game]["predictions"]:
            half = int(p["half"])
            if p["label"] in index and half in (1, 2):
                det.setdefault((game, half, index[p["label"]]), {})[frame(p["position"])] = float(p["confidence"])
    thresholds = np.linspace(0, 1, 200)
    per_tolerance = []
    for tolerance in tolerances:
        rows = {c: [] for c in range(len(classes))}  # (score, tp, closest)
        n_gt = {c: [0, 0] for c in range(len(classes))}  # visible, unshown
        for key in set(gt) | set(det):
            targets = sorted(gt.get(key, {}).items())
            detections = sorted((f, s) for f, s in det.get(key, {}).items() if s >= 0)
            taken = set()
            for g, _ in targets:
                best, best_frame = -1.0, None
                for f, s in detections:
                    if abs(f - g) <= tolerance * 25 / 2 and s > best and f not in taken:
                        best, best_frame = s, f
                if best_frame is not None:
                    taken.add(best_frame)
            for _, value in targets:
                n_gt[key[2]][0 if value > 0 else 1] += 1
            for f, s in detections:
                closest = -1
                for i, (g, value) in enumerate(targets):
                    start = 0 if i == 0 else (targets[i - 1][0] + g) // 2
                    stop = last + 1 if i == len(targets) - 1 else (g + targets[i + 1][0]) // 2
                    if start <= f < stop:
                        closest = value
                rows[key[2]].append((s, f in taken, closest))
        aps = {"all": [], "visible": [], "unshown": []}
        for c in range(len(classes)):
            for split, keep, total in (
                ("all", lambda r: True, n_gt[c][0] + n_gt[c][1]),
                ("visible", lambda r: r[2] > 0.5, n_gt[c][0]),
                ("unshown", lambda r: r[2] < -0.5, n_gt[c][1]),
            ):
                points = []
                for t in thresholds:
                    kept = [r for r in rows[c] if keep(r) and r[0] >= t]
                    tp = sum(1 for r in kept if r[1])
                    points.append((tp / len(kept) if kept else 0.0, tp / total if total else 0.0))
                ap = 0.0
                for level in np.arange(11) / 10:
                    ap += max([p for p, r in points if r >= level], default=0.0)
                aps[split].append(ap / 11)
        per_tolerance.append(aps)

    def average(values):
        if len(values) == 1:
            return values[0]
        return sum((a + b) / 2 for a, b in zip(values[:-1], values[1:], strict=True)) / (len(values) - 1)

    out = {}
    for split in ("all", "visible", "unshown"):
        out[split] = average([float(np.mean(t[split])) for t in per_tolerance])
        out[split + "_per_class"] = [average([t[split][c] for t in per_tolerance]) for c in range(len(classes))]
    if len(tolerances) > 1:
        out["unshown"] *= 17 / 13
    return out


@pytest.mark.parametrize(
    ("seed", "metric", "classes"),
    [(0, "at1", CLASSES_12), (1, "at2", CLASSES_12), (2, "tight", CLASSES_12), (3, "at1", CLASSES_2)],
)
def test_matches_a_plain_reference_on_random_crowded_games(tmp_path, seed, metric, classes):
    labels, predictions = random_games(np.random.default_rng(seed), n_events=120, classes=classes)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    result = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", classes, metric)
    expected = reference_scores(labels, predictions, classes, METRICS[metric])
    assert result.mAP == pytest.approx(expected["all"], abs=1e-12)
    assert result.mAP_visible == pytest.approx(expected["visible"], abs=1e-12)
    assert result.mAP_unshown == pytest.approx(expected["unshown"], abs=1e-12)
    assert list(result.ap_per_class) == pytest.approx(expected["all_per_class"], abs=1e-12)
    assert [c.ap_visible for c in result.per_class] == pytest.approx(expected["visible_per_class"], abs=1e-12)
    assert [c.ap_unshown for c in result.per_class] == pytest.approx(expected["unshown_per_class"], abs=1e-12)
    assert 0.05 < result.mAP < 0.95  # the data is neither trivial nor hopeless


def test_matching_in_small_chunks_changes_nothing(tmp_path, monkeypatch):
    from ballspot.metrics import matching

    labels, predictions = random_games(np.random.default_rng(21), n_events=200)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    whole = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", metric="loose")
    monkeypatch.setattr(matching, "_PAIR_CHUNK", 7)
    chunked = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", metric="loose")
    assert chunked.mAP == whole.mAP and chunked.team_mAP == whole.team_mAP
    assert chunked.ap_per_class == whole.ap_per_class


def test_ties_go_to_the_earliest_frame_and_each_detection_matches_once(tmp_path):
    def pass_at(*positions):
        return {"annotations": [{"gameTime": "1 - 00:10", "label": "PASS", "position": str(p)} for p in positions]}

    # events at frames 250 and 262; equal-confidence detections at 245 and 256 are both within 12 frames
    # of the first event: it takes the earlier one, which leaves 256 for the second event
    result = score(tmp_path, pass_at(10_000, 10_480), [prediction("PASS", 9_800, 0.5), prediction("PASS", 10_240, 0.5)])
    assert result.per_class[0].ap == 1.0
    # a higher confidence wins over an earlier frame: the first event takes 256, the second gets nothing
    result = score(tmp_path, pass_at(10_000, 10_480), [prediction("PASS", 9_800, 0.5), prediction("PASS", 10_240, 0.6)])
    assert result.per_class[0].ap == pytest.approx(6 / 11, abs=1e-12)
    # one detection between two events matches only the first; recall 1/2
    result = score(tmp_path, pass_at(10_000, 10_400), [prediction("PASS", 10_200, 0.5)])
    assert result.per_class[0].ap == pytest.approx(6 / 11, abs=1e-12)


# ---------------------------------------------------------------- what the official tool does silently


def test_a_labelled_game_without_predictions_is_an_error(tmp_path):
    write_tree(tmp_path / "labels", {GAME: golden_labels(), "a/b/other game": golden_labels()}, LABELS_FILE)
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact())}, RESULTS_FILE)
    with pytest.raises(BallspotError, match=r"1 of 2 labelled game\(s\) have no results_spotting.json.*other game"):
        evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")


def test_predictions_for_unlabelled_games_are_ignored_with_a_warning(tmp_path):
    write_tree(tmp_path / "labels", {GAME: golden_labels()}, LABELS_FILE)
    write_tree(
        tmp_path / "predictions",
        {GAME: predictions_document(exact()), "a/b/extra": predictions_document([])},
        RESULTS_FILE,
    )
    result = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")
    assert result.mAP == 1.0 and result.games == (GAME,)
    assert any("predictions but no labels" in w and "a/b/extra" in w for w in result.warnings)


def test_unknown_labels_are_ignored_with_a_warning(tmp_path):
    labels = golden_labels()
    labels["annotations"].append({"gameTime": "1 - 00:01", "label": "KICK OFF", "position": "1000"})
    items = exact() + [prediction("PAS", 5000, 0.99), prediction("PAS", 7000, 0.99)]
    result = score(tmp_path, labels, items)
    assert result.mAP == 1.0
    assert any("1 labelled event(s)" in w and "'KICK OFF'" in w for w in result.warnings)
    assert any("2 prediction(s)" in w and "'PAS' x2" in w for w in result.warnings)


def test_confidences_outside_zero_one(tmp_path):
    # below 0: ignored, and written last in a frame it hides the earlier prediction there
    items = exact() + [prediction("PASS", 5000 + 10, -0.5)]
    result = score(tmp_path, golden_labels(), items)
    assert result.per_class[0].ap == pytest.approx(6 / 11, abs=1e-12)  # recall 1/2
    assert any("confidence < 0 are ignored" in w for w in result.warnings)
    # above 1: outranks a 1.0 when two compete for one event. Events at frames 250 and 262; detections
    # at 245 (1.0) and 256: at 1.5 the first event takes 256 and the second gets nothing; at 1.0 the
    # first event takes 245 (tie: earliest) and the second gets 256
    labels = {"annotations": [{"gameTime": "1 - 00:10", "label": "PASS", "position": str(p)} for p in (10_000, 10_480)]}
    result = score(tmp_path, labels, [prediction("PASS", 9_800, 1.0), prediction("PASS", 10_240, 1.5)])
    assert result.per_class[0].ap == pytest.approx(3 / 11, abs=1e-12)
    assert any("1 prediction(s) with confidence > 1" in w for w in result.warnings)
    result = score(tmp_path, labels, [prediction("PASS", 9_800, 1.0), prediction("PASS", 10_240, 1.0)])
    assert result.per_class[0].ap == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"confidence": "high"}, "'confidence' 'high'"),
        ({"confidence": float("nan")}, "confidence nan"),
        ({"position": "5000.5"}, "'position' '5000.5'"),
        ({"position": -80}, "negative 'position'"),
        ({"half": None}, "'half' None"),
    ],
)
def test_malformed_predictions_are_one_line_errors(tmp_path, change, message):
    items = exact()
    items[3] = {**items[3], **change}
    with pytest.raises(BallspotError, match="prediction 3") as error:
        score(tmp_path, golden_labels(), items)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_prediction_without_half_is_an_error(tmp_path):
    items = exact()
    del items[0]["half"]
    with pytest.raises(BallspotError, match=r"prediction 0 \(PASS\) has no 'half'"):
        score(tmp_path, golden_labels(), items)


def test_halves_other_than_one_and_two_are_ignored(tmp_path):
    result = score(tmp_path, golden_labels(), exact() + [prediction("PASS", 5000, 1.0, half=3)])
    assert result.mAP == 1.0
    assert any("half other than 1 or 2" in w for w in result.warnings)


def test_two_class_dictionary_scores_pass_and_drive_only(tmp_path):
    items = exact()[:4] + exact(520)[4:]  # PASS and DRIVE exact, the other classes all missed
    result = score(tmp_path, golden_labels(), items, classes=CLASSES_2)
    assert result.classes == CLASSES_2 and len(result.per_class) == 2
    assert result.mAP == pytest.approx(1.0, abs=1e-12)
    assert any("20 prediction(s) with a label outside the class set" in w for w in result.warnings)
    assert any("20 labelled event(s) with a label outside the class set" in w for w in result.warnings)
    assert score(tmp_path, golden_labels(), items).mAP == pytest.approx(2 / 12, abs=1e-12)


# ---------------------------------------------------------------- inputs: zips, single files, in memory


def test_zips_and_single_files_give_the_folder_result(tmp_path):
    labels, predictions = random_games(np.random.default_rng(7), n_events=80)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    from_folders = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", metric="tight")
    for name, tree, file_name in (("labels.zip", labels, LABELS_FILE), ("preds.zip", predictions, RESULTS_FILE)):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for game, document in tree.items():
                z.writestr(f"{game}/{file_name}", json.dumps(document))
    from_zips = evaluate_spotting(tmp_path / "labels.zip", tmp_path / "preds.zip", metric="tight")
    assert from_zips.mAP == from_folders.mAP and from_zips.team_mAP == from_folders.team_mAP
    assert from_zips.games == from_folders.games
    game = sorted(labels)[0]
    single = evaluate_spotting(tmp_path / "labels" / game / LABELS_FILE, tmp_path / "predictions" / game / RESULTS_FILE)
    alone = evaluate_spotting(tmp_path / "labels" / game, tmp_path / "predictions" / game)
    assert single.mAP == alone.mAP and single.games == ("",)


def test_a_zip_made_on_windows_gives_the_folder_result(tmp_path):
    """Member names with backslashes (PowerShell's Compress-Archive) name the same games as slashes do."""
    labels, predictions = random_games(np.random.default_rng(11), n_events=20)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    with zipfile.ZipFile(tmp_path / "preds.zip", "w") as z:
        for game, document in predictions.items():
            z.writestr(f"{game}\\{RESULTS_FILE}".replace("/", "\\"), json.dumps(document))
    from_zip = evaluate_spotting(tmp_path / "labels", tmp_path / "preds.zip")
    assert from_zip.mAP == evaluate_spotting(tmp_path / "labels", tmp_path / "predictions").mAP
    assert from_zip.games == tuple(sorted(labels))


def test_a_zip_with_absolute_member_names_gives_the_folder_result(tmp_path):
    """Members named /league/season/game/results_spotting.json (some zip tools keep the leading slash) name
    the labels' games, not games that match none of them."""
    labels, predictions = random_games(np.random.default_rng(13), n_events=20)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    with zipfile.ZipFile(tmp_path / "preds.zip", "w") as z:
        for game, document in predictions.items():
            z.writestr(zipfile.ZipInfo(f"/{game}/{RESULTS_FILE}"), json.dumps(document))
    assert zipfile.ZipFile(tmp_path / "preds.zip").namelist()[0].startswith("/")
    from_zip = evaluate_spotting(tmp_path / "labels", tmp_path / "preds.zip")
    assert from_zip.mAP == evaluate_spotting(tmp_path / "labels", tmp_path / "predictions").mAP
    assert from_zip.games == tuple(sorted(labels))


@pytest.mark.parametrize("second", ["{game}/{file}", "/{game}/{file}"])
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_zip_holding_one_games_predictions_twice_is_refused(tmp_path, second):
    """Which of the two would be scored is up to the zip's order: the evaluation must not choose silently."""
    labels, predictions = random_games(np.random.default_rng(17), n_events=20)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    game = sorted(predictions)[0]
    with zipfile.ZipFile(tmp_path / "preds.zip", "w") as z:
        for name, document in predictions.items():
            z.writestr(f"{name}/{RESULTS_FILE}", json.dumps(document))
        z.writestr(zipfile.ZipInfo(second.format(game=game, file=RESULTS_FILE)), json.dumps({"predictions": []}))
    with pytest.raises(BallspotError, match=f"holds game {game}'s {RESULTS_FILE} twice"):
        evaluate_spotting(tmp_path / "labels", tmp_path / "preds.zip")


def test_labels_or_predictions_given_as_a_named_pipe_say_so(tmp_path):
    labels, predictions = random_games(np.random.default_rng(19), n_events=5)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(BallspotError, match=r"predictions .*pipe is not a regular file \(a pipe or device\)"):
        evaluate_spotting(tmp_path / "labels", tmp_path / "pipe")


def test_a_zip_member_that_unpacks_past_the_cap_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    from ballspot.metrics import sources

    labels, predictions = random_games(np.random.default_rng(3), n_events=10)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    largest = max(len(json.dumps(document)) for document in predictions.values())
    monkeypatch.setattr(sources, "MAX_MEMBER_BYTES", largest + 100)
    for game in predictions:  # the same document padded with spaces: a zip bomb in miniature
        padding = " " * 500 if game == sorted(predictions)[-1] else ""
        with zipfile.ZipFile(tmp_path / "preds.zip", "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{game}/{RESULTS_FILE}", json.dumps(predictions[game]) + padding)
    with pytest.raises(BallspotError, match=r"preds\.zip!.*unpacks to more than 0 MiB"):
        evaluate_spotting(tmp_path / "labels", tmp_path / "preds.zip")


def test_games_under_linked_folders_count_once(tmp_path):
    """A labels or predictions root assembled with `ln -s` (game or league folders linked in) holds those games,
    as segment and predict find them; a link back up the tree (a loop) or inside a game folder adds none."""
    labels, predictions = random_games(np.random.default_rng(5), n_games=3, n_events=20)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    whole = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")
    games = tmp_path / "linked-games"
    for game in labels:  # league/season/game N -> the real game folder
        (games / game).parent.mkdir(parents=True, exist_ok=True)
        (games / game).symlink_to(tmp_path / "labels" / game)
    (games / "league" / "again").symlink_to(games)  # a loop
    (games / "league" / "season" / "notes").mkdir()  # a link below the game folders' depth is not walked
    (games / "league" / "season" / "notes" / "copy").symlink_to(tmp_path / "labels" / sorted(labels)[0])
    result = evaluate_spotting(games, tmp_path / "predictions")
    assert result.games == whole.games and result.mAP == whole.mAP
    league = tmp_path / "linked-league"
    league.mkdir()
    (league / "league").symlink_to(tmp_path / "predictions" / "league")
    assert evaluate_spotting(tmp_path / "labels", league).mAP == whole.mAP


LABELS = {GAME: [Annotation("PASS", 1000)]}
PREDICTIONS = {GAME: [Prediction("PASS", 1000, 0.9)]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"classes": "PASS"}, "not the text 'PASS'; write ('PASS',)"),  # was read as classes P, A, S, S
        ({"labels_by_game": LABELS[GAME]}, "labels_by_game must map game ids to lists of Annotation, got list"),
        ({"predictions_by_game": {GAME: [{"label": "PASS"}]}}, f"predictions_by_game['{GAME}'][0]: expected Predic"),
        ({"predictions_by_game": {GAME: [Prediction("PASS", "1000", 0.9)]}}, "position_ms must be a whole number"),
        ({"predictions_by_game": {GAME: [Prediction("PASS", 1000, "0.9")]}}, "and confidence a number"),
    ],
)
def test_spotting_map_names_an_argument_of_the_wrong_type(arguments, message):
    with pytest.raises(BallspotError) as caught:
        spotting_map(**({"labels_by_game": LABELS, "predictions_by_game": PREDICTIONS} | arguments))
    assert message in str(caught.value)


def test_spotting_map_refuses_an_unknown_option_by_its_own_name():
    with pytest.raises(TypeError, match=r"spotting_map\(\) got an unexpected keyword argument 'bogus'"):
        spotting_map(LABELS, PREDICTIONS, bogus=1)


def test_evaluate_spotting_names_a_path_of_the_wrong_type():
    with pytest.raises(BallspotError, match="labels must be the path of a folder or zip, got NoneType"):
        evaluate_spotting(None, "predictions")
    with pytest.raises(BallspotError, match="not the text 'PASS'"):
        evaluate_spotting("labels", "predictions", classes="PASS")


def test_in_memory_api_equals_the_files(tmp_path):
    labels = {GAME: [Annotation(CLASSES_12[i], ms, 1, team) for i, _, ms, team in golden_events()]}
    predictions = {GAME: [Prediction(p["label"], p["position"], p["confidence"], 1, p["team"]) for p in exact(520)]}
    in_memory = spotting_map(labels, predictions, CLASSES_12, tolerance=5)
    from_files = score(tmp_path, golden_labels(), exact(520), "at5")
    assert in_memory.mAP == from_files.mAP == 1.0
    assert in_memory.team_mAP == from_files.team_mAP
    tight = spotting_map(labels, predictions, tolerance=[1, 2, 3, 4, 5])
    assert tight.metric == "tight" and tight.mAP == pytest.approx(0.875)
    assert spotting_map(labels, predictions, tolerance="at1").mAP == 0.0
    with pytest.raises(BallspotError, match="have no predictions"):
        spotting_map(labels, {}, CLASSES_12)
    assert spotting_map(labels, {GAME: []}).mAP == 0.0
    with pytest.raises(BallspotError, match="unknown metric"):
        spotting_map(labels, predictions, tolerance="at9")


def test_team_map_needs_teams_everywhere(tmp_path):
    items = exact()
    del items[5]["team"]
    result = score(tmp_path, golden_labels(), items)
    assert result.mAP == 1.0 and result.team_mAP is None
    assert any("Team mAP not computed: 1 of 24 predictions have no team" in w for w in result.warnings)
    with pytest.raises(BallspotError, match="cannot compute Team mAP"):
        score(tmp_path, golden_labels(), items, team=True)
    plain = golden_labels()
    for a in plain["annotations"]:
        del a["team"]
    result = score(tmp_path, plain, exact())
    assert result.team_mAP is None and not any("Team" in w for w in result.warnings)


def test_sides_in_another_case_or_with_spaces_score_as_left_and_right_with_a_warning(tmp_path):
    """The 2025 team scorer looks `team` up exactly (it stops on "Left"); the plain mAP ignores it."""
    labels = golden_labels()
    for n, a in enumerate(labels["annotations"]):
        a["team"] = (a["team"].upper(), f" {a['team']} ", a["team"].title(), a["team"])[n % 4]
    result = score(tmp_path, labels, exact(flip=lambda i, k: i == 3))
    reference = score(tmp_path, golden_labels(), exact(flip=lambda i, k: i == 3))
    assert result.to_dict() | {"warnings": []} == reference.to_dict() | {"warnings": []}
    assert result.team_mAP == pytest.approx(11 / 12, abs=1e-12)
    assert any(
        "18 labelled event(s) write 'team' in another letter case or with spaces" in w and "'LEFT' x" in w
        for w in result.warnings
    )
    assert not reference.warnings


def labels_to_warn_about() -> dict[str, dict]:
    """Two games' labels: the golden one with events read without a side (home/away, blank), a PASS written twice
    in one frame and a position far from its gameTime; another with only that last."""
    golden = golden_labels()
    events = golden["annotations"]
    events[1]["team"], events[2]["team"], events[3]["team"] = "home", "away", ""
    events.insert(1, {**events[0], "position": str(int(events[0]["position"]) + 10)})  # PASS again, same frame
    events[5]["gameTime"] = "1 - 09:59"  # its position says 00:45
    other = golden_labels()
    other["annotations"][4]["position"] = "45"  # seconds where ms go
    other["annotations"][4]["gameTime"] = "1 - 00:45"
    return {GAME: golden, "league/season/other": other}


def test_evaluate_warns_of_the_labels_as_segment_does_once_per_file(tmp_path):
    """segment warns of events read without a side, repeats in one frame and positions far from their gameTime;
    evaluate read the same files without a word (the scores stay as the official evaluator's)."""
    labels = labels_to_warn_about()
    predictions = {game: predictions_document(exact()) for game in labels}
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    result = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions")
    first = str(tmp_path / "labels" / GAME / LABELS_FILE)
    other = str(tmp_path / "labels" / "league/season/other" / LABELS_FILE)
    expected = [
        (first, "2 event(s) name their team 'home' or 'away'"),
        (first, "1 event(s) give an empty 'team'"),
        (first, "1 event(s) repeat another of the same action in the same 40 ms frame"),
        (
            first,
            "1 of 25 event(s) lie more than 1 s from their gameTime, first: annotation 5 ('1 - 09:59' at 45000 ms)",
        ),
        (other, "1 of 24 event(s) lie more than 1 s from their gameTime, first: annotation 4 ('1 - 00:45' at 45 ms)"),
    ]
    for where, text in expected:
        assert sum(w.startswith(f"{where}: ") and text in w for w in result.warnings) == 1, (text, result.warnings)
    assert not any("share a 40 ms frame and class" in w for w in result.warnings)  # said per file instead
    in_memory = spotting_map(
        {game: read_labels_of(tmp_path / "labels" / game / LABELS_FILE) for game in labels},
        {
            game: [Prediction(p["label"], p["position"], p["confidence"], team=p["team"]) for p in exact()]
            for game in labels
        },
    )
    assert result.mAP == pytest.approx(in_memory.mAP, abs=1e-12) and result.team_mAP is None
    assert [c.ap for c in result.per_class] == pytest.approx([c.ap for c in in_memory.per_class], abs=1e-12)


def test_evaluate_json_keeps_the_labels_warnings_on_stderr(tmp_path):
    from typer.testing import CliRunner

    from ballspot.cli.app import app

    labels = labels_to_warn_about()
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", {game: predictions_document(exact()) for game in labels}, RESULTS_FILE)
    args = ["evaluate", "--labels", str(tmp_path / "labels"), "--predictions", str(tmp_path / "predictions")]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    stderr = " ".join(result.stderr.split())
    for text in ("name their team 'home' or 'away'", "give an empty 'team'", "in the same 40 ms frame"):
        assert stderr.count(text) == 1 and sum(text in w for w in report["warnings"]) == 1, text
    assert stderr.count("from their gameTime") == 2


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_of_a_perfect_run_is_a_point(tmp_path):
    result = score(tmp_path, golden_labels(), exact(), bootstrap=200, block_seconds=10)
    assert result.mAP_interval == (1.0, 1.0) and result.team_mAP_interval == (1.0, 1.0)
    assert all(c.ap_interval == (1.0, 1.0) for c in result.per_class)
    assert result.bootstrap.replicates == 200 and result.bootstrap.blocks == 24


def test_bootstrap_of_a_single_block_gives_no_interval_rather_than_a_point(tmp_path):
    """Resampling one block (one game, or one minute of play) gives back the same data every time: a zero-width
    interval would claim a certainty the data cannot give, so there is none, and the report says why."""
    from typer.testing import CliRunner

    from ballspot.cli.app import app

    first_minute = {0, 1, 2}  # the golden events of these classes lie at 5, 15, ..., 55 s
    found = [p for p in exact(confidence=0.6) if CLASSES_12.index(p["label"]) in first_minute]
    false_alarms = [{**p, "position": p["position"] + 2000, "confidence": 0.9} for p in found]
    labels = golden_labels(drop=set(range(12)) - first_minute)
    result = score(tmp_path, labels, found + false_alarms, bootstrap=50)
    assert result.bootstrap.blocks == 1 and 0 < result.mAP < 1
    data = result.to_dict()
    assert data["mAP_interval"] == [None, None]
    assert all(c["ap_interval"] == [None, None] for c in data["per_class"])
    whole_game = score(tmp_path, labels, found + false_alarms, bootstrap=50, block_seconds=None)
    assert whole_game.bootstrap.blocks == 1 and whole_game.to_dict()["mAP_interval"] == [None, None]
    args = ["evaluate", "--predictions", str(tmp_path / "predictions"), "--labels", str(tmp_path / "labels")]
    shown = CliRunner().invoke(app, [*args, "--bootstrap", "50"])
    assert shown.exit_code == 0, shown.output
    assert f"mAP@1: {result.mAP:.4f}\n" in shown.stdout  # no [low, high] after it
    assert "95% CI: none: resampling the only 60 s block of game time gives back the data itself" in shown.stdout


def test_bootstrap_of_labels_without_events_scores_zero_like_the_point_estimate(tmp_path):
    labels = {**golden_labels(), "annotations": []}
    result = score(tmp_path, labels, exact(), bootstrap=50)
    assert result.mAP == 0.0 and result.mAP_interval == (0.0, 0.0)
    assert result.mAP == score(tmp_path, labels, exact()).mAP


def test_bootstrap_intervals_are_reproducible_and_wider_for_rare_classes(tmp_path):
    labels, predictions = random_games(np.random.default_rng(11), n_games=2, n_events=300, quirks=False)
    # make GOAL rare: 3 events per game, each found at confidence 0.9, and 3 false goals at 0.95
    for game, document in labels.items():
        goals = [a for a in document["annotations"] if a["label"] == "GOAL"][:3]
        document["annotations"] = [a for a in document["annotations"] if a["label"] != "GOAL"] + goals
        items = [p for p in predictions[game]["predictions"] if p["label"] != "GOAL"]
        items += [prediction("GOAL", int(a["position"]), 0.9, a["team"]) for a in goals]
        items += [prediction("GOAL", int(a["position"]) + 20_000, 0.95, a["team"]) for a in goals]
        predictions[game]["predictions"] = items
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)
    first = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", bootstrap=300, seed=5)
    again = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", bootstrap=300, seed=5)
    other = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", bootstrap=300, seed=6)
    assert first.mAP_interval == again.mAP_interval and first.mAP_interval != other.mAP_interval
    low, high = first.mAP_interval
    assert low < first.mAP < high
    widths = {c.name: c.ap_interval[1] - c.ap_interval[0] for c in first.per_class}
    assert widths["GOAL"] > 2 * np.median(list(widths.values()))
    games = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", bootstrap=50, block_seconds=None)
    assert games.bootstrap.blocks == 2 and games.to_dict()["bootstrap"]["unit"] == "games"


def test_result_to_dict_is_plain_json(tmp_path):
    result = score(tmp_path, golden_labels(), exact(), bootstrap=20)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["metric"] == "at1" and data["tolerances_s"] == [1.0] and data["mAP"] == 1.0
    assert data["per_class"][0] == {
        "class": "PASS",
        "ground_truth": 2,
        "ground_truth_visible": 2,
        "ap": 1.0,
        "ap_interval": [1.0, 1.0],
        "ap_visible": 1.0,
        "ap_unshown": 0.0,
        "team_ap": 1.0,
    }


def test_localisation_errors_count_each_event_once_and_from_the_top():
    from ballspot.metrics.localisation import errors_ms, matched_pairs, side_accuracy

    labels = [Annotation("PASS", 10_000, 1, "left"), Annotation("PASS", 20_000, 1, "left")]
    predictions = [
        Prediction("PASS", 10_040, 0.9, team="left"),
        Prediction("PASS", 19_880, 0.2, team="left"),  # the other side of the next one: not counted
        Prediction("PASS", 19_880, 0.8, team="right"),
        Prediction("PASS", 30_000, 0.1),  # below the two most confident
    ]
    assert sorted(errors_ms(matched_pairs(labels, predictions)).tolist()) == [40, 120]
    assert side_accuracy(matched_pairs(labels, predictions)) == 0.5  # the event at 20 s is given the right side
    assert side_accuracy(matched_pairs(labels, [Prediction("PASS", 10_000, 0.9)])) is None  # no side predicted
    assert errors_ms(matched_pairs(labels, [Prediction("PASS", 10_600, 0.9)])).tolist() == []  # 600 ms: not matched


# ---------------------------------------------------------------- placement


@pytest.mark.parametrize(("shift", "word"), [(120, "late"), (-200, "early")])
def test_evaluate_says_how_far_and_which_way_the_matched_events_are_off(tmp_path, shift, word):
    """Beside the mAP: how many events the most confident predictions find within mAP@1's window, how far off
    they land (median |predicted - true|) and which way (median predicted - true: a shifted time base shows as
    a constant offset), and the share given the right side."""
    from typer.testing import CliRunner

    from ballspot.cli.app import app

    events = golden_events()
    flipped = exact(shift, flip=lambda i, k: k == 0)  # the first event of each class on the wrong side
    write_tree(tmp_path / "labels", {GAME: golden_labels()}, LABELS_FILE)
    write_tree(tmp_path / "predictions", {GAME: predictions_document(flipped)}, RESULTS_FILE)
    args = ["evaluate", "--labels", str(tmp_path / "labels"), "--predictions", str(tmp_path / "predictions")]
    report = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    wrong_sides = sum(1 for _, k, _, _ in events if k == 0)
    assert report["placement"] == {
        "matched_events": len(events),
        "events": len(events),
        "median_error_ms": abs(shift),
        "median_offset_ms": shift,
        "side_right": pytest.approx(1 - wrong_sides / len(events)),
        "window_s": 1.0,
    }
    text = CliRunner().invoke(app, args).stdout
    line = next(line for line in text.splitlines() if line.startswith("placement"))
    assert f"{abs(shift)} ms {word}" in line and f"{len(events)} of {len(events)}" in line, line


def test_evaluate_places_no_event_when_none_is_found(tmp_path):
    write_tree(tmp_path / "labels", {GAME: golden_labels()}, LABELS_FILE)
    write_tree(tmp_path / "predictions", {GAME: predictions_document(exact(5000))}, RESULTS_FILE)
    args = ["evaluate", "--labels", str(tmp_path / "labels"), "--predictions", str(tmp_path / "predictions")]
    from typer.testing import CliRunner

    from ballspot.cli.app import app

    report = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert report["placement"]["matched_events"] == 0 and report["placement"]["median_error_ms"] is None


@pytest.mark.parametrize("seed", range(3))
def test_placement_from_columns_matches_the_same_events_as_from_objects(seed):
    """`column_pairs` makes objects only of the predictions it may look at: the same pairs as `matched_pairs`
    over every event, with repeats in one frame (the last written counts) and tied confidences."""
    from ballspot.metrics.game_events import GameEvents
    from ballspot.metrics.localisation import column_pairs, matched_pairs

    rng = np.random.default_rng(seed)
    n, m = 300, 4000
    game = GameEvents(
        "g", rng.integers(0, 12, n), np.sort(rng.integers(0, 120_000, n)), rng.integers(1, 3, n),
        rng.integers(-1, 2, n).astype(np.int8), np.ones(n, np.int8), rng.integers(0, 12, m),
        rng.integers(0, 120_000, m) // 40 * 40 + rng.integers(0, 3, m), rng.integers(1, 3, m),
        rng.integers(-1, 2, m).astype(np.int8), rng.integers(0, 10, m) / 10,
    )  # fmt: skip
    sides = {0: "left", 1: "right"}
    labels = [
        Annotation(CLASSES_12[c], int(ms), int(h), sides.get(int(t)))
        for c, ms, h, t in zip(game.gt_class, game.gt_ms, game.gt_half, game.gt_team, strict=True)
    ]
    predictions = [
        Prediction(CLASSES_12[c], int(ms), float(s), int(h), sides.get(int(t)))
        for c, ms, h, t, s in zip(
            game.pred_class, game.pred_ms, game.pred_half, game.pred_team, game.pred_score, strict=True
        )
    ]

    def described(pairs):
        return sorted((a.label, a.half, a.position_ms, p.position_ms, p.confidence, str(p.team)) for a, p in pairs)

    expected = described(matched_pairs(labels, predictions))
    assert described(column_pairs(game, CLASSES_12)) == expected and len(expected) > 20
