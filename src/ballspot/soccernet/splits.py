"""Which split (train, valid, test, challenge) a game belongs to.

A dataset root may hold a `splits.json` ({"train": [game ids], ...}); the synthetic league writes one.
Otherwise the official SoccerNet ball-action lists are used (the same 9 games in 2023, 2024 and 2025).
"""

from __future__ import annotations

import os
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json, require_file
from ballspot.soccernet.game_ids import among, game_key

SPLITS = ("train", "valid", "test", "challenge")
SPLITS_FILE = "splits.json"


HOLD_OUT_HINT = (
    f'list games under "valid" and "test" in the dataset root\'s {SPLITS_FILE} '
    '({"train": [game ids], "valid": [...], "test": [...]}), then run segment and index again'
)
"""How a user's own games get validation and test games (without a splits file every one goes to train)."""


def split_names(split: str) -> list[str]:
    """The splits a `train_split` / `valid_split` value names: one, or several joined by commas ("train,valid")."""
    return [name.strip() for name in split.split(",")]


_SEASON = "england_efl/2019-2020/"
OFFICIAL_SPLITS: dict[str, tuple[str, ...]] = {
    "train": tuple(
        _SEASON + g
        for g in (
            "2019-10-01 - Blackburn Rovers - Nottingham Forest",
            "2019-10-01 - Brentford - Bristol City",
            "2019-10-01 - Hull City - Sheffield Wednesday",
            "2019-10-01 - Leeds United - West Bromwich",
        )
    ),
    "valid": (_SEASON + "2019-10-01 - Middlesbrough - Preston North End",),
    "test": (
        _SEASON + "2019-10-01 - Reading - Fulham",
        _SEASON + "2019-10-01 - Stoke City - Huddersfield Town",
    ),
    "challenge": (
        _SEASON + "2019-10-01 - Wigan Athletic - Birmingham City",
        _SEASON + "2019-10-02 - Cardiff City - Queens Park Rangers",
    ),
}


def load_splits(root: Path | str) -> dict[str, tuple[str, ...]]:
    """The split lists for a dataset root: its `splits.json` if present, else the official ones."""
    path = Path(root) / SPLITS_FILE
    if not path.is_file():
        if path.exists() or path.is_symlink():  # a folder, a broken link: the official lists would split the games
            require_file(path, "splits file")
        return OFFICIAL_SPLITS
    data = read_json(path, "splits file")
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise BallspotError(f"{path}: expected an object of split name -> list of game ids")
    unknown = set(data) - set(SPLITS)
    if unknown:
        raise BallspotError(f"{path}: unknown split(s) {sorted(unknown)}; expected {', '.join(SPLITS)}")
    training = set(data.get("train", ()))
    for name, games in data.items():
        for game in games:
            if not isinstance(game, str):
                raise BallspotError(f"{path}: split {name!r} lists {game!r}; game ids are texts (league/season/game)")
            if name != "train" and game in training:  # it went to train: scored as unseen, it was trained on
                raise BallspotError(f"{path}: game {game!r} is in split 'train' and {name!r}; keep it in one")
    return {name: tuple(_as_on_disk(path.parent, game) for game in games) for name, games in data.items()}


def listed_twice(root: Path | str) -> str | None:
    """A warning when the root's splits file lists a game in two splits other than train (train and another is
    refused by `load_splits`): `split_of` puts it in the first, say valid, where training picks its best epoch
    on it, while `evaluate --split test` scores it as an unseen game. None otherwise."""
    if not (Path(root) / SPLITS_FILE).is_file():
        return None
    first: dict[str, str] = {}
    twice: list[tuple[str, str, str]] = []
    for name, games in load_splits(root).items():
        for game in games:
            if (split := first.setdefault(game_key(game), name)) != name:
                twice.append((game, split, name))
    if not twice:
        return None
    game, split, other = twice[0]
    return (
        f"{SPLITS_FILE} lists {len(twice)} game(s) in two splits, first: {game!r} in {split!r} and {other!r}; it "
        f"goes to {split!r}, yet `evaluate --split {other}` scores it too: keep each game in one split"
    )


def _as_on_disk(root: Path, game_id: str) -> str:
    """`game_id` spelled as its folder under `root` is: a name with accents may be stored decomposed (NFD, as
    macOS writes it) while splits.json holds it composed (NFC), or the other way round; both look the same,
    yet as texts they differ (see `game_key`), and the game went to train. An id with no such folder is kept
    as written."""
    if (root / game_id).is_dir():
        return game_id
    folder, parts = root, []
    for part in game_id.split("/"):
        wanted = game_key(part)
        try:
            match = next((e.name for e in os.scandir(folder) if game_key(e.name) == wanted), None)
        except OSError:
            return game_id
        if match is None:
            return game_id
        folder, parts = folder / match, [*parts, match]
    return "/".join(parts)


def split_of(game_id: str, splits: dict[str, tuple[str, ...]]) -> str:
    """The split holding `game_id` (however either spells it), or "train" for a game no list names (a user's
    own data)."""
    for name, games in splits.items():
        if among([game_id], games):
            return name
    return "train"
