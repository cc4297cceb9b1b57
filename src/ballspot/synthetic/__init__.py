"""A synthetic league in SoccerNet's layout: simulated matches, drawn as broadcast video, labelled exactly.

`generate_league` writes the games; `simulate_match` plays one (ball, players, camera, events); `render`
draws it without ever seeing an event, so classes differ only by the motion of ball and players. The names
load on first use, so the command line can read `synthetic.limits` without loading numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ballspot.synthetic.league import generate_league
    from ballspot.synthetic.simulate import Event, Match, simulate_match

_HOMES = {
    "generate_league": "ballspot.synthetic.league",
    "Event": "ballspot.synthetic.simulate",
    "Match": "ballspot.synthetic.simulate",
    "simulate_match": "ballspot.synthetic.simulate",
}

__all__ = ["Event", "Match", "generate_league", "simulate_match"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'ballspot.synthetic' has no attribute {name!r}")
