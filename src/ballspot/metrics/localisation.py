"""How close predictions land to the events they find (|predicted − true| in ms), and whether they give
the acting team's side.

Confidences of different models are not on one scale, so the predictions looked at are, per class and
half, as many of the most confident ones as there are true events (the break-even point of precision and
recall), taken from the one-side list the plain scorer counts (`plain_view`). From the most confident down,
each is matched to the nearest not yet matched true event of its class within ±`tolerance_s` / 2 (mAP@1's
window).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from ballspot.soccernet.labels import Annotation
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
