"""ballspot's spotting metric against SoccerNet's own evaluator, on random predictions over random labels.

Runs where the `SoccerNet` package is installed (`pip install ballspot[soccernet]`). Team mAP is not in
that package: the reference below rebuilds the 2025 scorer's rules (SoccerNet/sn-teamspotting,
`util/eval.py` and `util/score.py`) on top of the package's own `average_mAP`, as
shared/tools/run-official-eval.sh does.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from ballspot.classes import CLASSES_2, CLASSES_12
from ballspot.metrics import METRICS, evaluate_spotting
from tests.spotting_data import random_games, write_tree

ActionSpotting = pytest.importorskip("SoccerNet.Evaluation.ActionSpotting")

pytestmark = pytest.mark.soccernet

FPS = 25
LABELS_FILE = "Labels-ball.json"
RESULTS_FILE = "results_spotting.json"


def official(labels_root, predictions_root, metric: str, classes) -> dict:
    with contextlib.redirect_stderr(io.StringIO()):  # tqdm
        return ActionSpotting.evaluate(
            SoccerNet_path=str(labels_root),
            Predictions_path=str(predictions_root),
            prediction_file=RESULTS_FILE,
            version=2,
            framerate=FPS,
            metric=metric,
            label_files=LABELS_FILE,
            dataset=None,
            EVENT_DICTIONARY={name: i for i, name in enumerate(classes)},
        )


def official_team_map(labels: dict, predictions: dict, metric: str, classes) -> tuple[float, list[float]]:
    """The 2025 scorer's Team mAP: columns 2 * class + (team == right), half-1 labels, predictions of any
    half in one array, weights = sums of target values ("not shown" = -1). Labels outside the class set
    are skipped here (the scorer itself raises KeyError on them)."""
    index = {name: i for i, name in enumerate(classes)}
    size = 120 * 60 * FPS
    targets, detections, closests = [], [], []
    for game in sorted(labels):
        target = np.zeros((size, 2 * len(classes)))
        detection = np.full((size, 2 * len(classes)), -1.0)
        for a in labels[game]["annotations"]:
            if a["label"] in index and int(a["gameTime"][0]) == 1:
                column = 2 * index[a["label"]] + (a["team"] == "right")
                frame = min(int(FPS * (int(a["position"]) / 1000)), size - 1)
                target[frame, column] = -1 if a.get("visibility") == "not shown" else 1
        for p in predictions[game]["predictions"]:
            if p["label"] in index:
                column = 2 * index[p["label"]] + (p["team"] == "right")
                frame = min(int(FPS * (int(p["position"]) / 1000)), size - 1)
                detection[frame, column] = p["confidence"]
        closest = np.full(target.shape, -1.0)
        for column in range(target.shape[1]):
            frames = np.flatnonzero(target[:, column])
            for i, frame in enumerate(frames):
                start = 0 if i == 0 else (frames[i - 1] + frame) // 2
                stop = size if i == len(frames) - 1 else (frame + frames[i + 1]) // 2
                closest[start:stop, column] = target[frame, column]
        targets.append(target)
        detections.append(detection)
        closests.append(closest)
    with contextlib.redirect_stderr(io.StringIO()):
        _, per_column, *_ = ActionSpotting.average_mAP(
            targets, detections, closests, framerate=FPS, deltas=np.array(METRICS[metric], dtype=int)
        )
    weights = np.sum([t.sum(axis=0) for t in targets], axis=0)
    weighted = np.asarray(per_column) * weights
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = [
            (weighted[2 * k] + weighted[2 * k + 1]) / (weights[2 * k] + weights[2 * k + 1]) for k in range(len(classes))
        ]
    return float(np.mean(per_class)), [float(x) for x in per_class]


@pytest.mark.parametrize(
    ("seed", "metric", "classes"),
    [
        (0, "at1", CLASSES_12),
        (1, "at1", CLASSES_12),
        (2, "at3", CLASSES_12),
        (3, "tight", CLASSES_12),
        (4, "loose", CLASSES_12),
        (5, "at1", CLASSES_2),
    ],
)
def test_same_numbers_as_the_official_evaluator(tmp_path, seed, metric, classes):
    size = {"n_games": 2, "n_events": 100} if metric == "loose" else {"n_games": 3, "n_events": 150}
    labels, predictions = random_games(np.random.default_rng(100 + seed), classes=classes, **size)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    write_tree(tmp_path / "predictions", predictions, RESULTS_FILE)

    expected = official(tmp_path / "labels", tmp_path / "predictions", metric, classes)
    result = evaluate_spotting(tmp_path / "labels", tmp_path / "predictions", classes, metric)

    assert 0.05 < expected["a_mAP"] < 0.95
    assert result.mAP == pytest.approx(expected["a_mAP"], abs=1e-6)
    assert list(result.ap_per_class) == pytest.approx(list(expected["a_mAP_per_class"]), abs=1e-6)
    assert result.mAP_visible == pytest.approx(expected["a_mAP_visible"], abs=1e-6)
    assert result.mAP_unshown == pytest.approx(expected["a_mAP_unshown"], abs=1e-6)
    visible = [c.ap_visible for c in result.per_class]
    assert visible == pytest.approx(list(expected["a_mAP_per_class_visible"]), abs=1e-6)
    unshown = [c.ap_unshown for c in result.per_class]
    assert unshown == pytest.approx(list(expected["a_mAP_per_class_unshown"]), abs=1e-6)

    team_map, team_per_class = official_team_map(labels, predictions, metric, classes)
    assert result.team_mAP == pytest.approx(team_map, abs=1e-6, nan_ok=True)
    assert [c.team_ap for c in result.per_class] == pytest.approx(team_per_class, abs=1e-6, nan_ok=True)


def test_same_numbers_from_zips(tmp_path):
    import json
    import zipfile

    labels, predictions = random_games(np.random.default_rng(7), n_games=2, n_events=100)
    for name, tree, file_name in (("labels.zip", labels, LABELS_FILE), ("preds.zip", predictions, RESULTS_FILE)):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for game, document in tree.items():
                z.writestr(f"{game}/{file_name}", json.dumps(document))
    expected = official(tmp_path / "labels.zip", tmp_path / "preds.zip", "at1", CLASSES_12)
    result = evaluate_spotting(tmp_path / "labels.zip", tmp_path / "preds.zip")
    assert result.mAP == pytest.approx(expected["a_mAP"], abs=1e-6)
    assert list(result.ap_per_class) == pytest.approx(list(expected["a_mAP_per_class"]), abs=1e-6)


def test_results_written_for_both_sides_score_like_one_side_and_match_the_team_scorer(tmp_path):
    """What predict writes for an unsure side: the official evaluator's plain mAP is the one-side list's, and
    Team mAP (the 2025 rules) is ballspot's and higher than with one side."""
    from dataclasses import replace

    from ballspot.soccernet.results import Prediction, results_document

    labels, predictions = random_games(np.random.default_rng(11), n_games=2, n_events=120, halves=False, quirks=False)
    rng = np.random.default_rng(12)
    one_side, both_sides = {}, {}
    for game, document in predictions.items():
        sure = [
            Prediction(p["label"], p["position"], p["confidence"], 1, p["team"], float(rng.uniform(0.5, 1.0)))
            for p in document["predictions"]
        ]
        both_sides[game] = results_document(sure, game)
        one_side[game] = results_document([replace(p, team_probability=None) for p in sure], game)
    write_tree(tmp_path / "labels", labels, LABELS_FILE)
    for name, tree in (("one", one_side), ("both", both_sides)):
        write_tree(tmp_path / name, tree, RESULTS_FILE)

    plain_one = official(tmp_path / "labels", tmp_path / "one", "at1", CLASSES_12)
    plain_both = official(tmp_path / "labels", tmp_path / "both", "at1", CLASSES_12)
    result = evaluate_spotting(tmp_path / "labels", tmp_path / "both")
    one = evaluate_spotting(tmp_path / "labels", tmp_path / "one")
    assert plain_both["a_mAP"] == pytest.approx(plain_one["a_mAP"], abs=1e-12)
    assert result.mAP == pytest.approx(plain_both["a_mAP"], abs=1e-6)
    team_map, _ = official_team_map(labels, both_sides, "at1", CLASSES_12)
    assert result.team_mAP == pytest.approx(team_map, abs=1e-6)
    assert result.team_mAP > one.team_mAP
