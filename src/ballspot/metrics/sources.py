"""Read labels and predictions from a folder, a zip, or a single JSON file, game by game.

A game's id is its folder relative to the root (`league/season/game`), as in SoccerNet's trees and
submission zips; a single JSON file is one game with the id "".

Files are read the fast way (`typed_columns`: msgspec, straight to columns) and, when that path does not
vouch for a file, the checking way (`game_events`), which words the error or warning.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path, PurePosixPath

from ballspot.classes import class_index
from ballspot.errors import BallspotError
from ballspot.inputfiles import parse_json
from ballspot.metrics.game_events import (
    Diagnostics,
    GameEvents,
    game_from_columns,
    game_from_documents,
    note_off_clock,
    note_repeats,
)
from ballspot.metrics.typed_columns import labels_columns, prediction_columns
from ballspot.paths import absolute_as_named, walk_linked
from ballspot.soccernet.game_ids import among, game_key, respelled
from ballspot.soccernet.labels import LABELS_FILE
from ballspot.soccernet.results import RESULTS_FILE

MAX_MEMBER_BYTES = 64 * 2**20
"""The most a zip member may unpack to: a whole match's results file is well under 1 MiB; more is a zip bomb."""


class JsonTree:
    """A read-only tree of JSON files: a folder, a zip, or one file."""

    def __init__(self, path: Path | str, what: str) -> None:
        self.path = Path(path)
        self.what = what
        if not self.path.exists():
            raise BallspotError(f"{what} not found: {self.path}")
        if not (self.path.is_dir() or self.path.is_file()):  # reading a pipe could block; it holds no game
            raise BallspotError(f"{what} {self.path} is not a regular file (a pipe or device)")
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_file() and self.path.suffix.lower() != ".json":
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise BallspotError(f"{what} {self.path}: not a folder, a zip or a .json file ({exc})") from None

    def games(self, file_name: str) -> dict[str, str]:
        """Game id -> where its `file_name` is (a path, or a zip member name)."""
        if self._zip is not None:
            found = {}
            for member in self._zip.namelist():
                # a zip made on Windows may separate folders with backslashes, and some tools write absolute
                # names (/league/season/game/...): the game is the same path without the leading slash
                member_path = PurePosixPath(member.replace("\\", "/").lstrip("/").removeprefix("./"))
                if member_path.name == file_name and not any(p.startswith(".") for p in member_path.parts[:-1]):
                    game_id = member_path.parent.as_posix()
                    game_id = "" if game_id == "." else game_id
                    if game_id in found:  # which one is scored would be up to the zip's order
                        raise BallspotError(
                            f"{self.path} holds game {game_id or '.'}'s {file_name} twice ({found[game_id]!r} and "
                            f"{member!r}); keep one"
                        )
                    found[game_id] = member
            return found
        if self.path.is_file():
            return {"": str(self.path)}
        found = {}
        for folder, dirs, files in walk_linked(self.path):  # games linked in (`ln -s`) count too
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            if file_name in dirs:  # not a game without the file: skipping it would drop the game without a word
                raise BallspotError(f"{os.path.join(folder, file_name)}: a folder where the game's {file_name} goes")
            if file_name in files:
                game_id = Path(folder).relative_to(self.path).as_posix()
                found["" if game_id == "." else game_id] = os.path.join(folder, file_name)
        return found

    def describe(self, where: str) -> str:
        """How to name `where` (from `games`) in a message."""
        return f"{self.path}!{where}" if self._zip is not None else where

    def read_bytes(self, where: str) -> bytes:
        """The raw bytes at `where` (from `games`)."""
        label = self.describe(where)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(where)
                if info.flag_bits & 0x1:
                    raise BallspotError(f"{label}: encrypted zip member; extract the zip first (ballspot download)")
                return read_member(self._zip, info, label)
            return Path(where).read_bytes()
        except (OSError, zipfile.BadZipFile, NotImplementedError, EOFError, zlib.error) as exc:  # a damaged member
            raise BallspotError(f"{label}: cannot read ({exc})") from None

    def read(self, where: str) -> object:
        """The parsed JSON at `where` (from `games`)."""
        return parse_json(self.read_bytes(where), self.describe(where))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    """A zip member's bytes, refusing one that unpacks past MAX_MEMBER_BYTES (its header may lie)."""
    with archive.open(info) as member:
        raw = member.read(MAX_MEMBER_BYTES + 1)
    if len(raw) > MAX_MEMBER_BYTES:
        raise BallspotError(
            f"{label}: unpacks to more than {MAX_MEMBER_BYTES // 2**20} MiB, too large for a labels or results file"
        )
    return raw


class MissingPredictionsError(BallspotError):
    """Some labelled games have no predictions; `predicted` lists the games that have some."""

    def __init__(self, predicted: list[str], message: str) -> None:
        super().__init__(message)
        self.predicted = predicted


def load_games(
    labels: Path | str,
    predictions: Path | str,
    classes: Sequence[str],
    diagnostics: Diagnostics,
    labels_file: str = LABELS_FILE,
    predictions_file: str = RESULTS_FILE,
    only_games: Collection[str] | None = None,
) -> list[GameEvents]:
    """Every labelled game (of `only_games`, when given) with its predictions, sorted by id.

    A labelled game without a predictions file is an error (the official evaluator crashes on it);
    predictions for games without labels are ignored with a warning.
    """
    labels_tree = JsonTree(labels, "labels")
    predictions_tree = JsonTree(predictions, "predictions")
    try:
        labelled = every_labelled = labels_tree.games(labels_file)
        if not labelled:
            raise BallspotError(f"no {labels_file} under {labels_tree.path}{zip_hint(labels_tree, '--labels')}")
        if only_games is not None:
            labelled = {game: labelled[game] for game in among(labelled, only_games)}
            if not labelled:
                raise BallspotError(f"none of the chosen games has a {labels_file} under {labels_tree.path}")
        # a game is looked up under the labels' spelling of its id (accents composed or not: game_ids)
        predicted = respelled(predictions_tree.games(predictions_file), every_labelled)
        if predictions_tree.path.is_file() and predictions_tree.path.suffix.lower() == ".json" and len(labelled) == 1:
            predicted = {next(iter(labelled)): str(predictions_tree.path)}  # one game: file against file
        missing = sorted(set(labelled) - set(predicted))
        if missing:
            raise MissingPredictionsError(
                sorted(predicted),
                f"{len(missing)} of {len(labelled)} labelled game(s) have no {predictions_file} under "
                f"{predictions_tree.path}: {'; '.join(g or '.' for g in missing[:3])}"
                + ("; ..." if len(missing) > 3 else "")
                + (
                    deeper_hint(predictions_tree, predicted, labelled)
                    or one_game_hint(labels_tree, predictions_tree, predicted, labelled)
                    or elsewhere_hint(predicted, missing)
                    or " (the official evaluator stops there too; evaluate a labels root holding only predicted games)"
                    + ("" if predicted else zip_hint(predictions_tree, "--predictions"))
                ),
            )
        # games of other splits (`only_games`) have labels: they are left out, not "without labels"
        diagnostics.games_without_labels.extend(sorted(set(predicted) - set(every_labelled)))
        index = class_index(tuple(classes))
        return [
            _load_game(game, labels_tree, labelled[game], predictions_tree, predicted[game], index, diagnostics)
            for game in sorted(labelled)
        ]
    finally:
        labels_tree.close()
        predictions_tree.close()


def deeper_hint(tree: JsonTree, predicted: Collection[str], labelled: Collection[str]) -> str:
    """`; its games are under FOLDER ...` when every predicted game is a labelled one under the same extra
    folder (a zip made with `zip -r p.zip predictions/`), however either spells its accents; else ""."""
    prefixes = {prefix for game in predicted for own in labelled if (prefix := _folder_above(game, own))}
    if len(prefixes) != 1 or among(labelled, predicted):
        return ""
    prefix = next(iter(prefixes))
    if tree.path.is_dir():
        return f"; its games are under {prefix}: give --predictions {tree.path / prefix}"
    return f"; its games are under {prefix}/ inside the zip: make the zip from inside that folder (zip -r OUT.zip .)"


def _folder_above(game: str, own: str) -> str:
    """The folders `game` has above a game id naming `own` (`extra` for `extra/own`), as `game` spells them;
    "" when `game` does not end in `own`."""
    parts, depth = game.split("/"), own.count("/") + 1
    if len(parts) <= depth or game_key("/".join(parts[-depth:])) != game_key(own):
        return ""
    return "/".join(parts[:-depth])


def elsewhere_hint(predicted: Collection[str], missing: Collection[str]) -> str:
    """`; N of them are predicted at another path (first: ...)` when missing games' folders are predicted
    under other league/season folders (a zip made from inside the league folder, a renamed season), however
    either spells its accents; else ""."""
    by_name: dict[str, list[str]] = {}
    for game in sorted(predicted):
        by_name.setdefault(_game_name(game), []).append(game)
    moved = [(game, by_name[name][0]) for game in sorted(missing) if (name := _game_name(game)) in by_name]
    if not moved:
        return ""
    game, where = moved[0]
    return (
        f"; {len(moved)} of them are predicted at another path (first: {where or '.'} for {game}): "
        "predictions go at the labels' league/season/game paths"
    )


def _game_name(game: str) -> str:
    """The game folder's own name (the id's last part), in the form two spellings of it share."""
    return game_key(game.rsplit("/", 1)[-1])


def one_game_hint(labels: JsonTree, predictions: JsonTree, predicted: Collection[str], labelled: Collection) -> str:
    """`; --labels holds one game: give its own predictions (--predictions PATH)` when the labels are one game (a
    game folder or its file) and the predictions a root holding one game of that folder's name (however either
    spells its accents); else ""."""
    if set(labelled) != {""} or labels._zip is not None or not predictions.path.is_dir():
        return ""
    folder = labels.path.parent if labels.path.is_file() else labels.path
    same = [game for game in predicted if _game_name(game) == game_key(absolute_as_named(folder).name)]
    if len(same) != 1:
        return ""
    return f"; --labels holds one game: give its own predictions (--predictions {predictions.path / same[0]})"


def zip_hint(tree: JsonTree, option: str) -> str:
    """`; FOLDER holds X.zip: give the zip itself (OPTION FOLDER/X.zip)` for a folder of no JSON file but a zip
    (a submission zip, a downloaded split) beside it, and the like for a zip holding a zip (zipped again);
    else ""."""
    if tree._zip is not None:
        inner = sorted(name for name in tree._zip.namelist() if name.lower().endswith(".zip"))
        if not inner:
            return ""
        return f"; {tree.path.name} holds the zip {inner[0]}: extract it and give that zip ({option} {inner[0]})"
    if not tree.path.is_dir():
        return ""
    zips = sorted(path for path in tree.path.glob("*.zip") if path.is_file())
    if not zips:
        return ""
    return f"; {tree.path} holds {zips[0].name}: give the zip itself ({option} {zips[0]})"


def _load_game(
    game_id: str,
    labels_tree: JsonTree,
    labels_where: str,
    predictions_tree: JsonTree,
    predictions_where: str,
    index: Mapping[str, int],
    diagnostics: Diagnostics,
) -> GameEvents:
    """One game's files -> GameEvents: the typed fast path when both files are well-formed, otherwise the
    checking path, which words the error or warning (and sees the files in the same order)."""
    fast_labels = labels_columns(labels_tree.read_bytes(labels_where), index)
    fast_predictions = None
    if fast_labels is not None:
        fast_predictions = prediction_columns(predictions_tree.read_bytes(predictions_where), index)
    where = labels_tree.describe(labels_where)
    if fast_labels is None or fast_predictions is None:
        game = game_from_documents(
            game_id,
            labels_tree.read(labels_where),
            predictions_tree.read(predictions_where),
            index,
            diagnostics,
            labels_where=where,
            predictions_where=predictions_tree.describe(predictions_where),
        )
    else:
        (gt_columns, unknown_gt, off_clock), (pred_columns, unknown_pred) = fast_labels, fast_predictions
        diagnostics.unknown_gt_labels.update(unknown_gt)
        diagnostics.unknown_pred_labels.update(unknown_pred)
        note_off_clock(where, off_clock, len(gt_columns.get("gt_ms", ())), diagnostics)
        game = game_from_columns(game_id, {**gt_columns, **pred_columns})
    note_repeats(game, where, diagnostics)
    return game
