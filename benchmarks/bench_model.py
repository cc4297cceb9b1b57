"""Model throughput: training clips/s (forward + backward + step) and inference clips/s.

    python benchmarks/bench_model.py                      # default model (B0, 224×398) + a small config, CPU
    python benchmarks/bench_model.py --device cuda --batch-size 16 --steps 20
    python benchmarks/bench_model.py --backbone efficientnetv2_rw_t --no-small --json

Random weights and random inputs: speed does not depend on the values. Every figure is the median over
`--repeats` timed runs of `--steps` steps each, after `--warmup` untimed steps. The measure_* functions
are importable (train, inference, and head alone on cached stack features), e.g. to compare the model's
clips/s with the input pipeline's; each returns its rate as a float that also carries `cpu_s_per_item`.

Beside each rate it gives CPU seconds per clip or window (the median CPU seconds of the same timed runs, over
the items of a run; keys `*_cpu_s_per_clip` / `*_cpu_s_per_window` in --json). CPU time is this process's own
(all its threads) plus that of its finished child processes; on CUDA it is the host's share of the work.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import torch
from bench_common import median_timed, non_negative_int, positive_int, require_device

from ballspot.engine.losses import build_loss
from ballspot.engine.optim import (
    autocast_context,
    build_optimizer,
    clip_gradients,
    make_grad_scaler,
    resolve_precision,
    use_channels_last,
)
from ballspot.models.config import ModelConfig
from ballspot.models.network import SpotterNet, build_model


class Rate(float):
    """Items per wall second (a plain float to arithmetic), with the CPU seconds per item of the same runs."""

    cpu_s_per_item: float

    def __new__(cls, per_s: float, cpu_s_per_item: float) -> Rate:
        rate = super().__new__(cls, per_s)
        rate.cpu_s_per_item = cpu_s_per_item
        return rate


@dataclass
class Setup:
    model: SpotterNet
    clips: torch.Tensor
    device: torch.device


def _setup(cfg: ModelConfig, batch_size: int, device: str, height: int, width: int, channels_last: bool | str) -> Setup:
    torch.manual_seed(0)
    dev = torch.device(device)
    model = build_model(cfg).to(dev)
    if use_channels_last(dev, channels_last):
        model.to_channels_last()
    clips = torch.rand(batch_size, cfg.stacks, cfg.in_chans, height, width, device=dev)
    return Setup(model, clips, dev)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_steps(step, device: torch.device, steps: int, warmup: int, repeats: int, items: int) -> Rate:
    """`items` per step over `steps` steps, after `warmup` untimed steps: the rate of the median of `repeats`
    runs' wall seconds, and the median CPU seconds per run over its items."""
    for _ in range(warmup):
        step()
    _sync(device)

    def run() -> None:
        for _ in range(steps):
            step()
        _sync(device)

    times, _ = median_timed(run, repeats)
    return Rate(items * steps / times.wall_s, times.cpu_s / (items * steps))


def measure_train_throughput(
    cfg: ModelConfig,
    batch_size: int = 2,
    steps: int = 3,
    device: str = "cpu",
    height: int = 224,
    width: int = 398,
    precision: str = "auto",
    channels_last: bool | str = "auto",
    warmup: int = 1,
    repeats: int = 3,
) -> Rate:
    """Training clips/s (median of `repeats`): autocast forward, focal loss, backward, clip, Adam step."""
    setup = _setup(cfg, batch_size, device, height, width, channels_last)
    model = setup.model.train()
    targets = torch.randint(0, cfg.num_classes, (batch_size,), device=setup.device)
    loss_fn = build_loss("focal", cfg.num_classes).to(setup.device)
    optimizer = build_optimizer(model, "adam", lr=1e-4)
    scaler = make_grad_scaler(setup.device, precision)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast_context(setup.device, precision):
            loss = loss_fn(model(setup.clips), targets)
        scaler.scale(loss).backward()
        clip_gradients(model.parameters(), 1.0, optimizer, scaler)
        scaler.step(optimizer)
        scaler.update()

    return _time_steps(step, setup.device, steps, warmup, repeats, batch_size)


def measure_inference_throughput(
    cfg: ModelConfig,
    batch_size: int = 2,
    steps: int = 3,
    device: str = "cpu",
    height: int = 224,
    width: int = 398,
    precision: str = "auto",
    channels_last: bool | str = "auto",
    warmup: int = 1,
    repeats: int = 3,
) -> Rate:
    """Inference clips/s (median of `repeats`): every clip encodes all its stacks (no feature reuse)."""
    setup = _setup(cfg, batch_size, device, height, width, channels_last)
    model = setup.model.eval()

    def step() -> None:
        with torch.inference_mode(), autocast_context(setup.device, precision):
            model(setup.clips)

    return _time_steps(step, setup.device, steps, warmup, repeats, batch_size)


def measure_head_throughput(
    cfg: ModelConfig,
    batch_size: int = 2,
    steps: int = 3,
    device: str = "cpu",
    height: int = 224,
    width: int = 398,
    precision: str = "auto",
    channels_last: bool | str = "auto",
    warmup: int = 1,
    repeats: int = 3,
) -> Rate:
    """Windows/s of `head` alone on cached stack features: predict's per-window cost besides one encode."""
    setup = _setup(cfg, batch_size, device, height, width, channels_last)
    model = setup.model.eval()
    with torch.inference_mode(), autocast_context(setup.device, precision):
        features = model.encode(setup.clips.flatten(0, 1)).unflatten(0, setup.clips.shape[:2])

    def step() -> None:
        with torch.inference_mode(), autocast_context(setup.device, precision):
            model.head(features)

    return _time_steps(step, setup.device, steps, warmup, repeats, batch_size)


def _configs(args: argparse.Namespace) -> list[tuple[str, ModelConfig, int, int]]:
    base = ModelConfig(backbone=args.backbone, pooling=args.pooling, num_classes=13)
    rows = [("default", base, args.height, args.width)]
    if args.small:
        small = base.replace(temporal_channels=64)
        rows.append(("small (128×224, 64-ch head)", small, 128, 224))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N] [default: cpu]")
    parser.add_argument("--backbone", default="tf_efficientnetv2_b0", help="timm model name")
    parser.add_argument("--pooling", default="netvlad", choices=["netvlad", "gem"])
    parser.add_argument("--batch-size", type=positive_int, default=2)
    parser.add_argument("--steps", type=positive_int, default=3, help="timed steps per run")
    parser.add_argument("--warmup", type=non_negative_int, default=1, help="untimed steps first")
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed runs; the median is printed")
    parser.add_argument("--height", type=positive_int, default=224)
    parser.add_argument("--width", type=positive_int, default=398)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    parser.add_argument(
        "--channels-last", default="auto", choices=["auto", "on", "off"], help="2D encoder memory format"
    )
    parser.add_argument("--small", action=argparse.BooleanOptionalAction, default=True, help="also a small config")
    parser.add_argument("--threads", type=non_negative_int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--json", action="store_true", help="print one JSON list on stdout, nothing else")
    args = parser.parse_args(argv)

    require_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    channels_last = {"auto": "auto", "on": True, "off": False}[args.channels_last]
    device = torch.device(args.device)
    precision = resolve_precision(device, args.precision)
    common = dict(
        batch_size=args.batch_size,
        steps=args.steps,
        device=args.device,
        precision=precision,
        channels_last=channels_last,
        warmup=args.warmup,
        repeats=args.repeats,
    )
    results = []
    for label, cfg, height, width in _configs(args):
        train = measure_train_throughput(cfg, height=height, width=width, **common)
        infer = measure_inference_throughput(cfg, height=height, width=width, **common)
        head = measure_head_throughput(cfg, height=height, width=width, **common)
        # Predict with feature reuse encodes one new stack per window, then runs the head once.
        predict = 1.0 / (1.0 / (infer * cfg.stacks) + 1.0 / head)
        predict_cpu = infer.cpu_s_per_item / cfg.stacks + head.cpu_s_per_item
        results.append(
            {
                "config": label,
                "backbone": cfg.backbone,
                "pooling": cfg.pooling,
                "input": [height, width],
                "batch_size": args.batch_size,
                "device": str(device),
                "precision": precision,
                "channels_last": use_channels_last(device, channels_last),
                "threads": torch.get_num_threads(),
                "train_clips_per_s": round(train, 3),
                "inference_clips_per_s": round(infer, 3),
                "train_images_per_s": round(train * cfg.stacks, 2),
                "inference_images_per_s": round(infer * cfg.stacks, 2),
                "head_windows_per_s": round(head, 2),
                "predict_windows_per_s_cached": round(predict, 2),
                "train_cpu_s_per_clip": round(train.cpu_s_per_item, 5),
                "inference_cpu_s_per_clip": round(infer.cpu_s_per_item, 5),
                "head_cpu_s_per_window": round(head.cpu_s_per_item, 5),
                "predict_cpu_s_per_window_cached": round(predict_cpu, 5),
            }
        )
        if not args.json:
            print(
                f"{label:<28} {cfg.backbone} {height}×{width} B={args.batch_size} {device} {precision}: "
                f"train {train:.2f} clips/s ({train * cfg.stacks:.1f} img/s), "
                f"inference {infer:.2f} clips/s ({infer * cfg.stacks:.1f} img/s), "
                f"train/inference {train / infer:.2f}; head alone {head:.1f} windows/s, "
                f"predict with cached stacks ≈ {predict:.1f} windows/s; "
                f"CPU s per clip: train {train.cpu_s_per_item:.3g}, inference {infer.cpu_s_per_item:.3g}; "
                f"per window: head {head.cpu_s_per_item:.3g}, predict ≈ {predict_cpu:.3g}",
                flush=True,
            )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
