"""CPU time of `ballspot predict` alone and beside one competing CPU-bound process, per thread setting.

    python benchmarks/bench_threads.py                 # quick-start size model, 1-minute synthetic game
    python benchmarks/bench_threads.py --backbone tf_efficientnetv2_b0 --height 224 --width 398

Runs `ballspot predict` in a child process (its CPU time from the OS: user + system of it and its ffmpeg)
for each setting, without and then with a busy-looping Python process running beside it:

- `spinning (before)`: OpenMP's default wait policy (idle threads spin before they sleep), threads = CPUs;
- `passive (now)`: what predict does now: idle threads sleep (OMP_WAIT_POLICY=PASSIVE), threads = CPUs;
- `passive, --threads 1`: one network thread.

Events (label, position, team) are compared with the first run's: threads change time, not events
(confidences may differ in the last digits when the thread count changes the order of sums).
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

from bench_common import load_average, make_checkpoint, make_league, positive_float, positive_int

SETTINGS = {
    "spinning (before)": ({"OMP_WAIT_POLICY": None}, []),
    "passive (now)": ({"OMP_WAIT_POLICY": "PASSIVE"}, []),
    "passive, --threads 1": ({"OMP_WAIT_POLICY": "PASSIVE"}, ["--threads", "1"]),
}


def run_predict(video: Path, weights: Path, out: Path, env: dict, extra: list[str]) -> dict:
    """One `ballspot predict` child: wall and CPU seconds (rusage of the child and its children)."""
    command = [sys.executable, "-m", "ballspot", "predict", str(video), "--model", str(weights), "--out", str(out)]
    started = time.perf_counter()
    environment = {**os.environ, **env}
    for name in [k for k, v in env.items() if v is None]:  # None: leave the variable unset (OpenMP's default)
        environment.pop(name, None)
    process = subprocess.Popen([*command, "-q", "--force", *extra], env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"predict failed with exit code {process.returncode}")
    # rusage of wait4 covers the child; its own children (ffmpeg) are folded in when the child reaps them
    return {"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="mobilenetv3_small_050")
    parser.add_argument("--height", type=positive_int, default=112)
    parser.add_argument("--width", type=positive_int, default=192)
    parser.add_argument("--minutes", type=positive_float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict = {"cpus": len(os.sched_getaffinity(0)), "load_average_before": load_average(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        league, (game,) = make_league(folder, minutes=args.minutes)
        video = league / game / "224p.mp4"
        weights = folder / "model.pt"
        results["model"] = make_checkpoint(weights, args.backbone, args.height, args.width)
        reference = None
        for competing in (False, True):
            rival = None
            if competing:
                rival = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                for name, (env, extra) in SETTINGS.items():
                    out = folder / "out" / f"{name}-{competing}".replace(" ", "_")
                    run = {"setting": name, "competing": competing, **run_predict(video, weights, out, env, extra)}
                    document = json.loads(next(out.rglob("results_spotting.json")).read_text())
                    events = [(p["label"], p["position"], p.get("team")) for p in document["predictions"]]
                    reference = reference or events
                    run["same_events"] = events == reference
                    results["runs"].append(run)
                    print(json.dumps(run), file=sys.stderr)
            finally:
                if rival is not None:
                    rival.kill()
                    rival.wait()
    results["load_average_after"] = load_average()
    if args.json:
        print(json.dumps(results))
        return
    print(f"{results['cpus']} CPUs, model {json.dumps(results['model'])}, load average "
          f"{results['load_average_before']} -> {results['load_average_after']}")  # fmt: skip
    first = next(iter(SETTINGS))
    base = {r["competing"]: r["wall_s"] for r in results["runs"] if r["setting"] == first}
    print(f"\n| setting | competing process | wall s | CPU s | wall vs {first} | same events |")
    print("|---|---|---|---|---|---|")
    for r in results["runs"]:
        print(f"| {r['setting']} | {'yes' if r['competing'] else 'no'} | {r['wall_s']} | {r['cpu_s']} | "
              f"{r['wall_s'] / base[r['competing']]:.2f}x | {r['same_events']} |")  # fmt: skip


if __name__ == "__main__":
    main()
