"""`ballspot train`: train the 2.5D network on a clip index, on CUDA or CPU, resumable, multi-GPU via torchrun."""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command, stop_hint
from ballspot.cli.options import (
    SEED_MAX,
    CacheDirOption,
    Color,
    DataDirOption,
    Device,
    JsonOption,
    Loss,
    Optimizer,
    Pooling,
    Precision,
    QuietOption,
    RunsDirOption,
    Sequence,
    Task,
    ThreadsOption,
    value_of,
)
from ballspot.errors import BallspotError
from ballspot.inputfiles import require_file
from ballspot.paths import absolute, expand_user

Opt = typer.Option


@command("train")
def train(
    index: Annotated[
        Path | None,
        Opt(
            "--index",
            help="Clip index from `ballspot index` (default: <data>/clips/index.parquet, else the quick start's).",
        ),
    ] = None,
    config: Annotated[
        str | None, Opt("--config", help="Recipe name (e.g. quickstart) or YAML file of options; options win.")
    ] = None,
    name: Annotated[str | None, Opt("--name", help="Run name (default: a timestamp).")] = None,
    resume: Annotated[
        bool, Opt("--resume", help="Continue the run --name from its weights/last.pt, with its own settings.")
    ] = False,
    task: Annotated[
        Task | None,
        Opt(
            help="dense (a score for every frame, from clips cut anywhere in the games; the spotter to use), "
            "classify (one label per event clip) or spot (one score per window, with background)."
        ),
    ] = None,
    epochs: Annotated[int | None, Opt(min=1, max=10_000, help="Epochs (default: 10).")] = None,
    lr: Annotated[float | None, Opt("--lr", help="Learning rate, above 0 and at most 1 (default: 1e-3).")] = None,
    dropout: Annotated[
        float | None, Opt(help="Dropout before the head, at least 0 and below 1 (default: 0.4).")
    ] = None,
    batch_size: Annotated[
        int | None, Opt("--batch-size", min=1, max=4096, help="Clips per batch (per GPU) (default: 8).")
    ] = None,
    frames: Annotated[int | None, Opt(min=1, max=256, help="Frames per clip (default: 15).")] = None,
    stride: Annotated[int | None, Opt(min=1, max=50, help="Take every n-th frame at --fps (default: 2).")] = None,
    stack_size: Annotated[
        int | None, Opt("--stack-size", min=1, max=16, help="Grey frames per stack (image channels) (default: 3).")
    ] = None,
    color: Annotated[Color | None, Opt(help="grey (stacks of grey frames) or rgb (default: grey).")] = None,
    height: Annotated[int | None, Opt(min=32, max=1080, help="Frame height (default: 224).")] = None,
    width: Annotated[int | None, Opt(min=32, max=1920, help="Frame width (default: 398).")] = None,
    crop: Annotated[
        float | None,
        Opt(help="Keep this centred share of the picture (0.1 to 1) before resizing (default: 1, all of it)."),
    ] = None,
    jitter: Annotated[int | None, Opt(min=0, max=50, help="Temporal jitter, sampled frames (default: 2).")] = None,
    backbone: Annotated[str | None, Opt(help="Any timm model name (default: tf_efficientnetv2_b0).")] = None,
    pretrained: Annotated[
        str | None,
        Opt(
            help="Backbone weights: hub (ImageNet weights downloaded by timm, cached), none (random), "
            "or a local timm weights file."
        ),
    ] = None,
    sequence: Annotated[
        Sequence | None, Opt(help="Dense head's layer along time: conv, gru, attention or none (default: conv).")
    ] = None,
    event_clips: Annotated[
        float | None,
        Opt("--event-clips", min=0.0, max=1.0, help="Dense: share of training clips placed around an event (0.75)."),
    ] = None,
    clips_per_epoch: Annotated[
        int | None,
        Opt("--clips-per-epoch", min=0, help="Dense: clips per epoch (default 0: cover the videos once)."),
    ] = None,
    no_team: Annotated[bool, Opt("--no-team", help="Dense: do not learn the acting team's side.")] = False,
    motion: Annotated[
        bool | None,
        Opt(
            "--motion/--no-motion",
            help="Feed each stack as its middle frame and the differences between its frames (what moves).",
        ),
    ] = None,
    camera: Annotated[
        bool | None,
        Opt(
            "--camera/--no-camera",
            help="Dense: the team side also reads how far the picture moves in each stack (the camera's pan).",
        ),
    ] = None,
    pooling: Annotated[Pooling | None, Opt(help="netvlad or gem (generalised mean) (default: netvlad).")] = None,
    loss: Annotated[Loss | None, Opt(help="focal or ce (default: focal).")] = None,
    gamma: Annotated[float | None, Opt(help="Focal loss gamma, 0 to 10 (default: 2).")] = None,
    optimizer: Annotated[Optimizer | None, Opt(help="adam or adamw (default: adam).")] = None,
    weight_decay: Annotated[float | None, Opt("--weight-decay", help="Weight decay, 0 to 1 (default: 0).")] = None,
    warmup_epochs: Annotated[
        float | None, Opt("--warmup-epochs", help="Linear warm-up (epochs, at least 0), then cosine (default: 1).")
    ] = None,
    precision: Annotated[
        Precision | None, Opt(help="auto, fp32, bf16 or fp16 (mixed precision on CUDA) (default: auto).")
    ] = None,
    device: Annotated[Device | None, Opt(help="auto, cpu or cuda (default: auto).")] = None,
    workers: Annotated[
        int | None, Opt(min=0, max=64, help="DataLoader workers (default: auto: 0 on CPU, 4 on CUDA).")
    ] = None,
    seed: Annotated[int | None, Opt(min=0, max=SEED_MAX, help="Random seed (default: 0).")] = None,
    no_augment: Annotated[bool, Opt("--no-augment", help="Turn training augmentation off.")] = False,
    threads: ThreadsOption = None,
    runs_dir: RunsDirOption = None,
    cache_dir: CacheDirOption = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train the 2.5D network (a timm encoder over stacks of grey frames, 3D conv, pooling) on a clip index.

    Recipes: --config quickstart | dense-quickstart | dense-cpu | soccernet-gpu | classify-cpu (or a YAML
    file); options win.
    """
    from ballspot import console, paths
    from ballspot.defaults import clip_index
    from ballspot.engine.config import resolve_settings
    from ballspot.engine.trainer import train as run_training
    from ballspot.threads import use_threads
    from ballspot.tune.machine import has_gpu

    console.set_quiet(quiet or json_output)
    use_threads(threads)
    options = {
        "task": value_of(task),
        "epochs": epochs,
        "lr": lr,
        "dropout": dropout,
        "batch_size": batch_size,
        "frames": frames,
        "stride": stride,
        "stack_size": stack_size,
        "color": value_of(color),
        "height": height,
        "width": width,
        "crop": crop,
        "jitter": jitter,
        "backbone": backbone,
        "pretrained": pretrained,
        "sequence": value_of(sequence),
        "event_clips": event_clips,
        "clips_per_epoch": clips_per_epoch,
        "team": False if no_team else None,
        "motion": motion,
        "camera": camera,
        "pooling": value_of(pooling),
        "loss": value_of(loss),
        "gamma": gamma,
        "optimizer": value_of(optimizer),
        "weight_decay": weight_decay,
        "warmup_epochs": warmup_epochs,
        "precision": value_of(precision),
        "device": value_of(device),
        "workers": workers,
        "seed": seed,
        "augment": False if no_augment else None,
    }
    options["index"] = str(index) if index else None
    cfg, asked = resolve_settings(config, options)
    network_given = any(options[key] is not None for key in NETWORK_OPTIONS)
    if config is None and not resume and not network_given and not has_gpu(cfg.device):
        console.log(
            f"no GPU: the built-in defaults ({cfg.backbone} at {cfg.height}x{cfg.width}) are sized for one; for a "
            "CPU, give a recipe sized for it: --config dense-quickstart (or quickstart)"
        )
    if not cfg.index and not resume:  # a resumed run trains on the index its checkpoint names
        cfg.index = str(clip_index(data_dir).path)
    if cfg.index:
        cfg.index = str(absolute(cfg.index))
    if cfg.pretrained is not None and not cfg.pretrained.strip():  # an unset variable: not a choice of "none"
        raise BallspotError("--pretrained is empty; give hub, none or a weights file")
    pretrained = None if cfg.pretrained in (None, "none", "hub") else expand_user(cfg.pretrained)
    if resume:  # a resumed run's weights come from its last.pt: the starting weights file is not read again
        pretrained = None
    if pretrained is not None and pretrained.exists():
        require_file(pretrained, "--pretrained")  # a folder or a pipe says what it is, not "not found"
    if pretrained is not None and not pretrained.is_file():
        raise BallspotError(
            f"weights file not found: {cfg.pretrained} (--pretrained takes hub, none or a weights file)"
        )
    if resume and not name:
        raise BallspotError("--resume needs --name of the run to continue")
    if name is not None and (
        name in ("", ".", "..")
        or "/" in name
        or "\\" in name
        or not name.isprintable()
        or name != name.strip()
        or name.startswith("-")
    ):
        raise BallspotError(
            "--name must be a folder name inside the runs folder (no '/', '..', newline, leading '-' or "
            f"surrounding spaces), got {name!r}"
        )
    run_name = name or datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = (runs_dir or paths.runs_dir(data_dir)) / run_name
    requested = None
    if resume:  # what the command line asks for; the run keeps its own settings, so a change is an error
        requested = asked
        if "index" in requested:
            requested["index"] = str(absolute(requested["index"]))
    with stop_hint(lambda: how_to_continue(run_dir)):
        summary = run_training(cfg, run_dir, cache_dir or paths.cache_dir(), resume=resume, requested=requested)
    if not summary:  # a torchrun process other than rank 0: rank 0 reports
        return
    if json_output:
        typer.echo(json.dumps(summary))
    else:
        console.result_line(summary["weights"]["best"])


NETWORK_OPTIONS = ("task", "backbone", "frames", "stride", "stack_size", "height", "width")
"""Options that say what network to train: with one of them, the defaults are a choice, not an oversight."""


def how_to_continue(run_dir: Path) -> str:
    """What a stopped run kept, and the options that continue it."""
    last = run_dir / "weights" / "last.pt"
    if not last.is_file():
        return "no epoch had finished, so nothing was kept"
    options = f"--name {shlex.quote(run_dir.name)} --resume"
    return f"its last finished epoch is in {last}; continue with the same command and {options}"
