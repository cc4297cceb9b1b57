"""Read and validate `Labels-ball.json`, SoccerNet's labels of a game: `annotations`, each with `gameTime`
(`"<half> - MM:SS"`), `label`, `position` (ms, written as a string), `team` (left/right) and `visibility`
(visible/not shown)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ballspot.classes import CLASSES_12
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json

LABELS_FILE = "Labels-ball.json"
FRAMERATE = 25
"""The frame rate SoccerNet bins times at: frame = int(25 * position_ms / 1000)."""

TEAMS = ("left", "right")
NO_TEAM = ("not applicable",)
"""What SoccerNet writes as the team of an event no side makes: read as no team, as a missing `team` is (and an
empty one, with a warning). Left and right are read in any letter case, with spaces around."""
CLUB_ROLES = ("home", "away")
"""How SoccerNet's action-spotting labels name the acting team: its club's role, not its side of the picture
(which changes at half time). Read as no side, with a warning, so such files still train and score."""
VISIBILITIES = ("visible", "not shown")


@dataclass(frozen=True)
class Annotation:
    """One labelled event."""

    label: str
    position_ms: int
    half: int = 1
    team: str | None = None
    visibility: str = "visible"

    @property
    def seconds(self) -> float:
        return self.position_ms / 1000.0


OffClock = tuple[int, str, int]
"""(index in the file, gameTime, position in ms) of an event whose `gameTime` lies far from its `position`."""


@dataclass(frozen=True)
class GameLabels:
    """A game's annotations, sorted by (half, position)."""

    path: Path
    annotations: tuple[Annotation, ...]
    url_local: str = ""
    off_clock: tuple[OffClock, ...] = ()
    """(index in the file, gameTime, position in ms) of each annotation whose `gameTime` lies more than
    `CLOCK_SLACK_S` from its `position` (see `off_clock_warning`)."""
    warnings: tuple[str, ...] = ()
    """The file's `team_warnings` (events read without a side)."""

    def for_half(self, half: int) -> list[Annotation]:
        return [a for a in self.annotations if a.half == half]


def game_time(position_ms: int, half: int = 1) -> str:
    """SoccerNet's `"H - MM:SS"` string for a position (minutes may run past 59)."""
    total = int(position_ms) // 1000
    return f"{half} - {total // 60:02d}:{total % 60:02d}"


GAME_TIME = re.compile(r"^([12])\s*-\s*\d+:[0-5]\d$")
"""SoccerNet's `gameTime`: the half (1 or 2), then minutes and seconds: `"2 - 45:07"`."""
_HALF_AND_TIME = r"\s*\d\s*-\s*\d+:[0-5]\d\s*"
"""A `gameTime` shaped as SoccerNet's, with any half digit (a half other than 1 or 2 is another problem)."""
_ONE_HALF_AND_TIME = re.compile(_HALF_AND_TIME)
_HALVES_AND_TIMES = re.compile(f"(?:{_HALF_AND_TIME}\x00)*")
"""Several, each ended by a NUL (which neither \\s nor \\d matches): one pass over a whole file's."""


def names_its_half(game_time: object) -> bool:
    """Whether a labels `gameTime` starts with its half as SoccerNet writes it (`"1 - 12:34"`), or is absent
    (a whole-game video: half 1). Scoring reads the half from the first character whatever follows, as the
    official evaluator does, so `"12:34"` counts as half 1 and `"23:45"` as half 2."""
    return game_time is None or (isinstance(game_time, str) and _ONE_HALF_AND_TIME.fullmatch(game_time) is not None)


def all_name_their_half(game_times: list) -> bool:
    """`names_its_half` of each, in one pass when all are texts (a whole file's, read fast)."""
    if not game_times:
        return True
    try:
        joined = "\x00".join(game_times) + "\x00"
    except TypeError:  # not all texts: absent ones among them
        return all(names_its_half(time) for time in game_times)
    return joined.count("\x00") == len(game_times) and _HALVES_AND_TIMES.fullmatch(joined) is not None


_CLOCK = re.compile(r"\s*\d\s*-\s*(\d+):([0-5]\d)\s*")
CLOCK_SLACK_S = 1
"""How many whole seconds a `gameTime` (written at second precision) may lie from its `position`."""


def game_time_seconds(game_time: object) -> int | None:
    """The seconds into the half that a `gameTime` names (`"1 - 01:05"` -> 65); None for none or another shape."""
    if not isinstance(game_time, str) or not (m := _CLOCK.fullmatch(game_time)):
        return None
    return int(m.group(1)) * 60 + int(m.group(2))


def off_clock_events(
    game_times: Sequence[object], positions_ms: Sequence[int], indices: Sequence[int] | None = None
) -> tuple[OffClock, ...]:
    """The events whose `gameTime` lies more than `CLOCK_SLACK_S` from their `position`; `indices` are the
    events' places in the file (by default their places in these lists)."""
    clocks = _clock_seconds(game_times)
    try:
        positions = None if clocks is None else np.asarray(positions_ms, dtype=np.int64)
    except OverflowError:  # a position past int64: read one by one
        positions = None
    if clocks is not None and positions is not None:
        off = np.flatnonzero(np.abs(clocks - positions // 1000) > CLOCK_SLACK_S).tolist()
    else:
        seconds = [game_time_seconds(time) for time in game_times]
        off = [
            n
            for n, (clock, position_ms) in enumerate(zip(seconds, positions_ms, strict=True))
            if clock is not None and abs(clock - int(position_ms) // 1000) > CLOCK_SLACK_S
        ]
    return tuple((n if indices is None else indices[n], game_times[n], int(positions_ms[n])) for n in off)


_CLOCKS = re.compile(r"(\d+):(\d\d)\s*\x00")
"""The minutes and seconds of each `gameTime` of a joined run of them (as `_HALVES_AND_TIMES` matches)."""


def _clock_seconds(game_times: Sequence[object]) -> np.ndarray | None:
    """`game_time_seconds` of each, in one pass, when all are ASCII texts of SoccerNet's shape (a file read fast,
    or any `read_labels` reads); None otherwise (read them one by one)."""
    try:
        joined = "\x00".join(game_times) + "\x00"  # type: ignore[arg-type]
    except TypeError:  # not all texts
        return None
    if not joined.isascii() or joined.count("\x00") != len(game_times) or not _HALVES_AND_TIMES.fullmatch(joined):
        return None
    try:
        clocks = np.array(_CLOCKS.findall(joined), dtype=np.int64).reshape(-1, 2)
    except OverflowError:
        return None
    if clocks.size and clocks[:, 0].max() > 10**12:  # minutes * 60 could wrap around
        return None
    return clocks[:, 0] * 60 + clocks[:, 1]


def off_clock_message(where: object, off_clock: Sequence[OffClock], events: int) -> str | None:
    """A warning when some positions lie far from their `gameTime` (a position written in seconds or frames
    where SoccerNet writes ms, or a hand edit of one field): the position is what is read. None otherwise."""
    if not off_clock:
        return None
    index, game_time, position_ms = off_clock[0]
    return (
        f"{where}: {len(off_clock)} of {events} event(s) lie more than "
        f"{CLOCK_SLACK_S} s from their gameTime, first: annotation {index} ({game_time!r} at {position_ms} ms); "
        "events are placed by 'position', in ms from the start of the video, as SoccerNet's evaluator reads it"
    )


def off_clock_warning(labels: GameLabels) -> str | None:
    """`off_clock_message` of a file read by `read_labels`."""
    return off_clock_message(labels.path, labels.off_clock, len(labels.annotations))


def repeats_in_their_frame(halves: Sequence[int], positions_ms: Sequence[int], labels: Sequence[object]) -> np.ndarray:
    """Whether each event repeats one written before it of the same label in the same half and 40 ms frame:
    SoccerNet's evaluator writes events into per-frame arrays, so it counts such a repeat once."""
    from ballspot.metrics.matching import raw_frames

    repeats = np.zeros(len(positions_ms), dtype=bool)
    if not len(positions_ms):
        return repeats
    keys = (np.unique(np.asarray(labels), return_inverse=True)[1], raw_frames(positions_ms), np.asarray(halves))
    order = np.lexsort((np.arange(len(repeats)), *keys))  # by half, frame, label, then place in the file
    same = np.ones(len(order) - 1, dtype=bool)
    for key in keys:
        same &= key[order[1:]] == key[order[:-1]]
    repeats[order[1:][same]] = True
    return repeats


def repeats_message(where: object, repeats: int) -> str:
    """The warning of a labels file (or video) whose events repeat `repeats` times (`repeats_in_their_frame`)."""
    return (
        f"{where}: {repeats} event(s) repeat another of the same action in the same 40 ms frame (SoccerNet's "
        "evaluator counts them once)"
    )


def half_of(game_time: object, where: str) -> int:
    """The half a `gameTime` names (1 when there is none: a whole-game video); anything else is an error."""
    if game_time is None:
        return 1
    if not isinstance(game_time, str) or not (m := GAME_TIME.match(game_time.strip())):
        raise BallspotError(
            f"{where}: 'gameTime' must read \"H - MM:SS\" with half H 1 or 2 and seconds 00-59, got {game_time!r}"
        )
    return int(m.group(1))


def _label_hint(label: str, classes: tuple[str, ...]) -> str:
    """` (...)` saying how SoccerNet writes a label that differs from a class only in case, spacing, `_` or `-`
    ("High pass", "THROW-IN"), or which class set holds it; "" otherwise."""
    spelled = " ".join(label.upper().replace("_", " ").replace("-", " ").split())
    if spelled in classes:
        return f" (SoccerNet writes {spelled!r}; labels are matched exactly)"
    if spelled in CLASSES_12 and classes != CLASSES_12:
        return " (a class of the 12-class set, which `--classes 12` reads)"
    return ""


def _refuse_another_half(half_key: object, half: int, game_time: object, where: str) -> None:
    """Refuse a `half` key (as predictions carry) naming another half than `gameTime` does: SoccerNet reads the
    half from `gameTime` alone, so the event would be placed in the other half without a word."""
    if half_key in (half, str(half)) and not isinstance(half_key, bool):
        return
    named = "none, so half 1" if game_time is None else repr(game_time)
    raise BallspotError(
        f"{where}: 'half' {half_key!r} but 'gameTime' names half {half} ({named}); SoccerNet reads the half from "
        'gameTime ("2 - MM:SS"): write it there'
    )


POSITION_DIGITS = re.compile(r"-?[0-9]+")
"""A position written as a string, as SoccerNet writes it: ASCII digits only (`int()` would also take
"4_000", " 400" or other scripts' digits, as the official evaluator does when scoring)."""


def side_of(team: object, where: str) -> str | None:
    """The side an annotation's `team` names: 'left' or 'right' in any letter case, spaces around allowed; None
    for no team (missing, blank, 'not applicable', or a club role: 'home' / 'away'). Anything else is an error."""
    if team is None or team in NO_TEAM or team in CLUB_ROLES:
        return None
    if isinstance(team, str) and (side := team.strip().lower()) in (*TEAMS, ""):
        return side or None
    raise BallspotError(
        f"{where}: 'team' must be 'left', 'right' or 'not applicable' (or 'home' / 'away', read as no side), "
        f"got {team!r}"
    )


def parse_annotation(raw: object, where: str, classes: tuple[str, ...], strict: bool = False) -> Annotation:
    """One annotation dict -> Annotation, or a BallspotError naming what is wrong and where.

    `strict` (segmenting, training): `gameTime` must read "H - MM:SS" with half 1 or 2. Otherwise (scoring)
    the half is read as the official evaluator reads it, from the first character.
    """
    if not isinstance(raw, dict):
        raise BallspotError(f"{where}: an annotation must be an object, got {type(raw).__name__}")
    label = raw.get("label")
    if label is None:
        raise BallspotError(f"{where}: annotation without a 'label'")
    if not isinstance(label, str):
        raise BallspotError(f"{where}: 'label' must be a class name (text), got {label!r}")
    if label not in classes:
        hint = _label_hint(label, classes)
        raise BallspotError(f"{where}: unknown label {label!r}{hint}; expected one of: {', '.join(classes)}")
    position = raw.get("position")
    not_whole = isinstance(position, float) and not position.is_integer()  # 4.5, inf, nan
    not_digits = isinstance(position, str) and not POSITION_DIGITS.fullmatch(position)  # "4_000", " 400", "٤٠٠"
    if isinstance(position, bool) or (strict and (not_whole or not_digits)):
        raise BallspotError(f"{where}: 'position' must be an integer number of ms, got {position!r}")
    try:
        position_ms = int(position)  # SoccerNet writes it as a string of an integer
    except (TypeError, ValueError, OverflowError):
        raise BallspotError(f"{where}: 'position' must be an integer number of ms, got {position!r}") from None
    if position_ms < 0:
        raise BallspotError(f"{where}: negative 'position' {position_ms}")
    half = 1
    game_time_raw = raw.get("gameTime")
    if strict:
        half = half_of(game_time_raw, where)
        _refuse_another_half(raw.get("half", half), half, game_time_raw, where)
    elif isinstance(game_time_raw, str) and game_time_raw[:1].isdigit():
        try:  # as the official evaluator reads it: the first character (a half other than 1 or 2 is warned about)
            half = int(game_time_raw[0])
        except ValueError:  # a digit int() does not read, such as "²" (the official evaluator crashes on it)
            raise BallspotError(
                f"{where}: 'gameTime' {game_time_raw!r} does not start with the half (\"1 - MM:SS\")"
            ) from None
    team = side_of(raw.get("team"), where)
    visibility = raw.get("visibility", "visible")
    if visibility not in VISIBILITIES:
        raise BallspotError(f"{where}: 'visibility' must be 'visible' or 'not shown', got {visibility!r}")
    return Annotation(label=label, position_ms=position_ms, half=half, team=team, visibility=visibility)


LABEL_SLACK_MS = 1000
"""How far past its video's end a label is still taken (a re-encoded video can lose a few frames)."""


def read_labels(
    path: Path | str,
    classes: tuple[str, ...] = CLASSES_12,
    duration_ms: int | None = None,
    slack_ms: int = 0,
    half: int | None = None,
    warn: bool = True,
) -> GameLabels:
    """Read a `Labels-ball.json`, checking every annotation.

    `duration_ms` (the video's length, when known) bounds positions, give or take `slack_ms`: a label a few
    frames past the end of a re-encoded video is still usable. With `half` (a 2023 game's video holds one
    half), only that half's positions are bounded: the other half can be longer. With `warn`, the file's
    `team_warnings` are said (they are in `GameLabels.warnings` either way).
    """
    path = Path(path)
    data = read_json(path, "labels file")
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise BallspotError(f"{path}: no 'annotations' list; is this a SoccerNet Labels-ball.json?")
    annotations = [
        parse_annotation(raw, f"{path}: annotation {i}", classes, strict=True)
        for i, raw in enumerate(data["annotations"])
    ]
    if duration_ms is not None:
        for i, a in enumerate(annotations):
            if (half is None or a.half == half) and a.position_ms > duration_ms + slack_ms:
                raise BallspotError(
                    f"{path}: annotation {i} ({a.label}) at {a.position_ms} ms is beyond the video's end "
                    f"({duration_ms} ms)"
                )
    warnings = tuple(team_warnings(str(path), data["annotations"]))
    if warn:
        _warn_all(warnings)
    game_times = [raw.get("gameTime") for raw in data["annotations"]]
    off_clock = off_clock_events(game_times, [a.position_ms for a in annotations])
    annotations.sort(key=lambda a: (a.half, a.position_ms))
    url_local = str(data.get("UrlLocal", ""))
    return GameLabels(
        path=path, annotations=tuple(annotations), url_local=url_local, off_clock=off_clock, warnings=warnings
    )


def _warn_all(warnings: tuple[str, ...]) -> None:
    from ballspot.console import warn

    for warning in warnings:
        warn(warning)


def team_warnings(where: str, raw_annotations: list) -> list[str]:
    """A file's warnings about teams read without a side: named by club role (home/away) or left empty."""
    teams = [raw.get("team") for raw in raw_annotations if isinstance(raw, dict)]
    roles = sum(1 for team in teams if team in CLUB_ROLES)
    blank = sum(1 for team in teams if isinstance(team, str) and not team.strip())
    warnings = []
    if roles:
        warnings.append(
            f"{where}: {roles} event(s) name their team 'home' or 'away', not the side of the picture that acts "
            f"('left' / 'right'): {_WITHOUT_A_SIDE}"
        )
    if blank:
        warnings.append(f"{where}: {blank} event(s) give an empty 'team': {_WITHOUT_A_SIDE}")
    return warnings


_WITHOUT_A_SIDE = "read without a side (the team output and Team mAP need left/right)"


def labels_document(annotations: list[Annotation], url_local: str = "") -> dict:
    """The JSON document SoccerNet writes for these annotations (positions as strings)."""
    items = []
    for a in sorted(annotations, key=lambda a: (a.half, a.position_ms)):
        item = {
            "gameTime": game_time(a.position_ms, a.half),
            "label": a.label,
            "position": str(int(a.position_ms)),
            "visibility": a.visibility,
        }
        if a.team is not None:
            item["team"] = a.team
        items.append(item)
    return {"UrlLocal": url_local, "UrlYoutube": "", "annotations": items}
