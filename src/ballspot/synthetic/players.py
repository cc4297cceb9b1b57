"""Where the 22 players and the referee stand in every frame.

Each player keeps a place in a 4-4-2 that slides with the ball; the simulator adds anchors (a passer at
the ball when he kicks, a receiver where the ball arrives, a wall at a free kick). Between anchors a few
seconds apart a player runs straight from one to the next; otherwise he drifts back to his place.
"""

from __future__ import annotations

import math

import numpy as np

from ballspot.synthetic.pitch import CENTRE, LENGTH, PLAYERS, PLAYERS_PER_TEAM, REFEREE, WIDTH

TRACKED = PLAYERS + 1
"""Players plus the referee."""

# 4-4-2 in attack coordinates (x towards the attacked goal) when the ball is at the centre spot.
_FORMATION = np.array(
    [
        (4.0, 34.0),  # keeper
        (30.0, 9.0), (27.0, 26.0), (27.0, 42.0), (30.0, 59.0),
        (46.0, 8.0), (44.0, 26.0), (44.0, 42.0), (46.0, 60.0),
        (60.0, 28.0), (61.0, 41.0),
    ]
)  # fmt: skip
LINK_S = 3.2
"""Anchors closer than this in time are joined by a straight run."""
RUN_SPEED = 6.5
"""Speed (m/s) at which a player drifts back to his place after an anchor."""
FORMATION_LAG_S = 1.2


def home_positions(ball_x: np.ndarray, ball_y: np.ndarray) -> np.ndarray:
    """Formation places, shape (n, TRACKED, 2), for ball positions of shape (n,)."""
    ball_x = np.atleast_1d(np.asarray(ball_x, dtype=float))
    ball_y = np.atleast_1d(np.asarray(ball_y, dtype=float))
    out = np.empty((len(ball_x), TRACKED, 2))
    for team in (0, 1):
        ball_ax = ball_x if team == 0 else LENGTH - ball_x
        shift = 0.55 * (ball_ax - CENTRE[0])
        ax = _FORMATION[None, :, 0] + shift[:, None]
        ax[:, 1:] = np.clip(ax[:, 1:], 9.0, 99.0)
        ax[:, 0] = np.clip(4.0 + 0.09 * (ball_ax - 10.0), 2.0, 12.0)
        y = CENTRE[1] + (_FORMATION[None, :, 1] - CENTRE[1]) * 0.85 + 0.3 * (ball_y[:, None] - CENTRE[1])
        y[:, 0] = CENTRE[1] + 0.15 * (ball_y - CENTRE[1])
        x = ax if team == 0 else LENGTH - ax
        sl = slice(team * PLAYERS_PER_TEAM, (team + 1) * PLAYERS_PER_TEAM)
        out[:, sl, 0] = x
        out[:, sl, 1] = np.clip(y, 2.0, WIDTH - 2.0)
    # the referee keeps to the diagonal, 12-18 m from the ball
    out[:, REFEREE, 0] = np.clip(ball_x - 10.0, 5.0, LENGTH - 5.0)
    out[:, REFEREE, 1] = np.clip(ball_y + 9.0 - 0.3 * (ball_y - CENTRE[1]), 5.0, WIDTH - 5.0)
    return out


def home_of(player: int, ball_x: float, ball_y: float) -> tuple[float, float]:
    place = home_positions(np.array([ball_x]), np.array([ball_y]))[0, player]
    return float(place[0]), float(place[1])


def lagged_ball(ball_xy: np.ndarray, cuts: list[int], fps: int) -> np.ndarray:
    """The ball as the team shape follows it: a causal lag that restarts at every cut."""
    alpha = 1.0 - math.exp(-1.0 / (fps * FORMATION_LAG_S))
    out = np.empty_like(ball_xy)
    cut_set = set(cuts)
    for i in range(len(ball_xy)):
        if i == 0 or i in cut_set:
            out[i] = ball_xy[i]
        else:
            out[i] = out[i - 1] + alpha * (ball_xy[i] - out[i - 1])
    return out


def _wander(rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """Slow personal drift around the formation place, (n, TRACKED, 2)."""
    freq = rng.uniform(0.04, 0.16, size=(2, TRACKED, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(2, TRACKED, 2))
    amp = rng.uniform(0.6, 1.8, size=(2, TRACKED, 2))
    t = times[:, None, None]
    return sum(amp[k] * np.sin(2 * np.pi * freq[k] * t + phase[k]) for k in range(2))


def player_tracks(
    rng: np.random.Generator,
    ball: np.ndarray,
    anchors: list[list[tuple[float, float, float]]],
    cuts: list[int],
    fps: int,
) -> np.ndarray:
    """Positions (n, TRACKED, 2) of every player and the referee in every frame."""
    n = len(ball)
    times = np.arange(n) / fps
    lagged = lagged_ball(ball[:, :2], cuts, fps)
    home = home_positions(lagged[:, 0], lagged[:, 1]) + _wander(rng, times)
    tracks = home.copy()
    bounds = [*sorted(set(cuts) | {0}), n]
    for player in range(TRACKED):
        own = sorted(anchors[player]) if player < len(anchors) else []
        if not own:
            continue
        for first, last in zip(bounds[:-1], bounds[1:], strict=False):
            t_start, t_end = first / fps, last / fps
            inside = [a for a in own if t_start <= a[0] < t_end]
            if not inside:
                continue
            frame_of = np.clip(np.round(np.array([a[0] for a in inside]) * fps).astype(int), first, last - 1)
            knot_t, knot_off = _knots(inside, home[frame_of, player])
            span = times[first:last]
            offset_x = np.interp(span, knot_t, knot_off[:, 0])
            offset_y = np.interp(span, knot_t, knot_off[:, 1])
            tracks[first:last, player, 0] += offset_x
            tracks[first:last, player, 1] += offset_y
    return tracks


def _knots(anchors: list[tuple[float, float, float]], home_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interpolation knots (time, offset from home): anchors, and zero offsets where a player is free."""
    knot_t: list[float] = []
    knot_off: list[np.ndarray] = []
    offsets = [np.array([x, y]) - home for (_, x, y), home in zip(anchors, home_at, strict=True)]

    def release(offset: np.ndarray) -> float:
        return max(1.0, float(np.hypot(*offset)) / RUN_SPEED)

    for i, ((t, _, _), offset) in enumerate(zip(anchors, offsets, strict=True)):
        if i == 0:
            knot_t.append(t - release(offset))
            knot_off.append(np.zeros(2))
        else:
            gap = t - anchors[i - 1][0]
            if gap > LINK_S:
                out_t = anchors[i - 1][0] + release(offsets[i - 1])
                in_t = t - release(offset)
                if in_t > out_t:
                    knot_t += [out_t, in_t]
                    knot_off += [np.zeros(2), np.zeros(2)]
        if knot_t and t <= knot_t[-1]:
            t = knot_t[-1] + 1e-6
        knot_t.append(t)
        knot_off.append(offset)
    knot_t.append(knot_t[-1] + release(offsets[-1]))
    knot_off.append(np.zeros(2))
    return np.array(knot_t), np.array(knot_off)
