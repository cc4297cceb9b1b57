"""A game's labels and predictions as columns of numbers: all the spotting metric reads, in file order.

File order matters: SoccerNet's evaluator writes events into per-frame arrays, so of two events of one
class in one frame the one written last is the one scored. Events whose label is not in the class set
are dropped here (as the official evaluator does) and counted in `Diagnostics`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ballspot.errors import BallspotError
from ballspot.soccernet.labels import (
    TEAMS,
    Annotation,
    OffClock,
    names_its_half,
    off_clock_events,
    off_clock_message,
    parse_annotation,
    repeats_in_their_frame,
    repeats_message,
    team_warnings,
)
from ballspot.soccernet.results import Prediction

TEAM_CODES: dict[str, int] = {"left": 0, "right": 1}
NO_TEAM = -1
"""Team code of an event without a (valid) `team` field."""
MAX_POSITION_MS = int(np.iinfo(np.int64).max)
"""Positions are read into int64 columns."""


@dataclass(frozen=True)
class GameEvents:
    """One game's ground truth and predictions, as parallel arrays in the order they were written."""

    game_id: str
    gt_class: np.ndarray
    """int64 index into the class set."""
    gt_ms: np.ndarray
    gt_half: np.ndarray
    gt_team: np.ndarray
    """int8: 0 left, 1 right, -1 none."""
    gt_value: np.ndarray
    """int8: +1 visible, -1 "not shown" (SoccerNet's target values)."""
    pred_class: np.ndarray
    pred_ms: np.ndarray
    pred_half: np.ndarray
    pred_team: np.ndarray
    pred_score: np.ndarray
    """float64 confidences, as given (not clipped)."""


@dataclass
class Diagnostics:
    """What the official evaluator would do silently (or crash on), counted over all games."""

    label_file_warnings: list[str] = field(default_factory=list)
    """The warnings `segment` gives about a labels file, per file: events read without a side, repeats of an event
    in one frame, positions far from their gameTime."""
    gt_repeats_named: int = 0
    """Labelled events repeating another in one frame that `label_file_warnings` names (said per file, not in sum)."""
    unknown_gt_labels: Counter = field(default_factory=Counter)
    unknown_pred_labels: Counter = field(default_factory=Counter)
    negative_confidences: int = 0
    confidences_above_one: int = 0
    gt_bad_half: int = 0
    pred_bad_half: int = 0
    half2_on_single_video: dict[str, int] = field(default_factory=dict)
    duplicate_gt: int = 0
    duplicate_predictions: int = 0
    clamped_gt: int = 0
    clamped_predictions: int = 0
    games_without_labels: list[str] = field(default_factory=list)
    gt_time_without_half: list[tuple[str, object, int]] = field(default_factory=list)
    """(where, gameTime, the half it is read as) of each labelled event whose gameTime does not start with its half."""
    classes_without_gt: list[str] = field(default_factory=list)
    gt_sides_respelled: Counter = field(default_factory=Counter)
    """`team` values of labelled events read as left/right but not written so ("Left", " right")."""
    team_notes: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One sentence per issue: what was found and what the evaluation does about it."""
        notes = list(self.label_file_warnings)
        if self.unknown_gt_labels:
            notes.append(
                f"{_count(self.unknown_gt_labels)} labelled event(s) with a label outside the class set "
                f"({_names(self.unknown_gt_labels)}) are ignored, as the official evaluator does"
            )
        if self.unknown_pred_labels:
            notes.append(
                f"{_count(self.unknown_pred_labels)} prediction(s) with a label outside the class set "
                f"({_names(self.unknown_pred_labels)}) are ignored, as the official evaluator does "
                "(the 2025 team scorer crashes on them)"
            )
        if self.negative_confidences:
            notes.append(
                f"{self.negative_confidences} prediction(s) with confidence < 0 are ignored, as the official "
                "evaluator does; one written after another in the same frame still hides it"
            )
        if self.confidences_above_one:
            notes.append(
                f"{self.confidences_above_one} prediction(s) with confidence > 1 are scored as given: they pass "
                "every threshold and outrank a 1.0 when matching"
            )
        if self.gt_bad_half or self.pred_bad_half:
            notes.append(
                f"{self.gt_bad_half} labelled event(s) and {self.pred_bad_half} prediction(s) with a half other "
                "than 1 or 2 are ignored, as the official evaluator does"
            )
        if self.half2_on_single_video:
            total = sum(self.half2_on_single_video.values())
            games = ", ".join(sorted(self.half2_on_single_video)[:3])
            notes.append(
                f"{total} prediction(s) say half 2 in {len(self.half2_on_single_video)} game(s) whose labels "
                f"have no half 2 (single-video games; e.g. {games}): they are scored as false positives, as "
                "the official evaluator does; write half 1 for whole-game videos"
            )
        if self.gt_time_without_half:
            where, value, half = self.gt_time_without_half[0]
            how = (
                "its first character, as the official evaluator reads it"
                if isinstance(value, str) and value[:1].isdigit()
                else "the official evaluator stops on it"
            )
            notes.append(
                f"{len(self.gt_time_without_half)} labelled event(s) have a 'gameTime' that does not start with its "
                f'half as SoccerNet writes it ("1 - 12:34"), first: {where}: {value!r}, read as half {half} ({how})'
            )
        if self.duplicate_predictions:
            notes.append(
                f"{self.duplicate_predictions} prediction(s) share a 40 ms frame, class and team side with one written "
                "after them: only the last written counts, as in the official evaluator; de-duplicate (NMS) "
                "before writing"
            )
        if self.duplicate_gt and not self.gt_repeats_named:
            notes.append(
                f"{self.duplicate_gt} labelled event(s) share a 40 ms frame and class with a later one: "
                "they count as one event, as in the official evaluator"
            )
        if self.clamped_gt or self.clamped_predictions:
            notes.append(
                f"{self.clamped_gt} labelled event(s) and {self.clamped_predictions} prediction(s) lie past "
                "120 min: they are moved to the last frame (119:59.96), as the official evaluator does"
            )
        if self.games_without_labels:
            notes.append(
                f"{len(self.games_without_labels)} game(s) have predictions but no labels and are not scored "
                f"(e.g. {', '.join(self.games_without_labels[:3])})"
            )
        if self.classes_without_gt:
            notes.append(
                f"no ground truth for {', '.join(self.classes_without_gt)}: AP 0, still counted in the mAP "
                "(SoccerNet's rule)"
            )
        if self.gt_sides_respelled:
            notes.append(
                f"{_count(self.gt_sides_respelled)} labelled event(s) write 'team' in another letter case or with "
                f"spaces ({_names(self.gt_sides_respelled)}): read as left/right; the 2025 team scorer stops on them "
                "(it looks up 'left' / 'right' exactly)"
            )
        notes.extend(self.team_notes)
        return notes


def _count(counter: Counter) -> int:
    return sum(counter.values())


def _names(counter: Counter, shown: int = 5) -> str:
    names = [f"{name!r} x{n}" for name, n in counter.most_common(shown)]
    if len(counter) > shown:
        names.append(f"{len(counter) - shown} more")
    return ", ".join(names)


def _empty_game(game_id: str) -> dict[str, np.ndarray]:
    ints = np.zeros(0, dtype=np.int64)
    return {
        "gt_class": ints, "gt_ms": ints, "gt_half": ints,
        "gt_team": np.zeros(0, dtype=np.int8), "gt_value": np.zeros(0, dtype=np.int8),
        "pred_class": ints, "pred_ms": ints, "pred_half": ints,
        "pred_team": np.zeros(0, dtype=np.int8), "pred_score": np.zeros(0, dtype=np.float64),
    }  # fmt: skip


def _ground_truth_columns(annotations: Sequence[Annotation], class_index: Mapping[str, int]) -> dict:
    return {
        "gt_class": np.array([class_index[a.label] for a in annotations], dtype=np.int64),
        "gt_ms": np.array([a.position_ms for a in annotations], dtype=np.int64),
        "gt_half": np.array([a.half for a in annotations], dtype=np.int64),
        "gt_team": np.array([TEAM_CODES.get(a.team, NO_TEAM) for a in annotations], dtype=np.int8),
        "gt_value": np.array([-1 if a.visibility == "not shown" else 1 for a in annotations], dtype=np.int8),
    }


def game_from_objects(
    game_id: str,
    annotations: Sequence[Annotation],
    predictions: Sequence[Prediction],
    class_index: Mapping[str, int],
    diagnostics: Diagnostics,
) -> GameEvents:
    """In-memory labels and predictions (ballspot's own types) -> GameEvents."""
    known_gt = [a for a in annotations if a.label in class_index]
    diagnostics.unknown_gt_labels.update(a.label for a in annotations if a.label not in class_index)
    known = [p for p in predictions if p.label in class_index]
    diagnostics.unknown_pred_labels.update(p.label for p in predictions if p.label not in class_index)
    for i, a in enumerate(known_gt):
        _check_position(a.position_ms, f"{game_id}: annotation {i} ({a.label})")
    columns = _empty_game(game_id)
    if known_gt:
        columns.update(_ground_truth_columns(known_gt, class_index))
    for i, p in enumerate(known):
        if p.position_ms < 0:
            raise BallspotError(f"{game_id}: prediction {i} ({p.label}) has a negative position {p.position_ms}")
        _check_position(int(p.position_ms), f"{game_id}: prediction {i} ({p.label})")
        if not math.isfinite(p.confidence):
            raise BallspotError(f"{game_id}: prediction {i} ({p.label}) has confidence {p.confidence}")
    if known:
        columns.update(
            pred_class=np.array([class_index[p.label] for p in known], dtype=np.int64),
            pred_ms=np.array([int(p.position_ms) for p in known], dtype=np.int64),
            pred_half=np.array([int(p.half) for p in known], dtype=np.int64),
            pred_team=np.array([TEAM_CODES.get(p.team, NO_TEAM) for p in known], dtype=np.int8),
            pred_score=np.array([float(p.confidence) for p in known], dtype=np.float64),
        )
    return GameEvents(game_id=game_id, **columns)


def game_from_documents(
    game_id: str,
    labels_doc: object,
    predictions_doc: object,
    class_index: Mapping[str, int],
    diagnostics: Diagnostics,
    labels_where: str,
    predictions_where: str,
) -> GameEvents:
    """A parsed `Labels-ball.json` and `results_spotting.json` -> GameEvents, with one-line errors.

    This is the checking path: every field is looked at in Python. `ballspot.metrics.typed_columns` is the
    fast path for well-formed files and falls back here for the rest, so the messages come from here.
    """
    columns = _labels_columns(labels_doc, class_index, diagnostics, labels_where)
    columns.update(_prediction_columns(predictions_doc, class_index, diagnostics, predictions_where))
    return game_from_columns(game_id, columns)


def game_from_columns(game_id: str, columns: Mapping[str, np.ndarray]) -> GameEvents:
    """GameEvents from some of its columns (`gt_*`, `pred_*`); the missing ones are empty (no events)."""
    return GameEvents(game_id=game_id, **{**_empty_game(game_id), **columns})


def _labels_columns(doc: object, class_index: Mapping[str, int], diagnostics: Diagnostics, where: str) -> dict:
    if not isinstance(doc, dict) or not isinstance(doc.get("annotations"), list):
        raise BallspotError(f"{where}: no 'annotations' list; is this a SoccerNet Labels-ball.json?")
    names = tuple(class_index)
    annotations, raws, indices = [], [], []
    for i, raw in enumerate(doc["annotations"]):
        label = raw.get("label") if isinstance(raw, dict) else None
        if isinstance(label, str) and label not in class_index:
            diagnostics.unknown_gt_labels[label] += 1
            continue
        annotation = parse_annotation(raw, f"{where}: annotation {i}", names)
        _check_position(annotation.position_ms, f"{where}: annotation {i} ({label})")
        if annotation.team is not None and raw["team"] not in TEAMS:
            diagnostics.gt_sides_respelled[raw["team"]] += 1
        if not names_its_half(raw.get("gameTime")):
            diagnostics.gt_time_without_half.append((f"{where} annotation {i}", raw.get("gameTime"), annotation.half))
        annotations.append(annotation)
        raws.append(raw)
        indices.append(i)
    _note_label_warnings(where, raws, annotations, indices, diagnostics)
    return _ground_truth_columns(annotations, class_index) if annotations else {}


def _note_label_warnings(
    where: str, raws: list[dict], annotations: list[Annotation], indices: list[int], diagnostics: Diagnostics
) -> None:
    """The warnings `segment` gives about this labels file's teams and clock (of its events read: `indices` are
    their places in the file), in `diagnostics`; `note_repeats` gives the third kind."""
    diagnostics.label_file_warnings.extend(team_warnings(where, raws))
    off_clock = off_clock_events([raw.get("gameTime") for raw in raws], [a.position_ms for a in annotations], indices)
    note_off_clock(where, off_clock, len(annotations), diagnostics)


def note_off_clock(where: str, off_clock: Sequence[OffClock], events: int, diagnostics: Diagnostics) -> None:
    """A labels file's events far from their gameTime (`off_clock_events`), warned about as `segment` does."""
    if message := off_clock_message(where, off_clock, events):
        diagnostics.label_file_warnings.append(message)


def note_repeats(game: GameEvents, where: str, diagnostics: Diagnostics) -> None:
    """A game's labelled events repeating another of their class in one frame, warned about per labels file (as
    `segment` does) rather than in sum."""
    repeats = int(repeats_in_their_frame(game.gt_half, game.gt_ms, game.gt_class).sum())
    if repeats:
        diagnostics.label_file_warnings.append(repeats_message(where, repeats))
        diagnostics.gt_repeats_named += repeats


def _check_position(position_ms: int, what: str) -> None:
    if position_ms > MAX_POSITION_MS:
        raise BallspotError(f"{what} has 'position' {position_ms}; too large for a position in ms (over 2**63 - 1)")


def _prediction_columns(doc: object, class_index: Mapping[str, int], diagnostics: Diagnostics, where: str) -> dict:
    if not isinstance(doc, dict) or not isinstance(doc.get("predictions"), list):
        raise BallspotError(f"{where}: no 'predictions' list; is this a SoccerNet results_spotting.json?")
    items = doc["predictions"]
    if not all(isinstance(item, dict) for item in items):
        bad = next(i for i, item in enumerate(items) if not isinstance(item, dict))
        raise BallspotError(f"{where}: prediction {bad} is not an object")
    labels = [item.get("label") for item in items]
    _reject_unhashable(labels, range(len(items)), "label", where, "a class name")
    keep = [i for i, label in enumerate(labels) if label in class_index]
    if len(keep) != len(items):
        diagnostics.unknown_pred_labels.update(str(label) for label in labels if label not in class_index)
        items = [items[i] for i in keep]
        labels = [labels[i] for i in keep]
    if not items:
        return {}
    positions = _column(items, keep, "position", int, np.int64, where, "an integer number of ms")
    if positions.min() < 0:
        bad = int(np.flatnonzero(positions < 0)[0])
        raise BallspotError(f"{where}: prediction {keep[bad]} has a negative 'position' {int(positions[bad])}")
    halves = _column(items, keep, "half", int, np.int64, where, "1 or 2 (the video the position is in)")
    scores = _column(items, keep, "confidence", float, np.float64, where, "a number in [0, 1]")
    if not np.isfinite(scores).all():
        bad = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise BallspotError(f"{where}: prediction {keep[bad]} has confidence {scores[bad]}; expected a number")
    teams = [item.get("team") for item in items]
    _reject_unhashable(teams, keep, "team", where, "'left' or 'right'")
    return {
        "pred_class": np.array([class_index[label] for label in labels], dtype=np.int64),
        "pred_ms": positions,
        "pred_half": halves,
        "pred_team": np.array([TEAM_CODES.get(team, NO_TEAM) for team in teams], dtype=np.int8),
        "pred_score": scores,
    }


def _reject_unhashable(values: list, indices: Sequence[int], key: str, where: str, expected: str) -> None:
    """An error for a list or an object where a name (label, team) belongs: it cannot be looked up (the
    official evaluator crashes on such a label).

    `indices` are the values' positions in the file, for the message.
    """
    bad = next((n for n, value in enumerate(values) if isinstance(value, list | dict)), None)
    if bad is not None:
        raise BallspotError(f"{where}: prediction {indices[bad]} has '{key}' {values[bad]!r}; expected {expected}")


def _column(items: list[dict], indices: list[int], key: str, convert, dtype, where: str, expected: str) -> np.ndarray:
    """items[*][key] converted like the official evaluator does (`int(...)`, numbers as strings allowed), except
    that true and false are refused (`int(True)` is 1: a writer's bug, not a half or a position).

    `indices` are the items' positions in the file, for the error message.
    """
    try:
        if not any(type(item[key]) is bool for item in items):
            return np.fromiter((convert(item[key]) for item in items), dtype=dtype, count=len(items))
    except (KeyError, TypeError, ValueError, OverflowError):
        pass
    for i, item in zip(indices, items, strict=True):  # find the culprit for the message
        if key not in item:
            raise BallspotError(f"{where}: prediction {i} ({item.get('label')}) has no '{key}'; expected {expected}")
        try:
            if isinstance(item[key], bool):
                raise TypeError("a boolean")
            np.asarray(convert(item[key]), dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            raise BallspotError(
                f"{where}: prediction {i} ({item.get('label')}) has '{key}' {item[key]!r}; expected {expected}"
            ) from None
    raise AssertionError("unreachable: a column failed to convert but no item did")
