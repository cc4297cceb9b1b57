"""Training throughput: the input pipeline's clips/s against the model's training clips/s, side by side.

    python benchmarks/bench_train.py                       # default model, CPU
    python benchmarks/bench_train.py --device cuda --batch-size 16
    python benchmarks/bench_train.py --backbone test_efficientnet --height 112 --width 199

Builds a 2-minute test video with events every 2 s, the frame cache, then times (1) the DataLoader
over the cache with training augmentation and (2) forward + backward + optimiser steps on random input
of the same shape. The input pipeline keeps up when the ratio (1)/(2) is above 1.

Beside each wall-time figure it gives CPU time: `cache_build_cpu_s` beside `cache_build_s`, and CPU seconds
per clip beside each clips/s (`input_cpu_s_per_clip`, `model_train_cpu_s_per_clip`). CPU time is this
process's own (all its threads) plus that of its finished child processes (ffmpeg, DataLoader workers).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import torch
from bench_common import Clock, non_negative_int, positive_float, positive_int, require_device
from torch.utils.data import DataLoader

from ballspot.engine.config import TrainConfig
from ballspot.engine.data import output_classes, window_spec
from ballspot.engine.dataset import WindowDataset
from ballspot.engine.frame_cache import build_cache
from ballspot.engine.losses import build_loss
from ballspot.engine.optim import autocast_context, build_optimizer
from ballspot.engine.runtime import select_device
from ballspot.engine.trainer import _model_config
from ballspot.models.network import build_model
from ballspot.video.ffmpeg_bin import ffmpeg_exe


def make_rows(folder: Path, minutes: float):
    import pandas as pd

    video = folder / "224p.mp4"
    seconds = int(minutes * 60)
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=398x224:rate=25:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    events = list(range(1000, seconds * 1000 - 1000, 2000))
    return pd.DataFrame({"video": str(video), "event_ms": events, "label": "PASS"})


def input_rate(dataset, batch_size: int, workers: int, batches: int) -> tuple[float, float]:
    """Clips per wall second, and CPU seconds per clip (the workers' included: they end inside the clock)."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers)
    clips = 0
    with Clock() as clock:
        for i, (x, _) in enumerate(loader):
            clips += len(x)
            if i + 1 >= batches:
                break
    return clips / clock.wall_s, clock.cpu_s / clips


def model_rate(config: TrainConfig, device: torch.device, steps: int) -> tuple[float, float]:
    """Training clips per wall second, and CPU seconds per clip."""
    classes = output_classes(config)
    model = build_model(_model_config(config, len(classes))).to(device)
    model.to_channels_last()
    model.train()
    optimizer = build_optimizer(model, config.optimizer, config.lr, 0.0)
    loss_fn = build_loss("focal", len(classes)).to(device)
    x = torch.rand(config.batch_size, config.stacks, config.in_chans, config.height, config.width, device=device)
    y = torch.randint(0, len(classes), (config.batch_size,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast_context(device, "auto"):
            loss = loss_fn(model(x).float(), y)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    with Clock() as clock:
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
    clips = steps * config.batch_size
    return clips / clock.wall_s, clock.cpu_s / clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="tf_efficientnetv2_b0")
    parser.add_argument("--height", type=positive_int, default=224)
    parser.add_argument("--width", type=positive_int, default=398)
    parser.add_argument("--batch-size", type=positive_int, default=4)
    parser.add_argument("--steps", type=positive_int, default=5)
    parser.add_argument("--batches", type=positive_int, default=20)
    parser.add_argument("--workers", type=non_negative_int, nargs="+", default=[0, 2])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--minutes", type=positive_float, default=2.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    require_device(args.device)
    config = TrainConfig(backbone=args.backbone, height=args.height, width=args.width, batch_size=args.batch_size)
    device = select_device(args.device)
    results: dict = {
        "device": str(device),
        "backbone": args.backbone,
        "size": [args.height, args.width],
        "batch_size": args.batch_size,
        "threads": torch.get_num_threads(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        rows = make_rows(Path(tmp), args.minutes)
        with Clock() as clock:
            cache = build_cache(rows, window_spec(config), Path(tmp) / "cache")
        results["cache_build_s"] = round(clock.wall_s, 2)
        results["cache_build_cpu_s"] = round(clock.cpu_s, 2)
        results["cache_rows"] = len(rows)
        dataset = WindowDataset(cache, [0] * len(rows), config.in_chans, True, train=True)
        inputs = {str(w): input_rate(dataset, args.batch_size, w, args.batches) for w in args.workers}
        results["input_clips_per_s"] = {w: round(rate, 1) for w, (rate, _) in inputs.items()}
        results["input_cpu_s_per_clip"] = {w: round(cpu, 4) for w, (_, cpu) in inputs.items()}
        train_rate, train_cpu = model_rate(config, device, args.steps)
        results["model_train_clips_per_s"] = round(train_rate, 2)
        results["model_train_cpu_s_per_clip"] = round(train_cpu, 4)
        if device.type == "cuda":
            results["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    best_input = max(results["input_clips_per_s"].values())
    results["ratio_input_over_model"] = round(best_input / results["model_train_clips_per_s"], 1)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
