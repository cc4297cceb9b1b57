"""A synthetic league in SoccerNet's layout: simulated matches, drawn as broadcast video, labelled exactly.

`generate_league` writes the games; `simulate_match` plays one (ball, players, camera, events); `render`
draws it without ever seeing an event, so classes differ only by the motion of ball and players.
"""

from ballspot.synthetic.league import generate_league
from ballspot.synthetic.simulate import Event, Match, simulate_match

__all__ = ["Event", "Match", "generate_league", "simulate_match"]
