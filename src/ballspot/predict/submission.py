"""Challenge submissions: the games of one split, and the zip SoccerNet's evaluation server takes.

The archive holds each game's `results_spotting.json` at the game's relative path
(`league/season/game/results_spotting.json`), as `zip -r` from inside a predictions folder makes it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ballspot.atomic import atomic_path, ensure_dir
from ballspot.errors import BallspotError
from ballspot.predict.run import VideoJob, plan_videos
from ballspot.soccernet.game_ids import among, not_among
from ballspot.soccernet.results import RESULTS_FILE
from ballspot.soccernet.splits import HOLD_OUT_HINT, SPLITS_FILE, load_splits


def plan_split(sources: list[Path], split: str, resolution: str = "224p") -> list[VideoJob]:
    """The videos of the games that `split` lists in each dataset root's splits.json (else the official lists)."""
    from ballspot.console import warn

    jobs: list[VideoJob] = []
    for root in sources:
        if not root.is_dir():
            raise BallspotError(f"--split chooses games of a dataset root; {root} is not a folder")
        wanted = set(load_splits(root).get(split, ()))
        if not wanted:
            raise BallspotError(f"{root}: split {split!r} lists no games")
        every_job = plan_videos([root], resolution)
        chosen = set(among((job.game_id for job in every_job), wanted))
        found = [job for job in every_job if job.game_id in chosen]
        missing = sorted(not_among(wanted, chosen))
        if len(missing) == len(wanted):
            if not (root / SPLITS_FILE).is_file():  # the official lists name games a user's own league lacks
                raise BallspotError(
                    f"{root}: no {SPLITS_FILE}, and none of the {len(wanted)} {split} game(s) of SoccerNet's "
                    f"official lists is here; {HOLD_OUT_HINT.replace(', then run segment and index again', '')}"
                )
            raise BallspotError(f"{root}: none of the {len(wanted)} {split} game(s) has a video")
        if missing:
            warn(f"{len(missing)} {split} game(s) have no video under {root} and are left out: {missing[0]}")
        jobs.extend(found)
    return jobs


def check_submission_name(target: Path) -> Path:
    """Refuse a submission path that names a folder or no zip file; nothing is made."""
    if target.is_dir():
        raise BallspotError(f"--zip {target} is a folder; give a zip file's path, such as {target / 'submission.zip'}")
    if target.suffix.lower() != ".zip":
        raise BallspotError(f"--zip {target} must end in .zip (the evaluation server takes zip files)")
    if target.is_file() and not zipfile.is_zipfile(target):  # a zip is replaced; anything else is someone's file
        raise BallspotError(f"--zip {target} exists and is not a zip file; it is left as it is: give another path")
    return target


def check_submission_target(target: Path) -> Path:
    """Refuse a submission path that cannot be written (a folder, an unwritable place) before any game is
    predicted, rather than after; makes the folder it goes in."""
    ensure_dir(check_submission_name(target).parent)
    return target


def check_submission_games(jobs: list[VideoJob]) -> None:
    """Refuse a video outside a SoccerNet game folder: the zip would file it under its stem, a path the
    evaluation server does not know."""
    loose = [job for job in jobs if job.game_id.count("/") != 2]
    if loose:
        raise BallspotError(
            f"--zip files each game at its league/season/game path; {loose[0].video} is not in such a game "
            "folder as 224p.mp4 (or 1_224p.mkv, ...): predict the dataset root, or its games' videos"
        )


def write_submission(target: Path, documents: dict[str, dict]) -> Path:
    """Write `{game id: results document}` as a submission zip, atomically."""
    from ballspot.console import warn

    if not documents:
        raise BallspotError("no games to put in the submission")
    if not any("team" in p for d in documents.values() for p in d.get("predictions", [])):
        warn("the predictions carry no team side: the 2025 challenge (Team mAP) needs a model that predicts it")
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for game_id, document in sorted(documents.items()):
            archive.writestr(f"{game_id}/{RESULTS_FILE}", json.dumps(document, indent=2) + "\n")
    return target
