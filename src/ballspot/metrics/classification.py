"""Clip classification scores of a run on a split: accuracy, precision / recall / F1 (micro and macro), a
per-class table with support, the confusion matrix, and the majority-class baseline.

Background (a `spot` model's extra output): accuracy and the confusion matrix count every clip, background
clips included; precision, recall and F1, micro and macro, run over the action classes only, as in training
(`ballspot.engine.metrics.action_labels`). So an action clip called background is a missed action (it lowers
recall), and a background clip called an action is a false alarm for that action (it lowers precision).
The per-class table still lists background, marked as left out of the averages, so the supports add up to
the number of clips. An action class with no clip in the split scores 0 and still counts in the macro
averages (as in training's `valid_macro_f1`, and as SoccerNet's mAP counts a class without events).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from ballspot.classes import BACKGROUND
from ballspot.engine.metrics import action_labels
from ballspot.errors import BallspotError


@dataclass(frozen=True)
class ClassRow:
    """One row of the per-class table."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int
    """Clips of this class in the split (true label)."""
    predicted: int
    """Clips the model gave this class."""
    in_averages: bool


@dataclass(frozen=True)
class Averages:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class ClassificationScores:
    """What `classification_scores` returns; `to_dict()` is the JSON form."""

    classes: tuple[str, ...]
    task: str
    clips: int
    accuracy: float
    micro: Averages
    macro: Averages
    per_class: tuple[ClassRow, ...]
    confusion: np.ndarray
    """(classes, classes) counts: rows are true labels, columns predicted labels, in `classes` order."""

    @property
    def averaged_classes(self) -> tuple[str, ...]:
        return tuple(row.name for row in self.per_class if row.in_averages)

    @property
    def classes_without_clips(self) -> tuple[str, ...]:
        return tuple(row.name for row in self.per_class if row.in_averages and row.support == 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "classes": list(self.classes),
            "averaged_over": list(self.averaged_classes),
            "clips": self.clips,
            "accuracy": self.accuracy,
            "micro": vars(self.micro),
            "macro": vars(self.macro),
            "per_class": [
                {"class": row.name, **{k: v for k, v in vars(row).items() if k != "name"}} for row in self.per_class
            ],
            "confusion_matrix": self.confusion.tolist(),
        }


def classification_scores(
    truth: Sequence[int] | np.ndarray, predicted: Sequence[int] | np.ndarray, classes: Sequence[str], task: str
) -> ClassificationScores:
    """Scores of `predicted` against `truth` (label ids into `classes`); background left out of the averages
    when `task` is spot (see the module docstring)."""
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise ValueError("truth and predicted must be 1-D arrays of the same length")
    classes = tuple(classes)
    every = list(range(len(classes)))
    averaged = set(action_labels(list(classes), task))
    if task == "spot" and classes[-1] != BACKGROUND:
        raise ValueError(f"a spot model's last class is {BACKGROUND}, got {classes[-1]!r}")
    if not len(truth):
        raise ValueError("no clips to score")
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=every, zero_division=0)
    matrix = confusion_matrix(truth, predicted, labels=every)
    labels = sorted(averaged)

    def averages(kind: str) -> Averages:
        p, r, f, _ = precision_recall_fscore_support(truth, predicted, labels=labels, average=kind, zero_division=0)
        return Averages(float(p), float(r), float(f))

    rows = tuple(
        ClassRow(
            name=name,
            precision=float(precision[k]),
            recall=float(recall[k]),
            f1=float(f1[k]),
            support=int(support[k]),
            predicted=int(matrix[:, k].sum()),
            in_averages=k in averaged,
        )
        for k, name in enumerate(classes)
    )
    return ClassificationScores(
        classes=classes,
        task=task,
        clips=len(truth),
        accuracy=float(accuracy_score(truth, predicted)),
        micro=averages("micro"),
        macro=averages("macro"),
        per_class=rows,
        confusion=matrix.astype(np.int64),
    )


def majority_scores(
    reference: np.ndarray, truth: np.ndarray, classes: Sequence[str], task: str, source: str
) -> dict[str, Any]:
    """What always answering the most frequent class of `reference` (the training split's labels) scores on
    `truth`; `source` names where `reference` came from."""
    majority = int(np.bincount(np.asarray(reference, dtype=np.int64), minlength=len(classes)).argmax())
    scores = classification_scores(truth, np.full_like(np.asarray(truth), majority), classes, task)
    return {
        "class": classes[majority],
        "from": source,
        "accuracy": scores.accuracy,
        "micro_f1": scores.micro.f1,
        "macro_f1": scores.macro.f1,
    }


def confusion_csv(matrix: np.ndarray, classes: Sequence[str]) -> str:
    """The matrix as CSV: a header row of predicted classes, then one row per true class."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["true \\ predicted", *classes])
    for name, row in zip(classes, np.asarray(matrix).tolist(), strict=True):
        writer.writerow([name, *row])
    return buffer.getvalue()


# ---- a run's weights on a split of the clip index -------------------------------------------------------------

METRICS_FILE = "metrics.json"
CONFUSION_CSV = "confusion_matrix.csv"
CONFUSION_PNG = "confusion_matrix.png"


def run_folder_of(weights: Path) -> Path:
    """`runs/X` for `runs/X/weights/best.pt`; the file's own folder for weights kept elsewhere."""
    parent = weights.resolve().parent
    return parent.parent if parent.name == "weights" else parent


def default_out_dir(weights: Path, split: str) -> Path:
    """Where a run's evaluation on `split` goes unless told: `<run>/eval/<split>/`."""
    return run_folder_of(weights) / "eval" / split


def _baseline_reference(index, split: str, config, evaluated: np.ndarray) -> tuple[np.ndarray, str]:
    """The training split's labels when the index has them (what a model could have learnt the majority
    from), else the evaluated split's own."""
    from ballspot.engine.data import split_rows, targets
    from ballspot.errors import BallspotError

    if config.train_split != split:
        try:
            return targets(split_rows(index, config.train_split, config), config), f"split {config.train_split}"
        except BallspotError:
            pass
    return evaluated, f"split {split} (the evaluated one)"


def evaluate_run(
    weights: Path,
    index_path: Path,
    split: str,
    cache_dir: Path,
    device: str = "auto",
    batch_size: int | None = None,
) -> dict[str, Any]:
    """Classify every clip of `split` with the run's weights; the report `write_report` saves.

    The checkpoint carries its config (frames, size, stride, colour, task) and class list, so the clips are
    read exactly as in training, without augmentation.
    """
    import time

    from torch.utils.data import DataLoader

    from ballspot import console
    from ballspot.data.index import load_index
    from ballspot.engine.checkpoint import load_model
    from ballspot.engine.data import prepare_split
    from ballspot.engine.dataset import WindowDataset
    from ballspot.engine.losses import build_loss
    from ballspot.engine.runtime import select_device
    from ballspot.engine.tasks import evaluate_loader
    from ballspot.engine.trainer import resolve_workers

    started = time.perf_counter()
    target_device = select_device(device)
    model, config, classes = load_model(weights, device=str(target_device))
    if config.task == "dense":
        raise BallspotError(
            f"{weights} is a dense spotter: score it with `ballspot predict` then `ballspot evaluate --predictions`"
        )
    index = load_index(index_path)
    console.log(f"frame cache for split {split!r} ...")
    data = prepare_split(index_path, split, config, cache_dir)
    samples = WindowDataset(data.cache, data.targets, config.in_chans, config.color == "grey", False, config.seed)
    loader = DataLoader(
        samples,
        batch_size=batch_size or config.batch_size,
        shuffle=False,
        num_workers=resolve_workers(None, target_device),
        pin_memory=target_device.type == "cuda",
    )
    loss_fn = build_loss(config.loss, len(classes), gamma=config.gamma, alpha=config.alpha).to(target_device)
    console.log(f"classifying {len(samples)} clip(s) of split {split!r} on {target_device} ...")
    # The run's mixed precision on CUDA; fp32 on a CPU (where fp16 cannot run and bf16 is often slower).
    precision = config.precision if target_device.type == "cuda" else "fp32"
    loss, truth, predicted = evaluate_loader(model, loader, loss_fn, target_device, precision)
    scores = classification_scores(truth, predicted, classes, config.task)
    reference, source = _baseline_reference(index, split, config, truth)
    warnings = []
    if scores.classes_without_clips:
        warnings.append(
            f"{len(scores.classes_without_clips)} class(es) have no clip in split {split!r} "
            f"({', '.join(scores.classes_without_clips)}): they score 0 and still count in the macro averages"
        )
    report: dict[str, Any] = {
        "mode": "classification",
        "weights": str(weights),
        "run": str(run_folder_of(weights)),
        "index": str(index_path),
        "split": split,
        "device": str(target_device),
        "loss": float(loss),
        **scores.to_dict(),
        "background": None
        if config.task != "spot"
        else (
            f"{BACKGROUND} counts in accuracy and the confusion matrix; precision, recall and F1 (micro, macro) "
            "are over the action classes only: an action clip called background is a miss, a background clip "
            "called an action a false alarm"
        ),
        "majority_baseline": majority_scores(reference, truth, classes, config.task, source),
        "warnings": warnings,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return report


def write_report(report: dict[str, Any], out_dir: Path) -> dict[str, str]:
    """The confusion matrix (CSV, PNG), then the metrics JSON (last, so its presence means all is there);
    each file atomically. Returns the paths, also recorded in the JSON under `files`."""
    from ballspot.atomic import ensure_dir, write_json, write_text
    from ballspot.metrics.confusion_plot import save_confusion_png

    ensure_dir(out_dir)
    files = {
        "metrics": str(out_dir / METRICS_FILE),
        "confusion_csv": str(out_dir / CONFUSION_CSV),
        "confusion_png": str(out_dir / CONFUSION_PNG),
    }
    matrix, classes = np.asarray(report["confusion_matrix"]), report["classes"]
    write_text(out_dir / CONFUSION_CSV, confusion_csv(matrix, classes))
    title = f"{Path(report['weights']).name} on split {report['split']}: {report['clips']} clips"
    save_confusion_png(matrix, classes, out_dir / CONFUSION_PNG, title)
    report["files"] = files
    write_json(out_dir / METRICS_FILE, report)
    return files
