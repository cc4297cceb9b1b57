"""How close the confident predictions land to the events they found: |predicted − true| in milliseconds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ballspot.soccernet.labels import Annotation
from ballspot.soccernet.results import Prediction


def localisation_errors_ms(
    labels: Sequence[Annotation],
    predictions: Sequence[Prediction],
    min_confidence: float = 0.5,
    tolerance_s: float = 1.0,
) -> np.ndarray:
    """|predicted − true| (ms) of each matched pair in one game.

    Predictions at or above `min_confidence` are taken from the most confident down; each is matched to the
    nearest not yet matched label of its class and half within ±`tolerance_s` / 2 (mAP@1's window).
    """
    half_window = tolerance_s * 500
    free = np.ones(len(labels), dtype=bool)
    positions = np.array([a.position_ms for a in labels], dtype=np.int64)
    errors = []
    for p in sorted(predictions, key=lambda p: -p.confidence):
        if p.confidence < min_confidence:
            break
        candidates = [
            i
            for i, a in enumerate(labels)
            if free[i] and a.label == p.label and a.half == p.half and abs(a.position_ms - p.position_ms) <= half_window
        ]
        if candidates:
            nearest = min(candidates, key=lambda i: abs(positions[i] - p.position_ms))
            free[nearest] = False
            errors.append(abs(int(positions[nearest]) - p.position_ms))
    return np.asarray(errors, dtype=np.int64)
