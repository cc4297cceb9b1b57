"""Which events a synthetic match should hold: the class mix, and a director that steers play towards it.

PASS and DRIVE come from ordinary build-up play. Every other class needs a situation (a cross needs the
ball on a wing, a throw-in needs the ball out over a touchline), so the director keeps a running count,
picks the class furthest below its target share as the next "wanted" one, and the simulator plays towards
a situation where it can happen. Feedback, not a script: the realised mix follows the target whatever
the chain of events produces on its own.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ballspot.classes import CLASSES_12

REALISTIC_MIX: dict[str, float] = {
    "PASS": 0.405,
    "DRIVE": 0.345,
    "HEADER": 0.045,
    "HIGH PASS": 0.050,
    "OUT": 0.040,
    "CROSS": 0.018,
    "THROW IN": 0.030,
    "SHOT": 0.016,
    "BALL PLAYER BLOCK": 0.025,
    "PLAYER SUCCESSFUL TACKLE": 0.016,
    "FREE KICK": 0.008,
    "GOAL": 0.002,
}
"""Shares close to SoccerNet's 2024/2025 ball-action games: PASS + DRIVE three quarters, GOAL and FREE KICK
rare. An estimate from the published class imbalance, not counted from the (NDA) labels."""

BALANCED_MIX: dict[str, float] = {name: (0.14 if name in ("PASS", "DRIVE") else 0.072) for name in CLASSES_12}
"""Every rare class gets about 7% of events, so a few minutes of video give a model examples of each."""

BUILD_UP = ("PASS", "DRIVE")
SPECIAL = tuple(name for name in CLASSES_12 if name not in BUILD_UP)
LOOKAHEAD = 2.0
"""Events the director plans ahead: a class is "under target" when count < share * (events + this)."""


def class_mix(balanced: bool) -> dict[str, float]:
    return BALANCED_MIX if balanced else REALISTIC_MIX


class Director:
    """Keeps the count of events per class and says which class play should head for next."""

    def __init__(self, mix: dict[str, float], rng: np.random.Generator) -> None:
        self.mix = mix
        self.rng = rng
        self.counts: Counter[str] = Counter()
        self.want: str | None = None
        self.patience = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def record(self, label: str) -> None:
        self.counts[label] += 1
        if label == self.want:
            self.want = None

    def deficit(self, label: str) -> float:
        return self.mix[label] * (self.total + LOOKAHEAD) - self.counts[label]

    def under(self, label: str) -> bool:
        """Whether one more `label` keeps the mix at or below its target."""
        return self.deficit(label) > 0.0

    def wanted(self) -> str | None:
        """The rare class play is heading for, picked in proportion to how far each is below target."""
        if self.want is not None:
            self.patience -= 1
            if self.patience > 0:
                return self.want
            self.want = None  # the situation never came; pick afresh
        deficits = np.array([max(self.deficit(name), 0.0) for name in SPECIAL])
        if deficits.sum() < 0.6:
            return None
        self.want = str(SPECIAL[self.rng.choice(len(SPECIAL), p=deficits / deficits.sum())])
        self.patience = 14
        return self.want
