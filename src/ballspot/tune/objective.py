"""One trial = one real training run in its own folder, reporting its validation metric every epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballspot.engine.config import TrainConfig
from ballspot.errors import BallspotError
from ballspot.tune.space import ParamSpec, suggest

METRICS: dict[str, tuple[str, str]] = {
    "val_macro_f1": ("valid_macro_f1", "maximize"),
    "val_accuracy": ("valid_accuracy", "maximize"),
    "val_loss": ("valid_loss", "minimize"),
}
"""`--metric` -> (column of the run's metrics.csv, direction)."""

RUN_ATTR, CONFIG_ATTR, ERROR_ATTR, EPOCHS_ATTR = "run", "config", "error", "epochs_done"


def metric_column(metric: str) -> tuple[str, str]:
    """(metrics.csv column, direction) of a `--metric` name."""
    if metric not in METRICS:
        raise BallspotError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return METRICS[metric]


TRIAL_PREFIX = "trial-"


def trial_run_dir(runs_root: Path, study_name: str, number: int) -> Path:
    """Where trial `number` of a study trains: <runs>/<study>/trial-<number>."""
    return runs_root / study_name / f"{TRIAL_PREFIX}{number}"


def trial_folders(runs_root: Path, study_name: str) -> dict[int, Path]:
    """The trial run folders under <runs>/<study> that hold something, by trial number."""
    found = {}
    for folder in (runs_root / study_name).glob(f"{TRIAL_PREFIX}*"):
        number = folder.name.removeprefix(TRIAL_PREFIX)
        if number.isdigit() and folder.is_dir() and any(folder.iterdir()):
            found[int(number)] = folder
    return found


@dataclass
class Objective:
    """Called by `study.optimize` with each new trial: draw the options, train, return the best epoch's metric.

    Every epoch's value goes to `trial.report`; when the pruner says the trial is hopeless it stops with
    `optuna.TrialPruned`. A training failure (`BallspotError`) is recorded on the trial and re-raised, so the
    study marks that trial failed and goes on.
    """

    base: TrainConfig
    space: list[ParamSpec]
    runs_root: Path
    study_name: str
    cache_dir: Path
    metric: str = "val_macro_f1"

    def __post_init__(self) -> None:
        from ballspot.engine.runtime import select_device

        select_device(self.base.device)  # a missing GPU fails the command once, not every trial quietly
        self.check_measured(self.base)
        for spec in self.space:  # a space drawing task: dense would fail those trials one by one
            if spec.name == "task" and "dense" in spec.choices:
                self.check_measured(self.base.merged({"task": "dense"}, "search space"))

    def check_measured(self, config: TrainConfig) -> None:
        """Refuse a config whose runs do not write the metric's column: dense runs report mAP, not F1."""
        column, _ = metric_column(self.metric)
        if config.task == "dense":
            raise BallspotError(
                f"--metric {self.metric} reads {column}, which dense runs (task dense) do not measure; tune the "
                "classify or spot task"
            )

    def __call__(self, trial) -> float:
        import optuna

        from ballspot.engine.trainer import train

        column, direction = metric_column(self.metric)
        run_dir = trial_run_dir(self.runs_root, self.study_name, trial.number)
        trial.set_user_attr(RUN_ATTR, str(run_dir))
        params = suggest(trial, self.space)
        values: list[float] = []

        def on_epoch_end(epoch: int, row: dict[str, Any]) -> None:
            value = float(row[column])
            values.append(value)
            trial.set_user_attr(EPOCHS_ATTR, epoch + 1)
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} ({self.metric} {value:.4f})")

        try:
            config = self.base.merged(params, "search space")
            config.check()
            self.check_measured(config)
            trial.set_user_attr(CONFIG_ATTR, config.to_dict())
            train(config, run_dir, self.cache_dir, on_epoch_end=on_epoch_end)
            if not values:
                raise BallspotError(f"trial {trial.number}: training reported no epoch")
            numbers = [value for value in values if math.isfinite(value)]  # min, max keep a leading NaN
            if not numbers:
                raise BallspotError(
                    f"trial {trial.number}: its validation {self.metric} was not a number in any epoch (diverged: "
                    "a lower lr?)"
                )
        except BallspotError as exc:
            trial.set_user_attr(ERROR_ATTR, str(exc))
            raise
        return max(numbers) if direction == "maximize" else min(numbers)
