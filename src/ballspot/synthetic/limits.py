"""How large a synthetic league can be asked for (declared on the command, checked again by the generator)."""

MAX_GAMES = 1000
MIN_MINUTES = 0.05
"""3 seconds: a shorter game holds no event."""
MAX_MINUTES = 120.0
"""A game of two 45-minute halves with room for stoppage time."""
