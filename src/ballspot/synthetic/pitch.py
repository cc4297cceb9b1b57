"""Pitch geometry in metres: x along the pitch (0 = left goal line), y across (0 = far touchline).

Team 0 plays left to right (its label side is "left"), team 1 right to left. "Attack coordinates"
flip x for team 1, so rules such as "inside the shooting zone" are written once for both teams.
"""

from __future__ import annotations

import numpy as np

LENGTH = 105.0
WIDTH = 68.0
CENTRE = (LENGTH / 2, WIDTH / 2)
GOAL_HALF_WIDTH = 3.66
GOAL_HEIGHT = 2.44
GOAL_DEPTH = 2.0
PENALTY_AREA_DEPTH = 16.5
PENALTY_AREA_HALF_WIDTH = 20.16
GOAL_AREA_DEPTH = 5.5
GOAL_AREA_HALF_WIDTH = 9.16
PENALTY_SPOT = 11.0
CIRCLE_RADIUS = 9.15
BALL_RADIUS = 0.11

TEAM_SIDES = ("left", "right")
PLAYERS_PER_TEAM = 11
PLAYERS = 2 * PLAYERS_PER_TEAM
REFEREE = PLAYERS
"""Index of the referee in player tracks (after the 22 players)."""


def team_of(player: int) -> int:
    return player // PLAYERS_PER_TEAM


def keeper_of(team: int) -> int:
    return team * PLAYERS_PER_TEAM


def team_players(team: int) -> range:
    return range(team * PLAYERS_PER_TEAM, (team + 1) * PLAYERS_PER_TEAM)


def to_attack(team: int, x: float | np.ndarray) -> float | np.ndarray:
    """x in the frame of `team` attacking towards x = LENGTH (its own map is its own inverse)."""
    return x if team == 0 else LENGTH - x


def attacked_goal_x(team: int) -> float:
    """x of the goal line `team` shoots at."""
    return LENGTH if team == 0 else 0.0


def inside(x: float, y: float, margin: float = 0.0) -> bool:
    """Whether (x, y) lies on the pitch, `margin` metres inside the lines."""
    return margin <= x <= LENGTH - margin and margin <= y <= WIDTH - margin


def clamp_to_pitch(x: float, y: float, margin: float = 1.0) -> tuple[float, float]:
    return float(np.clip(x, margin, LENGTH - margin)), float(np.clip(y, margin, WIDTH - margin))


def in_shooting_zone(team: int, x: float, y: float) -> bool:
    """Close enough to the attacked goal, and central enough, for a shot (not so close that the ball
    reaches the line within a few frames: a shot and its goal or block stay apart in time)."""
    ax = to_attack(team, x)
    return 80.0 <= ax <= 94.0 and abs(y - CENTRE[1]) <= 17.0


def in_crossing_zone(team: int, x: float, y: float) -> bool:
    """Wide in the attacking third: where crosses come from."""
    ax = to_attack(team, x)
    return ax >= 72.0 and (y <= 13.0 or y >= WIDTH - 13.0)


def in_penalty_area(team: int, x: float, y: float) -> bool:
    """Inside the penalty area `team` attacks."""
    ax = to_attack(team, x)
    return ax >= LENGTH - PENALTY_AREA_DEPTH and abs(y - CENTRE[1]) <= PENALTY_AREA_HALF_WIDTH
