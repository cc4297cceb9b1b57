"""Default folders for data, cache and runs: platformdirs, overridable by `BALLSPOT_*` variables.

Every command also takes an option for each folder; an option beats the variable, which beats the default.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from platformdirs import PlatformDirs

from ballspot.errors import BallspotError

_DIRS = PlatformDirs("ballspot", appauthor=False)


def expand_user(path: str | Path) -> Path:
    """`path` with a leading `~` or `~user` expanded; a user without a home folder is a one-line error, not
    Python's RuntimeError."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        user = str(path).split("/")[0]
        raise BallspotError(f"cannot expand {user!r} in {path}: no such user (or no home folder)") from None


def absolute(path: str | Path) -> Path:
    """`path` expanded (`expand_user`) and resolved to an absolute path without links; a loop of symbolic links
    is a one-line error, not Python's RuntimeError."""
    expanded = expand_user(path)
    try:
        return expanded.resolve()
    except (RuntimeError, OSError):  # a loop: RuntimeError up to Python 3.12
        raise BallspotError(f"cannot resolve {path}: its symbolic links form a loop") from None


def not_found(path: Path, what: str) -> BallspotError:
    """The error for a path that leads to nothing: "not found", or what is wrong with the link it is."""
    if path.is_symlink():
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return BallspotError(f"{what} {path}: its symbolic links form a loop")
        return BallspotError(f"{what} {path} is a symbolic link to {os.readlink(path)}, which does not exist")
    return BallspotError(f"{what} not found: {path}{_under_the_data_folder(path)}")


def _under_the_data_folder(path: Path) -> str:
    """' (did you mean ...?)' for a relative path that is missing here but exists under the runs or data folder
    (`runs/first/weights/best.pt` run from another folder than the data folder); else ''."""
    if path.is_absolute():
        return ""
    for folder in (runs_dir(), data_dir()):
        candidate = folder / path
        if candidate.exists():
            return f" (did you mean {candidate}?)"
    return ""


def not_utf8(path: str | Path) -> BallspotError | None:
    """The error for a name holding bytes that are not UTF-8 (from a Latin-1 system), which the ffmpeg command
    builder, manifests and indexes cannot hold; None for a good name."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        return BallspotError(f"{shown}: the name is not valid UTF-8; rename it (or its folder)")
    return None


def _from_env(variable: str, default: str) -> Path:
    value = os.environ.get(variable)
    return expand_user(value) if value else Path(default)


def data_dir() -> Path:
    """Where datasets live (SoccerNet downloads, the synthetic league, clips)."""
    return _from_env("BALLSPOT_DATA_DIR", _DIRS.user_data_dir)


def cache_dir() -> Path:
    """Where decoded-frame caches live; safe to delete."""
    return _from_env("BALLSPOT_CACHE_DIR", _DIRS.user_cache_dir)


def runs_dir(data: Path | None = None) -> Path:
    """Where training runs (configs, metrics, weights) live: `BALLSPOT_RUNS_DIR`, else `<data>/runs`."""
    return _from_env("BALLSPOT_RUNS_DIR", str((data or data_dir()) / "runs"))


def studies_dir(data: Path | None = None) -> Path:
    """Where Optuna studies (SQLite, journal files) live: `BALLSPOT_STUDIES_DIR`, else `<data>/studies`."""
    return _from_env("BALLSPOT_STUDIES_DIR", str((data or data_dir()) / "studies"))


def quickstart_dir(data: Path | None = None) -> Path:
    """Where `ballspot quickstart` works by default: `<data>/quickstart` (league, clips, runs, predictions)."""
    return (data or data_dir()) / "quickstart"
