"""SoccerNet's action-spotting metric (mAP at 1 s and friends, Team mAP), exactly as the official tools.

Definitions (docs/evaluate.md, Spotting mode): per class, detections are matched to ground truth
(`matching.match`), a precision/recall curve is read at 200 confidence thresholds `linspace(0, 1, 200)`,
AP is its 11-point interpolation, mAP the plain mean over the class set (a class without ground truth
scores 0). Several tolerances are averaged with the trapezoid rule. Team mAP (2025) scores (class, side)
columns and weights each side by its count of events, a "not shown" one counting -1.

Two entry points: `spotting_map` on in-memory labels and predictions, `evaluate_spotting` on a labels
root and a predictions root (folders or zips).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ballspot.classes import CLASSES_12, class_index
from ballspot.errors import BallspotError
from ballspot.metrics.game_events import Diagnostics, GameEvents, game_from_objects
from ballspot.metrics.matching import Binned, Matches, bin_classes, bin_teams, match, teams_present
from ballspot.soccernet.labels import Annotation
from ballspot.soccernet.results import Prediction

METRICS: dict[str, tuple[float, ...]] = {
    "at1": (1.0,),
    "at2": (2.0,),
    "at3": (3.0,),
    "at4": (4.0,),
    "at5": (5.0,),
    "tight": (1.0, 2.0, 3.0, 4.0, 5.0),
    "loose": tuple(float(5 * k) for k in range(1, 13)),
}
"""SoccerNet's metric names -> tolerances in seconds. at1 is the 2023-2025 challenge metric."""

THRESHOLDS = np.linspace(0, 1, 200)
RECALL_LEVELS = np.arange(11) / 10
UNSHOWN_FACTOR = (17, 13)
"""SoccerNet-v2 leftover: the multi-tolerance unshown mAP is multiplied by 17/13."""


def tolerances_of(metric: str | float | Sequence[float]) -> tuple[str, tuple[float, ...]]:
    """A metric name, a tolerance in seconds, or several -> (name, tolerances)."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise BallspotError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")
        return metric, METRICS[metric]
    values = (float(metric),) if isinstance(metric, int | float) else tuple(float(t) for t in metric)
    if not values or any(not math.isfinite(t) or t <= 0 or t > 7200 for t in values):
        raise BallspotError(f"tolerances must be seconds in (0, 7200], got {metric!r}")
    named = {v: k for k, v in METRICS.items()}
    return named.get(values, "custom"), values


# ---- precision/recall and AP -------------------------------------------------------------------------


def threshold_bins(scores: np.ndarray) -> np.ndarray:
    """Index of the highest threshold a score reaches: a score passes threshold k iff its bin >= k.

    Equal to `np.searchsorted(THRESHOLDS, scores, side="right") - 1` (-1 below 0, 199 from 1 on, NaN too),
    computed arithmetically: floor(score * 199) is the bin or next to it (THRESHOLDS[k] and the product are
    both within a few ulps of k / 199), and one comparison each way with THRESHOLDS settles it.
    """
    last = len(THRESHOLDS) - 1
    scores = np.asarray(scores, dtype=np.float64)
    clipped = np.fmax(np.fmin(scores, 1.0), -1.0)  # fmin sends NaN to 1
    bins = np.maximum(np.floor(clipped * last).astype(np.int64), -1)
    too_high = (bins >= 0) & (THRESHOLDS[np.maximum(bins, 0)] > scores)
    too_low = (bins < last) & (THRESHOLDS[np.minimum(bins + 1, last)] <= scores)
    return bins - too_high + too_low


def curve_counts(index: np.ndarray, weights: np.ndarray | None, rows: int) -> np.ndarray:
    """Per row and threshold, the (weighted) count of detections whose confidence reaches it.

    index: row * 200 + threshold bin of each detection; returns (rows, 200).
    """
    per_bin = np.bincount(index, weights=weights, minlength=rows * len(THRESHOLDS))
    per_bin = per_bin.reshape(rows, len(THRESHOLDS)).astype(np.float64)
    return np.cumsum(per_bin[:, ::-1], axis=1)[:, ::-1]


def average_precision(tp: np.ndarray, detections: np.ndarray, n_gt: np.ndarray) -> np.ndarray:
    """11-point interpolated AP from counts at each threshold; works on any leading shape.

    tp, detections: (..., 200); n_gt: (...). Precision is 0 where nothing is detected, recall 0 where
    there is no ground truth (SoccerNet's nan_to_num).
    """
    precision = np.divide(tp, detections, out=np.zeros_like(tp), where=detections > 0)
    n_gt = np.broadcast_to(np.asarray(n_gt, dtype=np.float64)[..., None], tp.shape)
    recall = np.divide(tp, n_gt, out=np.zeros_like(tp), where=n_gt > 0)
    # Counts only shrink as the threshold rises, so recall never grows along the last axis and the
    # thresholds reaching a recall level are a prefix: the best precision there is a running maximum.
    best_so_far = np.maximum.accumulate(precision, axis=-1).reshape(-1, tp.shape[-1])
    levels_reached = np.searchsorted(RECALL_LEVELS, recall, side="right").reshape(-1, tp.shape[-1])
    rows = len(levels_reached)
    per_level = np.bincount((np.arange(rows)[:, None] * 12 + levels_reached).ravel(), minlength=rows * 12).reshape(
        rows, 12
    )
    reaching = np.cumsum(per_level[:, ::-1], axis=1)[:, ::-1][:, 1:]  # thresholds with recall >= level j
    picked = np.take_along_axis(best_so_far, np.maximum(reaching - 1, 0), axis=1)
    picked = np.where(reaching > 0, picked, 0.0)
    ap = np.zeros(rows)
    for j in range(len(RECALL_LEVELS)):  # summed in order, as the official code does
        ap += picked[:, j]
    return (ap / 11).reshape(tp.shape[:-1])


def trapezoid(values: Sequence) -> object:
    """SoccerNet's average over tolerances: sum of (m_i + m_i+1) / 2, over n - 1; one value is itself."""
    if len(values) == 1:
        return values[0]
    integral = 0.0
    for a, b in zip(values[:-1], values[1:], strict=True):
        integral = integral + (a + b) / 2
    return integral / (len(values) - 1)


@dataclass(frozen=True)
class CurveAP:
    """AP per column at one tolerance: all detections, and the visible / unshown splits."""

    ap: np.ndarray
    ap_visible: np.ndarray
    ap_unshown: np.ndarray


def column_ap(binned: Binned, matches: Matches) -> CurveAP:
    """AP of every column of a view at the tolerance `matches` was made with.

    The visible and unshown splits (by the value of each detection's nearest target, +1 or -1) part the
    detections in two, so their counts are made in one pass and the whole view's are their sum (whole
    numbers: exact).
    """
    n = binned.n_columns
    gt_column = binned.gt_column
    n_visible = np.bincount(gt_column[binned.gt_value > 0], minlength=n).astype(np.float64)
    n_unshown = np.bincount(gt_column[binned.gt_value < 0], minlength=n).astype(np.float64)
    split = (matches.det_closest < 0).astype(np.int64)  # 0: nearest target visible, 1: not shown (or none)
    index = (split * n + binned.det_column) * len(THRESHOLDS) + threshold_bins(binned.det_score)
    tp = curve_counts(index, matches.det_tp.astype(np.float64), 2 * n).reshape(2, n, -1)
    detections = curve_counts(index, None, 2 * n).reshape(2, n, -1)
    ap = average_precision(
        np.stack([tp[0] + tp[1], tp[0], tp[1]]),
        np.stack([detections[0] + detections[1], detections[0], detections[1]]),
        np.stack([n_visible + n_unshown, n_visible, n_unshown]),
    )
    return CurveAP(*ap)


def team_class_ap(column_aps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per class: (w_left * AP_left + w_right * AP_right) / (w_left + w_right), as the 2025 scorer.

    Works on any leading shape (..., 2 * classes). 0/0 gives NaN, as upstream.
    """
    weighted = column_aps * weights
    with np.errstate(divide="ignore", invalid="ignore"):
        return (weighted[..., 0::2] + weighted[..., 1::2]) / (weights[..., 0::2] + weights[..., 1::2])


# ---- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassScore:
    """One class's scores."""

    name: str
    ground_truth: int
    """Ground-truth events scored (visible and not shown; several in one 40 ms frame count once)."""
    ground_truth_visible: int
    ap: float
    ap_visible: float
    ap_unshown: float
    ap_interval: tuple[float, float] | None = None
    team_ap: float | None = None


@dataclass(frozen=True)
class BootstrapSummary:
    """How the intervals were made (see `ballspot.metrics.bootstrap`)."""

    replicates: int
    seed: int
    level: float
    block_seconds: float | None
    """Length of the resampled blocks of game time; None: whole games were resampled."""
    blocks: int
    replicates_used: int
    """Replicates in which every class with ground truth kept some (the mAP interval's)."""


@dataclass(frozen=True)
class SpottingResult:
    """Everything `evaluate` reports; `to_dict()` gives the JSON form."""

    metric: str
    tolerances: tuple[float, ...]
    classes: tuple[str, ...]
    games: tuple[str, ...]
    mAP: float
    mAP_visible: float
    mAP_unshown: float
    per_class: tuple[ClassScore, ...]
    team_mAP: float | None = None
    mAP_interval: tuple[float, float] | None = None
    team_mAP_interval: tuple[float, float] | None = None
    bootstrap: BootstrapSummary | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ap_per_class(self) -> tuple[float, ...]:
        return tuple(c.ap for c in self.per_class)

    def to_dict(self) -> dict:
        """A JSON-ready dict; NaN becomes null."""
        return {
            "metric": self.metric,
            "tolerances_s": list(self.tolerances),
            "classes": list(self.classes),
            "games": list(self.games),
            "mAP": _num(self.mAP),
            "mAP_interval": _pair(self.mAP_interval),
            "mAP_visible": _num(self.mAP_visible),
            "mAP_unshown": _num(self.mAP_unshown),
            "team_mAP": _num(self.team_mAP),
            "team_mAP_interval": _pair(self.team_mAP_interval),
            "per_class": [
                {
                    "class": c.name,
                    "ground_truth": c.ground_truth,
                    "ground_truth_visible": c.ground_truth_visible,
                    "ap": _num(c.ap),
                    "ap_interval": _pair(c.ap_interval),
                    "ap_visible": _num(c.ap_visible),
                    "ap_unshown": _num(c.ap_unshown),
                    "team_ap": _num(c.team_ap),
                }
                for c in self.per_class
            ],
            "bootstrap": None
            if self.bootstrap is None
            else {
                "replicates": self.bootstrap.replicates,
                "seed": self.bootstrap.seed,
                "level": self.bootstrap.level,
                "unit": "games" if self.bootstrap.block_seconds is None else "blocks of game time",
                "block_seconds": self.bootstrap.block_seconds,
                "blocks": self.bootstrap.blocks,
                "replicates_used": self.bootstrap.replicates_used,
            },
            "warnings": list(self.warnings),
        }


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _pair(pair: tuple[float, float] | None) -> list[float | None] | None:
    return None if pair is None else [_num(pair[0]), _num(pair[1])]


# ---- the computation ---------------------------------------------------------------------------------


@dataclass
class SpottingEvaluation:
    """Binned views and their matches at every tolerance: computed once, read by the result and the
    bootstrap."""

    classes: tuple[str, ...]
    metric: str
    tolerances: tuple[float, ...]
    games: tuple[str, ...]
    standard: Binned
    standard_matches: list[Matches]
    team: Binned | None
    team_matches: list[Matches]
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def prepare(
    games: Sequence[GameEvents],
    classes: Sequence[str],
    metric: str | float | Sequence[float] = "at1",
    team: bool | None = None,
    diagnostics: Diagnostics | None = None,
) -> SpottingEvaluation:
    """Bin and match `games` at every tolerance of `metric`.

    team: True requires Team mAP (error when labels or predictions lack `team`), False skips it, None
    computes it when every half-1 labelled event carries a team (with a warning when it cannot).
    """
    classes = tuple(classes)
    name, tolerances = tolerances_of(metric)
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    if not games:
        raise BallspotError("no labelled games to evaluate")
    for game in games:
        _inspect(game, diagnostics)
    standard = bin_classes(games, len(classes), diagnostics)
    gt_count = np.bincount(standard.gt_column, minlength=len(classes))
    diagnostics.classes_without_gt.extend(c for c, n in zip(classes, gt_count, strict=True) if n == 0)
    team_view = _team_view(games, len(classes), team, diagnostics)
    return SpottingEvaluation(
        classes=classes,
        metric=name,
        tolerances=tolerances,
        games=tuple(g.game_id for g in games),
        standard=standard,
        standard_matches=[match(standard, t) for t in tolerances],
        team=team_view,
        team_matches=[match(team_view, t) for t in tolerances] if team_view is not None else [],
        diagnostics=diagnostics,
    )


def _inspect(game: GameEvents, diagnostics: Diagnostics) -> None:
    """Per-game checks that need the whole game (the rest are counted while binning)."""
    diagnostics.negative_confidences += int((game.pred_score < 0).sum())
    diagnostics.confidences_above_one += int((game.pred_score > 1).sum())
    half2 = int((game.pred_half == 2).sum())
    if half2 and not (game.gt_half == 2).any():
        diagnostics.half2_on_single_video[game.game_id] = half2


def _team_view(games: Sequence[GameEvents], n_classes: int, team: bool | None, diagnostics: Diagnostics):
    if team is False:
        return None
    n_gt, gt_missing, n_pred, pred_missing = teams_present(games)
    if n_gt == 0 or gt_missing == n_gt:
        if team:
            raise BallspotError("Team mAP needs labels with a 'team' field (left/right); these have none")
        return None
    problem = None
    if gt_missing:
        problem = f"{gt_missing} of {n_gt} half-1 labelled events have no team"
    elif pred_missing:
        problem = f"{pred_missing} of {n_pred} predictions have no team (left/right)"
    if problem:
        if team:
            raise BallspotError(f"cannot compute Team mAP: {problem}")
        diagnostics.team_notes.append(f"Team mAP not computed: {problem} (the 2025 team scorer would crash)")
        return None
    return bin_teams(games, n_classes)


def summarize(evaluation: SpottingEvaluation, intervals=None) -> SpottingResult:
    """The result of a prepared evaluation (with bootstrap intervals when given)."""
    curves = [column_ap(evaluation.standard, m) for m in evaluation.standard_matches]
    ap = trapezoid([c.ap for c in curves])
    ap_visible = trapezoid([c.ap_visible for c in curves])
    ap_unshown = trapezoid([c.ap_unshown for c in curves])
    mAP = float(trapezoid([np.mean(c.ap) for c in curves]))
    mAP_visible = float(trapezoid([np.mean(c.ap_visible) for c in curves]))
    mAP_unshown = float(trapezoid([np.mean(c.ap_unshown) for c in curves]))
    if len(curves) > 1:
        mAP_unshown = mAP_unshown * UNSHOWN_FACTOR[0] / UNSHOWN_FACTOR[1]
    gt = evaluation.standard
    n_gt = np.bincount(gt.gt_column, minlength=len(evaluation.classes))
    team_mAP, team_ap = None, [None] * len(evaluation.classes)
    if evaluation.team is not None:
        team_columns = trapezoid([column_ap(evaluation.team, m).ap for m in evaluation.team_matches])
        weights = team_weights(evaluation.team)
        team_ap = [float(x) for x in team_class_ap(np.asarray(team_columns), weights)]
        team_mAP = float(np.mean(team_ap))
        if not math.isfinite(team_mAP):
            note = undefined_team_note(evaluation.classes, weights, team_ap, n_gt)
            evaluation.diagnostics.team_notes.append(note)
    n_visible = np.bincount(gt.gt_column[gt.gt_value > 0], minlength=len(evaluation.classes))
    per_class = tuple(
        ClassScore(
            name=name,
            ground_truth=int(n_gt[k]),
            ground_truth_visible=int(n_visible[k]),
            ap=float(ap[k]),
            ap_visible=float(ap_visible[k]),
            ap_unshown=float(ap_unshown[k]),
            ap_interval=None if intervals is None else tuple(intervals.per_class[k]),
            team_ap=team_ap[k],
        )
        for k, name in enumerate(evaluation.classes)
    )
    return SpottingResult(
        metric=evaluation.metric,
        tolerances=evaluation.tolerances,
        classes=evaluation.classes,
        games=evaluation.games,
        mAP=mAP,
        mAP_visible=mAP_visible,
        mAP_unshown=mAP_unshown,
        per_class=per_class,
        team_mAP=team_mAP,
        mAP_interval=None if intervals is None else intervals.mAP,
        team_mAP_interval=None if intervals is None else intervals.team_mAP,
        bootstrap=None if intervals is None else intervals.summary,
        warnings=tuple(evaluation.diagnostics.messages()),
    )


def undefined_team_note(
    classes: Sequence[str], weights: np.ndarray, team_ap: list, ground_truth: Sequence[int] | None = None
) -> str:
    """One line naming the classes whose Team AP is not a number, and why (their side weights sum to 0, or
    no event of half 1, the only half the team scorer reads, when `ground_truth` counts events in others)."""
    ground_truth = [0] * len(classes) if ground_truth is None else ground_truth
    parts = []
    for name, w_left, w_right, ap, count in zip(
        classes, weights[0::2], weights[1::2], team_ap, ground_truth, strict=True
    ):
        if math.isfinite(ap):
            continue
        if w_left or w_right:
            why = f"side weights {w_left:g} + {w_right:g} = 0"
        else:
            why = f"its {count} event(s) are not in half 1, the only half it reads" if count else "no events"
        parts.append(f"{name} ({why}: the 2025 scorer's AP is {'nan' if math.isnan(ap) else ap})")
    return (
        "Team mAP is undefined (null in JSON): "
        + "; ".join(parts)
        + "; a 'not shown' event weighs -1 and a visible one +1, so they can cancel"
    )


def team_map_of_present_classes(result: SpottingResult) -> float | None:
    """Team-mAP over the classes that have events (each class's team AP, averaged).

    SoccerNet's 2025 scorer leaves Team-mAP undefined when any class has no event, which is the rule on
    a whole test set; a short validation or test game seldom holds all 12 classes, so this is the figure
    training and the quick start report.
    """
    present = [c.team_ap for c in result.per_class if c.ground_truth > 0 and c.team_ap is not None]
    present = [value for value in present if value == value]
    return float(np.mean(present)) if present else None


def team_weights(team: Binned) -> np.ndarray:
    """Per (class, side) column: the sum of target values (+1 visible, -1 not shown), the 2025 weights."""
    return np.bincount(team.gt_column, weights=team.gt_value.astype(np.float64), minlength=team.n_columns)


def evaluate_games(
    games: Sequence[GameEvents],
    classes: Sequence[str] = CLASSES_12,
    metric: str | float | Sequence[float] = "at1",
    *,
    team: bool | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
    block_seconds: float | None = 60.0,
    diagnostics: Diagnostics | None = None,
) -> SpottingResult:
    """Score games already in column form; `bootstrap` > 0 adds intervals (see `ballspot.metrics.bootstrap`)."""
    evaluation = prepare(games, classes, metric, team=team, diagnostics=diagnostics)
    intervals = None
    if bootstrap:
        from ballspot.metrics.bootstrap import bootstrap_intervals

        intervals = bootstrap_intervals(evaluation, bootstrap, seed=seed, level=level, block_seconds=block_seconds)
    return summarize(evaluation, intervals)


def spotting_map(
    labels_by_game: Mapping[str, Sequence[Annotation]],
    predictions_by_game: Mapping[str, Sequence[Prediction]],
    classes: Sequence[str] = CLASSES_12,
    tolerance: str | float | Sequence[float] = 1.0,
    *,
    team: bool | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
    block_seconds: float | None = 60.0,
) -> SpottingResult:
    """mAP of in-memory predictions against in-memory labels, both keyed by game id.

    tolerance: seconds (1.0 = the challenge's mAP@1), several seconds (averaged like SoccerNet's tight and
    loose), or a metric name ("at1" ... "at5", "tight", "loose"). Every labelled game needs an entry in
    `predictions_by_game` (an empty list is fine); extra prediction games are ignored with a warning.
    team: True requires Team-mAP, False skips it, None computes it when the labels allow; bootstrap > 0
    adds intervals (`seed`, `level`, `block_seconds` as in `ballspot.metrics.bootstrap`).
    """
    check_in_memory(labels_by_game, predictions_by_game, classes)
    classes = tuple(classes)
    index = class_index(classes)
    missing = [g for g in labels_by_game if g not in predictions_by_game]
    if missing:
        raise BallspotError(
            f"{len(missing)} labelled game(s) have no predictions (pass an empty list to score them as "
            f"all missed): {'; '.join(missing[:5])}"
        )
    diagnostics = Diagnostics()
    diagnostics.games_without_labels.extend(sorted(g for g in predictions_by_game if g not in labels_by_game))
    games = [
        game_from_objects(game_id, labels_by_game[game_id], predictions_by_game[game_id], index, diagnostics)
        for game_id in sorted(labels_by_game)
    ]
    return evaluate_games(
        games,
        classes,
        tolerance,
        team=team,
        bootstrap=bootstrap,
        seed=seed,
        level=level,
        block_seconds=block_seconds,
        diagnostics=diagnostics,
    )


def check_in_memory(labels_by_game: object, predictions_by_game: object, classes: object) -> None:
    """spotting_map's arguments, of the types it reads (a one-line error naming the first that is not):
    mappings of game id to Annotation and Prediction lists (each list's first item checked), and class names
    (not one name as text)."""
    refuse_one_name(classes)
    for what, games, kind in (("labels_by_game", labels_by_game, Annotation), ("predictions_by_game",
                              predictions_by_game, Prediction)):  # fmt: skip
        if not isinstance(games, Mapping):
            raise BallspotError(f"{what} must map game ids to lists of {kind.__name__}, got {type(games).__name__}")
        for game_id, items in games.items():
            where = f"{what}[{game_id!r}]"
            if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
                raise BallspotError(f"{where}: expected a list of {kind.__name__}, got {type(items).__name__}")
            for i, item in enumerate(items[:1]):  # one list holds one type: the first item says which (cheap)
                if not isinstance(item, kind):
                    raise BallspotError(f"{where}[{i}]: expected {kind.__name__}, got {type(item).__name__}")
                if not _numbers_in(item):
                    raise BallspotError(
                        f"{where}[{i}]: position_ms must be a whole number"
                        + (" and confidence a number" if kind is Prediction else "")
                        + f", got {item!r}"
                    )


def refuse_one_name(classes: object) -> None:
    """A class set given as one name (`classes="PASS"`) would be read letter by letter."""
    if isinstance(classes, str):
        raise BallspotError(
            f"classes must be a sequence of class names, not the text {classes!r}; write ({classes!r},)"
        )


def _numbers_in(item: Annotation | Prediction) -> bool:
    position = item.position_ms
    if isinstance(position, bool) or not isinstance(position, numbers.Integral | float):
        return False
    confidence = getattr(item, "confidence", 0.0)
    return isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)


def evaluate_spotting(
    labels: Path | str,
    predictions: Path | str,
    classes: Sequence[str] = CLASSES_12,
    metric: str | float | Sequence[float] = "at1",
    only_games: Sequence[str] | None = None,
    **options,
) -> SpottingResult:
    """Score a predictions root (folder or zip of `<game>/results_spotting.json`) against a labels root
    (folder or zip of `<game>/Labels-ball.json`); `options` go to `evaluate_games`."""
    from ballspot.metrics.sources import load_games

    for what, value in (("labels", labels), ("predictions", predictions)):
        if not isinstance(value, str | os.PathLike):
            raise BallspotError(f"{what} must be the path of a folder or zip, got {type(value).__name__}")
    refuse_one_name(classes)
    classes = tuple(classes)
    diagnostics = Diagnostics()
    games = load_games(labels, predictions, classes, diagnostics, only_games=only_games)
    return evaluate_games(games, classes, metric, diagnostics=diagnostics, **options)
