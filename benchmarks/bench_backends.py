"""Every way to run the network in predict, side by side on one synthetic game: frames/s, CPU time, mAP@1.

    python benchmarks/bench_backends.py                                   # quick-start size, 1-minute game
    python benchmarks/bench_backends.py --backbone tf_efficientnetv2_b0 --height 224 --width 398
    python benchmarks/bench_backends.py --model runs/x/weights/best.pt    # a trained model: meaningful mAP
    python benchmarks/bench_backends.py --device cuda --batch-size 64      # a GPU machine

Backends: PyTorch eager (contiguous layout), PyTorch channels-last (what `predict --backend torch` runs
today), PyTorch with `torch.compile` on the encoder, ONNX Runtime (`--backend onnxruntime`), and ONNX
Runtime with int8 dynamic quantisation of both graphs. Each runs `predict_video` over the same video in a
child process of its own, twice: the first pass warms up (torch.compile compiles there, for every batch shape
the game needs), the second is timed; frames/s is video frames (25 fps) per wall second, the
ratio is against channels-last. mAP@1 is scored on the game's labels: with the default untrained model it
only tells whether a backend changes the events, not how good they are.

Each backend has --limit seconds (default 300) for all of it: starting, building (torch.compile compiles
the encoder with a C++ compiler on its first batches), warm-up and run. A backend past it is stopped, with
every process it started, and its row says "did not finish in N s"; the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_common import Clock, load_average, make_checkpoint, make_league, positive_float, positive_int, require_device

BASELINE = "torch channels-last"
BACKENDS = ("torch eager", BASELINE, "torch.compile", "onnxruntime", "onnxruntime int8")


def builders(weights: Path, device: str, threads: int, folder: Path) -> dict:
    """Each backend's name and a function that loads the model for it."""
    from ballspot.predict.api import load_spotter

    def eager():
        import torch

        spotter = load_spotter(weights, device)
        spotter.model.to(memory_format=torch.contiguous_format)
        spotter.model.channels_last = False
        return spotter

    def channels_last():
        spotter = load_spotter(weights, device)
        spotter.model.to_channels_last()
        return spotter

    def compiled():
        import torch

        spotter = channels_last()
        spotter.model.encode = torch.compile(spotter.model.encode, dynamic=False)
        return spotter

    def onnx(quantised: bool):
        def build():
            from ballspot.predict.backends import load_onnx_spotter, onnx_folder_for

            exported = onnx_folder_for(weights, folder / "cache")
            if not quantised:
                return load_onnx_spotter(exported, device, threads=threads)
            from onnxruntime.quantization import QuantType, quantize_dynamic

            target = folder / "int8"
            shutil.copytree(exported, target, dirs_exist_ok=True)
            for name in ("encoder.onnx", "head.onnx"):
                quantize_dynamic(exported / name, target / name, weight_type=QuantType.QInt8)
            return load_onnx_spotter(target, device, threads=threads)

        return build

    return dict(zip(BACKENDS, (eager, channels_last, compiled, onnx(False), onnx(True)), strict=True))


def run_row(setup: dict, name: str) -> dict:
    """One backend's row (in the child process): build it, warm up, predict the game and score it; a backend
    that cannot run here (no compiler, no onnxruntime) is a row with its error."""
    folder = Path(setup["folder"])
    build = builders(Path(setup["weights"]), setup["device"], setup["threads"], folder)[name]
    try:
        spotter = build()
        out = folder / "predictions" / name.replace(" ", "-")
        return measure(spotter, Path(setup["video"]), setup["game"], Path(setup["league"]), setup["batch_size"], out)
    except Exception as exc:  # torch.compile without a compiler fails on first use
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160]}


def run_bounded(command: list[str], result: Path, log: Path, limit_s: float) -> dict:
    """Run `command` (one row's child process, which writes its row as JSON to `result`) in a session of its
    own; past `limit_s` seconds it is stopped with every process it started (compiler workers, ffmpeg) and the
    row is {"did_not_finish_s": limit_s}. A child that exits without a row gives the last line of its output."""
    with log.open("w") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = child.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            return {"did_not_finish_s": limit_s}
        finally:  # also on Ctrl-C: the child's session does not get the terminal's signal
            stop_group(child)
    if result.is_file():
        return json.loads(result.read_text())
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return {"error": f"exited with {code}: {lines[-1] if lines else 'no output'}"[:160]}


def stop_group(child: subprocess.Popen) -> None:
    """Kill the process group `child` leads (whatever is left of it) and reap the child."""
    with contextlib.suppress(ProcessLookupError):  # the child and everything it started have exited
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def measure(spotter, video: Path, game: str, league: Path, batch_size: int, out: Path) -> dict:
    """Predict the whole game once to warm up (so that torch.compile has compiled every batch shape of it, the
    last, shorter batch included), then again, timed, and score it."""
    from ballspot.metrics import evaluate_spotting
    from ballspot.predict.outputs import write_game_outputs

    with Clock() as warm:
        _ = list(_predict(video, spotter, batch_size))
    frames = [0]
    with Clock() as clock:
        events = list(_predict(video, spotter, batch_size, on_progress=lambda d, t: frames.__setitem__(0, d)))
    params = _params(spotter)
    write_game_outputs(out / game, game, {1: video}, events, params)
    result = evaluate_spotting(league, out, only_games=[game])
    return {
        "frames": frames[0],
        "wall_s": round(clock.wall_s, 2),
        "cpu_s": round(clock.cpu_s, 2),
        "fps": round(frames[0] / clock.wall_s, 1),
        "warmup_s": round(warm.wall_s, 1),
        "candidates": len(events),
        "map_at1": round(result.mAP, 4),
    }


def _params(spotter):
    from ballspot.predict.backends import spotter_params

    return spotter_params(spotter)


def _predict(video: Path, spotter, batch_size: int, on_progress=None):
    from ballspot.predict.api import predict_video

    yield from predict_video(video, spotter, _params(spotter), batch_size=batch_size, on_progress=on_progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a trained checkpoint (default: an untrained one, see below)")
    parser.add_argument("--backbone", default="mobilenetv3_small_050", help="untrained model's timm backbone")
    parser.add_argument("--height", type=positive_int, default=112)
    parser.add_argument("--width", type=positive_int, default=192)
    parser.add_argument("--task", default="dense", choices=("dense", "spot"))
    parser.add_argument("--minutes", type=positive_float, default=1.0, help="length of the synthetic game")
    parser.add_argument("--batch-size", type=positive_int, default=8)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=positive_int, default=None, help="CPU threads (default: the process's CPUs)")
    parser.add_argument("--skip", nargs="*", default=[], choices=BACKENDS, help="backends to leave out")
    parser.add_argument("--limit", type=positive_float, default=300.0, help="seconds each backend may take (300)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--row", choices=BACKENDS, help=argparse.SUPPRESS)  # the child process of one row
    parser.add_argument("--setup", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    require_device(args.device)
    from ballspot.threads import passive_waiting

    passive_waiting()
    from ballspot.threads import use_threads

    if args.row:
        setup = json.loads(args.setup.read_text())
        use_threads(setup["threads"])
        from ballspot.atomic import write_json

        write_json(args.result, run_row(setup, args.row))
        return
    threads = use_threads(args.threads)
    results: dict = {"device": args.device, "threads": threads, "batch_size": args.batch_size, "backends": {}}
    results["limit_s"] = args.limit
    results["load_average_before"] = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        league, (game,) = make_league(folder, games=1, minutes=args.minutes)
        weights = args.model
        if weights is None:
            weights = folder / "untrained.pt"
            results["model"] = make_checkpoint(weights, args.backbone, args.height, args.width, args.task)
        else:
            results["model"] = {"checkpoint": str(weights)}
        setup = {"folder": tmp, "weights": str(weights.resolve()), "video": str(league / game / "224p.mp4"),
                 "game": game, "league": str(league), "device": args.device, "threads": threads,
                 "batch_size": args.batch_size}  # fmt: skip
        (folder / "setup.json").write_text(json.dumps(setup))
        for index, name in enumerate(BACKENDS):
            if name in args.skip:
                continue
            print(f"{name}: running (at most {args.limit:g} s)", file=sys.stderr)
            result = folder / f"row-{index}.json"
            command = [sys.executable, __file__, "--row", name, "--setup", str(folder / "setup.json")]
            row = run_bounded([*command, "--result", str(result)], result, folder / f"row-{index}.log", args.limit)
            results["backends"][name] = row
            print(f"{name}: {row}", file=sys.stderr)
    results["load_average_after"] = load_average()
    base = results["backends"].get(BASELINE, {}).get("fps")
    for row in results["backends"].values():
        if base and "fps" in row:
            row["ratio"] = round(row["fps"] / base, 2)
    if args.json:
        print(json.dumps(results))
        return
    report(results)


def report(results: dict) -> None:
    m = results["model"]
    print(f"device {results['device']}, {results['threads']} threads, batch {results['batch_size']} stacks; "
          f"model {json.dumps(m)}; load average {results['load_average_before']} -> "
          f"{results['load_average_after']}")  # fmt: skip
    print(f"\n| backend | frames/s | vs {BASELINE} | wall s | CPU s | mAP@1 | candidates |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results["backends"].items():
        if "error" in r:
            print(f"| {name} | failed: {r['error']} | | | | | |")
            continue
        if "did_not_finish_s" in r:
            print(f"| {name} | did not finish in {r['did_not_finish_s']:g} s (--limit) | | | | | |")
            continue
        print(f"| {name} | {r['fps']} | {r.get('ratio', '')}x | {r['wall_s']} | {r['cpu_s']} | {r['map_at1']} | "
              f"{r['candidates']} |")  # fmt: skip


if __name__ == "__main__":
    main()
