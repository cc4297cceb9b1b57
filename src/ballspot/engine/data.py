"""From the clip index to datasets: which rows a split uses, their targets, their frame caches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ballspot.classes import BACKGROUND, class_set
from ballspot.data.index import load_index, split_rows_of
from ballspot.engine.config import TrainConfig
from ballspot.engine.frame_cache import FrameCache, WindowSpec, build_cache
from ballspot.errors import BallspotError
from ballspot.soccernet.splits import HOLD_OUT_HINT


def output_classes(config: TrainConfig) -> list[str]:
    """The model's outputs: the action classes, plus background when spotting (window or dense)."""
    classes = list(class_set(config.classes))
    return [*classes, BACKGROUND] if config.task in ("spot", "dense") else classes


INDEX_DIGEST_COLUMNS = ("game", "split", "half", "kind", "label", "event_ms", "team", "visibility")
"""What `index_digest` reads of a clip: its game and event, not where its video lies nor its clip's bounds."""


def index_digest(index_path: Path, config: TrainConfig) -> str:
    """A digest of the clips a run trains and validates on, as the index at `index_path` lists them (in any
    order), so that `--resume` can tell the index was rewritten with other clips since the run started."""
    import hashlib

    rows = split_rows_of(load_index(index_path), f"{config.train_split},{config.valid_split}")
    columns = [column for column in INDEX_DIGEST_COLUMNS if column in rows.columns]
    table = rows[columns].astype(str).sort_values(columns).to_csv(index=False)
    return hashlib.sha256(table.encode()).hexdigest()[:20]


def window_spec(config: TrainConfig) -> WindowSpec:
    return WindowSpec(frames=config.frames, stride=config.stride, jitter=config.jitter, fmt=config.frame_format())


def split_rows(index: pd.DataFrame, split: str, config: TrainConfig) -> pd.DataFrame:
    """The rows of the split(s) the task uses (classification drops background), each video's rows together."""
    rows = split_rows_of(index, split)
    if config.task == "classify":
        rows = rows[rows["kind"] == "event"]
    if rows.empty:
        available = ", ".join(sorted(index["split"].unique())) or "none"
        raise BallspotError(
            f"no clips in split {split!r} for task {config.task} (splits in the index: {available})"
            + ("" if split == "train" else f"; {HOLD_OUT_HINT}")
        )
    known = set(output_classes(config))
    unknown = sorted(set(rows["label"]) - known)
    if unknown:
        raise BallspotError(f"the index has labels outside the {config.classes}-class set: {', '.join(unknown)}")
    return rows.sort_values(["video", "event_ms"], kind="stable", ignore_index=True)


def targets(rows: pd.DataFrame, config: TrainConfig) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(output_classes(config))}
    return rows["label"].map(lookup).to_numpy(dtype=np.int64)


@dataclass
class SplitData:
    """One split, ready for a Dataset: its rows, targets and frame cache."""

    rows: pd.DataFrame
    targets: np.ndarray
    cache: FrameCache


def prepare_split(
    index_path: Path, split: str, config: TrainConfig, cache_dir: Path, on_video: Callable[[], None] | None = None
) -> SplitData:
    rows = split_rows(load_index(index_path), split, config)
    cache = build_cache(rows, window_spec(config), cache_dir, on_video)
    return SplitData(rows=rows, targets=targets(rows, config), cache=cache)
