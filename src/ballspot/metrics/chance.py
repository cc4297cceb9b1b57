"""Chance baselines: what random predictions score, so a model can be told from noise.

Two forms: `random_predictions` (candidates for one video, used by the quick start) and `chance_games`
(every game of an evaluation with its predictions replaced by random ones at the same density, used by
`ballspot evaluate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ballspot.arguments import is_whole
from ballspot.errors import BallspotError
from ballspot.metrics.game_events import NO_TEAM, GameEvents
from ballspot.soccernet.results import Prediction


def random_predictions(
    duration_ms: int, classes: tuple[str, ...], step_ms: int, per_class: int, seed: int
) -> list[Prediction]:
    """`per_class` predictions per class at random frame-step positions, with uniform random confidences.

    A spotter that knows nothing still predicts; this one predicts as many candidates per class as the model
    did, placed at random, so the mAP it gets is what luck alone gives at that density.
    """
    for name, value, least in (("duration_ms", duration_ms, 0), ("step_ms", step_ms, 1), ("per_class", per_class, 0)):
        if not is_whole(value) or value < least:
            raise BallspotError(f"{name} must be a whole number >= {least}, got {value!r}")
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


def chance_games(games: Sequence[GameEvents], seed: int) -> list[GameEvents]:
    """The same games with every predicted event moved to a random time of its half, its predictions given
    random confidences.

    Labels, and the number of scored predictions per game, half and class, stay as they are: the result is
    what a spotter that knows nothing scores at the model's density. Predictions with a confidence below 0,
    which the metric ignores, are left out rather than given a random (scored) confidence. Predictions sharing
    a half, class and position (an event written for both team sides) are one event and move together. A
    half's length is taken as its latest labelled or scored predicted event. Each event's sides are flipped or
    kept at random, so a single side becomes a random one and an event written for both sides keeps both.
    """
    rng = np.random.default_rng(seed)
    shuffled = []
    for game in games:
        game = scored_predictions(game)
        ends = np.zeros(len(game.pred_half), dtype=np.int64)
        for half in np.unique(game.pred_half):
            in_half = game.pred_half == half
            latest = max(
                int(game.pred_ms[in_half].max(initial=0)), int(game.gt_ms[game.gt_half == half].max(initial=0))
            )
            ends[in_half] = latest
        keys = np.stack([game.pred_half, game.pred_class, game.pred_ms]) if len(ends) else np.zeros((3, 0), np.int64)
        _, event = np.unique(keys, axis=1, return_inverse=True)
        event = event.reshape(-1)
        events = event.max(initial=-1) + 1
        event_end = np.zeros(events, dtype=np.int64)
        event_end[event] = ends  # the same for every prediction of an event (one half)
        positions = (rng.random(events) * (event_end + 1)).astype(np.int64)[event]
        flip = rng.integers(0, 2, events)[event]
        teams = np.where(game.pred_team == NO_TEAM, NO_TEAM, game.pred_team ^ flip).astype(game.pred_team.dtype)
        shuffled.append(replace(game, pred_ms=positions, pred_score=rng.random(len(ends)), pred_team=teams))
    return shuffled


def scored_predictions(game: GameEvents) -> GameEvents:
    """`game` without its predictions of confidence below 0: the metric ignores them."""
    keep = game.pred_score >= 0
    if keep.all():
        return game
    columns = ("pred_class", "pred_ms", "pred_half", "pred_team", "pred_score")
    return replace(game, **{name: getattr(game, name)[keep] for name in columns})
