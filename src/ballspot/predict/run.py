"""Predict over several videos or a dataset root: one output folder per game, Rich progress with speed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.paths import absolute_as_named
from ballspot.predict.api import LoadedModel
from ballspot.predict.postprocess import PostprocessParams
from ballspot.soccernet.layout import find_games, is_video_file, misnumbered_half, soccernet_video_half


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
    warn_misnumbered_halves([source for source in sources if source.is_file()])
    keys = [(j.game_id, j.half) for j in jobs]
    if len(set(keys)) != len(keys):
        raise BallspotError("two videos would write to the same output folder; predict them separately")
    return jobs


def warn_misnumbered_halves(videos: list[Path]) -> None:
    """One warning for videos given directly whose names read as a half other than 1 or 2 (`3_224p.mkv`):
    they are predicted as games of their own, under their stems, which a user who meant a half should know."""
    misnumbered = [video for video in videos if misnumbered_half(video.name) is not None]
    if not misnumbered:
        return
    from ballspot.console import warn

    first = misnumbered[0]
    warn(
        f"{len(misnumbered)} video(s) are named like a half other than 1 or 2 (SoccerNet's halves are 1_224p.mkv "
        f"and 2_224p.mkv), so each is predicted as a video of its own, its outputs under its name: first {first} "
        f"-> {first.stem}/"
    )


def _game_and_half(video: Path) -> tuple[str, int]:
    """A SoccerNet-named video (`224p.mp4`, `2_224p.mkv`) is its game folder's; any other is its own game."""
    half = soccernet_video_half(video.name)
    parents = absolute_as_named(video).parents  # a linked video is named by its game folder, not its target's
    if half is not None and len(parents) >= 3:  # the file system's root has no name: /data/game/224p.mp4 is data/game
        return "/".join(p.name for p in (parents[2], parents[1], parents[0]) if p.name), half
    return video.stem, 1


def predict_games(
    jobs: list[VideoJob],
    spotter: LoadedModel,
    params: PostprocessParams,
    out_root: Path,
    batch_size: int,
    precision: str,
    workers: int = 1,
    resume: bool = False,
    on_progress: Callable[[VideoJob, int, int | None], None] | None = None,
) -> list[dict]:
    """Spot every job's video and write one set of outputs per game; returns a summary per game.

    `workers` games run at once on the shared model; with `resume`, games already predicted with the same
    model and parameters are skipped (see `ballspot.predict.season`). `on_progress(job, frames decoded,
    frames in the video)` is called as decoding goes, besides the progress bar.
    """
    from ballspot.predict.season import predict_season

    return predict_season(
        jobs, spotter, params, out_root, batch_size, precision, workers=workers, resume=resume, on_progress=on_progress
    )
