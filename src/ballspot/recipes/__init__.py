"""Training recipes that ship inside the package, chosen by name (`--config quickstart`) or by file path."""

from __future__ import annotations

import os
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.inputfiles import require_file
from ballspot.paths import expand_user

RECIPES_DIR = Path(__file__).parent


def recipe_names() -> list[str]:
    """The names of the shipped recipes (file names without `.yaml`)."""
    return sorted(path.stem for path in RECIPES_DIR.glob("*.yaml"))


def recipe_path(name: str) -> Path:
    """The YAML file of the shipped recipe `name`."""
    path = RECIPES_DIR / f"{name}.yaml"
    if not path.is_file():
        raise BallspotError(f"unknown recipe {name!r}; shipped recipes: {', '.join(recipe_names())}")
    return path


def find_config(value: str | Path) -> Path:
    """A config given as a file path (used when it exists) or as the name of a shipped recipe."""
    if not isinstance(value, str | os.PathLike):
        raise BallspotError(f"a config is a recipe name or a file path, got {type(value).__name__}")
    path = expand_user(value)
    if path.is_file():
        return path
    name = str(value)
    if "/" not in name and "\\" not in name and not name.endswith((".yaml", ".yml")):
        if (RECIPES_DIR / f"{name}.yaml").is_file():
            return RECIPES_DIR / f"{name}.yaml"
        raise BallspotError(f"no config file or recipe called {name!r}; shipped recipes: {', '.join(recipe_names())}")
    if path.exists():
        require_file(path, "config file")  # a folder or a pipe says what it is, not "not found"
    raise BallspotError(f"config file not found: {path} (or name a shipped recipe: {', '.join(recipe_names())})")
