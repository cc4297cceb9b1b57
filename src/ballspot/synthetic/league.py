"""A synthetic league in SoccerNet's layout: `england_efl/<season>/<game>/224p.mp4 + Labels-ball.json`,
plus the `splits.json` that `segment` and `index` read to put each game in train, valid or test."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ballspot.arguments import is_number, is_whole, path_argument
from ballspot.atomic import ensure_dir, held_alone, removed_if_left_empty, write_json
from ballspot.errors import BallspotError
from ballspot.inputfiles import read_json
from ballspot.soccernet.labels import LABELS_FILE
from ballspot.soccernet.splits import SPLITS_FILE
from ballspot.synthetic.limits import MAX_GAMES, MAX_MINUTES, MIN_MINUTES
from ballspot.synthetic.render import SIZE_224P, SIZE_720P, Renderer, Scene
from ballspot.synthetic.simulate import FPS, Match, simulate_match
from ballspot.synthetic.writer import write_labels, write_video

LEAGUE = "england_efl"
PARAMS_FILE = ".synthetic-league"
LOCK_FILE = ".synthetic-league.lock"
"""Held while a league is written: a second writer of the same folder fails instead of mixing games in."""
"""The settings a league was made with (JSON, but not named .json: SoccerNet's evaluator reads every .json)."""
VIDEO_224P = "224p.mp4"
VIDEO_720P = "720p.mp4"


@dataclass(frozen=True)
class GamePlan:
    index: int
    game_id: str
    league_seed: int

    @property
    def seed(self) -> np.random.SeedSequence:
        """A fresh seed sequence for this game (spawning from it changes it, so never share one)."""
        return np.random.SeedSequence(self.league_seed, spawn_key=(self.index,))


def game_name(index: int, season: str) -> str:
    """`2099-08-01 - Synthetic 01 - Synthetic 02` for game 0 of season 2099-2100: one game a day."""
    year = int(m.group(0)) if (m := re.match(r"\d{4}", season)) else 2099
    day = dt.date(year, 8, 1) + dt.timedelta(days=index)
    return f"{day.isoformat()} - Synthetic {2 * index + 1:02d} - Synthetic {2 * index + 2:02d}"


def split_sizes(games: int) -> dict[str, int]:
    """Games per split: about 4/1/1 (6 games: 4 train, 1 valid, 1 test); train always has one."""
    valid = max(1, round(games / 6)) if games >= 2 else 0
    test = max(1, round(games / 6)) if games >= 3 else 0
    return {"train": games - valid - test, "valid": valid, "test": test}


def plan(games: int, seed: int, season: str) -> list[GamePlan]:
    """Every game's id and seed; game k's seed depends only on (seed, k), not on how many games there are."""
    return [GamePlan(k, f"{LEAGUE}/{season}/{game_name(k, season)}", int(seed)) for k in range(games)]


def splits_of(game_ids: list[str], kept: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Each game's split, about 4/1/1 in game order. Games `kept` names stay in their split (a league grown
    with more games keeps its test games unseen); the others fill each split up to its size, train first."""
    sizes = split_sizes(len(game_ids))
    kept = kept or {}
    out = {name: [g for g in kept.get(name, []) if g in game_ids] for name in ("train", "valid", "test")}
    placed = {g for games in out.values() for g in games}
    new = iter(g for g in game_ids if g not in placed)
    for name in ("train", "valid", "test"):
        while len(out[name]) < sizes[name] and (game := next(new, None)) is not None:
            out[name].append(game)
    out["train"].extend(new)  # splits kept larger than their share leave the rest to train
    return {name: sorted(games, key=game_ids.index) for name, games in out.items()}


def _kept_splits(root: Path) -> dict[str, list[str]]:
    """The splits a rerun keeps: those of the league's own splits.json, if it reads as one."""
    path = root / SPLITS_FILE
    if not path.is_file():
        return {}
    try:
        data = read_json(path, "splits file")
    except BallspotError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {name: [g for g in games if isinstance(g, str)] for name, games in data.items() if isinstance(games, list)}


def _check_params(root: Path, params: dict, option: str) -> None:
    """Refuse to mix games made with other settings into one league folder, or a league into another folder."""
    path = root / PARAMS_FILE
    if not path.is_file():
        if any(p.name != LOCK_FILE for p in root.iterdir()):  # a dataset root or any other folder: its splits.json
            raise BallspotError(  # would be replaced
                f"{root} is not empty and holds no synthetic league; give {option} a new or empty folder"
            )
        return
    try:
        old = read_json(path, "league settings")
    except BallspotError:
        return  # unreadable settings are rewritten
    if not isinstance(old, dict):
        return
    differ = [key for key in params if key in old and old[key] != params[key]]
    if differ:
        was = ", ".join(f"{k}={old[k]}" for k in differ)
        raise BallspotError(
            f"{root} holds a synthetic league made with {was}; use another {option} folder or delete that one"
        )


def _check_no_other_games(season_dir: Path, planned: set[str], games: int, option: str) -> None:
    """Refuse a rerun with fewer games than the folder holds: splits.json would leave the others out, and
    segment would then put them (the old test games too) in train."""
    if not season_dir.is_dir():
        return
    others = sorted(p.name for p in season_dir.iterdir() if p.is_dir() and p.name not in planned)
    if others:
        raise BallspotError(
            f"{season_dir.parent.parent} holds {len(others)} game(s) beyond --games {games} (first: {others[0]}), "
            f"which splits.json would leave out; give --games {games + len(others)} or another {option} folder"
        )


def _missing(folder: Path, hd: bool) -> list[str]:
    wanted = [VIDEO_224P, *([VIDEO_720P] if hd else []), LABELS_FILE]
    return [name for name in wanted if not (folder / name).is_file()]


def _write_game(game: GamePlan, folder: Path, match: Match, missing: list[str], advance) -> None:
    scene = Scene.of(match)
    audio_seed = int(game.seed.generate_state(1)[0] % 2**31)
    for name, size in ((VIDEO_224P, SIZE_224P), (VIDEO_720P, SIZE_720P)):
        if name in missing:
            renderer = Renderer(scene, size)
            write_video(
                folder / name,
                renderer.frames(),
                fps=match.fps,
                n_frames=match.n_frames,
                audio_seed=audio_seed,
                on_frame=advance,
            )
    write_labels(folder / LABELS_FILE, match, game.game_id)  # last: a game with labels is complete


def generate_league(
    root: Path | str,
    *,
    games: int = 6,
    minutes: float = 2.0,
    seed: int = 0,
    balanced: bool = False,
    hd: bool = False,
    season: str = "2099-2100",
    progress: bool = True,
    folder_option: str = "--out",
) -> list[str]:
    """Write a synthetic league under `root`; returns the game ids (`league/season/game`).

    The same seed gives the same games, labels and frames. A rerun skips games that are complete (a rerun
    with `hd=True` adds only the 720p videos). `balanced` gives every rare class about 7% of events instead
    of the real, PASS- and DRIVE-heavy mix. `folder_option` names the option that chose `root`, for errors.
    """
    if not is_whole(games) or not 1 <= games <= MAX_GAMES:
        raise BallspotError(f"--games must be between 1 and {MAX_GAMES}, got {games!r}")
    if not is_number(minutes) or not MIN_MINUTES <= minutes <= MAX_MINUTES:  # also refuses nan and inf
        raise BallspotError(
            f"--minutes must be between {MIN_MINUTES:g} (a shorter game holds no event) and {MAX_MINUTES:g}, "
            f"got {minutes!r}"
        )
    if not is_whole(seed) or seed < 0:
        raise BallspotError(f"--seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(season, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", season):
        raise BallspotError(f"season {season!r} must be a folder name such as 2099-2100")
    root = ensure_dir(path_argument(root, "the league folder"))
    busy = f"{root} is being written by another `download synthetic` or `quickstart`; wait for it to finish"
    with held_alone(root / LOCK_FILE, busy):
        return _generate(root, games, minutes, seed, balanced, hd, season, progress, folder_option)


def _generate(
    root: Path,
    games: int,
    minutes: float,
    seed: int,
    balanced: bool,
    hd: bool,
    season: str,
    progress: bool,
    folder_option: str,
) -> list[str]:
    """`generate_league` once its options are checked and its folder is held."""
    from ballspot import console

    params = {"seed": int(seed), "minutes": float(minutes), "balanced": bool(balanced), "season": season}
    _check_params(root, params, folder_option)
    plans = plan(games, seed, season)
    _check_no_other_games(root / LEAGUE / season, {g.game_id.rsplit("/", 1)[-1] for g in plans}, games, folder_option)
    write_json(root / PARAMS_FILE, {"generator": "ballspot synthetic league", **params})
    todo = [(g, _missing(root / g.game_id, hd)) for g in plans]
    todo = [(g, missing) for g, missing in todo if missing]
    frames_per_game = max(1, int(round(minutes * 60 * FPS)))
    total = sum(frames_per_game * sum(name.endswith(".mp4") for name in missing) for _, missing in todo)
    if len(todo) < len(plans):
        console.log(f"{len(plans) - len(todo)} of {len(plans)} games already complete in {root}")
    bar = console.progress()
    bar.disable = bar.disable or not progress  # before entering: entering starts the live display
    with bar:
        task = bar.add_task("synthetic league", total=total)
        count = [0]

        def advance() -> None:
            count[0] += 1
            if count[0] % 25 == 0:
                bar.advance(task, 25)

        for game, missing in todo:
            bar.update(task, description=f"game {game.index + 1}/{len(plans)}")
            folder = root / game.game_id
            with removed_if_left_empty(folder):  # stopped before its first file: no empty game folder
                match = simulate_match(game.seed, minutes, balanced=balanced)
                _write_game(game, folder, match, missing, advance)
        bar.update(task, completed=total)
    game_ids = [g.game_id for g in plans]
    write_json(root / SPLITS_FILE, splits_of(game_ids, _kept_splits(root)))
    return game_ids
