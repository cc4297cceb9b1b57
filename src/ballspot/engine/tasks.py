"""What differs between training tasks: their data, loss, per-batch figures and validation.

- `WindowTask` (classify, spot): one label per window centred on an event (or on background);
  validation is accuracy and macro-F1 over the validation windows.
- `DenseTask` (dense): clips anywhere in whole games with a target per frame; validation scores the whole
  validation videos the way predict does and reports mAP@1 (and Team-mAP@1 when the labels have sides).
The training loop (`ballspot.engine.trainer`) is the same for both.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from ballspot import console
from ballspot.engine.config import TrainConfig
from ballspot.engine.data import output_classes, prepare_split
from ballspot.engine.dataset import WindowDataset
from ballspot.engine.losses import build_loss
from ballspot.engine.metrics import classification_summary, majority_baseline
from ballspot.engine.optim import autocast_context


def evaluate_loader(model, loader, loss_fn, device, precision) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean loss, true labels and predicted labels of a window classifier over a loader."""
    model.eval()
    total, count, truths, preds = 0.0, 0, [], []
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with autocast_context(device, precision):
                logits = model(x)
            total += float(loss_fn(logits.float(), y)) * len(y)
            count += len(y)
            truths.append(y.cpu().numpy())
            preds.append(logits.argmax(1).cpu().numpy())
    return total / max(1, count), np.concatenate(truths), np.concatenate(preds)


def load_splits(config: TrainConfig, prepare, index_path: Path, cache_dir: Path, is_main: bool, what: str):
    """(train data, valid data) from `prepare(index_path, split, config, cache_dir)`, logged by the main process."""
    if is_main and config.valid_split == config.train_split:  # a list naming both is a deliberate final fit
        console.warn(
            f"validating on the training split {config.valid_split!r}: the scores and the best epoch say how well "
            "the model fits what it saw, not how it does on unseen games"
        )
    if is_main:
        _warn_about_videos(index_path, f"{config.train_split},{config.valid_split}", config)
    data = []
    for split in (config.train_split, config.valid_split):
        if is_main:
            console.log(f"frame cache for split {split!r}{what} ...")
        data.append(prepare(index_path, split, config, cache_dir))
    return data[0], data[1]


def _warn_about_videos(index_path: Path, splits: str, config: TrainConfig) -> None:
    """A warning for each video of the splits that is far from what the model sees (tiny, a few frames a
    second, shorter than a stack); a video that cannot be read is left to the frame cache's error."""
    from ballspot.data.index import load_index, split_rows_of
    from ballspot.engine.video_fit import video_warnings
    from ballspot.errors import BallspotError
    from ballspot.video.probe import probe

    for video in split_rows_of(load_index(index_path), splits)["video"].unique():
        try:
            info = probe(video)
        except BallspotError:
            continue
        for warning in video_warnings(info, config):
            console.warn(f"{video}: {warning}")


class WindowTask:
    """Clip classification, with or without a background class."""

    columns = ("valid_loss", "valid_accuracy", "valid_macro_f1")

    def __init__(self, config: TrainConfig, index_path: Path, cache_dir: Path, is_main: bool) -> None:
        self.config = config
        self.classes = output_classes(config)
        self.train_data, self.valid_data = load_splits(config, prepare_split, index_path, cache_dir, is_main, "")
        grey = config.color == "grey"
        self.train_set: Dataset = WindowDataset(
            self.train_data.cache,
            self.train_data.targets,
            config.in_chans,
            grey,
            config.augment,
            config.seed,
            config.zoom,
        )
        self.valid_set = WindowDataset(
            self.valid_data.cache, self.valid_data.targets, config.in_chans, grey, False, config.seed
        )
        self.loss_fn = build_loss(config.loss, len(self.classes), gamma=config.gamma, alpha=config.alpha)
        self.baseline = majority_baseline(self.train_data.targets, self.valid_data.targets, self.classes, config.task)

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.loss_fn(output.float(), target)

    @staticmethod
    def correct(output: torch.Tensor, target: torch.Tensor) -> tuple[int, int]:
        """(right answers, answers) in a batch."""
        return int((output.argmax(1) == target).sum()), len(target)

    def validate(self, model: nn.Module, device: torch.device, precision: str, workers: int) -> dict[str, Any]:
        """The CSV's validation columns, plus `score` (higher is better) and `scores` (the full report)."""
        from torch.utils.data import DataLoader

        loader = DataLoader(self.valid_set, batch_size=self.config.batch_size, shuffle=False, num_workers=workers)
        valid_loss, truth, predicted = evaluate_loader(model, loader, self.loss_fn, device, precision)
        scores = classification_summary(truth, predicted, self.classes, self.config.task)
        return {
            "valid_loss": round(valid_loss, 6),
            "valid_accuracy": round(scores["accuracy"], 6),
            "valid_macro_f1": round(scores["macro_f1"], 6),
            "score": (round(scores["macro_f1"], 6), -round(valid_loss, 6)),
            "scores": scores,
        }

    def summary(self, best: dict[str, Any]) -> dict[str, Any]:
        return {
            "best_valid_macro_f1": best["scores"]["macro_f1"],
            "best_valid_accuracy": best["scores"]["accuracy"],
            "majority_baseline": self.baseline,
            "per_class": best["scores"]["per_class"],
        }

    def describe(self, row: dict[str, Any]) -> str:
        return (
            f"valid loss {row['valid_loss']:.3f}, accuracy {row['valid_accuracy']:.3f}, "
            f"macro-F1 {row['valid_macro_f1']:.3f}"
        )


class DenseTask:
    """Dense spotting: per-frame targets over clips cut anywhere; mAP@1 on whole validation videos."""

    columns = ("valid_map", "valid_team_map")

    def __init__(self, config: TrainConfig, index_path: Path, cache_dir: Path, is_main: bool) -> None:
        from ballspot.engine.dense import DenseClipDataset, DenseLoss, prepare_dense_split

        self.config = config
        self.classes = output_classes(config)

        def prepare(index: Path, split: str, config: TrainConfig, cache: Path):
            every_frame = config.every_frame and split == config.train_split
            return prepare_dense_split(index, split, config, cache, every_frame=every_frame)

        self.train_data, self.valid_data = load_splits(
            config, prepare, index_path, cache_dir, is_main, " (whole videos)"
        )
        sampled = sum(len(v.at_stride(config.stride).frames) for v in self.train_data.videos)
        clips = config.clips_per_epoch or max(1, math.ceil(sampled / config.frames))
        self.train_set: Dataset = DenseClipDataset(self.train_data, config, len(self.classes) - 1, clips)
        self.loss_fn = DenseLoss(config, len(self.classes))

    def loss(self, output, class_targets, team, team_weight) -> torch.Tensor:
        return self.loss_fn(output, class_targets, team, team_weight)

    @staticmethod
    def correct(output, class_targets, *_) -> tuple[int, int]:
        from ballspot.engine.dense import dense_accuracy

        return dense_accuracy(output, class_targets)

    def validate(self, model: nn.Module, device: torch.device, precision: str, workers: int) -> dict[str, Any]:
        from ballspot.metrics.localisation import errors_ms, games_matched_pairs, side_accuracy
        from ballspot.metrics.spotting import spotting_map, team_map_of_present_classes
        from ballspot.predict.api import dense_default_params, predictions_from_scores
        from ballspot.predict.spotter import score_sampled_video
        from ballspot.soccernet.results import with_other_sides

        model.eval()
        actions = self.classes[:-1]
        params = dense_default_params()
        labels, predicted = {}, {}
        for name, video, own in zip(self.valid_data.names, self.valid_data.videos, self.valid_data.labels, strict=True):
            track = score_sampled_video(video, model, self.config, device, self.config.batch_size, precision)
            labels[name] = [replace(a, half=1) for a in own]  # each video is scored on its own, as half 1
            predicted[name] = with_other_sides(predictions_from_scores(track, actions, params), params.threshold)
        pairs = games_matched_pairs(labels, predicted)
        errors = errors_ms(pairs)
        has_teams = self.config.team and any(a.team for game in labels.values() for a in game)
        every_team = all(a.team for game in labels.values() for a in game)  # else Team mAP is undefined, not an error
        result = spotting_map(labels, predicted, actions, 1.0, team=(has_teams and every_team) or None)
        mean_ap = 0.0 if math.isnan(result.mAP) else result.mAP
        present = team_map_of_present_classes(result) if has_teams else None
        team_map = float("nan") if present is None else present
        return {
            "valid_map": round(mean_ap, 6),
            "valid_team_map": round(team_map, 6) if not math.isnan(team_map) else "",
            "score": (round(mean_ap, 6),),
            "scores": {
                "mAP@1": mean_ap,
                "team_mAP@1": None if math.isnan(team_map) else team_map,
                "ap_per_class": {c.name: (None if c.ap != c.ap else round(c.ap, 4)) for c in result.per_class},
                "median_error_ms": float(np.median(errors)) if len(errors) else None,
                "side_accuracy": side_accuracy(pairs),
            },
        }

    def summary(self, best: dict[str, Any]) -> dict[str, Any]:
        return {
            "best_valid_map": best["scores"]["mAP@1"],
            "best_valid_team_map": best["scores"]["team_mAP@1"],
            "ap_per_class": best["scores"]["ap_per_class"],
        }

    @staticmethod
    def describe(row: dict[str, Any]) -> str:
        team = f", Team-mAP@1 {row['valid_team_map']:.3f}" if row["valid_team_map"] != "" else ""
        return f"valid mAP@1 {row['valid_map']:.3f}{team}"


def build_task(config: TrainConfig, index_path: Path, cache_dir: Path, is_main: bool) -> WindowTask | DenseTask:
    task_class = DenseTask if config.task == "dense" else WindowTask
    return task_class(config, index_path, cache_dir, is_main)
