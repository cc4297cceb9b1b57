"""Predict over several videos or a dataset root: one output folder per game, Rich progress with speed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ballspot import console
from ballspot.errors import BallspotError
from ballspot.predict.api import LoadedModel, predict_video
from ballspot.predict.outputs import results_document, write_game_outputs
from ballspot.predict.postprocess import PostprocessParams
from ballspot.soccernet.layout import find_games, is_video_file


@dataclass(frozen=True)
class VideoJob:
    """A video to spot and the relative folder (the game id) its outputs go to."""

    video: Path
    game_id: str


def plan_videos(sources: list[Path], resolution: str = "224p") -> list[VideoJob]:
    """Videos given directly keep their stem (or game path inside a dataset); a root gives all its games."""
    jobs: list[VideoJob] = []
    for source in sources:
        if source.is_dir():
            for game in find_games(source, resolution, require_video=True):
                for half, video in game.videos.items():
                    suffix = f"/half{half}" if len(game.videos) > 1 else ""
                    jobs.append(VideoJob(video, game.game_id + suffix))
        elif not source.exists():
            raise BallspotError(f"video not found: {source}")
        elif not is_video_file(source):
            raise BallspotError(f"not a video file (expected .mp4, .mkv, ...): {source}")
        else:
            jobs.append(VideoJob(source, _game_id(source)))
    ids = [j.game_id for j in jobs]
    if len(set(ids)) != len(ids):
        raise BallspotError("two videos would write to the same output folder; predict them separately")
    return jobs


def _game_id(video: Path) -> str:
    parents = video.resolve().parents
    if video.stem in ("224p", "720p") and len(parents) >= 3:
        return "/".join(p.name for p in (parents[2], parents[1], parents[0]))
    return video.stem


def predict_games(
    jobs: list[VideoJob],
    spotter: LoadedModel,
    params: PostprocessParams,
    out_root: Path,
    batch_size: int,
    precision: str,
) -> list[dict]:
    """Spot every job's video and write its outputs; returns a summary per game."""
    from rich.progress import TextColumn

    results = []
    with console.progress(TextColumn("{task.fields[speed]}")) as bar:
        for job in jobs:
            task = bar.add_task(job.game_id[-40:], total=None, speed="")
            started = time.perf_counter()

            def on_progress(done: int, total: int, task=task, started=started) -> None:
                elapsed = max(1e-6, time.perf_counter() - started)
                rate = done / elapsed
                realtime = rate / spotter.config.fps
                bar.update(task, completed=done, total=total, speed=f"{rate:.0f} frames/s, {realtime:.1f}x real time")

            predictions = list(
                predict_video(
                    job.video, spotter, params, batch_size=batch_size, precision=precision, on_progress=on_progress
                )
            )
            files = write_game_outputs(out_root / job.game_id, job.game_id, job.video, predictions, params)
            results.append(
                {
                    "game": job.game_id,
                    "video": str(job.video),
                    "candidates": len(predictions),
                    "events": sum(p.confidence >= params.event_threshold for p in predictions),
                    "seconds": round(time.perf_counter() - started, 2),
                    "files": files,
                    "document": results_document(predictions, job.game_id),
                }
            )
    return results
