"""How close predictions land to the events they find (|predicted − true| in ms), and whether they give
the acting team's side.

Confidences of different models are not on one scale, so the predictions looked at are, per class and
half, as many of the most confident ones as there are true events (the break-even point of precision and
recall), taken from the one-side list the plain scorer counts (`plain_view`). From the most confident down,
each is matched to the nearest not yet matched true event of its class within ±`tolerance_s` / 2 (mAP@1's
window).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from ballspot.metrics.game_events import TEAM_CODES, GameEvents
from ballspot.soccernet.labels import FRAMERATE, Annotation
from ballspot.soccernet.results import Prediction, plain_view

Match = tuple[Annotation, Prediction]


def matched_pairs(
    labels: Sequence[Annotation], predictions: Sequence[Prediction], tolerance_s: float = 1.0
) -> list[Match]:
    """(true event, prediction) of each matched pair in one game."""
    half_window = tolerance_s * 500
    truths: dict[tuple[str, int], list[Annotation]] = defaultdict(list)
    for a in labels:
        truths[(a.label, a.half)].append(a)
    guesses: dict[tuple[str, int], list[Prediction]] = defaultdict(list)
    for p in plain_view(list(predictions)):
        guesses[(p.label, p.half)].append(p)
    pairs = []
    for key, events in truths.items():
        free = np.array([a.position_ms for a in events], dtype=np.int64)
        taken = np.zeros(len(free), dtype=bool)
        for p in sorted(guesses.get(key, []), key=lambda p: -p.confidence)[: len(events)]:
            distance = np.where(taken, np.iinfo(np.int64).max, np.abs(free - p.position_ms))
            nearest = int(distance.argmin())
            if distance[nearest] <= half_window:
                taken[nearest] = True
                pairs.append((events[nearest], p))
    return pairs


def games_matched_pairs(
    labels: dict[str, Sequence[Annotation]], predictions: dict[str, Sequence[Prediction]], tolerance_s: float = 1.0
) -> list[Match]:
    """`matched_pairs` of every game in `labels` (games matched on their own)."""
    return [pair for game, own in labels.items() for pair in matched_pairs(own, predictions.get(game, []), tolerance_s)]


def errors_ms(pairs: Sequence[Match]) -> np.ndarray:
    """|predicted − true| (ms) of each pair."""
    return np.asarray([abs(p.position_ms - a.position_ms) for a, p in pairs], dtype=np.int64)


def side_accuracy(pairs: Sequence[Match]) -> float | None:
    """Share of the pairs whose event has a side that the prediction gives right; None when none has both."""
    sided = [(a.team, p.team) for a, p in pairs if a.team and p.team]
    return sum(truth == guess for truth, guess in sided) / len(sided) if sided else None


def column_pairs(game: GameEvents, classes: Sequence[str], tolerance_s: float = 1.0) -> list[Match]:
    """`matched_pairs` of a game read as columns (as `evaluate` reads it). Only the predictions it can look
    at become objects: per class and half, the most confident of those the plain scorer counts."""
    sides = {code: side for side, code in TEAM_CODES.items()}
    labels = [
        Annotation(classes[c], int(ms), int(half), sides.get(int(team)))
        for c, ms, half, team in zip(game.gt_class, game.gt_ms, game.gt_half, game.gt_team, strict=True)
    ]
    frames = (FRAMERATE * (game.pred_ms / 1000)).astype(np.int64)  # as plain_view bins them
    keys = zip(game.pred_class.tolist(), game.pred_half.tolist(), frames.tolist(), strict=True)
    last = {key: i for i, key in enumerate(keys)}
    counted = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
    looked_at: list[int] = []
    for (c, half), events in Counter(zip(game.gt_class.tolist(), game.gt_half.tolist(), strict=True)).items():
        own = counted[(game.pred_class[counted] == c) & (game.pred_half[counted] == half)]
        looked_at.extend(own[np.argsort(-game.pred_score[own], kind="stable")[:events]].tolist())
    predictions = [
        Prediction(
            classes[game.pred_class[i]], int(game.pred_ms[i]), float(game.pred_score[i]), int(game.pred_half[i]),
            sides.get(int(game.pred_team[i])),
        )
        for i in sorted(looked_at)
    ]  # fmt: skip
    return matched_pairs(labels, predictions, tolerance_s)


def placement(pairs: Sequence[Match], events: int, tolerance_s: float = 1.0) -> dict:
    """How the matched pairs land: their count (of `events` true events), the median |predicted − true| and
    the median predicted − true (ms; below 0: early; a shifted time base shows as a constant offset), and the
    share given the right side."""
    offsets = np.asarray([p.position_ms - a.position_ms for a, p in pairs], dtype=np.int64)
    found = len(offsets) > 0
    return {
        "matched_events": len(offsets),
        "events": events,
        "median_error_ms": float(np.median(np.abs(offsets))) if found else None,
        "median_offset_ms": float(np.median(offsets)) if found else None,
        "side_right": side_accuracy(pairs),
        "window_s": tolerance_s,
    }
