"""The clip index: one row per clip, built from the manifests `segment` wrote, saved as Parquet or CSV."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd

from ballspot.atomic import atomic_path, removed_if_left_empty
from ballspot.classes import BACKGROUND, CLASSES_12, class_index
from ballspot.data.segment import CLIP_KINDS, CLIP_MS_KEYS, MAX_CLIP_MS, read_manifest
from ballspot.errors import BallspotError
from ballspot.paths import walk_linked
from ballspot.soccernet.labels import LABEL_SLACK_MS, TEAMS, VISIBILITIES
from ballspot.soccernet.splits import SPLITS, split_names

INDEX_FILE = "index.parquet"
COLUMNS = (
    "clip",
    "label",
    "label_id",
    "kind",
    "game",
    "split",
    "video",
    "half",
    "event_ms",
    "start_ms",
    "end_ms",
    "duration_s",
    "team",
    "visibility",
)
WHOLE_COLUMNS = ("label_id", "half", "event_ms", "start_ms", "end_ms")
"""Columns that hold whole numbers >= 0."""


def find_manifests(clips_dir: Path) -> list[Path]:
    """Every clip manifest under `clips_dir`."""
    if clips_dir.exists() and not clips_dir.is_dir():  # an index or a video given where the clips folder goes
        raise BallspotError(f"{clips_dir} is a file, not a clips folder (the folder `ballspot segment` wrote)")
    if not clips_dir.is_dir():
        raise BallspotError(
            f"clips folder not found: {clips_dir} (cut clips into it with `ballspot segment VIDEO_OR_DATASET_ROOT`)"
        )
    manifests = sorted(  # game folders linked in (`ln -s`, clips of two segment runs put together) count too
        Path(folder) / name
        for folder, dirs, files in walk_linked(clips_dir)
        for name in files + dirs
        if fnmatch.fnmatchcase(name, "manifest*.json")
    )
    if not manifests:
        raise BallspotError(
            f"no clip manifests under {clips_dir} (cut clips into it with `ballspot segment VIDEO_OR_DATASET_ROOT`)"
        )
    return manifests


def build_index(clips_dir: Path, classes: tuple[str, ...] = CLASSES_12) -> pd.DataFrame:
    """One row per clip. `label_id` follows the official class order; background is `len(classes)`."""
    ids = class_index(classes) | {BACKGROUND: len(classes)}
    rows = []
    seen: dict[tuple[str, object], Path] = {}
    for path in find_manifests(clips_dir):
        manifest = read_manifest(path)
        video = (manifest["game"], manifest.get("half", 1))
        if video in seen:  # a copied game folder: every clip would count twice
            raise BallspotError(f"{path} and {seen[video]} both hold game {video[0]!r} (half {video[1]}); keep one")
        seen[video] = path
        if not Path(manifest["video"]).is_file():  # training and predict read the frames from it, not the clips
            raise BallspotError(f"{path}: its video {manifest['video']} is not a file; segment the game again")
        for clip in manifest["clips"]:
            if clip["label"] not in ids:
                raise BallspotError(f"{path}: unknown label {clip['label']!r} for class set of {len(classes)}")
            clip_path = path.parent.resolve() / clip["file"]  # absolute: the index may be read from anywhere
            if manifest.get("cut", True) and not _nonempty(clip_path):
                raise BallspotError(f"{path}: clip {clip['file']} is missing or empty; run `ballspot segment` again")
            rows.append(
                {
                    "clip": str(clip_path) if manifest.get("cut", True) else "",
                    "label": clip["label"],
                    "label_id": ids[clip["label"]],
                    "kind": clip["kind"],
                    "game": manifest["game"],
                    "split": manifest["split"],
                    "video": manifest["video"],
                    "half": int(clip.get("half", manifest.get("half", 1))),
                    "event_ms": int(clip["event_ms"]),
                    "start_ms": int(clip["start_ms"]),
                    "end_ms": int(clip["end_ms"]),
                    "duration_s": (int(clip["end_ms"]) - int(clip["start_ms"])) / 1000,
                    "team": clip.get("team") or "",
                    "visibility": clip.get("visibility", "visible"),
                }
            )
    if not rows:
        raise BallspotError(f"the clip manifests under {clips_dir} list no clips; cut some with `ballspot segment`")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values(["split", "game", "half", "event_ms", "kind"], ignore_index=True)


def _nonempty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def save_index(frame: pd.DataFrame, target: Path) -> Path:
    """Write the index atomically: `.csv` writes CSV, `.parquet` Parquet; a failed write leaves no folder made
    for it."""
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise BallspotError(f"index file {target} must end in .parquet or .csv")
    with removed_if_left_empty(target.parent), atomic_path(target) as tmp:
        if target.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    return target


def load_index(path: Path) -> pd.DataFrame:
    """Read an index written by `save_index`, checking its columns."""
    if path.is_dir():
        raise BallspotError(
            f"{path} is a folder, not an index file (`ballspot index {path}` writes {path / 'index.parquet'})"
        )
    if not path.is_file():
        raise BallspotError(f"index not found: {path} (make it with `ballspot index CLIPS_FOLDER --out {path}`)")
    try:
        frame = pd.read_csv(path, keep_default_na=False) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # pandas/pyarrow raise many types for a bad file
        raise BallspotError(f"cannot read index {path}: {exc}") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise BallspotError(f"{path} is not a ballspot index (missing columns: {', '.join(missing)})")
    numbers = {}
    for column in WHOLE_COLUMNS:  # a hand-edited CSV (or a Parquet file written by hand) can hold anything
        numbers[column] = values = pd.to_numeric(frame[column], errors="coerce")
        _refuse_rows(path, frame, column, values.isna() | (values < 0) | (values % 1 != 0), "a whole number >= 0")
        _refuse_rows(path, frame, column, values >= 2**63, "below 2**63 (a 64-bit integer)")
    for column in CLIP_MS_KEYS:
        _refuse_rows(path, frame, column, numbers[column] > MAX_CLIP_MS, f"at most {MAX_CLIP_MS} ms (a day)")
    for column in TEXT_COLUMNS:
        _refuse_rows(path, frame, column, ~frame[column].map(lambda v: isinstance(v, str) and v != ""), "text")
    for column, allowed in CHOICES.items():
        _refuse_rows(path, frame, column, ~frame[column].isin(allowed), f"one of {', '.join(map(repr, allowed))}")
    start, event, end = numbers["start_ms"], numbers["event_ms"], numbers["end_ms"]
    _refuse_rows(path, frame, "end_ms", end <= start, "after 'start_ms'")
    outside = (event < start) | (event > end + LABEL_SLACK_MS)  # a label in the slack past the video's end
    _refuse_rows(path, frame, "event_ms", outside, f"within 'start_ms'..'end_ms' (+ {LABEL_SLACK_MS} ms)")
    background = (frame["kind"] == "background") != (frame["label"] == BACKGROUND)
    _refuse_rows(path, frame, "label", background, f"{BACKGROUND} exactly on the background clips")
    _refuse_repeats(path, frame)
    return _typed(frame, numbers)


def _typed(frame: pd.DataFrame, numbers: dict[str, pd.Series]) -> pd.DataFrame:
    """The index with one type per column whatever file held it: whole numbers as int64 (not 1.0, as a CSV or
    a float column gives them back), names as text (not a Parquet category), so the same clips compare equal
    however they were saved."""
    typed = frame.assign(**{column: numbers[column].astype("int64") for column in WHOLE_COLUMNS})
    names = [column for column in dict.fromkeys((*TEXT_COLUMNS, *CHOICES)) if column not in WHOLE_COLUMNS]
    return typed.assign(**{column: typed[column].astype(str) for column in names})


def _refuse_repeats(path: Path, frame: pd.DataFrame) -> None:
    """A one-line error for a row that repeats another (it would be trained on twice) or a game given two
    splits (trained on and scored on at once)."""
    repeated = frame.duplicated(subset=list(COLUMNS))
    if repeated.any():
        row = int(repeated.to_numpy().argmax())
        same = frame[list(COLUMNS)].eq(frame[list(COLUMNS)].iloc[row]).all(axis=1)
        first = int(same.to_numpy().argmax())
        raise BallspotError(f"{path}: row {row} repeats row {first} (clip {frame['clip'].iloc[row]!r}); keep one")
    splits = frame.groupby("game", sort=False)["split"].unique()
    mixed = splits[splits.map(len) > 1]
    if len(mixed):
        game, names = mixed.index[0], ", ".join(sorted(mixed.iloc[0]))
        raise BallspotError(f"{path}: game {game!r} is in more than one split ({names}); give each game one")


TEXT_COLUMNS = ("label", "kind", "game", "split", "video")
CHOICES = {"kind": CLIP_KINDS, "split": SPLITS, "half": (1, 2), "team": ("", *TEAMS), "visibility": VISIBILITIES}
"""Columns that hold one of a few values (no team: "")."""


def _refuse_rows(path: Path, frame: pd.DataFrame, column: str, bad: pd.Series, expected: str) -> None:
    """A one-line error naming the first row where `bad` holds, if any."""
    if bad.any():
        row = int(bad.to_numpy().argmax())
        value = frame[column].iloc[row]
        value = value.item() if hasattr(value, "item") else value  # 7, not np.int64(7)
        raise BallspotError(f"{path}: row {row}: {column!r} must be {expected}, got {value!r}")


def split_rows_of(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """The index rows of the split(s) `split` names."""
    return frame[frame["split"].isin(split_names(split))]


def class_counts(frame: pd.DataFrame, classes: tuple[str, ...] = CLASSES_12) -> dict[str, dict[str, int]]:
    """split -> label -> number of clips; splits as train, valid, test, challenge; labels in the official order
    (background last)."""
    order = [*classes, BACKGROUND]
    counts: dict[str, dict[str, int]] = {}
    for split, group in frame.groupby("split", sort=False):
        per_label = group["label"].value_counts()
        counts[str(split)] = {label: int(per_label.get(label, 0)) for label in order}
    rank = {name: i for i, name in enumerate(SPLITS)}
    return dict(sorted(counts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
