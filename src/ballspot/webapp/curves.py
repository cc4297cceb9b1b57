"""Per-class score curves of a video (`predict_scores`), computed on demand and kept in the app's cache."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ballspot.atomic import atomic_path
from ballspot.predict.api import LoadedModel, predict_scores
from ballspot.webapp.runs import file_identity


@dataclass(frozen=True)
class ScoreCurves:
    """The network's score of every action class at every window position of one video."""

    times_s: np.ndarray
    scores: np.ndarray
    """[positions, classes], before smoothing and peak picking."""
    classes: tuple[str, ...]


def curves_path(video: Path, model: Path, cache: Path) -> Path:
    key = hashlib.sha256(json.dumps([file_identity(video), file_identity(model)]).encode()).hexdigest()[:32]
    return cache / f"scores-{key}.npz"


def cached_curves(video: Path, model: Path, cache: Path) -> ScoreCurves | None:
    """The curves of this video and model computed earlier, if any (a damaged file is none: they are computed
    again)."""
    path = curves_path(video, model, cache)
    try:
        with np.load(path) as saved:
            return ScoreCurves(saved["times_s"], saved["scores"], tuple(str(c) for c in saved["classes"]))
    except Exception:  # none yet, or a damaged .npz: zipfile, zlib or numpy's header parser raise, not OSError
        return None


def compute_curves(
    video: Path,
    spotter: LoadedModel,
    cache: Path,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 8,
    precision: str = "auto",
) -> ScoreCurves:
    """Score the whole video (the same network pass predict makes) and keep the result."""
    times, scores = predict_scores(video, spotter, batch_size, precision, on_progress)
    curves = ScoreCurves(times, scores, tuple(spotter.action_classes))
    with atomic_path(curves_path(video, spotter.path, cache)) as tmp, tmp.open("wb") as out:
        np.savez_compressed(out, times_s=times, scores=scores, classes=np.array(curves.classes))
    return curves
