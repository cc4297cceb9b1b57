"""Default folders for data, cache and runs: platformdirs, overridable by `BALLSPOT_*` variables.

Every command also takes an option for each folder; an option beats the variable, which beats the default.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
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


def absolute_as_named(path: str | Path) -> Path:
    """`path` made absolute without following symbolic links (`..` removed by name): a video or game folder
    linked into a dataset keeps the place it has there, which names its game, not its target's."""
    return Path(os.path.abspath(path))


GAME_DEPTH = 3
"""How deep a game folder lies in a dataset, clips or predictions root: league/season/game."""


def walk_linked(root: Path, link_depth: int = GAME_DEPTH) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(root)` (names sorted) that also enters folders that are symbolic links, down to `link_depth`
    levels (a dataset or clips folder assembled with `ln -s`), each folder once: a link back up the tree (a loop)
    or to a folder already walked adds nothing. Real folders are walked before links, so a folder reached both
    ways keeps its real path; a link inside a game folder (to a video store) is not walked. Callers may prune
    `dirs` further, as with `os.walk`."""
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(root, followlinks=True):
        here = os.stat(folder)
        if (here.st_dev, here.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((here.st_dev, here.st_ino))
        dirs.sort()
        files.sort()
        yield folder, dirs, files
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = [d for d in dirs if d not in links] + (links if depth < link_depth else [])


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
