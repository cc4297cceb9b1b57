"""Predict over several videos or a dataset root: one output folder per game, Rich progress with speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ballspot import console
from ballspot.errors import BallspotError
from ballspot.predict.api import LoadedModel, predict_video
from ballspot.predict.outputs import results_document, write_game_outputs
from ballspot.predict.postprocess import PostprocessParams
from ballspot.soccernet.layout import find_games, is_video_file, soccernet_video_half
from ballspot.soccernet.results import Prediction


@dataclass(frozen=True)
class VideoJob:
    """A video to spot, the game (the relative folder its outputs go to) and the half of it the video holds."""

    video: Path
    game_id: str
    half: int = 1


def plan_videos(sources: list[Path], resolution: str = "224p") -> list[VideoJob]:
    """Videos given directly keep their stem (or game path inside a dataset); a root gives all its games.

    A game filmed as one video per half (the 2023 edition) gives one job per half, all under the game's id:
    they go into one results file whose predictions carry their half, which is how SoccerNet's evaluator
    reads a game.
    """
    jobs: list[VideoJob] = []
    for source in sources:
        if source.is_dir():
            for game in find_games(source, resolution, require_video=True):
                for half, video in sorted(game.videos.items()):
                    jobs.append(VideoJob(video, game.game_id, half))
        elif not source.exists():
            raise BallspotError(f"video not found: {source}")
        elif not is_video_file(source):
            raise BallspotError(f"not a video file (expected .mp4, .mkv, ...): {source}")
        else:
            jobs.append(VideoJob(source, *_game_and_half(source)))
    keys = [(j.game_id, j.half) for j in jobs]
    if len(set(keys)) != len(keys):
        raise BallspotError("two videos would write to the same output folder; predict them separately")
    return jobs


def _game_and_half(video: Path) -> tuple[str, int]:
    """A SoccerNet-named video (`224p.mp4`, `2_224p.mkv`) is its game folder's; any other is its own game."""
    half = soccernet_video_half(video.name)
    parents = video.resolve().parents
    if half is not None and len(parents) >= 3:
        return "/".join(p.name for p in (parents[2], parents[1], parents[0])), half
    return video.stem, 1


def predict_games(
    jobs: list[VideoJob],
    spotter: LoadedModel,
    params: PostprocessParams,
    out_root: Path,
    batch_size: int,
    precision: str,
    on_progress: Callable[[VideoJob, int, int], None] | None = None,
) -> list[dict]:
    """Spot every job's video and write one set of outputs per game; returns a summary per game.

    `on_progress(job, frames decoded, frames in the video)` is called as decoding goes, besides the bar.
    """
    from rich.progress import TextColumn

    games: dict[str, list[VideoJob]] = {}
    for job in jobs:
        games.setdefault(job.game_id, []).append(job)
    results = []
    with console.progress(TextColumn("{task.fields[speed]}")) as bar:
        for game_id, halves in games.items():
            game_started = time.perf_counter()
            predictions: list[Prediction] = []
            for job in halves:
                name = game_id[-40:] if len(halves) == 1 else f"{game_id[-32:]} half {job.half}"
                task = bar.add_task(name, total=None, speed="")
                started = time.perf_counter()

                def progress(done: int, total: int, task=task, started=started, job=job) -> None:
                    if on_progress:
                        on_progress(job, done, total)
                    elapsed = max(1e-6, time.perf_counter() - started)
                    rate = done / elapsed
                    realtime = rate / spotter.config.fps
                    speed = f"{rate:.0f} frames/s, {realtime:.1f}x real time"
                    bar.update(task, completed=done, total=total, speed=speed)

                events = predict_video(
                    job.video, spotter, params, batch_size=batch_size, precision=precision, on_progress=progress
                )
                predictions.extend(replace(p, half=job.half) for p in events)
            videos = {job.half: job.video for job in halves}
            files = write_game_outputs(out_root / game_id, game_id, videos, predictions, params)
            results.append(
                {
                    "game": game_id,
                    "videos": [str(job.video) for job in halves],
                    "candidates": len(predictions),
                    "events": sum(p.confidence >= params.event_threshold for p in predictions),
                    "seconds": round(time.perf_counter() - game_started, 2),
                    "files": files,
                    "document": results_document(predictions, game_id),
                }
            )
    return results
