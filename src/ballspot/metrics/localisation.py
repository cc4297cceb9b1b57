"""How close predictions land to the events they find: |predicted − true| in milliseconds.

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


def localisation_errors_ms(
    labels: Sequence[Annotation], predictions: Sequence[Prediction], tolerance_s: float = 1.0
) -> np.ndarray:
    """|predicted − true| (ms) of each matched pair in one game."""
    half_window = tolerance_s * 500
    truths: dict[tuple[str, int], list[int]] = defaultdict(list)
    for a in labels:
        truths[(a.label, a.half)].append(a.position_ms)
    guesses: dict[tuple[str, int], list[Prediction]] = defaultdict(list)
    for p in plain_view(list(predictions)):
        guesses[(p.label, p.half)].append(p)
    errors = []
    for key, positions in truths.items():
        free = np.array(positions, dtype=np.int64)
        taken = np.zeros(len(free), dtype=bool)
        for p in sorted(guesses.get(key, []), key=lambda p: -p.confidence)[: len(positions)]:
            distance = np.where(taken, np.iinfo(np.int64).max, np.abs(free - p.position_ms))
            nearest = int(distance.argmin())
            if distance[nearest] <= half_window:
                taken[nearest] = True
                errors.append(int(distance[nearest]))
    return np.asarray(errors, dtype=np.int64)


def games_errors_ms(
    labels: dict[str, Sequence[Annotation]], predictions: dict[str, Sequence[Prediction]], tolerance_s: float = 1.0
) -> np.ndarray:
    """|predicted − true| (ms) of the matched pairs of every game in `labels` (games matched on their own)."""
    per_game = [localisation_errors_ms(own, predictions.get(game, []), tolerance_s) for game, own in labels.items()]
    return np.concatenate(per_game) if per_game else np.zeros(0, dtype=np.int64)
