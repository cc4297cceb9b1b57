"""Shared set-up of the inference benchmarks: a synthetic league with labels, an untrained dense checkpoint."""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


def require_device(device: str) -> None:
    """Exit with one line when CUDA is asked for and absent (these scripts never fall back silently)."""
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            sys.exit(
                f"error: --device {device}: no CUDA GPU is visible here (run this on a GPU machine, or --device cpu)"
            )


def make_league(folder: Path, games: int = 1, minutes: float = 1.0, seed: int = 0) -> tuple[Path, list[str]]:
    """Synthetic games (224p video + Labels-ball.json) under `folder/league`: (root, game ids)."""
    from ballspot.synthetic.league import generate_league

    root = folder / "league"
    ids = generate_league(root, games=games, minutes=minutes, seed=seed, progress=False)
    return root, ids


def make_checkpoint(path: Path, backbone: str, height: int, width: int, task: str = "dense") -> dict:
    """An untrained spotter (speed does not depend on the weights), saved the way `ballspot train` saves one."""
    from ballspot.engine.config import TrainConfig

    config = save_untrained(path, TrainConfig(backbone=backbone, task=task, height=height, width=width))
    return {k: config.to_dict()[k] for k in ("task", "backbone", "height", "width", "frames", "stride")}


def save_untrained(path: Path, config):
    """Save a spotter of `config` (a TrainConfig) with seed-0 random weights through the trainer's checkpoint
    writer; returns the checked config."""
    import torch

    from ballspot.engine.checkpoint import save_checkpoint
    from ballspot.engine.data import output_classes
    from ballspot.engine.trainer import _model_config
    from ballspot.models.network import build_model

    config.check()
    classes = output_classes(config)
    model_config = _model_config(config, len(classes))
    torch.manual_seed(0)
    model = build_model(model_config)
    payload = {"config": config.to_dict(), "model_config": model_config.to_dict(), "classes": classes}
    save_checkpoint(path, {**payload, "task": config.task, "epoch": 0, "model": model.state_dict()})
    return config


class Clock:
    """Wall time and CPU time (this process's threads plus finished children such as ffmpeg) of a block."""

    def __enter__(self) -> Clock:
        self.wall = time.perf_counter()
        self.cpu = time.process_time() + _children_cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall_s = time.perf_counter() - self.wall
        self.cpu_s = time.process_time() + _children_cpu() - self.cpu


class Times(NamedTuple):
    """Wall seconds and CPU seconds (this process's threads plus finished children), e.g. medians of runs."""

    wall_s: float
    cpu_s: float


def median_timed(function: Callable[[], object], repeats: int = 1) -> tuple[Times, object]:
    """Call `function` `repeats` times, each in a Clock: the median wall seconds and the median CPU seconds
    (each the median of its own figures), and the last call's result."""
    clocks, result = [], None
    for _ in range(repeats):
        with Clock() as clock:
            result = function()
        clocks.append(clock)
    return Times(statistics.median(c.wall_s for c in clocks), statistics.median(c.cpu_s for c in clocks)), result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float | None:
    """The 1-minute load average (how busy the shared machine was), where the OS tells it."""
    try:
        import os

        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a bad value is argparse's one-line error)."""
    value = _number(int, text, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number of at least 0."""
    value = _number(int, text, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number of 0 or more."""
    value = _number(float, text, "a number")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of 0 or more, got {text}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    value = _number(float, text, "a number")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def _number(kind: type, text: str, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
