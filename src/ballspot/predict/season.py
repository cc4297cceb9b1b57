"""Many games: several in flight sharing one model, finished games skipped, games split across `torchrun` ranks.

With `workers` > 1, each worker thread spots one game at a time with the same loaded model. ffmpeg decodes
in its own process and the network releases Python's lock while it computes, so one game's decoding and
stacking overlap another's network; the network's threads are divided between the workers so the cores
are not over-subscribed. Under `torchrun` (several GPUs), each process takes every WORLD_SIZE-th game.

Each finished game gets `predict.json` beside its results, written last: the model's sha256, the
post-processing parameters and the videos (path, size, modification time). A later run of the same videos
with the same model and parameters skips that game, so an interrupted season resumes where it stopped.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

from ballspot.atomic import held_alone, removed_if_left_empty, write_json
from ballspot.engine.video_fit import video_warnings
from ballspot.predict.postprocess import PostprocessParams
from ballspot.soccernet.results import RESULTS_FILE
from ballspot.video.probe import probe

DONE_FILE = "predict.json"
LOCK_FILE = ".predict.lock"
"""Held in a game's folder while it is predicted and written."""


def model_digest(path: Path) -> str:
    """sha256 of a checkpoint, or of an ONNX export folder's files (manifest and graphs, in name order)."""
    import hashlib

    from ballspot.digests import file_sha256

    path = Path(path)
    if not path.is_dir():
        return file_sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        digest.update(file.name.encode() + file_sha256(file).encode())
    return digest.hexdigest()


def fingerprint(model_sha256: str, params: PostprocessParams, flip: bool, phases: int = 1) -> dict[str, Any]:
    """What decides a game's outputs besides its video: the model, the post-processing, test-time flipping,
    the stack phases scored (named only when more than 1)."""
    found = {"model_sha256": model_sha256, "params": params.to_dict(), "tta": "flip" if flip else "none"}
    return found | ({"phases": phases} if phases != 1 else {})


def videos_identity(jobs: list) -> dict[str, Any]:
    """Which videos a game's outputs come from: each half's resolved path, size and modification time, so that
    another video of the same name (a/x.mp4 after b/x.mp4), or a video replaced since, is predicted again."""
    identity = {}
    for job in jobs:
        stat = Path(job.video).stat()
        identity[str(job.half)] = [str(Path(job.video).resolve()), stat.st_size, stat.st_mtime_ns]
    return {"videos": identity}


def is_done(folder: Path, expected: dict[str, Any]) -> bool:
    """Whether `folder` holds results made from the same videos, model and parameters."""
    try:
        recorded = json.loads((folder / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return recorded == expected and (folder / RESULTS_FILE).is_file()


def rank_share(games: list[str]) -> list[str]:
    """This process's games under `torchrun` (every WORLD_SIZE-th from its RANK); all of them alone."""
    from ballspot.engine.runtime import torchrun_place

    place = torchrun_place()
    return games[place.rank :: place.world_size] if place.enabled else games


def threads_per_worker(threads: int, workers: int) -> int:
    """The network's CPU threads for each of `workers` concurrent games (at least one)."""
    return max(1, threads // max(1, workers))


def predict_season(
    jobs: list,
    spotter,
    params: PostprocessParams,
    out_root: Path,
    batch_size: int,
    precision: str,
    workers: int = 1,
    resume: bool = True,
    on_progress=None,
) -> list[dict]:
    """Spot every game of `jobs` (VideoJob list) with `workers` games in flight; returns a summary per game.

    on_progress(job, frames decoded, frames in the video), when given, is called besides the progress bar.
    """

    from ballspot import console

    games: dict[str, list] = {}
    for job in jobs:
        games.setdefault(job.game_id, []).append(job)
    mine = rank_share(list(games))
    expected = fingerprint(model_digest(spotter.path), params, spotter.flip, getattr(spotter.config, "phases", 1))
    results: dict[str, dict] = {}
    todo = []
    for game_id in mine:
        folder = out_root / game_id
        same = expected | videos_identity(games[game_id])
        done = resume and is_done(folder, same) and _skipped(folder, game_id, games[game_id])
        if done:
            results[game_id] = done
            console.log(f"{game_id}: done before from this video, model and parameters, skipped (--force redoes it)")
        else:
            todo.append(game_id)
    for game_id in todo:  # a damaged video fails now, before the games ahead of it are predicted and written
        for job in games[game_id]:
            for warning in video_warnings(probe(job.video), spotter.config):
                console.warn(f"{job.video}: {warning}")
    # an --out that cannot be written fails here, before any game is predicted; a failure later (or Ctrl-C)
    # leaves no empty folder for the games not written
    with removed_if_left_empty(*(out_root / game_id for game_id in todo)):
        _spot_games(todo, games, spotter, params, out_root, batch_size, precision, workers, expected, results,
                    on_progress)  # fmt: skip
    return [results[game_id] for game_id in mine]


def _spot_games(todo, games, spotter, params, out_root, batch_size, precision, workers, expected, results,
                on_progress) -> None:  # fmt: skip
    """Predict and write the games of `todo`, `workers` at a time, each summary into `results`."""
    from rich.progress import TextColumn

    from ballspot import console

    with console.progress(TextColumn("{task.fields[speed]}")) as bar:
        lock = threading.Lock()

        def run(game_id: str) -> None:
            busy = f"{game_id} is being predicted into {out_root} by another process; wait for it or use another --out"
            with held_alone(out_root / game_id / LOCK_FILE, busy):  # two writers would mix their files
                (out_root / game_id / DONE_FILE).unlink(missing_ok=True)  # stale once one file is rewritten
                result = _spot_game(
                    game_id, games[game_id], spotter, params, out_root, batch_size, precision, bar, on_progress
                )
                write_json(out_root / game_id / DONE_FILE, expected | videos_identity(games[game_id]))
            with lock:
                results[game_id] = result

        if workers <= 1 or len(todo) <= 1:
            for game_id in todo:
                run(game_id)
        else:
            with _ThreadShare(workers), ThreadPoolExecutor(max_workers=workers) as pool:
                for future in [pool.submit(run, game_id) for game_id in todo]:
                    future.result()


class _ThreadShare:
    """Divide torch's intra-op threads between concurrent workers for the block, then restore them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.saved: int | None = None

    def __enter__(self) -> None:
        import torch

        self.saved = torch.get_num_threads()
        torch.set_num_threads(threads_per_worker(self.saved, self.workers))

    def __exit__(self, *exc) -> None:
        import torch

        if self.saved is not None:
            torch.set_num_threads(self.saved)


def _spot_game(game_id, halves, spotter, params, out_root, batch_size, precision, bar, hook=None) -> dict:
    from ballspot.predict.api import predict_video
    from ballspot.predict.outputs import results_document, write_game_outputs

    started = time.perf_counter()
    predictions = []
    for job in halves:
        name = game_id[-40:] if len(halves) == 1 else f"{game_id[-32:]} half {job.half}"
        task = bar.add_task(name, total=None, speed="")
        began = time.perf_counter()

        def on_progress(done: int, total: int, task=task, began=began, job=job) -> None:
            if hook:
                hook(job, done, total)
            rate = done / max(1e-6, time.perf_counter() - began)
            speed = f"{rate:.0f} frames/s, {rate / spotter.config.fps:.1f}x real time"
            bar.update(task, completed=done, total=total, speed=speed)

        events = predict_video(
            job.video, spotter, params, batch_size=batch_size, precision=precision, on_progress=on_progress
        )
        with closing(events):  # an error here ends the decoder too
            predictions.extend(replace(p, half=job.half) for p in events)
    videos = {job.half: job.video for job in halves}
    files = write_game_outputs(out_root / game_id, game_id, videos, predictions, params)
    return {
        "game": game_id,
        "videos": [str(job.video) for job in halves],
        "candidates": len(predictions),
        "events": sum(p.confidence >= params.event_threshold for p in predictions),
        "seconds": round(time.perf_counter() - started, 2),
        "files": files,
        "document": results_document(predictions, game_id, params.threshold),
    }


def _skipped(folder: Path, game_id: str, halves: list) -> dict | None:
    """A finished game's summary, read back from its files; None when one of them is missing or damaged (the
    game is predicted again)."""
    from ballspot.predict.outputs import EVENTS_FILE
    from ballspot.predict.postprocess import PARAMS_FILE

    try:
        document = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("predictions"), list):
        return None
    try:
        events = len(json.loads((folder / EVENTS_FILE).read_text(encoding="utf-8"))["events"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not (folder / PARAMS_FILE).is_file():
        return None
    files = {name: str(folder / file) for name, file in (("results", RESULTS_FILE), ("events", EVENTS_FILE))}
    files["params"] = str(folder / PARAMS_FILE)
    return {
        "game": game_id,
        "videos": [str(job.video) for job in halves],
        "candidates": len(_candidates(document["predictions"])),
        "events": events,
        "seconds": 0.0,
        "files": files,
        "document": document,
        "skipped": True,
    }


def _candidates(written: list) -> set[tuple[str, ...]]:
    """The candidates behind a results file's predictions: an event written for both sides is one."""
    keys = ("gameTime", "label", "position")
    return {tuple(str(p.get(key)) for key in keys) for p in written if isinstance(p, dict)}
