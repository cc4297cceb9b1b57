"""The training loop: epochs over the frame cache, validation, per-epoch CSV, checkpoints, resume, DDP.

Determinism: each epoch reseeds torch from (seed, epoch) and every sample draws its augmentation from
(seed, epoch, index), so resuming from `last.pt` ends exactly where an uninterrupted run would have (CPU).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ballspot import console
from ballspot.atomic import ensure_dir, held_alone, removed_if_left_empty, write_bytes, write_json, write_text
from ballspot.engine.checkpoint import load_checkpoint, missing_training_state, save_checkpoint
from ballspot.engine.config import RESUME_FREE, RUN_CONFIG_FILE, TrainConfig, resumed_config
from ballspot.engine.data import index_digest, output_classes
from ballspot.engine.optim import (
    autocast_context,
    build_optimizer,
    build_scheduler,
    make_grad_scaler,
    use_channels_last,
)
from ballspot.engine.runtime import Distributed, device_for, init_distributed, select_device, shutdown
from ballspot.errors import BallspotError

METRICS_FILE = "metrics.csv"
CONFIG_FILE = RUN_CONFIG_FILE
SUMMARY_FILE = "summary.json"
TRAIN_COLUMNS = ("epoch", "train_loss", "train_accuracy")
RUN_COLUMNS = ("lr", "seconds")

TRAINED_WEIGHTS = "trained_model"
"""Checkpoint key of the weights as trained, when `model` holds their moving average (`ema`); resume reads it."""

INDEX_DIGEST = "index_digest"
"""Checkpoint key of the digest of the clips the run trains on (`index_digest`); resume compares it."""

EpochCallback = Callable[[int, dict[str, Any]], None]


@dataclass(frozen=True)
class RunFolder:
    """The files of one training run."""

    root: Path

    @property
    def last(self) -> Path:
        return self.root / "weights" / "last.pt"

    @property
    def best(self) -> Path:
        return self.root / "weights" / "best.pt"

    @property
    def metrics(self) -> Path:
        return self.root / METRICS_FILE

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def summary(self) -> Path:
        return self.root / SUMMARY_FILE

    def holds_a_run(self) -> bool:
        """Whether a run trained here: its weights or its per-epoch records (config.yaml alone is what a run
        killed before its first epoch leaves)."""
        return any(path.exists() for path in (self.last, self.best, self.metrics, self.summary))

    def instead_of_last(self) -> str:
        """What can stand in for a missing or unusable weights/last.pt."""
        if self.best.is_file():  # best.pt is a checkpoint like last.pt, of its epoch: the run goes on from there
            return f"its best epoch's checkpoint can stand in: copy {self.best} to {self.last}, then --resume again"
        return "start a new run with another --name"

    def nothing_to_resume(self) -> str:
        """Why `--resume` cannot continue the run (it has no weights/last.pt), and what can."""
        if self.best.is_file():
            return f"run {self.root.name} has no weights/last.pt to continue from; {self.instead_of_last()}"
        if self.holds_a_run():
            return (
                f"run folder {self.root} holds no weights to continue from (no weights/last.pt or best.pt); start a "
                "new run with another --name"
            )
        return f"no run to resume in {self.root} (no weights/last.pt); start it without --resume"


def write_config(path: Path, config: TrainConfig) -> None:
    import yaml

    write_text(path, yaml.safe_dump(config.to_dict(), sort_keys=False))


def write_metrics(path: Path, history: list[dict[str, Any]], valid_columns: tuple[str, ...]) -> None:
    buffer = io.StringIO()
    columns = [*TRAIN_COLUMNS, *valid_columns, *RUN_COLUMNS]
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(history)
    write_text(path, buffer.getvalue())


def _model_config(config: TrainConfig, num_outputs: int):
    from ballspot.engine.dense import positions_per_stack
    from ballspot.models.config import ModelConfig

    dense = config.task == "dense"
    return ModelConfig(
        backbone=config.backbone,
        num_classes=num_outputs,
        stacks=config.stacks,
        stack_size=config.in_chans,
        pooling=config.pooling,
        dropout=config.dropout,
        drop_path=config.drop_path,
        pretrained=None if config.pretrained in (None, "", "none") else config.pretrained,
        head="dense" if dense else "window",
        positions_per_stack=positions_per_stack(config) if dense else 1,
        sequence=config.sequence,
        sequence_layers=config.sequence_layers,
        sequence_channels=config.sequence_channels,
        team=dense and config.team,
        motion=config.motion,
        camera=dense and config.team and config.camera,
    )


def weight_average(model: torch.nn.Module, decay: float):
    """A moving average of `model`'s weights and buffers (timm's ModelEmaV3), or None when `decay` is 0.

    Its decay warms up as n / (n + 1) over the first steps (a plain mean of the weights so far) until it
    reaches `decay`, so the random first weights do not linger in a short run.
    """
    if decay <= 0:
        return None
    from timm.utils import ModelEmaV3

    return ModelEmaV3(model, decay=decay, use_warmup=True, warmup_power=1.0)


def resolve_workers(workers: int | None, device: torch.device) -> int:
    """DataLoader workers: on a CPU the model needs every core, so `auto` (None) is 0 there, 4 on CUDA."""
    if workers is not None:
        return workers
    return 4 if device.type == "cuda" else 0


def train(
    config: TrainConfig,
    run_dir: Path,
    cache_dir: Path,
    resume: bool = False,
    on_epoch_end: EpochCallback | None = None,
    requested: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train (or resume) a run in `run_dir`; returns the run summary. A resumed run keeps its saved settings:
    `requested` (what the command line asked for) may change only where it runs (`resumed_config`)."""
    config.check()
    device = select_device(config.device)
    dist = init_distributed(device)
    run = RunFolder(run_dir)
    try:
        with trained_alone(run, dist.is_main), forgotten_if_unstarted(run, fresh=dist.is_main and not resume):
            on_device = device_for(device, dist)
            summary = _train(config, run, cache_dir, resume, on_epoch_end, on_device, dist, requested or {})
        dist.barrier()  # every process tears the group down together (gloo aborts one whose peer left mid-exchange)
        return summary
    finally:
        shutdown(dist)


@contextlib.contextmanager
def trained_alone(run: RunFolder, is_main: bool) -> Iterator[None]:
    """Refuse a second training of the same run folder while one runs (two commands with one --name): both
    would write its weights and metrics, mixed. The lock file sits beside the run folder, gone after it."""
    if not is_main:  # the other processes of one distributed run share the folder
        yield
        return
    lock = run.root.parent / f".{run.root.name}.lock"
    busy = f"run {run.root.name} is being trained by another process ({run.root}); wait for it, or use another --name"
    with removed_if_left_empty(run.root.parent), held_alone(lock, busy):
        yield


@contextlib.contextmanager
def forgotten_if_unstarted(run: RunFolder, fresh: bool) -> Iterator[None]:
    """A new run that stops (an error, Ctrl-C, SIGTERM) before its first epoch is saved (weights/last.pt, written
    last) leaves nothing behind: the files it wrote go, and the folders it made, so the same command starts it
    again cleanly. A run already there (which the new one is refused over) keeps its files."""
    if not fresh or run.holds_a_run():
        yield
        return
    with removed_if_left_empty(run.last.parent):
        try:
            yield
        except BaseException:
            if not run.last.exists():
                for path in (run.best, run.metrics, run.summary, run.config):
                    with contextlib.suppress(OSError):
                        path.unlink(missing_ok=True)
            raise


def resumable_checkpoint(run: RunFolder) -> dict[str, Any]:
    """The run's weights/last.pt, which must hold the training state `--resume` goes on from; one that cannot
    be read is an error that also says what can stand in for it."""
    try:
        checkpoint = load_checkpoint(run.last)
    except BallspotError as exc:
        raise BallspotError(f"{exc}; {run.instead_of_last()}") from None
    missing = missing_training_state(checkpoint)
    if missing:
        raise BallspotError(
            f"{run.last} cannot be resumed from: it holds no valid {', '.join(missing)} (the training state a run "
            f"saves after each epoch); {run.instead_of_last()}"
        )
    return checkpoint


def moved_index(saved: TrainConfig, requested: dict[str, Any], checkpoint: dict[str, Any]) -> TrainConfig:
    """The run's `saved` settings, with its index where `requested` says it lies now when that file lists the
    clips the run trains on (its digest is the checkpoint's): the data moved, say. Another index is left to
    `resumed_config`, which refuses it as a change."""
    given = requested.get("index")
    if not given or given == saved.index or INDEX_DIGEST not in checkpoint or not Path(given).is_file():
        return saved
    if index_digest(Path(given), saved) != checkpoint[INDEX_DIGEST]:
        return saved
    return saved.merged({"index": given})


def warn_if_config_edited(run: RunFolder, settings: dict[str, Any]) -> None:
    """Warn when the run's config.yaml no longer holds the `settings` it goes on with, those of its last.pt (an
    edit by hand changes nothing: --resume writes them back over it). Only the settings the file names are
    compared: one written by an earlier version lacks those added since."""
    import yaml

    try:
        written = yaml.safe_load(run.config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return  # written again, and nothing was lost
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        written = None
    if isinstance(written, dict):
        changes = [
            f"{key} {settings.get(key)!r} -> {value!r}"
            for key, value in written.items()
            if key not in RESUME_FREE and settings.get(key) != value
        ]
        if not changes:
            return
        what = ", ".join(changes)
    else:
        what = "not readable as settings"
    console.warn(
        f"{run.config} is not the settings run {run.root.name} trained with ({what}); --resume goes on with those in "
        "weights/last.pt and writes them back to it (to train with other settings, start a new run with another "
        "--name)"
    )


def recovered_best(run: RunFolder, checkpoint: dict[str, Any]) -> dict[str, Any] | None:
    """The best epoch of a run being resumed, as its weights/best.pt still holds it. A missing best.pt is put
    back from last.pt when that epoch was the best (the two are the same checkpoint); otherwise its weights are
    lost, which is said, and the epochs still to train choose a new best (None)."""
    best = checkpoint.get("best")
    if best is None or run.best.is_file():
        return best
    if best["epoch"] == checkpoint["epoch"] + 1:
        write_bytes(run.best, run.last.read_bytes())
        console.log(f"weights/best.pt was missing: put back from last.pt (epoch {best['epoch']}, the best so far)")
        return best
    console.warn(
        f"weights/best.pt is missing; the best epoch so far ({best['epoch']}) is lost, so best.pt will hold the best "
        "of the epochs still to train"
    )
    return None


def _train(
    config: TrainConfig,
    run: RunFolder,
    cache_dir: Path,
    resume: bool,
    on_epoch_end: EpochCallback | None,
    device: torch.device,
    dist: Distributed,
    requested: dict[str, Any],
) -> dict[str, Any]:
    from ballspot.models.network import build_model

    checkpoint = None
    if resume:
        if not run.last.is_file():
            raise BallspotError(run.nothing_to_resume())
        checkpoint = resumable_checkpoint(run)
        started = TrainConfig.from_dict(checkpoint["config"], str(run.last))
        config = resumed_config(moved_index(started, requested, checkpoint), requested, run.root.name)
        if checkpoint["epoch"] + 1 >= config.epochs:
            weights = run.best if run.best.is_file() else run.last
            raise BallspotError(
                f"run {run.root.name} already finished its {config.epochs} epochs (weights: {weights}); to train "
                "longer, start a new run with another --name and more --epochs"
            )
        if dist.is_main:
            checkpoint["best"] = recovered_best(run, checkpoint)
            warn_if_config_edited(run, started.to_dict())
    elif run.holds_a_run():
        raise BallspotError(f"run folder {run.root} already holds a run; use --resume or another --name")
    from ballspot.engine.tasks import build_task

    classes = output_classes(config)
    torch.manual_seed(config.seed)

    index_path = Path(config.index)
    clips = index_digest(index_path, config)
    if checkpoint is not None and checkpoint.get(INDEX_DIGEST, clips) != clips:  # none in an earlier version's
        raise BallspotError(
            f"clip index {index_path} no longer holds the clips run {run.root.name} trained on (it was written again "
            "since, with other games, events or labels); --resume goes on with those only: put that index back, or "
            "start a new run with another --name"
        )
    if dist.is_main:  # the first process decodes the frame caches, the others then map them
        task = build_task(config, index_path, cache_dir, is_main=True)
    dist.barrier()
    if not dist.is_main:
        task = build_task(config, index_path, cache_dir, is_main=False)
    train_set = task.train_set

    model_config = _model_config(config, len(classes))
    # a resumed run's weights come from last.pt: the backbone's starting weights (a file, a download) are not read
    model = build_model(model_config, load_pretrained=checkpoint is None).to(device)
    if dist.is_main:  # only once the data and the model are known good: a typo leaves no half-made run folder
        ensure_dir(run.root / "weights")
        write_config(run.config, config)
    if use_channels_last(device):
        model.to_channels_last()
    net = model
    if dist.enabled:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    task.loss_fn.to(device)
    sampler = DistributedSampler(train_set, shuffle=True, seed=config.seed) if dist.enabled else None
    steps_per_epoch = math.ceil(len(train_set) / (config.batch_size * dist.world_size))
    optimizer = build_optimizer(model, config.optimizer, config.lr, config.weight_decay)
    scheduler = build_scheduler(optimizer, int(config.warmup_epochs * steps_per_epoch), config.epochs * steps_per_epoch)
    scaler = make_grad_scaler(device, config.precision)

    averaged = weight_average(model, config.ema)
    kept = model if averaged is None else averaged.module  # the weights validated, saved and predicted with
    start_epoch, history, best = 0, [], None
    if checkpoint is not None:
        model.load_state_dict(checkpoint.get(TRAINED_WEIGHTS, checkpoint["model"]))
        if averaged is not None:
            averaged.module.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        if checkpoint["scaler"]:  # empty from an fp32 or bf16 run: resumed in fp16 (another GPU), it starts afresh
            scaler.load_state_dict(checkpoint["scaler"])
        start_epoch, history, best = checkpoint["epoch"] + 1, checkpoint["history"], checkpoint.get("best")
        console.log(f"resuming {run.root.name} at epoch {start_epoch + 1}/{config.epochs}")

    workers = resolve_workers(config.workers, device)
    first_validated = min(config.validate_from, config.epochs)  # the last epoch always validates
    summary: dict[str, Any] = {}
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, config.epochs):
        started = time.perf_counter()
        torch.manual_seed(config.seed * 1_000_003 + epoch)
        train_set.set_epoch(epoch)
        if sampler is not None:
            sampler.set_epoch(epoch)
        loader = DataLoader(
            train_set,
            batch_size=config.batch_size,
            shuffle=sampler is None,
            sampler=sampler,
            generator=torch.Generator().manual_seed(config.seed * 7919 + epoch),
            num_workers=workers,
            pin_memory=device.type == "cuda",
        )
        net.train()
        total_loss, seen, correct, answered = 0.0, 0, 0, 0
        with console.progress() as bar:
            progress = bar.add_task(f"epoch {epoch + 1}/{config.epochs}", total=len(loader))
            for x, *targets in loader:
                x = x.to(device, non_blocking=True)
                targets = [t.to(device, non_blocking=True) for t in targets]
                optimizer.zero_grad(set_to_none=True)
                with autocast_context(device, config.precision):
                    output = net(x)
                loss = task.loss(output, *targets)
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                if config.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                step += 1
                if averaged is not None:
                    averaged.update(model, step=step)
                right, answers = task.correct(output, *targets)
                total_loss += float(loss.detach()) * len(x)
                seen += len(x)
                correct += right
                answered += answers
                bar.update(
                    progress, advance=1, description=f"epoch {epoch + 1}/{config.epochs} loss {total_loss / seen:.3f}"
                )
        if dist.enabled:  # each process saw its share of the epoch: the CSV reports all of them
            sums = torch.tensor([total_loss, seen, correct, answered], dtype=torch.float64, device=device)
            torch.distributed.all_reduce(sums)
            total_loss, seen, correct, answered = float(sums[0]), int(sums[1]), int(sums[2]), int(sums[3])
        if not dist.is_main:
            dist.barrier()
            continue
        validation = None
        if epoch + 1 >= first_validated:
            validation = task.validate(kept, device, config.precision, workers)
        row = {
            "epoch": epoch + 1,
            "train_loss": round(total_loss / max(1, seen), 6),
            "train_accuracy": round(correct / max(1, answered), 6),
            **{column: validation[column] if validation else "" for column in task.columns},
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": round(time.perf_counter() - started, 2),
        }
        history.append(row)
        improved = validation is not None and (best is None or tuple(validation["score"]) > tuple(best["score"]))
        if improved:
            best = {"epoch": epoch + 1, "score": list(validation["score"]), "scores": validation["scores"]}
        payload = {
            "config": config.to_dict(),
            "model_config": model_config.to_dict(),
            "classes": classes,
            "task": config.task,
            "epoch": epoch,
            "model": kept.state_dict(),
            **({TRAINED_WEIGHTS: model.state_dict()} if averaged is not None else {}),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict(),
            "history": history,
            "best": best,
            INDEX_DIGEST: clips,
        }
        if improved:
            save_checkpoint(run.best, payload)
        write_metrics(run.metrics, history, task.columns)
        summary = {
            "run": str(run.root),
            "task": config.task,
            "epochs_done": epoch + 1,
            "best_epoch": best["epoch"] if best else None,
            **(task.summary(best) if best else {}),
            "weights": {"best": str(run.best) if best else None, "last": str(run.last)},
        }
        write_json(run.summary, summary)
        save_checkpoint(run.last, payload)  # last: an epoch is saved once all its files are (resume redoes it else)
        checked = task.describe(row) if validation else f"validation from epoch {first_validated} on"
        console.log(f"epoch {epoch + 1}/{config.epochs}: train loss {row['train_loss']:.3f}, {checked}")
        dist.barrier()
        if on_epoch_end is not None and validation is not None:
            on_epoch_end(epoch, row)
    return summary
