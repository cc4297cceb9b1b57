"""Review a game against its labels: SoccerNet's matching for every event shown, and the game's AP per class.

The figures come from `ballspot.metrics.evaluate_spotting` on the files predict wrote, which is what
`ballspot evaluate --predictions ... --labels ...` runs; the matched / false alarm / missed marks come from
the same matching (`ballspot.metrics.matching`), applied to the events the view shows.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ballspot.classes import CLASSES_2, class_index, class_set
from ballspot.metrics import SpottingResult, evaluate_spotting
from ballspot.metrics.game_events import NO_TEAM, TEAM_CODES, game_from_columns
from ballspot.metrics.matching import FRAMES_PER_HALF, bin_classes, frames_of, half_window, match

TOLERANCE_S = 1.0
"""mAP@1's tolerance: a prediction matches a label of its class within ±0.5 s (12 frames at 25 fps)."""
_STRIDE = 2 * FRAMES_PER_HALF
"""Keys are ((half - 1) * classes + class) * stride + frame; the gap keeps windows inside their half and class."""


def class_set_name(action_classes: Sequence[str]) -> str:
    """The class set `evaluate --classes` should score a model with: "2" for a PASS/DRIVE model, else "12"."""
    return "2" if tuple(action_classes) == CLASSES_2 else "12"


def score_game(labels: Path, results: Path, classes: str) -> SpottingResult:
    """mAP@1 and AP per class of one game, as `ballspot evaluate` computes them (without bootstrap)."""
    return evaluate_spotting(labels, results, class_set(classes), "at1", bootstrap=0)


def evaluate_command(labels: Path, results: Path, classes: str) -> str:
    """The command line that prints the same figures."""
    return (
        f"ballspot evaluate --predictions {shlex.quote(str(results))} --labels {shlex.quote(str(labels))} "
        f"--classes {classes} --bootstrap 0"
    )


@dataclass(frozen=True)
class Matching:
    """The view's predictions and labels, each with a `status` column."""

    predictions: pd.DataFrame
    """status: "matched" or "false alarm"."""
    labels: pd.DataFrame
    """status: "matched" or "missed"; best_nearby: the highest confidence of any candidate of the label's
    class within the tolerance window (0 when there is none), shown or not."""


def _keys(frame: pd.DataFrame, index: dict[str, int]) -> np.ndarray:
    segment = (frame["half"].to_numpy(np.int64) - 1) * len(index) + frame["label"].map(index).to_numpy(np.int64)
    return segment * _STRIDE + frames_of(frame["position_ms"].to_numpy(np.int64))


def _teams(frame: pd.DataFrame) -> np.ndarray:
    return np.array([TEAM_CODES.get(team, NO_TEAM) for team in frame["team"]], dtype=np.int8)


def match_view(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    candidates: pd.DataFrame,
    classes: Sequence[str],
    tolerance_s: float = TOLERANCE_S,
) -> Matching:
    """Mark every shown prediction matched / false alarm and every label matched / missed.

    `predictions` are the events shown (a `predictions_frame` filtered by confidence and class), `labels` a
    `labels_frame`, `candidates` all predictions of the game; only rows whose label is in `classes` are kept.
    """
    index = class_index(tuple(classes))
    predictions = predictions[predictions["label"].isin(list(index))].reset_index(drop=True)
    labels = labels[labels["label"].isin(list(index))].reset_index(drop=True)
    game = game_from_columns(
        "",
        {
            "gt_class": labels["label"].map(index).to_numpy(np.int64),
            "gt_ms": labels["position_ms"].to_numpy(np.int64),
            "gt_half": labels["half"].to_numpy(np.int64),
            "gt_team": _teams(labels),
            "gt_value": np.where(labels["visibility"] == "not shown", -1, 1).astype(np.int8),
            "pred_class": predictions["label"].map(index).to_numpy(np.int64),
            "pred_ms": predictions["position_ms"].to_numpy(np.int64),
            "pred_half": predictions["half"].to_numpy(np.int64),
            "pred_team": _teams(predictions),
            "pred_score": predictions["confidence"].to_numpy(np.float64),
        },
    )
    binned = bin_classes([game], len(index))
    matches = match(binned, tolerance_s)
    det_keys = binned.det_seg * _STRIDE + binned.det_frame
    gt_keys = binned.gt_seg * _STRIDE + binned.gt_frame
    gt_matched = np.zeros(len(gt_keys), dtype=bool)
    gt_matched[matches.det_gt[matches.det_tp]] = True
    pred_matched = _lookup(det_keys, matches.det_tp, _keys(predictions, index))
    label_matched = _lookup(gt_keys, gt_matched, _keys(labels, index))
    predictions = predictions.assign(status=np.where(pred_matched, "matched", "false alarm"))
    labels = labels.assign(
        status=np.where(label_matched, "matched", "missed"),
        best_nearby=_best_nearby(labels, candidates, index, half_window(tolerance_s)),
    )
    return Matching(predictions, labels)


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values[i] where sorted_keys[i] == key, False where the key is absent."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return (sorted_keys[where] == keys) & values[where]


def _best_nearby(labels: pd.DataFrame, candidates: pd.DataFrame, index: dict[str, int], window: int) -> np.ndarray:
    candidates = candidates[candidates["label"].isin(list(index))]
    keys = _keys(candidates, index)
    order = np.argsort(keys, kind="stable")
    keys, scores = keys[order], candidates["confidence"].to_numpy(np.float64)[order]
    label_keys = _keys(labels, index)
    lo = np.searchsorted(keys, label_keys - window, side="left")
    hi = np.searchsorted(keys, label_keys + window, side="right")
    return np.array([scores[a:b].max() if b > a else 0.0 for a, b in zip(lo, hi, strict=True)], dtype=np.float64)


def worst_misses(labels: pd.DataFrame, limit: int = 50) -> pd.DataFrame:
    """Missed labels, those the model scored lowest around them first."""
    missed = labels[labels["status"] == "missed"]
    return missed.sort_values(["best_nearby", "half", "position_ms"], kind="stable").head(limit).reset_index(drop=True)
