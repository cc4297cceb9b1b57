"""Frames, targets and detections, and SoccerNet's greedy matching, vectorised over every game and class.

The official evaluator fills, per game and half, a 180,000-frame array per class and matches pair by pair
in Python. Here each (game, half, column) is a *segment*; targets and detections are sparse arrays sorted
by (segment, frame), so one set of numpy calls handles all segments at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ballspot.metrics.game_events import NO_TEAM, Diagnostics, GameEvents
from ballspot.soccernet.labels import FRAMERATE

FRAMES_PER_HALF = 120 * 60 * FRAMERATE
"""Length of SoccerNet's per-half arrays; later events are moved to the last frame."""

_SEGMENT_STRIDE = 1 << 23
"""Keys are segment * stride + frame; the gap past 180,000 keeps any window inside its own segment."""

MAX_HALF_WINDOW = (_SEGMENT_STRIDE - FRAMES_PER_HALF) // 2 - 1

_PAIR_CHUNK = 1 << 22
"""Most (target, candidate) pairs built at once while matching, to bound memory."""


def raw_frames(position_ms: np.ndarray) -> np.ndarray:
    """SoccerNet's frame of a position: `int(25 * (ms / 1000))`, in that floating-point order.

    The order matters: 1160 ms is frame 28 this way, not 29 (25 * 1.16 rounds below 29).
    """
    return (FRAMERATE * (np.asarray(position_ms, dtype=np.int64) / 1000)).astype(np.int64)


def frames_of(position_ms: np.ndarray) -> np.ndarray:
    """`raw_frames`, with later positions clamped to the last frame as in the official arrays."""
    return np.minimum(raw_frames(position_ms), FRAMES_PER_HALF - 1)


@dataclass(frozen=True)
class Binned:
    """Targets and detections of one view, sorted by (segment, frame), one of each per segment and frame.

    segment = (game * 2 + half - 1) * n_columns + column. The derived columns are computed once, when first read.
    """

    n_columns: int
    n_games: int
    gt_seg: np.ndarray
    gt_frame: np.ndarray
    gt_value: np.ndarray
    det_seg: np.ndarray
    det_frame: np.ndarray
    det_score: np.ndarray

    @cached_property
    def gt_column(self) -> np.ndarray:
        return self.gt_seg % self.n_columns

    @cached_property
    def det_column(self) -> np.ndarray:
        return self.det_seg % self.n_columns

    @cached_property
    def gt_game_half(self) -> np.ndarray:
        """game * 2 + half - 1 of each target."""
        return self.gt_seg // self.n_columns

    @cached_property
    def det_game_half(self) -> np.ndarray:
        return self.det_seg // self.n_columns


def stable_order(key: np.ndarray) -> np.ndarray:
    """`np.argsort(key, kind="stable")` for integer keys, as a radix sort on 16-bit digits (least significant
    first, each sorted stably by numpy in linear time): several times faster than numpy's merge sort of
    int64 for the tens of thousands of predictions of a game."""
    order = np.arange(len(key))
    if len(key) == 0:
        return order
    low = int(key.min())
    offset = np.asarray(key, dtype=np.int64) - low
    top = int(key.max()) - low
    shift = 0
    while shift == 0 or top >> shift:
        digit = ((offset[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


def _last_write_wins(seg: np.ndarray, frame: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep, per (segment, frame), the entry written last; return (seg, frame, *values) of those, sorted.

    After a stable sort by (segment, frame), the entry written last is the last of its run of equal keys.
    """
    key = seg * _SEGMENT_STRIDE + frame
    order = stable_order(key)
    sorted_key = key[order]
    last_of_run = np.ones(len(order), dtype=bool)
    last_of_run[:-1] = sorted_key[1:] != sorted_key[:-1]
    chosen = order[last_of_run]
    return tuple(column[chosen] for column in (seg, frame, *values))


def _binned(n_columns: int, n_games: int, gt: tuple[np.ndarray, ...], det: tuple[np.ndarray, ...]) -> Binned:
    """Binned from `_last_write_wins`'s targets (seg, frame, value) and detections (seg, frame, score)."""
    det_seg, det_frame, det_score = det
    keep = det_score >= 0  # after last-write-wins: a negative confidence written last hides the frame
    return Binned(
        n_columns=n_columns,
        n_games=n_games,
        gt_seg=gt[0],
        gt_frame=gt[1],
        gt_value=gt[2].astype(np.int8),
        det_seg=det_seg[keep],
        det_frame=det_frame[keep],
        det_score=det_score[keep].astype(np.float64),
    )


def _concat(games: Sequence[GameEvents], name: str, dtype) -> np.ndarray:
    parts = [getattr(g, name) for g in games]
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _game_ids(games: Sequence[GameEvents], prefix: str) -> np.ndarray:
    return np.repeat(np.arange(len(games), dtype=np.int64), [len(getattr(g, prefix + "_class")) for g in games])


def bin_classes(games: Sequence[GameEvents], n_classes: int, diagnostics: Diagnostics | None = None) -> Binned:
    """The official evaluator's view: one column per class, halves 1 and 2 apart, other halves dropped."""
    gt_game, gt_half = _game_ids(games, "gt"), _concat(games, "gt_half", np.int64)
    det_game, det_half = _game_ids(games, "pred"), _concat(games, "pred_half", np.int64)
    gt_ok = (gt_half == 1) | (gt_half == 2)
    det_ok = (det_half == 1) | (det_half == 2)
    gt_seg = ((gt_game * 2 + gt_half - 1) * n_classes + _concat(games, "gt_class", np.int64))[gt_ok]
    det_seg = ((det_game * 2 + det_half - 1) * n_classes + _concat(games, "pred_class", np.int64))[det_ok]
    gt_raw = raw_frames(_concat(games, "gt_ms", np.int64)[gt_ok])
    det_raw = raw_frames(_concat(games, "pred_ms", np.int64)[det_ok])
    last = FRAMES_PER_HALF - 1
    gt = _last_write_wins(gt_seg, np.minimum(gt_raw, last), _concat(games, "gt_value", np.int8)[gt_ok])
    det = _last_write_wins(det_seg, np.minimum(det_raw, last), _concat(games, "pred_score", np.float64)[det_ok])
    if diagnostics is not None:
        diagnostics.gt_bad_half += int((~gt_ok).sum())
        diagnostics.pred_bad_half += int((~det_ok).sum())
        diagnostics.duplicate_gt += len(gt_seg) - len(gt[0])
        # an event written for both team sides (the likelier one last) is by design, not a duplicate
        sides = _concat(games, "pred_team", np.int64)[det_ok] - NO_TEAM
        same_side = _last_write_wins(det_seg * 3 + sides, np.minimum(det_raw, last))
        diagnostics.duplicate_predictions += len(det_seg) - len(same_side[0])
        diagnostics.clamped_gt += int((gt_raw > last).sum())
        diagnostics.clamped_predictions += int((det_raw > last).sum())
    return _binned(n_classes, len(games), gt, det)


def bin_teams(games: Sequence[GameEvents], n_classes: int) -> Binned:
    """The 2025 team scorer's view: column = 2 * class + (team == right), half 1 of the labels only,
    predictions of every half written into the one half-1 array (their `half` is ignored).

    Events without a team must have been ruled out by the caller.
    """
    n_columns = 2 * n_classes
    gt_half = _concat(games, "gt_half", np.int64)
    gt_ok = gt_half == 1
    gt_column = 2 * _concat(games, "gt_class", np.int64) + _concat(games, "gt_team", np.int64)
    det_column = 2 * _concat(games, "pred_class", np.int64) + _concat(games, "pred_team", np.int64)
    gt_seg = (_game_ids(games, "gt") * 2 * n_columns + gt_column)[gt_ok]
    det_seg = _game_ids(games, "pred") * 2 * n_columns + det_column
    gt_frames = frames_of(_concat(games, "gt_ms", np.int64)[gt_ok])
    gt = _last_write_wins(gt_seg, gt_frames, _concat(games, "gt_value", np.int8)[gt_ok])
    det_frames = frames_of(_concat(games, "pred_ms", np.int64))
    det = _last_write_wins(det_seg, det_frames, _concat(games, "pred_score", np.float64))
    return _binned(n_columns, len(games), gt, det)


def teams_present(games: Sequence[GameEvents]) -> tuple[int, int, int, int]:
    """(half-1 labelled events, those without team, predictions, those without team)."""
    gt_team = np.concatenate([g.gt_team[g.gt_half == 1] for g in games]) if games else np.zeros(0)
    pred_team = _concat(games, "pred_team", np.int8)
    return len(gt_team), int((gt_team == NO_TEAM).sum()), len(pred_team), int((pred_team == NO_TEAM).sum())


@dataclass(frozen=True)
class Matches:
    """The outcome of matching one view at one tolerance, per detection of `Binned`."""

    tolerance: float
    det_gt: np.ndarray
    """Index of the target a detection matched (a true positive), -1 for a false positive."""
    det_closest: np.ndarray
    """Target value (+1 visible, -1 not shown) of the detection's nearest target of its segment; -1 if none."""

    @property
    def det_tp(self) -> np.ndarray:
        return self.det_gt >= 0


def half_window(tolerance_s: float) -> int:
    """Frames a detection may be from its target: |p - g| <= tolerance * 25 / 2, in whole frames."""
    return int(np.floor(tolerance_s * FRAMERATE / 2))


def match(binned: Binned, tolerance_s: float) -> Matches:
    """SoccerNet's matching: targets in time order, each takes the highest-confidence detection of its
    segment within the window that no earlier target took (ties: the earliest frame).

    Only targets whose windows share a detection depend on each other; they form chains, and the k-th
    targets of all chains are matched together in one vectorised step.
    """
    w = half_window(tolerance_s)
    if w > MAX_HALF_WINDOW:
        raise ValueError(f"tolerance {tolerance_s} s is too large")
    gt_key = binned.gt_seg * _SEGMENT_STRIDE + binned.gt_frame
    det_key = binned.det_seg * _SEGMENT_STRIDE + binned.det_frame
    lo = np.searchsorted(det_key, gt_key - w, side="left")
    hi = np.searchsorted(det_key, gt_key + w, side="right")
    det_gt = np.full(len(det_key), -1, dtype=np.int64)
    taken = np.zeros(len(det_key), dtype=bool)
    if len(gt_key):
        linked = np.zeros(len(gt_key), dtype=bool)
        linked[1:] = hi[:-1] > lo[1:]
        heads = np.flatnonzero(~linked)
        chain_position = np.arange(len(gt_key)) - heads[np.cumsum(~linked) - 1]
        by_position = np.argsort(chain_position, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(chain_position))])
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            _match_independent(by_position[start:stop], lo, hi, binned.det_score, taken, det_gt)
    return Matches(tolerance=tolerance_s, det_gt=det_gt, det_closest=_closest(binned, gt_key, det_key))


def _match_independent(
    targets: np.ndarray, lo: np.ndarray, hi: np.ndarray, score: np.ndarray, taken: np.ndarray, det_gt: np.ndarray
) -> None:
    """Match targets whose windows share no available detection with each other, all at once."""
    targets = targets[hi[targets] > lo[targets]]
    sizes = hi[targets] - lo[targets]
    ends = np.cumsum(sizes)
    start = 0
    while start < len(targets):  # chunks of at most _PAIR_CHUNK pairs (at least one target)
        done = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, done + _PAIR_CHUNK, side="right")), start + 1)
        chunk = targets[start:stop]
        chunk_sizes = sizes[start:stop]
        offsets = np.cumsum(chunk_sizes) - chunk_sizes
        total = int(chunk_sizes.sum())
        owner = np.repeat(np.arange(len(chunk)), chunk_sizes)
        candidate = np.arange(total) + np.repeat(lo[chunk] - offsets, chunk_sizes)
        available = np.where(taken[candidate], -np.inf, score[candidate])
        best = np.maximum.reduceat(available, offsets)
        first_best = np.minimum.reduceat(np.where(available == best[owner], np.arange(total), total), offsets)
        found = best >= 0
        chosen = candidate[first_best[found]]
        taken[chosen] = True
        det_gt[chosen] = chunk[found]
        start = stop


def _closest(binned: Binned, gt_key: np.ndarray, det_key: np.ndarray) -> np.ndarray:
    """Per detection, the value of the target it is nearest to in its segment, by SoccerNet's rule:
    a target owns the frames from the midpoint with the previous one (floored) up to the midpoint with
    the next; a segment without targets gives -1 (so its detections fall in the "unshown" split).

    So a detection belongs to the last target whose territory starts at or before it: the first target
    of a segment from the segment's start, the others from their midpoint with the previous target.
    """
    if len(gt_key) == 0:
        return np.full(len(det_key), -1, dtype=np.int8)
    seg, frame = binned.gt_seg, binned.gt_frame
    starts = seg * _SEGMENT_STRIDE  # as keys, like gt_key and det_key
    starts[1:] += np.where(seg[1:] == seg[:-1], (frame[:-1] + frame[1:]) // 2, 0)
    # The number of territories starting at or before each detection, counted from where each one starts
    # among the detections (a few thousand searches rather than one per detection).
    first_detection = np.searchsorted(det_key, starts, side="left")
    owner = np.cumsum(np.bincount(first_detection, minlength=len(det_key) + 1)[: len(det_key)]) - 1
    owner_c = np.maximum(owner, 0)
    found = (owner >= 0) & (seg[owner_c] == binned.det_seg)
    return np.where(found, binned.gt_value[owner_c], -1).astype(np.int8)
