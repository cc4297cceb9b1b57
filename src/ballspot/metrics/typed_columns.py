"""The fast way from a game's JSON bytes to metric columns: typed decoding (msgspec), then numpy.

`results_spotting.json` files hold tens of thousands of predictions; parsing them into dicts and walking
those in Python is most of an evaluation's time. Here msgspec decodes each document straight into small
typed records (checking the types as it goes) and the columns are built with one C-level pass each.

This path only handles well-formed files. Anything it does not vouch for (a field of the wrong type, a
negative position, a team or visibility outside the spec, JSON that stdlib accepts but msgspec does not,
such as NaN, a key that may be given twice in one object) makes it return None, and the caller reads the
file the slow way (`game_events`), which finds the culprit and words the error or warning. Both ways give the
same columns for the same file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Literal, TypeVar

import msgspec
import numpy as np

from ballspot.metrics.game_events import NO_TEAM, TEAM_CODES
from ballspot.soccernet.labels import OffClock, all_name_their_half, off_clock_events

Columns = dict[str, np.ndarray]
_Label = TypeVar("_Label")
_Team = TypeVar("_Team")


class _Prediction(msgspec.Struct, Generic[_Label, _Team], gc=False):
    """One `predictions` item; other keys (gameTime ...) are skipped. Numbers as strings are allowed for
    position and half, as the official evaluator's `int(...)` allows them (SoccerNet's baselines write them)."""

    label: _Label
    position: int | str
    half: int | str
    confidence: float
    team: _Team | None | msgspec.UnsetType = msgspec.UNSET


class _Results(msgspec.Struct, Generic[_Label, _Team], gc=False):
    predictions: list[_Prediction[_Label, _Team]]


class _Annotation(msgspec.Struct, Generic[_Label], gc=False):
    """One `annotations` item of a Labels-ball.json; team and visibility as the spec allows them."""

    label: _Label
    position: int | str
    gameTime: str | None | msgspec.UnsetType = msgspec.UNSET  # noqa: N815 (SoccerNet's key)
    team: Literal["left", "right"] | None | msgspec.UnsetType = msgspec.UNSET
    visibility: Literal["visible", "not shown"] | msgspec.UnsetType = msgspec.UNSET


class _Labels(msgspec.Struct, Generic[_Label], gc=False):
    annotations: list[_Annotation[_Label]]


@dataclass(frozen=True)
class _Decoders:
    """Each document's decoders, tried in order. The first takes only the class names as labels (and
    left/right as teams): msgspec then checks them in C and hands back the same string objects, which makes
    decoding and the dictionary look-ups after it faster. Files with other labels go to the second."""

    labels: tuple[msgspec.json.Decoder, ...]
    results: tuple[msgspec.json.Decoder, ...]


@lru_cache(maxsize=8)
def _decoders(classes: tuple[str, ...]) -> _Decoders:
    """The decoders for a class set (built once: building one costs more than decoding a small file)."""
    lenient = (msgspec.json.Decoder(_Labels[str]), msgspec.json.Decoder(_Results[str, str]))
    if not classes:
        return _Decoders(labels=lenient[:1], results=lenient[1:])
    names = Literal[classes]
    return _Decoders(
        labels=(msgspec.json.Decoder(_Labels[names]), lenient[0]),
        results=(msgspec.json.Decoder(_Results[names, Literal["left", "right"]]), lenient[1]),
    )


def _decode(raw: bytes, decoders: tuple[msgspec.json.Decoder, ...]) -> object | None:
    """The first decoder's result that accepts `raw`; None if none does."""
    for decoder in decoders:
        try:
            return decoder.decode(raw)
        except msgspec.ValidationError:  # valid JSON, a value outside this decoder's types: try the next
            continue
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # JSON msgspec does not read
            return None  # (or none at all, or nested too deeply): the checking path words the error
    return None


def labels_columns(raw: bytes, class_index: Mapping[str, int]) -> tuple[Columns, Counter, tuple[OffClock, ...]] | None:
    """A Labels-ball.json's `gt_*` columns, its labels outside the class set (counted) and its events read whose
    position lies far from their gameTime (`off_clock_events`); None: read it slowly."""
    document = _decode(raw, _decoders(tuple(class_index)).labels)
    if document is None:
        return None
    annotations = document.annotations
    game_times = [a.gameTime for a in annotations]
    teams = [a.team for a in annotations]
    visibilities = [a.visibility for a in annotations]
    given = {"label": len(annotations), "position": len(annotations)}
    given.update(_given(gameTime=game_times, team=teams, visibility=visibilities))
    if not _each_key_once(raw, "annotations", given):
        return None
    codes, unknown = _class_codes(annotations, class_index)
    indices = None  # of the events read, in the file
    if unknown:
        known = codes >= 0
        indices = np.flatnonzero(known).tolist()
        annotations, game_times, teams, visibilities = (
            [value for value, keep in zip(column, known, strict=True) if keep]
            for column in (annotations, game_times, teams, visibilities)
        )
        codes = codes[known]
    if not annotations:
        return {}, unknown, ()
    if not all_name_their_half(game_times):
        return None  # the checking path warns about it (and takes the labels without a gameTime)
    positions = _int_column([a.position for a in annotations])
    halves = _halves(game_times)
    if positions is None or positions.min() < 0 or halves is None:
        return None
    columns = {
        "gt_class": codes,
        "gt_ms": positions,
        "gt_half": halves,
        "gt_team": _team_codes(teams),  # UNSET is no team, as None is
        "gt_value": np.array([-1 if v == "not shown" else 1 for v in visibilities], dtype=np.int8),
    }
    return columns, unknown, off_clock_events(game_times, positions, indices)


def prediction_columns(raw: bytes, class_index: Mapping[str, int]) -> tuple[Columns, Counter] | None:
    """A results_spotting.json's `pred_*` columns and its labels outside the class set (counted); None: read
    it slowly."""
    document = _decode(raw, _decoders(tuple(class_index)).results)
    if document is None:
        return None
    predictions = document.predictions
    team_names = [p.team for p in predictions]
    given = dict.fromkeys(("label", "position", "half", "confidence"), len(predictions)) | _given(team=team_names)
    if not _each_key_once(raw, "predictions", given):
        return None
    codes, unknown = _class_codes(predictions, class_index)
    if not predictions:
        return {}, unknown
    positions = _int_column([p.position for p in predictions])
    halves = _int_column([p.half for p in predictions])
    if positions is None or halves is None:
        return None
    scores = np.fromiter([p.confidence for p in predictions], dtype=np.float64, count=len(predictions))
    teams = _team_codes(team_names)
    keep = codes >= 0
    if unknown:  # dropped before any check, as the slow path (and the official evaluator) does
        codes, positions, halves, scores, teams = (column[keep] for column in (codes, positions, halves, scores, teams))
    if codes.size == 0:
        return {}, unknown
    if positions.min() < 0 or not np.isfinite(scores).all():
        return None
    columns = {"pred_class": codes, "pred_ms": positions, "pred_half": halves, "pred_team": teams, "pred_score": scores}
    return columns, unknown


def _given(**columns: list) -> dict[str, int]:
    """How many items give each optional key (an item without it holds UNSET)."""
    return {key: len(values) - values.count(msgspec.UNSET) for key, values in columns.items()}


def _each_key_once(raw: bytes, list_key: str, given: dict[str, int]) -> bool:
    """True when no object in `raw` can give a key the decoding read twice (msgspec keeps the last one given,
    the slow path refuses the file): the list's key is in `raw` once and each key read as often as items give
    it (`given`). A count off either way (a key written with escapes, a label that reads like a key) only
    sends the file the slow way."""
    if raw.count(b'"%s"' % list_key.encode()) != 1:
        return False
    return all(raw.count(b'"%s"' % key.encode()) == count for key, count in given.items())


def _class_codes(items: list, class_index: Mapping[str, int]) -> tuple[np.ndarray, Counter]:
    """Each item's class index (-1 outside the class set), and the labels outside it, counted in file order."""
    get = class_index.get
    codes = np.fromiter([get(item.label, -1) for item in items], dtype=np.int64, count=len(items))
    outside = np.flatnonzero(codes < 0)
    return codes, Counter(items[i].label for i in outside) if outside.size else Counter()


def _int_column(values: list) -> np.ndarray | None:
    """An integer field as int64; None if a value does not fit. numpy converts strings with Python's
    `int()`, so "1500" (and " 1500") read as the official evaluator's `int(...)` reads them."""
    try:
        return np.fromiter(values, dtype=np.int64, count=len(values))
    except (ValueError, OverflowError):
        return None


def _team_codes(teams: list[str | None]) -> np.ndarray:
    """0 left, 1 right, -1 anything else (no team, or a value the metric ignores)."""
    get = TEAM_CODES.get
    return np.fromiter([get(team, NO_TEAM) for team in teams], dtype=np.int8, count=len(teams))


def _halves(game_times: list) -> np.ndarray | None:
    """The half each label's `"H - MM:SS"` names (1 when it does not start with a digit, is None or is not
    given: UNSET is falsy as None is); None when a first
    character is a digit Python's `int()` does not read, such as "²" (the slow path reports it)."""
    try:
        return np.array([int(t[0]) if t and t[0].isdigit() else 1 for t in game_times], np.int64)
    except ValueError:
        return None
