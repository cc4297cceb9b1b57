"""Every GPU benchmark in one run, written to one JSON report: what a GPU machine's figures need.

    python benchmarks/gpu_report.py                      # writes gpu-report.json
    python benchmarks/gpu_report.py --out report.json --minutes 5

Runs, each with `--device cuda --json`: bench_predict.py (frames/s, real-time factor, peak GPU memory,
network against the rest, a decode-only pass: whether ffmpeg keeps up with the GPU), bench_backends.py
(PyTorch eager, channels-last, torch.compile, ONNX Runtime when it has CUDA), bench_season.py (games/hour
with 1 and 2 games in flight) and bench_train.py (training clips/s against the input pipeline's). The report
also holds the GPU's name, torch's version and each script's exit status; a script that fails is recorded
with its last error line and the others still run. Without CUDA it stops at once with one line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench_common import positive_float, positive_int

HERE = Path(__file__).resolve().parent


def benchmarks(minutes: float, batch_size: int) -> dict[str, list[str]]:
    size = ["--backbone", "tf_efficientnetv2_b0", "--height", "224", "--width", "398"]
    return {
        "predict": [
            "bench_predict.py",
            "--minutes",
            f"{minutes:g}",
            "--memory-minutes",
            "--batch-size",
            str(batch_size),
        ],
        "backends": ["bench_backends.py", *size, "--minutes", f"{minutes:g}", "--batch-size", str(batch_size)],
        "season": [
            "bench_season.py",
            *size,
            "--games",
            "4",
            "--minutes",
            "2",
            "--workers",
            "1",
            "2",
            "--batch-size",
            str(batch_size),
        ],  # fmt: skip
        "train": ["bench_train.py", "--batch-size", "16", "--steps", "20", "--workers", "4", "8"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("gpu-report.json"))
    parser.add_argument("--minutes", type=positive_float, default=10.0, help="video length of the predict benchmarks")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="stacks per batch in predict")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("error: no CUDA GPU is visible here; run gpu_report.py on a GPU machine")
    report: dict = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": {}}
    for name, command in benchmarks(args.minutes, args.batch_size).items():
        started = time.perf_counter()
        done = subprocess.run([sys.executable, *command, "--device", "cuda", "--json"], cwd=HERE, capture_output=True,
                              text=True)  # fmt: skip
        entry: dict = {"command": " ".join(command), "exit_code": done.returncode}
        entry["seconds"] = round(time.perf_counter() - started, 1)
        lines = done.stdout.strip().splitlines()
        if done.returncode == 0 and lines:
            entry["result"] = json.loads(lines[-1])
        else:
            entry["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1]
        report["results"][name] = entry
        print(f"{name}: exit {done.returncode} in {entry['seconds']} s", file=sys.stderr)
    from ballspot.atomic import write_json

    write_json(args.out, report)
    print(args.out)


if __name__ == "__main__":
    main()
