"""Run the whole pipeline on a synthetic league: generate, segment, index, train, predict, evaluate.

Every step is the same code the individual commands run, in the same folders layout, so what the quick start
leaves behind can be inspected and continued with `ballspot train --resume`, `ballspot predict` and so on.
A rerun reuses what is complete: the league's games, the segment manifests and a finished training run.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballspot import console
from ballspot.atomic import held_alone, removed_if_left_empty, write_json, write_text
from ballspot.errors import BallspotError

TRAIN_CONFIG = "dense-quickstart"
"""The shipped recipe the quick start trains with (`--config` takes another name or a YAML file)."""
RUN_NAME = "quickstart"
LOCK_FILE = ".quickstart.lock"
"""Held in the work folder while a quick start runs there: a second one is refused, not mixed in."""
LEAGUE_FILE = "league.json"
"""Beside the run's weights: the league's games, minutes and seed it was trained on, so a rerun on another
league does not reuse it."""


@dataclass
class QuickstartPlan:
    """What the quick start makes and where."""

    workdir: Path
    cache_dir: Path
    games: int = 6
    minutes: float = 2.0
    seed: int = 0
    epochs: int | None = None
    config: str | Path = TRAIN_CONFIG
    device: str = "auto"

    @property
    def league(self) -> Path:
        return self.workdir / "league"

    @property
    def clips(self) -> Path:
        return self.workdir / "clips"

    @property
    def run(self) -> Path:
        return self.workdir / "runs" / RUN_NAME

    @property
    def predictions(self) -> Path:
        return self.workdir / "predictions"

    @property
    def summary_file(self) -> Path:
        return self.workdir / "summary.json"

    def check(self) -> None:
        if self.games < 3:
            raise BallspotError(f"--games must be at least 3 (train, valid and test games), got {self.games}")
        if not 0.2 <= self.minutes <= 120:
            raise BallspotError(f"--minutes must be between 0.2 and 120, got {self.minutes}")
        if self.epochs is not None and self.epochs < 1:
            raise BallspotError(f"--epochs must be at least 1, got {self.epochs}")
        from ballspot.engine.config import resolve_config
        from ballspot.engine.runtime import select_device

        # a missing or bad config, or a device that is not there, fails before minutes of league generation
        config = resolve_config(self.config, {"epochs": self.epochs, "device": self.device, "seed": self.seed})
        if config.task == "classify":  # a clip classifier cannot spot the test games' events
            raise BallspotError(
                f"--config {self.config} trains a clip classifier (task classify); the quick start predicts and "
                "scores events: give a spotting recipe (task spot or dense)"
            )
        select_device(config.device)
        self.check_workdir_is_its_own()
        _refuse_another_league(self)  # before minutes of league generation
        # a file in the way or an unwritable place fails now, not after minutes of work, and leaves no empty folder
        with removed_if_left_empty(self.workdir, self.cache_dir):
            pass

    def check_workdir_is_its_own(self) -> None:
        """An existing work folder must hold only what a quick start writes, so that it never writes into (or
        indexes) someone's own clips, runs or files."""
        if not self.workdir.is_dir():
            return
        own = {self.league.name, self.clips.name, self.run.parent.name, self.predictions.name, self.summary_file.name}
        others = sorted(p.name for p in self.workdir.iterdir() if p.name not in own and not p.name.startswith("."))
        from ballspot.synthetic.league import PARAMS_FILE

        if not others and self.clips.exists() and not (self.league / PARAMS_FILE).is_file():
            others = [self.clips.name]  # clips beside no synthetic league: not the quick start's
        if others:
            raise BallspotError(
                f"--workdir {self.workdir} holds files the quick start did not write ({', '.join(others[:3])}); "
                "give a new or empty folder, or an earlier quick start's"
            )


def run_quickstart(plan: QuickstartPlan) -> dict[str, Any]:
    """Run every step; returns (and writes to `summary.json`) the figures and where everything is."""
    plan.check()
    timings: dict[str, float] = {}

    cpu: dict[str, float] = {}

    def step(name: str, func, *args):
        started, cpu_started = time.perf_counter(), time.process_time()
        console.log(name, style="bold")
        result = func(*args)
        timings[name] = round(time.perf_counter() - started, 1)
        cpu[name] = round(time.process_time() - cpu_started, 1)
        return result

    busy = f"{plan.workdir} is in use by another quick start; wait for it to finish, or give another --workdir"
    with removed_if_left_empty(plan.workdir), held_alone(plan.workdir / LOCK_FILE, busy):
        step("1/5 synthetic league", _make_league, plan)
        index_path = step("2/5 segment and index", _segment_and_index, plan)
        best = step("3/5 train", _train, plan, index_path)
        games = step("4/5 predict the test games", _predict, plan, best)
        scores = step("5/5 evaluate (mAP@1)", _evaluate, plan, games)
    summary = {
        "league": str(plan.league),
        "index": str(index_path),
        "run": str(plan.run),
        "model": str(best),
        "predictions": str(plan.predictions),
        "test_games": [g["game"] for g in games],
        **scores,
        "seconds": timings,
        "cpu_seconds": cpu,
    }
    write_text(plan.summary_file, json.dumps(summary, indent=2) + "\n")
    summary["summary"] = str(plan.summary_file)
    return summary


def _make_league(plan: QuickstartPlan) -> None:
    from ballspot.synthetic import generate_league

    generate_league(
        plan.league, games=plan.games, minutes=plan.minutes, seed=plan.seed, balanced=True, folder_option="--workdir"
    )


def _segment_and_index(plan: QuickstartPlan) -> Path:
    from ballspot.data.index import INDEX_FILE, build_index, save_index
    from ballspot.data.segment import SegmentOptions, plan_jobs, segment_game

    opts = SegmentOptions(
        mode="window", window_s=1.2, background_per_event=0.5, cut=False, seed=plan.seed, warn_few_background=False
    )
    for job in console.track(plan_jobs(plan.league, None), "segmenting"):
        segment_game(job.video, job.labels, plan.clips / job.game_id, job.game_id, job.split, opts, job.half)
    target = plan.clips / INDEX_FILE
    save_index(build_index(plan.clips), target)
    return target


def _train(plan: QuickstartPlan, index_path: Path) -> Path:
    from ballspot.engine.checkpoint import load_checkpoint
    from ballspot.engine.config import resolve_config
    from ballspot.engine.trainer import RunFolder, train

    options = {"index": str(index_path), "epochs": plan.epochs, "device": plan.device, "seed": plan.seed}
    config = resolve_config(plan.config, options)
    last = plan.run / "weights" / "last.pt"
    best = plan.run / "weights" / "best.pt"
    resume = last.is_file()
    if not resume and RunFolder(plan.run).holds_a_run():  # its best.pt, say, which a new run would overwrite
        raise BallspotError(
            f"{plan.run} holds a run with no weights/last.pt to continue from; delete it or use another --workdir "
            "to start over"
        )
    if resume:
        done = load_checkpoint(last)
        if done["config"] == config.to_dict() and done["epoch"] + 1 >= config.epochs and best.is_file():
            console.log(f"reusing the finished run {plan.run}")
            return best
        if done["config"] != config.to_dict():
            raise BallspotError(
                f"{plan.run} holds a run with other settings; delete it or use another --workdir to start over"
            )
    train(config, plan.run, plan.cache_dir, resume=resume)
    write_json(plan.run / LEAGUE_FILE, _league_shape(plan))
    return best


def _league_shape(plan: QuickstartPlan) -> dict[str, Any]:
    return {"games": plan.games, "minutes": plan.minutes, "seed": plan.seed}


def _refuse_another_league(plan: QuickstartPlan) -> None:
    """A finished run trained on a league of other games is not reused (nor continued) for this one."""
    try:
        trained_on = json.loads((plan.run / LEAGUE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # a run of an earlier version, or stopped before it finished: nothing to compare
    now = _league_shape(plan)
    if isinstance(trained_on, dict) and trained_on != now:
        was = ", ".join(
            f"{key} {trained_on.get(key)} (now {value})" for key, value in now.items() if trained_on.get(key) != value
        )
        raise BallspotError(
            f"{plan.run} was trained on another league ({was}); delete it or use another --workdir to start over"
        )


def _predict(plan: QuickstartPlan, best: Path) -> list[dict]:
    from ballspot.predict.api import default_params, load_spotter
    from ballspot.predict.run import plan_videos, predict_games
    from ballspot.soccernet.splits import load_splits

    test_games = set(load_splits(plan.league).get("test", ()))
    jobs = [job for job in plan_videos([plan.league]) if job.game_id in test_games]
    if not jobs:
        raise BallspotError(f"the league in {plan.league} has no test game to predict")
    spotter = load_spotter(best, plan.device)
    params = default_params(best, spotter.dense)
    return predict_games(jobs, spotter, params, plan.predictions, batch_size=16, precision="auto")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _evaluate(plan: QuickstartPlan, games: list[dict]) -> dict[str, Any]:
    import numpy as np

    from ballspot.classes import CLASSES_12
    from ballspot.metrics.chance import random_predictions
    from ballspot.metrics.localisation import errors_ms, games_matched_pairs, side_accuracy
    from ballspot.metrics.spotting import spotting_map, team_map_of_present_classes
    from ballspot.soccernet.labels import LABELS_FILE, read_labels
    from ballspot.soccernet.results import Prediction, plain_view
    from ballspot.video.probe import probe

    labels, predicted, chance = {}, {}, {}
    for i, game in enumerate(games):
        game_id = game["game"]
        labels[game_id] = list(read_labels(plan.league / game_id / LABELS_FILE).annotations)
        predicted[game_id] = [
            Prediction(
                p["label"], int(p["position"]), float(p["confidence"]), half=int(p["gameTime"][0]), team=p.get("team")
            )
            for p in game["document"]["predictions"]
        ]
        duration_ms = int(probe(Path(game["videos"][0])).duration_s * 1000)
        per_class = max(1, len(plain_view(predicted[game_id])) // len(CLASSES_12))  # one per event
        chance[game_id] = random_predictions(duration_ms, CLASSES_12, 40, per_class, plan.seed + i)
    with_teams = any(p.team for game in predicted.values() for p in game)
    model = spotting_map(labels, predicted, CLASSES_12, 1.0, team=with_teams or None)
    luck = spotting_map(labels, chance, CLASSES_12, 1.0)
    pairs = games_matched_pairs(labels, predicted)
    matched = errors_ms(pairs)
    return {
        "mAP@1": round(model.mAP, 4),
        "team_mAP@1": _rounded(team_map_of_present_classes(model)) if with_teams else None,
        "chance_mAP@1": round(luck.mAP, 4),
        "median_error_ms": float(np.median(matched)) if len(matched) else None,
        "matched_events": int(len(matched)),
        "side_accuracy": _rounded(side_accuracy(pairs)),
        "ap_per_class": {c.name: (None if c.ap != c.ap else round(c.ap, 4)) for c in model.per_class},
        "events_in_test_games": sum(len(v) for v in labels.values()),
    }
