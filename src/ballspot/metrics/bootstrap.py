"""Bootstrap intervals for the mAP, each class's AP and the Team mAP.

Why: per-class AP of rare classes rests on a handful of events (2 free kicks and 6 goals in the real
test split), so a point value alone overstates what is known.

What is resampled: **blocks of game time** (default 60 s, per game and half), with replacement, as many
blocks as there are. A block carries its ground-truth events and its detections together; a matched
detection belongs to the block of the event it matched, so a replicate never has more true positives
than events. Why not games: the test split has two, which gives three distinct replicates. Why not
single events: a detection and the event it matched must stay together, and false positives must be
resampled too; a block of time does both and keeps nearby events (a pass and the drive after it)
together. `block_seconds=None` resamples whole games instead.

A replicate that lost every event of a class is left out of that class's interval (SoccerNet would
score the class 0 whatever the predictions), and out of the mAP's when any class is missing. One block
(one game of at most a minute, or one game with `block_seconds=None`) gives no intervals (NaN): each
replicate would be the data itself.
Intervals are BCa (bias-corrected and accelerated), the acceleration from a delete-one-block jackknife.

Why it is fast: matching is done once (by `spotting.prepare`); per block we keep counts of detections
and true positives per class and confidence threshold, so a replicate is a weighted sum of block counts,
and a thousand replicates are one matrix product per tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ballspot.errors import BallspotError
from ballspot.metrics.matching import Binned, Matches
from ballspot.metrics.spotting import (
    THRESHOLDS,
    BootstrapSummary,
    SpottingEvaluation,
    average_precision,
    team_class_ap,
    threshold_bins,
    trapezoid,
)
from ballspot.soccernet.labels import FRAMERATE

_REPLICATES_PER_CHUNK = 250


@dataclass(frozen=True)
class Intervals:
    """Lower and upper bounds of the central `level` interval of the replicates (percentile method)."""

    mAP: tuple[float, float]
    per_class: tuple[tuple[float, float], ...]
    team_mAP: tuple[float, float] | None
    summary: BootstrapSummary


class _Blocks:
    """Maps (game * 2 + half - 1, frame) to a block index; only time that holds events counts."""

    def __init__(self, evaluation: SpottingEvaluation, block_seconds: float | None) -> None:
        n_game_halves = 2 * len(evaluation.games)
        views = [v for v in (evaluation.standard, evaluation.team) if v is not None]
        if block_seconds is None:
            self.block_frames = None
            self.base = np.repeat(np.arange(len(evaluation.games)), 2)
            self.count = len(evaluation.games)
            return
        self.block_frames = max(1, int(round(block_seconds * FRAMERATE)))
        last = np.full(n_game_halves, -1, dtype=np.int64)
        for view in views:
            np.maximum.at(last, view.gt_game_half, view.gt_frame)
            np.maximum.at(last, view.det_game_half, view.det_frame)
        sizes = np.where(last >= 0, last // self.block_frames + 1, 0)
        self.base = np.cumsum(sizes) - sizes
        self.count = int(sizes.sum())

    def of(self, game_half: np.ndarray, frame: np.ndarray) -> np.ndarray:
        if self.block_frames is None:
            return self.base[game_half]
        return self.base[game_half] + frame // self.block_frames


@dataclass(frozen=True)
class _BlockCounts:
    """Per block: ground truth per column, and cumulative detections / true positives per column and
    threshold (a replicate's counts are a weighted sum of these rows)."""

    gt: np.ndarray
    """(blocks, columns)"""
    gt_value: np.ndarray
    """(blocks, columns): sum of target values, the Team mAP weights."""
    detections: np.ndarray
    """(blocks, columns * 200)"""
    true_positives: np.ndarray


def _block_counts(view: Binned, matches: Matches, blocks: _Blocks) -> _BlockCounts:
    n_columns, n_thresholds = view.n_columns, len(THRESHOLDS)
    gt_block = blocks.of(view.gt_game_half, view.gt_frame)
    own_block = blocks.of(view.det_game_half, view.det_frame)
    matched_block = gt_block[np.maximum(matches.det_gt, 0)] if len(gt_block) else own_block  # no ground truth
    det_block = np.where(matches.det_tp, matched_block, own_block)
    gt_index = gt_block * n_columns + view.gt_column
    size = blocks.count * n_columns
    gt = np.bincount(gt_index, minlength=size).reshape(blocks.count, n_columns)
    gt_value = np.bincount(gt_index, weights=view.gt_value.astype(np.float64), minlength=size)
    det_index = (det_block * n_columns + view.det_column) * n_thresholds + threshold_bins(view.det_score)
    shape = (blocks.count, n_columns, n_thresholds)
    detections = np.bincount(det_index, minlength=size * n_thresholds).reshape(shape)
    tp = np.bincount(det_index, weights=matches.det_tp.astype(np.float64), minlength=size * n_thresholds)

    def cumulative(per_bin: np.ndarray) -> np.ndarray:  # count reaching each threshold
        return np.cumsum(per_bin[..., ::-1], axis=-1)[..., ::-1].reshape(blocks.count, -1).astype(np.float64)

    return _BlockCounts(
        gt=gt.astype(np.float64),
        gt_value=gt_value.reshape(blocks.count, n_columns),
        detections=cumulative(detections),
        true_positives=cumulative(tp.reshape(shape)),
    )


def _replicate_ap(counts: _BlockCounts, weights: np.ndarray, n_columns: int) -> np.ndarray:
    """AP per replicate and column: (replicates, columns)."""
    shape = (len(weights), n_columns, len(THRESHOLDS))
    # Whole numbers: float32 sums are exact below 2**24, and twice as fast as float64.
    exact32 = weights.max(initial=0) * max(counts.detections.sum(axis=0).max(initial=0), 1) < 2**24
    dtype = np.float32 if exact32 else np.float64
    w = weights.astype(dtype)
    detections = (w @ counts.detections.astype(dtype)).astype(np.float64).reshape(shape)
    tp = (w @ counts.true_positives.astype(dtype)).astype(np.float64).reshape(shape)
    return average_precision(tp, detections, weights @ counts.gt)


@dataclass(frozen=True)
class _Statistics:
    """mAP, per-class AP and Team mAP for each row of a weight matrix; NaN where a row lost a class."""

    mAP: np.ndarray
    class_ap: np.ndarray
    team_mAP: np.ndarray | None


def _statistics(
    standard: list[_BlockCounts], team: list[_BlockCounts], weights: np.ndarray, has_ground_truth: np.ndarray
) -> _Statistics:
    # A replicate that lost every event of a class would score it 0 whatever the predictions: it is left
    # out of that class's interval, and of the mAP's when any class is missing.
    n_classes = len(has_ground_truth)
    maps, class_aps, team_maps = [], [], []
    for start in range(0, len(weights), _REPLICATES_PER_CHUNK):
        chunk = weights[start : start + _REPLICATES_PER_CHUNK]
        usable = ((chunk @ standard[0].gt) > 0) | ~has_ground_truth
        per_tolerance = [_replicate_ap(c, chunk, n_classes) for c in standard]
        class_aps.append(np.where(usable, trapezoid(per_tolerance), np.nan))
        complete = usable.all(axis=1)
        maps.append(np.where(complete, trapezoid([ap.mean(axis=-1) for ap in per_tolerance]), np.nan))
        if team:
            columns = trapezoid([_replicate_ap(c, chunk, 2 * n_classes) for c in team])
            with np.errstate(invalid="ignore"):
                team_map = team_class_ap(columns, chunk @ team[0].gt_value).mean(axis=-1)
            team_maps.append(np.where(complete, team_map, np.nan))
    return _Statistics(
        mAP=np.concatenate(maps),
        class_ap=np.concatenate(class_aps),
        team_mAP=np.concatenate(team_maps) if team else None,
    )


def bca_interval(replicates: np.ndarray, estimate: float, jackknife: np.ndarray, level: float) -> tuple[float, float]:
    """Bias-corrected and accelerated percentile interval (Efron 1987), NaN replicates left out.

    Why not plain percentiles: interpolated AP takes a maximum of precisions, so resampled curves score
    higher on average than the curve they come from; the bias correction re-centres the interval on the
    estimate, and the acceleration (from the jackknife) accounts for AP's skew near 0 and 1.
    """
    values = replicates[np.isfinite(replicates)]
    if not values.size or not np.isfinite(estimate):
        return (math.nan, math.nan)
    normal = NormalDist()
    below = (np.sum(values < estimate) + 0.5 * np.sum(values == estimate)) / values.size
    below = min(max(below, 0.5 / values.size), 1 - 0.5 / values.size)
    bias = normal.inv_cdf(below)
    deviations = jackknife[np.isfinite(jackknife)]
    deviations = deviations.mean() - deviations if deviations.size else deviations
    spread = 6 * float(np.sum(deviations**2)) ** 1.5
    acceleration = float(np.sum(deviations**3)) / spread if spread > 0 else 0.0
    bounds = []
    for z in (normal.inv_cdf((1 - level) / 2), normal.inv_cdf((1 + level) / 2)):
        shifted = bias + z
        denominator = max(1 - acceleration * shifted, 1e-12)
        bounds.append(100 * normal.cdf(bias + shifted / denominator))
    low, high = np.percentile(values, bounds)
    return (float(low), float(high))


def bootstrap_intervals(
    evaluation: SpottingEvaluation,
    replicates: int,
    seed: int = 0,
    level: float = 0.95,
    block_seconds: float | None = 60.0,
) -> Intervals:
    """BCa intervals over `replicates` block-bootstrap replicates (see the module docstring)."""
    if replicates < 2:
        raise BallspotError(f"bootstrap needs at least 2 replicates, got {replicates}")
    if not 0 < level < 1:
        raise BallspotError(f"interval level must be in (0, 1), got {level}")
    if block_seconds is not None and not block_seconds > 0:
        raise BallspotError(f"bootstrap block length must be positive seconds, got {block_seconds}")
    blocks = _Blocks(evaluation, block_seconds)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(blocks.count, np.full(blocks.count, 1 / blocks.count), size=replicates)
    standard = [_block_counts(evaluation.standard, m, blocks) for m in evaluation.standard_matches]
    team = [_block_counts(evaluation.team, m, blocks) for m in evaluation.team_matches] if evaluation.team else []
    has_ground_truth = np.bincount(evaluation.standard.gt_column, minlength=len(evaluation.classes)) > 0
    boot = _statistics(standard, team, weights.astype(np.float64), has_ground_truth)
    point = _statistics(standard, team, np.ones((1, blocks.count)), has_ground_truth)
    jack = _statistics(standard, team, 1 - np.eye(blocks.count), has_ground_truth)

    def interval(values: np.ndarray, estimate: np.ndarray, jackknife: np.ndarray) -> tuple[float, float]:
        if blocks.count < 2:  # every replicate redraws the one block: the estimate again, a width of 0
            return (math.nan, math.nan)
        return bca_interval(values, float(estimate), jackknife, level)

    n_classes = len(evaluation.classes)
    return Intervals(
        mAP=interval(boot.mAP, point.mAP[0], jack.mAP),
        per_class=tuple(
            interval(boot.class_ap[:, k], point.class_ap[0, k], jack.class_ap[:, k]) for k in range(n_classes)
        ),
        team_mAP=interval(boot.team_mAP, point.team_mAP[0], jack.team_mAP) if team else None,
        summary=BootstrapSummary(
            replicates=replicates,
            seed=seed,
            level=level,
            block_seconds=block_seconds,
            blocks=blocks.count,
            replicates_used=int(np.isfinite(boot.mAP).sum()),
        ),
    )
