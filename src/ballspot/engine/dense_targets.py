"""Per-frame training targets of the dense task: each event's class at its frame, softened a few frames out.

A position at distance d ≤ `radius` frames from an event gets the event's class with weight
1 - d / (radius + 1) (1 at the event's own frame), the rest background. Where two events' spreads meet,
each class keeps its largest weight and the weights are scaled to sum to at most 1, so an event's own
frame still favours its class over a neighbour's a frame away. The team side is learnt on the same
positions, weighted alike; positions near no event (or near events without a side) carry no team loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEAM_SIDES: tuple[str, ...] = ("left", "right")
"""Team target 0 is the left side, 1 the right side (the team logit is that of the right side)."""


@dataclass(frozen=True)
class GameEvents:
    """A video's events as frame numbers at the model's rate, class ids and team ids (-1: no side)."""

    frames: np.ndarray
    classes: np.ndarray
    teams: np.ndarray

    @classmethod
    def empty(cls) -> GameEvents:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass(frozen=True)
class DenseTargets:
    """`classes` [T, K] probabilities (background last), `team` [T] in {0, 1}, `team_weight` [T] ≥ 0."""

    classes: np.ndarray
    team: np.ndarray
    team_weight: np.ndarray


def dense_targets(events: GameEvents, start: int, length: int, num_actions: int, radius: int) -> DenseTargets:
    """Targets for frames [start, start + length) of a video with `events`."""
    weights = np.zeros((length, num_actions), dtype=np.float32)
    team = np.zeros(length, dtype=np.float32)
    team_weight = np.zeros(length, dtype=np.float32)
    near = (events.frames >= start - radius) & (events.frames < start + length + radius)
    for frame, action, side in zip(events.frames[near], events.classes[near], events.teams[near], strict=True):
        for d in range(-radius, radius + 1):
            t = int(frame) + d - start
            if not 0 <= t < length:
                continue
            w = 1.0 - abs(d) / (radius + 1)
            weights[t, action] = max(weights[t, action], w)
            if side >= 0 and w > team_weight[t]:
                team[t], team_weight[t] = float(side), w
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 1.0, weights / np.maximum(total, 1e-9), weights)
    background = 1.0 - weights.sum(axis=1, keepdims=True)
    return DenseTargets(
        classes=np.concatenate([weights, np.clip(background, 0.0, 1.0)], axis=1),
        team=team,
        team_weight=team_weight,
    )
