"""Games per hour of `ballspot predict DATASET_ROOT` with one game at a time and with several in flight.

    python benchmarks/bench_season.py                          # 3 synthetic 1-minute games, workers 1 and 2
    python benchmarks/bench_season.py --games 4 --workers 1 2 4 --backend onnxruntime
    python benchmarks/bench_season.py --device cuda --batch-size 64 --backbone tf_efficientnetv2_b0 \
        --height 224 --width 398

Each setting runs `ballspot predict ROOT --workers N --force` in a child process over the same league
(an untrained dense model: speed does not depend on the weights) and prints wall time, CPU time and
games/hour; a last run without `--force` shows the resumed season skipping every finished game.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import load_average, make_checkpoint, make_league, positive_float, positive_int, require_device


def run(root: Path, weights: Path, out: Path, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "ballspot", "predict", str(root), "--model", str(weights), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "-q", *extra], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"predict failed: {' '.join(extra)}")
    return {"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=positive_int, default=3)
    parser.add_argument("--minutes", type=positive_float, default=1.0, help="length of each synthetic game")
    parser.add_argument("--workers", type=positive_int, nargs="+", default=[1, 2])
    parser.add_argument("--backbone", default="mobilenetv3_small_050")
    parser.add_argument("--height", type=positive_int, default=112)
    parser.add_argument("--width", type=positive_int, default=192)
    parser.add_argument("--backend", default="torch", choices=("torch", "onnxruntime"))
    parser.add_argument("--batch-size", type=positive_int, default=8)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_device(args.device)
    results: dict = {"games": args.games, "minutes_per_game": args.minutes, "backend": args.backend, "runs": []}
    results["load_average_before"] = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        root, _ = make_league(folder, games=args.games, minutes=args.minutes)
        weights = folder / "model.pt"
        results["model"] = make_checkpoint(weights, args.backbone, args.height, args.width)
        common = ["--backend", args.backend, "--device", args.device, "--batch-size", str(args.batch_size)]
        out = folder / "predictions"
        for workers in args.workers:
            measured = run(root, weights, out, [*common, "--workers", str(workers), "--force"])
            measured.update(workers=workers, games_per_hour=round(args.games * 3600 / measured["wall_s"], 1))
            results["runs"].append(measured)
            print(json.dumps(measured), file=sys.stderr)
        results["resumed"] = run(root, weights, out, common)
    results["load_average_after"] = load_average()
    if args.json:
        print(json.dumps(results))
        return
    print(f"{args.games} games x {args.minutes:g} min, backend {args.backend}, model {json.dumps(results['model'])}, "
          f"load average {results['load_average_before']} -> {results['load_average_after']}")  # fmt: skip
    first = results["runs"][0]
    print(f"\n| --workers | wall s | CPU s | games/hour | games/hour vs --workers {first['workers']} |")
    print("|---|---|---|---|---|")
    for r in results["runs"]:
        ratio = r["games_per_hour"] / first["games_per_hour"]
        print(f"| {r['workers']} | {r['wall_s']} | {r['cpu_s']} | {r['games_per_hour']} | {ratio:.2f}x |")
    resumed = results["resumed"]
    print(f"\nresumed run (every game finished before): wall {resumed['wall_s']} s, CPU {resumed['cpu_s']} s")


if __name__ == "__main__":
    main()
