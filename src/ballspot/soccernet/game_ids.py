"""Game ids (`league/season/game`, a game folder's path under its root) compared across roots and lists.

One name with accents can be stored two ways: composed (NFC, `é` as one character, as Linux and Windows
tools write it) or decomposed (NFD, `e` and a combining accent, as macOS writes it). Both look the same, yet
as texts they differ, so a game predicted under one spelling would be missing under the other. Game ids
from two sources (a labels root and a predictions root, a splits.json and its folders) are therefore
compared by `game_key`, here and nowhere else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


def game_key(game_id: str) -> str:
    """The form in which two spellings of one game id (or of one folder name) are equal: composed (NFC)."""
    return unicodedata.normalize("NFC", game_id)


def among(game_ids: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The ids of `game_ids` naming a game of `wanted`, however either spells it; order kept."""
    keys = {game_key(game) for game in wanted}
    return [game for game in game_ids if game_key(game) in keys]


def not_among(game_ids: Iterable[str], others: Iterable[str]) -> list[str]:
    """The ids of `game_ids` naming no game of `others`, however either spells it; order kept."""
    keys = {game_key(game) for game in others}
    return [game for game in game_ids if game_key(game) not in keys]


def respelled(found: Mapping[str, T], reference: Iterable[str]) -> dict[str, T]:
    """`found` (game id -> anything) with each id spelled as the id of `reference` naming the same game, so
    that the two can be joined by id; ids naming no game of `reference` are kept as they are. Of two
    spellings of one game in `found`, the one spelled as in `reference` is kept."""
    spelling = {game_key(game): game for game in reference}
    joined: dict[str, T] = {}
    for game, value in found.items():
        same = spelling.get(game_key(game), game)
        if same not in joined or game == same:
            joined[same] = value
    return joined
