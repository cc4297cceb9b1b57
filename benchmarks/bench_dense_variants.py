"""Dense-recipe variants at an equal step budget, scored on games no variant was chosen on.

    python benchmarks/bench_dense_variants.py --index QS/clips/index.parquet --extra XV/clips/index.parquet \
        --variant base "" --variant stack6 "stack_size=6 frames=48" --steps 700

Each variant is the recipe (`--recipe`, default dense-quickstart) with `key=value` changes, trained from
random weights for exactly `--steps` optimiser steps (same seed, same clips), then scored as `predict`
scores (mAP@1 on whole videos) on: the index's validation split (never trained on: the variants train on the
`train` split unless their changes name another `train_split`), every game of `--extra` (an index of
another league, e.g. `ballspot download synthetic --games 3 --seed 7`, segmented with `--no-clips`), and
the first training video (how well the variant fits what it trained on). `mean` weighs each game alike.
The encoder runs channels-last, as `ballspot train` runs it.
Prints one row per variant with training CPU seconds (validation excluded), wall seconds, the median
|predicted − true| of the matched events (validation game / extra games) and the share of them given the
right team side (validation / extra / training game).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import time
from dataclasses import replace
from pathlib import Path

import torch
from bench_common import positive_int
from torch.utils.data import DataLoader

from ballspot.engine.config import resolve_config
from ballspot.engine.dense import DenseSplit, prepare_dense_split
from ballspot.engine.optim import build_optimizer, build_scheduler, use_channels_last
from ballspot.engine.tasks import DenseTask
from ballspot.engine.trainer import _model_config, weight_average
from ballspot.errors import BallspotError
from ballspot.models.network import build_model


def parse_changes(text: str) -> dict:
    changes = {}
    for item in shlex.split(text):
        key, _, value = item.partition("=")
        try:
            changes[key] = json.loads(value)
        except json.JSONDecodeError:
            changes[key] = value
    return changes


def whole_index(index: Path, config, cache: Path) -> DenseSplit:
    """Every video of every split of `index`, as one split."""
    parts = []
    for split in ("train", "valid", "test"):
        try:
            parts.append(prepare_dense_split(index, split, config, cache))
        except BallspotError:  # a split with no games
            continue
    fields = ("videos", "events", "labels", "names")
    return DenseSplit(*(sum((getattr(part, field) for part in parts), []) for field in fields))


def score(task: DenseTask, model, games: DenseSplit) -> tuple[float, float | None, float | None, float | None]:
    """(mAP@1, Team-mAP@1, median |predicted − true| ms of the matched events, share of them given the right
    side) of `model` on `games`, as training's validation computes them."""
    kept = task.valid_data
    task.valid_data = games
    try:
        result = task.validate(model, torch.device("cpu"), "fp32", 0)
    finally:
        task.valid_data = kept
    team = result["valid_team_map"]
    scores = result["scores"]
    return result["valid_map"], (None if team == "" else team), scores["median_error_ms"], scores["side_accuracy"]


def run_variant(name: str, changes: dict, args: argparse.Namespace) -> dict:
    # the recipe's own train_split may hold the validation game (a final fit); here it must stay unseen
    base = {"train_split": "train"}
    config = resolve_config(args.recipe, {**base, **changes, "index": str(args.index), "device": "cpu"})
    task = DenseTask(config, args.index, args.cache, is_main=True)
    extra = whole_index(args.extra, config, args.cache) if args.extra else None
    torch.manual_seed(config.seed)
    model = build_model(_model_config(config, len(task.classes)))
    if use_channels_last("cpu"):  # as `ballspot train` runs it
        model.to_channels_last()
    optimizer = build_optimizer(model, config.optimizer, config.lr, config.weight_decay)
    scheduler = build_scheduler(optimizer, math.ceil(0.05 * args.steps), args.steps)  # 5% warm-up, then cosine
    averaged = weight_average(model, config.ema)  # `ema`: the moving average is what gets scored
    started, cpu_started = time.perf_counter(), time.process_time()
    step, epoch = 0, 0
    while step < args.steps:
        task.train_set.set_epoch(epoch)
        generator = torch.Generator().manual_seed(config.seed * 7919 + epoch)
        loader = DataLoader(task.train_set, batch_size=config.batch_size, shuffle=True, generator=generator)
        for x, *targets in loader:
            model.train()
            loss = task.loss(model(x), *targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            step += 1
            if averaged is not None:
                averaged.update(model, step=step)
            if step >= args.steps:
                break
        epoch += 1
    train_cpu, train_wall = time.process_time() - cpu_started, time.perf_counter() - started
    model = model if averaged is None else averaged.module
    valid_map, valid_team, valid_error, valid_side = score(task, model, task.valid_data)
    row = {"variant": name, "changes": changes, "steps": args.steps, "train_cpu_s": round(train_cpu, 1)}
    row.update({"train_s": round(train_wall, 1), "valid": valid_map, "valid_team": valid_team})
    row["valid_error_ms"], row["valid_side"] = valid_error, valid_side
    first = task.train_data
    one_game = {field: getattr(first, field)[:1] for field in ("videos", "events", "labels", "names")}
    train_game = score(task, model, replace(first, **one_game))
    row["train_game"], row["train_side"] = train_game[0], train_game[3]
    games = len(task.valid_data.videos)
    if extra is not None:
        row["extra"], row["extra_team"], row["extra_error_ms"], row["extra_side"] = score(task, model, extra)
        count = len(extra.videos)
        row["mean"] = round((valid_map * games + row["extra"] * count) / (games + count), 4)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="clip index of the league trained on")
    parser.add_argument("--extra", type=Path, default=None, help="clip index of another league, scored whole")
    parser.add_argument("--recipe", default="dense-quickstart")
    parser.add_argument("--variant", nargs=2, action="append", metavar=("NAME", "CHANGES"), required=True)
    parser.add_argument("--steps", type=positive_int, default=700)
    parser.add_argument("--cache", type=Path, default=Path("bench-dense-cache"))
    parser.add_argument("--threads", type=positive_int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("BALLSPOT_QUIET", "1")
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for name, text in args.variant:
        rows.append(run_variant(name, parse_changes(text), args))
        print(json.dumps(rows[-1]), flush=True)
    header = ("variant", "CPU s", "wall s", "valid", "extra", "mean", "train", "error ms", "side right")
    print(f"\n{header[0]:16s} " + " ".join(f"{h:>7s}" for h in header[1:]))
    for row in rows:
        errors = [row[k] for k in ("valid_error_ms", "extra_error_ms") if row.get(k) is not None]
        sides = ("valid_side", "extra_side", "train_side")
        cells = [
            f"{row['train_cpu_s']:7.1f}",
            f"{row['train_s']:7.1f}",
            f"{row['valid']:7.3f}",
            f"{row['extra']:7.3f}" if "extra" in row else "      -",
            f"{row['mean']:7.3f}" if "mean" in row else "      -",
            f"{row['train_game']:7.3f}",
            "/".join(f"{e:.0f}" for e in errors).rjust(7) if errors else "      -",
            "/".join("-" if row.get(k) is None else f"{row[k]:.2f}" for k in sides).rjust(10),
        ]
        print(f"{row['variant']:16s} " + " ".join(cells))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
