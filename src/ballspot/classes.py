"""The SoccerNet ball-action class lists, in the official index order every SoccerNet tool uses."""

from __future__ import annotations

from ballspot.errors import BallspotError

CLASSES_12: tuple[str, ...] = (
    "PASS",
    "DRIVE",
    "HEADER",
    "HIGH PASS",
    "OUT",
    "CROSS",
    "THROW IN",
    "SHOT",
    "BALL PLAYER BLOCK",
    "PLAYER SUCCESSFUL TACKLE",
    "FREE KICK",
    "GOAL",
)
"""The 2024 and 2025 editions' classes."""

CLASSES_2: tuple[str, ...] = CLASSES_12[:2]
"""The 2023 edition's classes (PASS, DRIVE)."""

CLASS_SETS: dict[str, tuple[str, ...]] = {"12": CLASSES_12, "2": CLASSES_2}

BACKGROUND = "BACKGROUND"
"""The extra state a spotter predicts away from any event; never written to SoccerNet files."""


def class_set(name: str) -> tuple[str, ...]:
    """The class list called `name` ("12" or "2")."""
    try:
        return CLASS_SETS[str(name)]
    except KeyError:
        raise BallspotError(f"unknown class set {name!r}; choose one of: {', '.join(CLASS_SETS)}") from None


def class_index(classes: tuple[str, ...]) -> dict[str, int]:
    """Label name -> index in `classes`."""
    return {name: i for i, name in enumerate(classes)}
