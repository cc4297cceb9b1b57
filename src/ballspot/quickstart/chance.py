"""The chance baseline the quick start compares against: random scores through the same peak picking."""

from __future__ import annotations

import numpy as np

from ballspot.soccernet.results import Prediction


def random_predictions(
    duration_ms: int, classes: tuple[str, ...], step_ms: int, per_class: int, seed: int
) -> list[Prediction]:
    """`per_class` predictions per class at random frame-step positions, with uniform random confidences.

    A spotter that knows nothing still predicts; this one predicts as many candidates per class as the model
    did, placed at random, so the mAP it gets is what luck alone gives at that density.
    """
    rng = np.random.default_rng(seed)
    steps = max(1, duration_ms // step_ms)
    predictions = []
    for label in classes:
        count = min(per_class, steps)
        positions = np.sort(rng.choice(steps, size=count, replace=False)) * step_ms
        confidences = rng.random(count)
        predictions.extend(
            Prediction(label=label, position_ms=int(p), confidence=float(c))
            for p, c in zip(positions, confidences, strict=True)
        )
    return sorted(predictions, key=lambda p: p.position_ms)
