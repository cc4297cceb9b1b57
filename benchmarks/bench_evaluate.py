"""Spotting evaluation speed: ballspot's `evaluate` against SoccerNet's official evaluator, same files.

    python benchmarks/bench_evaluate.py                      # 2 games x 100 min, ~1,800 events each, at1
    python benchmarks/bench_evaluate.py --metric tight --every 1.0

Generates two 100-minute single-video games (half 1, as the ball-action videos are) with ~1,800 labelled
events each (class mix close to the real data: mostly PASS and DRIVE; 5 % "not shown"; teams left/right),
and dense predictions: for every class, one prediction every ~`--every` s (2 s by default: 3,000 positions x
12 classes = 36,000 per game) at a low random confidence, plus one near each true event (jittered by
~0.4 s, confidence higher) with 85 % the right class. That is about what `ballspot predict` writes with its
default post-processing (per-class peaks above 0.01, 1 s suppression window: at most one event per class
per second).

Both evaluators read the same labels and predictions folders from disk and are timed end to end (reading
the JSON included; imports excluded), `--repeats` times each, the median printed. ballspot's figure is
`evaluate_spotting` without bootstrap (mAP, visible/unshown mAP and Team mAP, as `ballspot evaluate
--bootstrap 0` computes), then split into reading the files (JSON parsing and checks) and scoring; with the
default 1,000 bootstrap replicates it is printed too. The script then checks that the mAP and every class's
AP agree to 1e-6 and exits 1 if not.

Every time is printed as wall seconds and, at the end of its line, CPU seconds (the median of the same runs):
CPU time is this process's own (all its threads) plus that of its finished child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench_common import median_timed, non_negative_int, positive_float, positive_int

from ballspot.classes import CLASSES_12
from ballspot.metrics import evaluate_games, evaluate_spotting
from ballspot.metrics.game_events import Diagnostics
from ballspot.metrics.sources import load_games
from ballspot.metrics.spotting import METRICS
from ballspot.soccernet.labels import game_time

LABELS_FILE = "Labels-ball.json"
RESULTS_FILE = "results_spotting.json"
FPS = 25
CLASS_SHARES = np.array([0.44, 0.33, 0.05, 0.04, 0.03, 0.02, 0.03, 0.02, 0.015, 0.01, 0.005, 0.002])
"""Roughly the ball-action training data's class mix (PASS and DRIVE dominate; GOAL is rare)."""


def make_game(rng: np.random.Generator, minutes: float, events: int, every_s: float) -> tuple[dict, dict]:
    """One game's Labels-ball.json and results_spotting.json documents."""
    span_ms = int(minutes * 60_000)
    shares = CLASS_SHARES / CLASS_SHARES.sum()
    event_ms = np.sort(rng.integers(1_000, span_ms - 1_000, events))
    event_class = rng.choice(len(CLASSES_12), size=events, p=shares)
    event_team = rng.integers(0, 2, events)
    shown = rng.random(events) >= 0.05
    teams = ("left", "right")
    annotations = [
        {
            "gameTime": game_time(int(ms)),
            "label": CLASSES_12[c],
            "position": str(int(ms)),
            "team": teams[t],
            "visibility": "visible" if v else "not shown",
        }
        for ms, c, t, v in zip(event_ms, event_class, event_team, shown, strict=True)
    ]
    predictions = []

    def add(ms: int, c: int, confidence: float, team: int) -> None:
        predictions.append(
            {
                "gameTime": game_time(ms),
                "label": CLASSES_12[c],
                "position": ms,
                "half": 1,
                "confidence": round(confidence, 4),
                "team": teams[team],
            }
        )

    step_ms = int(every_s * 1000)
    for c in range(len(CLASSES_12)):  # the dense background of low-confidence peaks
        grid = np.arange(step_ms // 2, span_ms, step_ms) + rng.integers(-step_ms // 4, step_ms // 4 + 1)
        for ms, confidence, team in zip(grid, rng.beta(1.2, 6, len(grid)), rng.integers(0, 2, len(grid)), strict=True):
            add(int(ms), c, float(confidence), int(team))
    for ms, c, t in zip(event_ms, event_class, event_team, strict=True):  # the model's hits, near each event
        guess = c if rng.random() < 0.85 else int(rng.choice(len(CLASSES_12), p=shares))
        team = t if rng.random() < 0.8 else 1 - t
        add(max(0, int(ms + rng.normal(0, 400))), int(guess), float(rng.beta(5, 2)), int(team))
    rng.shuffle(predictions)
    return {"UrlLocal": "", "annotations": annotations}, {"UrlLocal": "", "predictions": predictions}


def write_games(root: Path, n_games: int, minutes: float, events: int, every_s: float, seed: int) -> tuple[int, int]:
    """labels/<game>/Labels-ball.json and predictions/<game>/results_spotting.json; (events, predictions)."""
    rng = np.random.default_rng(seed)
    n_events = n_predictions = 0
    for g in range(n_games):
        game = f"england_efl/2019-2020/2019-10-0{g + 1} - Bench {g} - Mark {g}"
        labels, predictions = make_game(rng, minutes, events, every_s)
        labels["UrlLocal"] = predictions["UrlLocal"] = game
        for tree, name, document in (("labels", LABELS_FILE, labels), ("predictions", RESULTS_FILE, predictions)):
            folder = root / tree / game
            folder.mkdir(parents=True)
            (folder / name).write_text(json.dumps(document), encoding="utf-8")
        n_events += len(labels["annotations"])
        n_predictions += len(predictions["predictions"])
    return n_events, n_predictions


def official(labels: Path, predictions: Path, metric: str) -> dict:
    """SoccerNet.Evaluation.ActionSpotting.evaluate, called as the spec says for ball spotting."""
    from SoccerNet.Evaluation import ActionSpotting

    with contextlib.redirect_stderr(io.StringIO()):  # tqdm bars
        return ActionSpotting.evaluate(
            SoccerNet_path=str(labels),
            Predictions_path=str(predictions),
            prediction_file=RESULTS_FILE,
            version=2,
            framerate=FPS,
            metric=metric,
            label_files=LABELS_FILE,
            dataset=None,
            EVENT_DICTIONARY={name: i for i, name in enumerate(CLASSES_12)},
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=positive_int, default=2, help="games [default: 2]")
    parser.add_argument("--minutes", type=positive_float, default=100.0, help="length of each game [default: 100]")
    parser.add_argument("--events", type=positive_int, default=1800, help="labelled events per game [default: 1800]")
    parser.add_argument("--every", type=positive_float, default=2.0, help="seconds between one class's predictions [2]")
    parser.add_argument("--metric", default="at1", choices=list(METRICS), help="[default: at1]")
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed runs of each; the median is printed [3]")
    parser.add_argument(
        "--bootstrap", type=non_negative_int, default=1000, help="replicates for the extra timing; 0: skip"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        from SoccerNet.Evaluation import ActionSpotting  # noqa: F401
    except ImportError:
        print("needs the SoccerNet package: pip install 'ballspot[soccernet]'", file=sys.stderr)
        return 2
    if args.minutes > 120:
        print("--minutes must be at most 120 (SoccerNet's arrays end at 120 min)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as tmp:
        root = Path(tmp)
        n_events, n_predictions = write_games(root, args.games, args.minutes, args.events, args.every, args.seed)
        labels, predictions = root / "labels", root / "predictions"
        print(
            f"{args.games} games x {args.minutes:g} min: {n_events} labelled events, {n_predictions} predictions "
            f"(one per class every ~{args.every:g} s + one near each event); metric {args.metric}"
        )
        ours_t, ours = median_timed(
            lambda: evaluate_spotting(labels, predictions, CLASSES_12, args.metric), args.repeats
        )
        theirs_t, theirs = median_timed(lambda: official(labels, predictions, args.metric), args.repeats)
        ours_s, theirs_s = ours_t.wall_s, theirs_t.wall_s
        print(
            f"official SoccerNet evaluator: {theirs_s:8.3f} s   mAP {theirs['a_mAP']:.6f}   CPU {theirs_t.cpu_s:.3f} s"
        )
        print(
            f"ballspot evaluate:            {ours_s:8.3f} s   mAP {ours.mAP:.6f}   "
            f"(Team mAP {ours.team_mAP:.6f} computed too)   CPU {ours_t.cpu_s:.3f} s"
        )
        print(
            f"ratio: ballspot is {theirs_s / ours_s:.1f}x faster (goal: >= 20x); "
            f"CPU time {theirs_t.cpu_s / ours_t.cpu_s:.1f}x less"
        )
        read_t, games = median_timed(lambda: load_games(labels, predictions, CLASSES_12, Diagnostics()), args.repeats)
        score_t, _ = median_timed(lambda: evaluate_games(games, CLASSES_12, args.metric), args.repeats)
        files = sorted(root.rglob("*.json"))
        parse_t, _ = median_timed(lambda: [json.loads(path.read_bytes()) for path in files], args.repeats)
        print(
            f"  of which reading the files {read_t.wall_s:.3f} s (json.loads alone {parse_t.wall_s:.3f} s), "
            f"scoring {score_t.wall_s:.3f} s ({theirs_s / score_t.wall_s:.0f}x less than the official evaluator's "
            f"whole time); "
            f"CPU {read_t.cpu_s:.3f} s reading (json.loads {parse_t.cpu_s:.3f} s), {score_t.cpu_s:.3f} s scoring"
        )
        if args.bootstrap:
            boot_t, boot = median_timed(
                lambda: evaluate_spotting(labels, predictions, CLASSES_12, args.metric, bootstrap=args.bootstrap), 1
            )
            low, high = boot.mAP_interval
            print(
                f"ballspot with {args.bootstrap} bootstrap replicates: {boot_t.wall_s:.3f} s "
                f"(95% CI of the mAP [{low:.4f}, {high:.4f}])   CPU {boot_t.cpu_s:.3f} s"
            )

    per_class_gap = float(np.max(np.abs(np.array(ours.ap_per_class) - np.array(theirs["a_mAP_per_class"]))))
    map_gap = abs(ours.mAP - float(theirs["a_mAP"]))
    agree = map_gap <= 1e-6 and per_class_gap <= 1e-6
    print(
        f"mAPs {'agree' if agree else 'DIFFER'}: |mAP difference| {map_gap:.1e}, "
        f"largest per-class AP difference {per_class_gap:.1e}"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
