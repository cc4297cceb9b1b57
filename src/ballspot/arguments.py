"""Checks of what callers of the Python functions pass, beyond what type hints enforce: one-line errors."""

from __future__ import annotations

import numbers
import os
from pathlib import Path

from ballspot.errors import BallspotError


def is_whole(value: object) -> bool:
    """True for an int (numpy's too), not a bool or a float."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """True for an int or a float (numpy's too), not a bool or text."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def path_argument(value: object, what: str) -> Path:
    """A path given to a Python function, as a Path; another type is a one-line error naming `what`."""
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise BallspotError(f"{what} must be a str or pathlib.Path, got {type(value).__name__}")
