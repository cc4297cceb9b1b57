"""Predict a game exactly as `ballspot predict` does, once per (videos, model, parameters, output folder).

The outputs go where `ballspot predict` writes them (`<out>/<game>/results_spotting.json`, `events.json`,
`postprocess.json`); a small entry in the app's cache folder remembers each run, so reopening a game that was
predicted with the same inputs reads the results instead of running the model again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ballspot.atomic import write_json
from ballspot.errors import BallspotError
from ballspot.paths import absolute
from ballspot.predict.api import LoadedModel
from ballspot.predict.postprocess import PostprocessParams
from ballspot.predict.run import VideoJob, predict_games
from ballspot.webapp.sources import GameSource

RunProgress = Callable[[VideoJob, int, int], None]
"""Called with (the video being decoded, frames decoded, frames in the video)."""


@dataclass(frozen=True)
class GameRun:
    """A finished prediction of one game: the results document and where its files are."""

    game_id: str
    document: dict
    """What results_spotting.json holds: every candidate, with half, position, label, confidence, team."""
    files: dict[str, str]
    """results, events and params: the files `ballspot predict` writes."""
    params: dict
    classes: list[str]
    """The model's action classes."""
    seconds: float
    """How long the model took (when this run was made)."""
    cached: bool


def file_identity(path: Path) -> list:
    """What says a file is unchanged: its resolved path, size and modification time."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise BallspotError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def run_key(game: GameSource, model: Path, params: PostprocessParams, out_root: Path) -> str:
    """The cache key of a prediction: the game's videos, the weights, the parameters, the output folder."""
    identity = {
        "game": game.game_id,
        "videos": {str(half): file_identity(video) for half, video in sorted(game.videos.items())},
        "model": file_identity(model),
        "params": params.to_dict(),
        "out": str(absolute(out_root)),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def cached_run(game: GameSource, model: Path, params: PostprocessParams, out_root: Path, cache: Path) -> GameRun | None:
    """The remembered run of these inputs, when there is one and its results file is still there (a damaged
    entry is none: the game is predicted again)."""
    entry = cache / f"{run_key(game, model, params, out_root)}.json"
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        run = GameRun(**{**data, "cached": True})
        results = Path(run.files["results"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return run if results.is_file() else None


def run_game(
    game: GameSource,
    spotter: LoadedModel,
    params: PostprocessParams,
    out_root: Path,
    cache: Path,
    on_progress: RunProgress | None = None,
    batch_size: int = 8,
    precision: str = "auto",
) -> GameRun:
    """Predict every video of `game` with `ballspot predict`'s own loop, write its files, remember the run."""
    params.check()
    key = run_key(game, spotter.path, params, out_root)
    started = time.perf_counter()
    (result,) = predict_games(
        list(game.jobs), spotter, params, out_root, batch_size, precision, on_progress=on_progress
    )
    run = GameRun(
        game_id=game.game_id,
        document=result["document"],
        files=result["files"],
        params=params.to_dict(),
        classes=list(spotter.action_classes),
        seconds=round(time.perf_counter() - started, 2),
        cached=False,
    )
    write_json(cache / f"{key}.json", {k: v for k, v in vars(run).items() if k != "cached"})
    return run
