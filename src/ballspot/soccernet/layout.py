"""Find the games under a dataset root: `league/season/game/` folders, each holding `Labels-ball.json` and a
video, one for the whole game (`224p.mp4`) or one per half (`1_224p.mkv`, `2_224p.mkv`) (docs/data.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.soccernet.labels import LABELS_FILE


class Resolution(str, Enum):
    """The video sizes SoccerNet ships for each game."""

    P224 = "224p"
    P720 = "720p"


VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".ts", ".m2ts", ".mts", ".mpg", ".mpeg")
"""Suffixes read as videos (any ffmpeg reads): downloads, phone clips and broadcast captures (MPEG-TS, MPEG-PS)."""
_HALF_VIDEO = re.compile(r"^([12])_(\d+p)\.(mkv|mp4)$")
"""One video per half (the 2023 layout): SoccerNet's games have halves 1 and 2 only."""
_NUMBERED_VIDEO = re.compile(r"^(\d)_(\d+p)\.(mkv|mp4)$")
"""Named like a half video, with any digit: `0_224p.mkv` and `3_224p.mkv` are no half of a SoccerNet game."""
_WHOLE_VIDEO = re.compile(r"^(\d+p)\.(mkv|mp4)$")


@dataclass(frozen=True)
class Game:
    """One game folder: its id (relative path), its videos per half, and its labels if present."""

    root: Path
    game_id: str
    videos: dict[int, Path]
    """half -> video; the 2024/2025 layout has one video, half 1."""
    labels: Path | None

    @property
    def folder(self) -> Path:
        return self.root / self.game_id

    @property
    def league(self) -> str:
        return self.game_id.split("/")[0]


def _videos_in(folder: Path, resolution: str) -> dict[int, Path]:
    """The game's videos (half -> file) at `resolution`, else at the smallest it has; a chosen video that is a
    folder or a broken link is an error (skipping it would drop the game without a word)."""
    videos = _named_videos(folder, resolution)
    for video in videos.values():
        if not video.is_file():
            what = "a folder" if video.is_dir() else "a broken link" if video.is_symlink() else "not a regular file"
            raise BallspotError(f"{video}: the game's video is {what}")
    return videos


def _named_videos(folder: Path, resolution: str) -> dict[int, Path]:
    whole: dict[str, Path] = {}
    halves: dict[str, dict[int, Path]] = {}
    for f in sorted(folder.iterdir()):
        if m := _WHOLE_VIDEO.match(f.name):
            whole.setdefault(m.group(1), f)
        elif m := _HALF_VIDEO.match(f.name):
            halves.setdefault(m.group(2), {})[int(m.group(1))] = f
    if resolution in whole:
        return {1: whole[resolution]}

    # fall back to whatever resolution exists, smallest first
    def height(key: str) -> int:
        return int(key[:-1])

    if resolution in halves or not whole:
        # each half at `resolution`, else at its smallest: a game whose 2_224p.mkv is missing (a failed download)
        # but whose 2_720p.mkv is there keeps its second half
        chosen: dict[int, Path] = {}
        for key in sorted(halves, key=lambda key: (key != resolution, height(key))):
            for half, video in halves[key].items():
                chosen.setdefault(half, video)
        return dict(sorted(chosen.items()))
    return {1: whole[min(whole, key=height)]}


def other_resolutions(videos: list[Path], resolution: str) -> str | None:
    """What to say when some games have no video at the `resolution` asked for (their smallest is used)."""
    used = {}
    for video in videos:
        match = _WHOLE_VIDEO.match(video.name) or _HALF_VIDEO.match(video.name)
        if match and (found := match.group(1) if match.re is _WHOLE_VIDEO else match.group(2)) != resolution:
            used.setdefault(video.parent, found)
    if not used:
        return None
    first, found = next(iter(used.items()))
    return f"{len(used)} game(s) have no {resolution} video, so another is used (first: {first.name}, its {found} one)"


def find_games(root: Path | str, resolution: str = "224p", require_video: bool = False) -> list[Game]:
    """Every `league/season/game` folder under `root` holding a labels file or a video, sorted by id."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise BallspotError(f"{root} is a file, not a dataset root (a folder of league/season/game folders)")
    if not root.is_dir():
        raise BallspotError(f"dataset root not found: {root}")
    games, misnumbered = [], []
    seen: dict[Path, str] = {}  # resolved folder -> the game id it was first found as
    twice: list[tuple[str, str]] = []
    for folder in sorted(p for p in root.glob("*/*/*") if p.is_dir()):
        if folder.name.startswith("."):
            continue
        first = seen.setdefault(folder.resolve(), folder.relative_to(root).as_posix())
        if first != folder.relative_to(root).as_posix():  # a linked second name of a league, season or game
            twice.append((folder.relative_to(root).as_posix(), first))
            continue
        videos = _videos_in(folder, resolution)
        if not videos:
            misnumbered += [video for video in sorted(folder.iterdir()) if misnumbered_half(video.name) is not None]
        labels = folder / LABELS_FILE
        if not videos and not labels.is_file():
            continue
        if require_video and not videos:
            continue
        game_id = folder.relative_to(root).as_posix()
        games.append(Game(root=root, game_id=game_id, videos=videos, labels=labels if labels.is_file() else None))
    if twice:
        from ballspot.console import warn

        warn(
            f"{len(twice)} game folder(s) are reached twice through linked folders and read once, first: "
            f"{twice[0][0]!r}, the same folder as {twice[0][1]!r}"
        )
    if misnumbered:
        from ballspot.console import warn

        warn(
            f"{len({video.parent for video in misnumbered})} game folder(s) have only a video numbered as a half "
            "other than 1 or 2, which is not read as one (SoccerNet's halves are 1_224p.mkv and 2_224p.mkv): "
            f"first {misnumbered[0]}"
        )
    if not games:
        raise BallspotError(
            f"no games under {root}: expected league/season/game folders holding {LABELS_FILE} and a video"
            + _not_a_root_hint(root, resolution)
        )
    return games


def _not_a_root_hint(root: Path, resolution: str) -> str:
    """`; ...` naming what to give instead when `root` is one game's folder (it holds a video) or a league or
    season folder (its games lie fewer than three levels down); else ""."""
    try:
        videos = sorted(path for path in root.iterdir() if path.is_file() and is_video_file(path))
    except OSError:  # a folder that cannot be read: the error says no games, without a hint
        return ""
    if videos:
        return f"; it holds a video: give the video itself ({videos[0]})"
    for depth in (2, 1):  # a league folder, a season folder
        for folder in sorted(root.glob("/".join(["*"] * depth))):
            if folder.is_dir() and (_named_videos(folder, resolution) or (folder / LABELS_FILE).is_file()):
                above = root.absolute().parents[2 - depth]
                return f"; its games are {depth} level(s) down instead of 3: give the dataset root above it ({above})"
    return ""


def is_labelled(game: Game) -> bool:
    """Whether the game has its labels file; one that is a folder or a broken link is an error, not a game
    without labels (the challenge split) to skip."""
    named = game.folder / LABELS_FILE
    if game.labels is None and (named.exists() or named.is_symlink()):
        what = "a folder" if named.is_dir() else "not a regular file" if named.exists() else "a broken link"
        raise BallspotError(f"{named}: the game's labels file is {what}")
    return game.labels is not None


def soccernet_video_half(name: str) -> int | None:
    """The half a SoccerNet-named video holds (`224p.mp4` -> 1, `2_224p.mkv` -> 2); None for other names."""
    if _WHOLE_VIDEO.match(name):
        return 1
    if m := _HALF_VIDEO.match(name):
        return int(m.group(1))
    return None


def misnumbered_half(name: str) -> int | None:
    """The number of a video named as a half other than 1 and 2 (`3_224p.mkv` -> 3); None for other names."""
    match = _NUMBERED_VIDEO.match(name)
    return int(match.group(1)) if match and not _HALF_VIDEO.match(name) else None


def unread_half_videos(folder: Path, halves: set[int], used: list[Path]) -> list[Path]:
    """Per-half videos (`2_224p.mkv`) of `halves` in `folder` that are not among the `used` ones: a folder
    holding a whole-game video too is read as the whole-game layout, so these are left unread."""
    return [
        f
        for f in sorted(folder.iterdir())
        if (m := _HALF_VIDEO.match(f.name)) and int(m.group(1)) in halves and f not in used
    ]


UNNAMED_VIDEO = "named as no SoccerNet video is (224p.mp4, or 1_224p.mkv and 2_224p.mkv)"
"""Says why a video in a game folder is not read as the game's: its name."""


def unnamed_videos(folder: Path) -> list[Path]:
    """The video files in a game folder named as no SoccerNet video is (`match.mp4`, `224P.MP4`), so not read as
    the game's video; a video numbered as a half other than 1 or 2 is warned about on its own."""
    return [
        path
        for path in sorted(folder.iterdir())
        if is_video_file(path)
        and path.is_file()
        and soccernet_video_half(path.name) is None
        and misnumbered_half(path.name) is None
    ]


def is_video_file(path: Path) -> bool:
    """True for a file name with a video suffix (`VIDEO_SUFFIXES`, any case)."""
    return path.suffix.lower() in VIDEO_SUFFIXES
