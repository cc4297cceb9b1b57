"""Spotting accuracy per training recipe, side by side: mAP@1, Team-mAP@1, localisation, training time.

    python benchmarks/bench_spotting.py                                   # quick start's league: window vs dense
    python benchmarks/bench_spotting.py --recipes dense-quickstart --repeat 2   # determinism: same seed twice
    python benchmarks/bench_spotting.py --games 12 --minutes 3 --recipes dense-cpu

Each recipe runs the quick start's pipeline (league, segment, index, train from random weights, predict the
held-out test games, evaluate) in its own folder under --out, sharing one league, so the rows differ only by
the recipe: `quickstart` (the window spotter, one score per 0.24 s) against `dense-quickstart` (a score per
frame and the team side) by default. Prints one table (wall and CPU seconds of training, mAP@1, Team-mAP@1
over the classes the test games hold, chance mAP@1, median |predicted − true| of the matched events, the
share of them given the right team side) and writes it as JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from bench_common import positive_float, positive_int

from ballspot.quickstart import QuickstartPlan, run_quickstart


def run_recipe(out: Path, league: Path, recipe: str, args: argparse.Namespace, tag: str) -> dict:
    workdir = out / tag
    if workdir.exists() and not args.reuse:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    link = workdir / "league"
    if not link.exists():
        link.symlink_to(league.resolve(), target_is_directory=True)
    plan = QuickstartPlan(
        workdir=workdir,
        cache_dir=out / "cache",
        games=args.games,
        minutes=args.minutes,
        seed=args.seed,
        epochs=args.epochs,
        config=recipe,
        device=args.device,
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = run_quickstart(plan)
    return {
        "recipe": recipe,
        "run": tag,
        "train_s": summary["seconds"]["3/5 train"],
        "train_cpu_s": summary["cpu_seconds"]["3/5 train"],
        "total_s": round(time.perf_counter() - started, 1),
        "total_cpu_s": round(time.process_time() - cpu_started, 1),
        "mAP@1": summary["mAP@1"],
        "team_mAP@1": summary["team_mAP@1"],
        "chance_mAP@1": summary["chance_mAP@1"],
        "median_error_ms": summary["median_error_ms"],
        "matched": summary["matched_events"],
        "side_accuracy": summary["side_accuracy"],
        "events": summary["events_in_test_games"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-spotting"), help="working folder (reused league)")
    parser.add_argument("--recipes", nargs="+", default=["quickstart", "dense-quickstart"])
    parser.add_argument("--games", type=positive_int, default=6)
    parser.add_argument("--minutes", type=positive_float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=positive_int, default=None, help="override every recipe's epochs")
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--repeat", type=positive_int, default=1, help="runs per recipe (same seed: must print the same)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep finished runs instead of training again")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    os.environ.setdefault("BALLSPOT_QUIET", "1")

    from ballspot.synthetic import generate_league

    league = args.out / f"league-{args.games}x{args.minutes:g}-seed{args.seed}"
    generate_league(league, games=args.games, minutes=args.minutes, seed=args.seed, balanced=True)
    rows = []
    for recipe in args.recipes:
        for repeat in range(args.repeat):
            tag = f"{Path(recipe).stem}-{args.games}x{args.minutes:g}" + (f"-{repeat + 1}" if args.repeat > 1 else "")
            rows.append(run_recipe(args.out, league, recipe, args, tag))
            print(json.dumps(rows[-1]), flush=True)
    columns = ("train s", "CPU s", "mAP@1", "Team", "chance", "median ms", "side right")
    header = f"{'recipe':24s} " + " ".join(f"{c:>{max(7, len(c))}s}" for c in columns)
    print(f"\nleague: {args.games} games x {args.minutes:g} min, seed {args.seed}; test events: {rows[0]['events']}")
    print(header)
    for row in rows:
        team = "-" if row["team_mAP@1"] is None else f"{row['team_mAP@1']:.3f}"
        median = "-" if row["median_error_ms"] is None else f"{row['median_error_ms']:.0f}"
        side = "-" if row["side_accuracy"] is None else f"{row['side_accuracy']:.3f}"
        print(
            f"{row['run']:24s} {row['train_s']:7.1f} {row['train_cpu_s']:7.1f} {row['mAP@1']:7.3f} {team:>7s} "
            f"{row['chance_mAP@1']:7.3f} {median:>9s} {side:>10s}"
        )
    base = rows[0]
    for row in rows[1:]:
        if base["mAP@1"]:
            print(f"{row['run']} vs {base['run']}: mAP@1 x{row['mAP@1'] / base['mAP@1']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
