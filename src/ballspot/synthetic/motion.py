"""Ball trajectories as closed-form pieces, so a touch happens at an exact instant, not on a frame grid.

A match's ball path is a list of contiguous segments; each evaluates (x, y, z) at any time inside it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

GRAVITY = 9.81
ROLL_DECELERATION = 1.6
"""m/s² lost by a ball rolling on grass (friction and drag together)."""


@dataclass(frozen=True)
class Hold:
    """The ball at rest (on the ground, in a thrower's hands, in the net)."""

    t0: float
    t1: float
    pos: tuple[float, float, float]

    def at(self, t: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.pos, dtype=float), (len(t), 3)).copy()


@dataclass(frozen=True)
class Roll:
    """A ground ball slowing down at a constant rate, then at rest."""

    t0: float
    t1: float
    start: tuple[float, float]
    direction: tuple[float, float]
    speed: float
    decel: float = ROLL_DECELERATION

    def distance(self, tau: np.ndarray | float) -> np.ndarray | float:
        stop = self.speed / self.decel
        tau = np.minimum(tau, stop)
        return self.speed * tau - 0.5 * self.decel * tau * tau

    def at(self, t: np.ndarray) -> np.ndarray:
        s = self.distance(np.maximum(t - self.t0, 0.0))
        out = np.zeros((len(t), 3))
        out[:, 0] = self.start[0] + self.direction[0] * s
        out[:, 1] = self.start[1] + self.direction[1] * s
        return out


@dataclass(frozen=True)
class Flight:
    """A ball in the air: straight over the ground, a parabola in height."""

    t0: float
    t1: float
    start: tuple[float, float, float]
    velocity: tuple[float, float, float]

    def at(self, t: np.ndarray) -> np.ndarray:
        tau = t - self.t0
        out = np.empty((len(t), 3))
        out[:, 0] = self.start[0] + self.velocity[0] * tau
        out[:, 1] = self.start[1] + self.velocity[1] * tau
        out[:, 2] = np.maximum(self.start[2] + self.velocity[2] * tau - 0.5 * GRAVITY * tau * tau, 0.0)
        return out


@dataclass(frozen=True)
class Carry:
    """A dribble: the ball runs with a player, pushed ahead at every touch (one touch per `period`).

    The player's feet go from `start` at `velocity`; the ball is `lead0` metres ahead right after a touch,
    up to `lead0 + amplitude` between touches, so each touch is a sharp (unlabelled) velocity change.
    """

    t0: float
    t1: float
    start: tuple[float, float]
    velocity: tuple[float, float]
    period: float = 0.56
    lead0: float = 0.45
    amplitude: float = 0.55

    @property
    def direction(self) -> tuple[float, float]:
        speed = math.hypot(*self.velocity)
        return (self.velocity[0] / speed, self.velocity[1] / speed) if speed > 0 else (1.0, 0.0)

    def feet(self, t: np.ndarray | float) -> np.ndarray:
        """The dribbler's position at `t` (the ball is ahead of it)."""
        tau = np.asarray(t, dtype=float) - self.t0
        return np.stack([self.start[0] + self.velocity[0] * tau, self.start[1] + self.velocity[1] * tau], axis=-1)

    def at(self, t: np.ndarray) -> np.ndarray:
        tau = t - self.t0
        phase = np.mod(tau / self.period, 1.0)
        lead = self.lead0 + self.amplitude * np.sin(np.pi * phase)
        ux, uy = self.direction
        feet = self.feet(t)
        out = np.zeros((len(t), 3))
        out[:, 0] = feet[:, 0] + ux * lead
        out[:, 1] = feet[:, 1] + uy * lead
        return out


@dataclass(frozen=True)
class NetStop:
    """The ball after crossing the goal line: it slows hard in the net and drops to the ground."""

    t0: float
    t1: float
    start: tuple[float, float, float]
    direction: tuple[float, float]
    speed: float
    depth: float

    def at(self, t: np.ndarray) -> np.ndarray:
        decel = self.speed**2 / (2 * self.depth)
        stop = self.speed / decel
        tau = np.minimum(np.maximum(t - self.t0, 0.0), stop)
        s = self.speed * tau - 0.5 * decel * tau * tau
        out = np.empty((len(t), 3))
        out[:, 0] = self.start[0] + self.direction[0] * s
        out[:, 1] = self.start[1] + self.direction[1] * s
        out[:, 2] = self.start[2] * np.clip(1.0 - tau / (0.8 * stop), 0.0, 1.0)
        return out


Segment = Hold | Roll | Flight | Carry | NetStop


def sample_path(segments: list[Segment], times: np.ndarray) -> np.ndarray:
    """(x, y, z) of the ball at each time, from contiguous segments covering them."""
    starts = np.array([s.t0 for s in segments])
    which = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(segments) - 1)
    out = np.empty((len(times), 3))
    for i in np.unique(which):
        mask = which == i
        out[mask] = segments[i].at(times[mask])
    return out


def position_at(segment: Segment, t: float) -> np.ndarray:
    return segment.at(np.array([t]))[0]


def unit(dx: float, dy: float) -> tuple[tuple[float, float], float]:
    """The unit vector of (dx, dy) and its length."""
    length = math.hypot(dx, dy)
    if length < 1e-9:
        return (1.0, 0.0), 0.0
    return (dx / length, dy / length), length


def roll_to(t0: float, start: tuple[float, float], end: tuple[float, float], duration: float) -> Roll:
    """A ground ball from `start` that reaches `end` after `duration` seconds, still moving."""
    direction, distance = unit(end[0] - start[0], end[1] - start[1])
    decel = min(ROLL_DECELERATION, distance / duration**2)  # keep it moving when it arrives
    speed = distance / duration + 0.5 * decel * duration
    return Roll(t0, t0 + duration, start, direction, speed, decel)


def fly_to(t0: float, start: tuple[float, float, float], end: tuple[float, float, float], duration: float) -> Flight:
    """A ball in the air from `start` that is at `end` (x, y, height) after `duration` seconds."""
    vx = (end[0] - start[0]) / duration
    vy = (end[1] - start[1]) / duration
    vz = (end[2] - start[2] + 0.5 * GRAVITY * duration**2) / duration
    return Flight(t0, t0 + duration, start, (vx, vy, vz))


def with_end(segment: Segment, t1: float) -> Segment:
    """The same motion, cut (or extended) to end at `t1`."""
    return dataclasses.replace(segment, t1=t1)


def line_crossing(start: tuple[float, float], direction: tuple[float, float]) -> tuple[float, str]:
    """Distance along a ray from a point on the pitch to where it leaves, and which line: touch/goal."""
    best, line = math.inf, "touch"
    for axis, limit, name in ((0, 0.0, "goal"), (0, 105.0, "goal"), (1, 0.0, "touch"), (1, 68.0, "touch")):
        d = direction[axis]
        if abs(d) < 1e-9:
            continue
        s = (limit - start[axis]) / d
        if 0 < s < best:
            best, line = s, name
    return best, line


def time_to_cover(distance: float, speed: float, decel: float) -> float | None:
    """When a ball rolling at `speed` has covered `distance`, or None if it stops first."""
    disc = speed * speed - 2 * decel * distance
    if disc < 0:
        return None
    return (speed - math.sqrt(disc)) / decel if decel > 0 else distance / speed
