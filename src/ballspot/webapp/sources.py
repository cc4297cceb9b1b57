"""What the app can open: a video, every game of a dataset root, or an uploaded file, as games to predict."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ballspot.atomic import atomic_path
from ballspot.errors import BallspotError
from ballspot.paths import expand_user
from ballspot.predict.run import VideoJob, plan_videos
from ballspot.soccernet.labels import LABELS_FILE
from ballspot.soccernet.layout import is_video_file


@dataclass(frozen=True)
class GameSource:
    """One game as `ballspot predict` plans it: its id (the output folder), its videos per half, its labels."""

    game_id: str
    jobs: tuple[VideoJob, ...]
    labels: Path | None

    @property
    def videos(self) -> dict[int, Path]:
        return {job.half: job.video for job in self.jobs}

    @property
    def halves(self) -> list[int]:
        return sorted(self.videos)


def open_target(target: Path | str, resolution: str = "224p") -> list[GameSource]:
    """The games `target` holds: one for a video, every game with a video for a dataset root.

    Games are planned by `ballspot predict`'s own planner, so ids and output folders are the same. A game's
    labels are the `Labels-ball.json` beside its video(s), when there is one.
    """
    target = expand_user(target)
    jobs = plan_videos([target], resolution)
    grouped: dict[str, list[VideoJob]] = {}
    for job in jobs:
        grouped.setdefault(job.game_id, []).append(job)
    games = []
    for game_id, game_jobs in grouped.items():
        labels = game_jobs[0].video.parent / LABELS_FILE
        games.append(GameSource(game_id, tuple(game_jobs), labels if labels.is_file() else None))
    return games


def save_upload(name: str, stream: BinaryIO, folder: Path) -> Path:
    """Copy an uploaded video into `folder` (atomically), keeping its file name; returns the saved path.

    A file that is no readable video (empty, damaged, no video stream) is refused and not kept: nothing is left
    in `folder`, and an earlier upload of the same name stays as it was.
    """
    from ballspot.video.probe import probe

    safe = Path(name).name
    if not safe or not is_video_file(Path(safe)):
        raise BallspotError(f"not a video file (expected .mp4, .mkv, ...): {name}")
    target = folder / safe
    with atomic_path(target) as tmp:
        with tmp.open("wb") as out:
            shutil.copyfileobj(stream, out, length=1 << 20)
        try:
            probe(tmp)
        except BallspotError as exc:  # its message names the temporary file: name the upload instead
            raise BallspotError(str(exc).replace(str(tmp), f"upload {safe}")) from None
    return target
