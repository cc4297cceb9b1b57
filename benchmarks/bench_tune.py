"""`ballspot tune --trials 12` right after `ballspot quickstart`, as a new user runs it: wall and CPU time.

    python benchmarks/bench_tune.py                          # in the usual data folder (quick start first if missing)
    python benchmarks/bench_tune.py --data-dir /tmp/bench    # a fresh data folder: runs the quick start first
    python benchmarks/bench_tune.py --trials 2 --epochs 1    # a short check that the script works

Runs the commands exactly as typed (`ballspot quickstart`, then `ballspot tune --trials N --study <new name>`
with no option pointing at the quick start's outputs) in child processes, and prints, for each, the wall time
and the CPU time of the child processes (user + system) and their ratio (cores kept busy), then the trials'
states, the wall and CPU time per trial and the best value. Each run uses a new study name, so it never adds
to an earlier study. CPU time above wall time means several cores were busy; on a shared machine wall time
grows with the other load, CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench_common import positive_int


def timed(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run `command`; returns it with its wall seconds and its CPU seconds (this child and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(command)} exited with {result.returncode}")
    return result, wall, cpu


def timing(wall: float, cpu: float) -> str:
    """Wall and CPU time of a command and their ratio: the cores it kept busy on average."""
    busy = f" ({cpu / wall:.2f} cores busy on average)" if wall > 0 else ""
    return f"wall {minutes(wall)}, CPU {minutes(cpu)}{busy}"


def minutes(seconds: float) -> str:
    return f"{seconds:.0f} s ({int(seconds // 60)} min {seconds % 60:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="data folder [default: $BALLSPOT_DATA_DIR or the usual one]")
    parser.add_argument("--trials", type=positive_int, default=12)
    parser.add_argument("--epochs", type=positive_int, help="epochs per trial [default: what `ballspot tune` picks]")
    args = parser.parse_args()

    env = dict(os.environ)
    if args.data_dir:
        env["BALLSPOT_DATA_DIR"] = str(args.data_dir.expanduser().resolve())
    ballspot = [sys.executable, "-m", "ballspot"]
    os.environ.update(env)
    from ballspot import paths

    data = paths.data_dir()
    if not (paths.quickstart_dir(data) / "summary.json").is_file():
        print(f"no quick start in {data}: running `ballspot quickstart` first", file=sys.stderr)
        _, wall, cpu = timed([*ballspot, "quickstart"], env)
        print(f"ballspot quickstart: {timing(wall, cpu)}")

    study = f"bench-{time.strftime('%Y%m%d-%H%M%S')}"
    command = [*ballspot, "tune", "--trials", str(args.trials), "--study", study, "--json"]
    if args.epochs:
        command += ["--epochs", str(args.epochs)]
    result, wall, cpu = timed(command, env)
    report = json.loads(result.stdout)
    states = Counter(t["state"] for t in report["trials"])
    print(f"ballspot tune --trials {args.trials}" + (f" --epochs {args.epochs}" if args.epochs else ""))
    print(f"  {timing(wall, cpu)}")
    print(f"  trials: {', '.join(f'{n} {state}' for state, n in sorted(states.items()))}")
    trials = max(1, len(report["trials"]))
    print(f"  per trial: wall {wall / trials:.0f} s, CPU {cpu / trials:.0f} s")
    if report["best"] is not None:
        print(f"  best {report['metric']}: {report['best']['value']:.4f} (trial {report['best']['number']})")
    print(f"  study {study!r}: ballspot tune report --study {study}")


if __name__ == "__main__":
    main()
