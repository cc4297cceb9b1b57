"""A study is a storage plus a name: created with `load_if_exists`, so a rerun continues it and workers join it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

from ballspot.engine.config import TrainConfig
from ballspot.errors import BallspotError
from ballspot.tune.objective import (
    CONFIG_ATTR,
    ERROR_ATTR,
    RUN_ATTR,
    Objective,
    metric_column,
    trial_folders,
)
from ballspot.tune.space import ParamSpec
from ballspot.tune.storage import StorageSpec, open_storage, root_cause

SAMPLERS = ("tpe", "random")
PRUNERS = ("median", "hyperband", "none")
METRIC_ATTR = "metric"
WORKER_ATTR = "worker"
STOPPED = "stopped before it finished"
"""The error of a trial stopped by Ctrl-C or SIGTERM."""
MEASURED_ON = ("task", "index", "train_split", "valid_split", "classes", "epochs")
"""What a study's trials train and are measured on, and for how long: a rerun that changes one mixes values that do
not compare."""
TUNE_OPTIONS = ("task", "index", "epochs")
"""The keys of MEASURED_ON that `ballspot tune` takes as options (the others come from --config)."""
PRUNE_STARTUP_TRIALS = 5
"""The median pruner prunes nothing until this many trials have finished."""
PRUNE_WARMUP_EPOCHS = 1
"""Nor before a trial's second epoch: the first is too noisy to judge."""


def make_sampler(name: str, seed: int | None = None, offset: int = 0):
    """The sampler; a seeded one starts from `seed + offset` (`offset`: trials the study already holds, so a
    rerun draws new parameters instead of repeating the first run's)."""
    import optuna

    if seed is not None:
        seed += offset
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise BallspotError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {name!r}")


def make_pruner(name: str, epochs: int):
    """median: stop a trial whose epoch value is worse than the median of earlier trials at that epoch;
    hyperband: successive halving over epochs, up to `epochs` (the most a trial trains); none: every trial runs
    all its epochs."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=PRUNE_STARTUP_TRIALS, n_warmup_steps=PRUNE_WARMUP_EPOCHS)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(1, epochs), reduction_factor=3)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise BallspotError(f"--pruner must be one of {', '.join(PRUNERS)}, got {name!r}")


def longest_trial(base: TrainConfig, specs: list[ParamSpec]) -> int:
    """The most epochs a trial can train: the base config's, or the largest the search space draws."""
    drawn = [spec.largest() for spec in specs if spec.name == "epochs"]
    return int(drawn[0]) if drawn else base.epochs


def open_study(spec: StorageSpec, name: str, metric: str, sampler=None, pruner=None):
    """Create the study, or load it when the storage already holds one of that name."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # ballspot logs trials itself
    _, direction = metric_column(metric)
    storage = open_storage(spec)
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=name,
            direction=direction,
            sampler=sampler,
            pruner=pruner,
            load_if_exists=True,
        )
    except Exception as exc:  # a storage that answered the connection but not the schema
        raise BallspotError(f"cannot open study {name!r} in {spec.display}: {root_cause(exc)}") from None
    with storage_errors(spec, name):
        existing = study.user_attrs.get(METRIC_ATTR)
        if existing is not None and existing != metric:
            raise BallspotError(
                f"study {name!r} optimises {existing}; rerun it with --metric {existing} or a new --study"
            )
        if study.direction.name.lower() != direction:
            raise BallspotError(f"study {name!r} was created to {study.direction.name.lower()}, not to {direction}")
        if existing is None:
            study.set_user_attr(METRIC_ATTR, metric)
        fail_dead_trials(study, storage)
    return study


@contextlib.contextmanager
def storage_errors(spec: StorageSpec, name: str) -> Iterator[None]:
    """A damaged database (one that opens, then fails as the study is read or written) as one line, not
    Optuna's or SQLAlchemy's traceback."""
    import optuna
    import sqlalchemy.exc

    try:
        yield
    except (optuna.exceptions.StorageInternalError, sqlalchemy.exc.SQLAlchemyError) as exc:
        raise BallspotError(f"study {name!r} in {spec.display}: {root_cause(exc)}") from None


def refuse_changed_space(study, specs: list[ParamSpec]) -> None:
    """A rerun whose space draws an option with another type, scale or choices than the study's earlier trials:
    Optuna refuses it in the middle of the first trial."""
    from optuna.distributions import check_distribution_compatibility

    drawn: dict = {}
    for trial in study.get_trials(deepcopy=False):
        for name, distribution in trial.distributions.items():
            drawn.setdefault(name, distribution)
    for spec in specs:
        if spec.name not in drawn:
            continue
        try:
            check_distribution_compatibility(drawn[spec.name], spec.distribution())
        except ValueError as exc:
            raise BallspotError(
                f"study {study.study_name!r} drew {spec.name} from {drawn[spec.name]} in its earlier trials, the "
                f"search space from {spec.distribution()} ({str(exc).rstrip('.')}); draw it as before, or give a "
                "new --study"
            ) from None


def refuse_changed_data(study, base: TrainConfig, tuned: set[str]) -> None:
    """A rerun whose trials would train another task, on other clips or splits, or for another number of epochs,
    than any of the study's earlier trials that recorded its configuration (failed ones measured nothing): one
    ranking, one best.yaml and the pruner's medians would mix values measured on different things. An option
    drawn from the space (`tuned`, or by that trial) is not compared."""
    now = base.to_dict()
    recorded = [trial for trial in _measured_trials(study) if CONFIG_ATTR in trial.user_attrs]
    for key in MEASURED_ON:
        if key in tuned:
            continue
        values: dict = {}  # value -> the first trial that trained it
        for trial in recorded:
            if key not in trial.params:
                values.setdefault(trial.user_attrs[CONFIG_ATTR].get(key), trial.number)
        if len(values) > 1:
            (a, first), (b, second) = list(values.items())[:2]
            raise BallspotError(
                f"study {study.study_name!r} already mixes {key} {a!r} (trial {first}) and {b!r} (trial {second}): "
                "their values do not compare; give a new --study to start another study"
            )
        for before, number in values.items():
            if before != now[key]:
                raise BallspotError(
                    f"study {study.study_name!r} trained {key} {before!r} in its earlier trials (trial {number}), "
                    f"this run {now[key]!r}: their values would not compare; rerun it with {_as_given(key, before)}, "
                    "or give a new --study to start another study"
                )


def _measured_trials(study) -> list:
    """The study's trials that did not fail, in number order: those whose values rank or prune."""
    trials = [trial for trial in study.get_trials(deepcopy=False) if trial.state.name != "FAIL"]
    return sorted(trials, key=lambda trial: trial.number)


def _as_given(key: str, value: object) -> str:
    """How a rerun gives training option `key` the value `value`: `--epochs 3`, or `classes 'x'` (in --config)."""
    return f"--{key} {value}" if key in TUNE_OPTIONS else f"{key} {value!r}"


def refuse_foreign_runs(study, runs_root: Path, where: str) -> None:
    """Trial folders under <runs>/<study> whose trials the study does not hold (a study of the same name in
    another storage, or one deleted and started again): its new trials, numbered from 0, would each fail on one."""
    folders = trial_folders(runs_root, study.study_name)  # before the trials, which other workers may be adding
    held = {trial.number for trial in study.get_trials(deepcopy=False)}
    foreign = sorted(number for number in folders if number not in held)
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise BallspotError(
            f"{runs_root / study.study_name} holds {folders[foreign[0]].name}{more} of another study named "
            f"{study.study_name!r} (in another storage, or a deleted one): study {study.study_name!r} in {where} has "
            "no such trial; give another --study or --runs-dir, or move those folders away"
        )


def continue_sampler(study, name: str, seed: int | None) -> None:
    """Give a seeded study a sampler seeded past the trials it holds (nothing to do without a seed)."""
    if seed is not None:
        study.sampler = make_sampler(name, seed, len(study.trials))


def worker_id() -> str:
    """This process, as recorded on the trials it runs: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def fail_dead_trials(study, storage) -> list[int]:
    """Mark FAIL the RUNNING trials whose worker on this machine is gone (killed): a journal file has no
    heartbeat, so without this they would stay RUNNING for ever. Returns their numbers."""
    import optuna

    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get(WORKER_ATTR, "")).rpartition(":")
        if worker_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            storage.set_trial_user_attr(trial._trial_id, ERROR_ATTR, "its worker was killed")
            storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        except RuntimeError:  # another worker marked it first
            continue
        failed.append(trial.number)
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load_study(spec: StorageSpec, name: str):
    """An existing study (for reports), or a one-line error naming the studies the storage holds."""
    import optuna

    if spec.kind != "database" and spec.target.startswith(("sqlite:///", "/")):
        file = Path(spec.target.removeprefix("sqlite:///"))
        if not file.is_file():  # opening would create an empty database
            above = next((p for p in file.parents if p.exists()), None)
            if above is not None and not above.is_dir():
                raise BallspotError(
                    f"no study {name!r}: {above} is a file, not a folder; point --studies-dir (or "
                    "BALLSPOT_STUDIES_DIR) at the folder holding the studies"
                )
            raise BallspotError(f"no study {name!r}: {file} does not exist (`ballspot tune` makes it)")
    storage = open_storage(spec)
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        held = f"; it holds: {', '.join(names)}" if names else "; it holds none"
        raise BallspotError(f"no study {name!r} in {spec.display}{held}") from None
    except Exception as exc:  # a damaged database: SQLAlchemy's errors, wrapped in Optuna's
        raise BallspotError(f"cannot read study {name!r} in {spec.display}: {root_cause(exc)}") from None


def run_trials(
    study,
    objective: Objective,
    trials: int,
    timeout: float | None = None,
    on_trial: Callable[[object], None] | None = None,
) -> list[int]:
    """Run `trials` more trials in this process (others may run at the same time on the same study); returns
    their numbers.

    A trial whose training fails with a BallspotError is marked FAIL and the study goes on; an interrupt
    (Ctrl-C or SIGTERM) marks the running trial FAIL and stops.
    """
    callbacks = [lambda _study, trial: on_trial(trial)] if on_trial else None
    started: list = []

    def tracked(trial) -> float:
        trial.set_user_attr(WORKER_ATTR, worker_id())
        started.append(trial)
        try:
            return objective(trial)
        except BaseException as stop:
            if not isinstance(stop, Exception):  # said while the trial runs: Optuna then marks a Ctrl-C FAIL
                with contextlib.suppress(Exception):  # the stop goes on whatever the storage says
                    trial.set_user_attr(ERROR_ATTR, STOPPED)
            raise

    try:
        study.optimize(tracked, n_trials=trials, timeout=timeout, catch=(BallspotError,), callbacks=callbacks)
    except BaseException as stop:
        if started and not isinstance(stop, Exception):  # Ctrl-C, SIGTERM: stopped, not broken
            _fail_if_running(study, started[-1])
            _remove_if_unused(started[-1].user_attrs.get(RUN_ATTR))
        raise
    return [trial.number for trial in started]


def _fail_if_running(study, trial) -> None:
    """Mark FAIL a trial stopped by SIGTERM, which Optuna (catching Ctrl-C only) leaves RUNNING for ever."""
    import optuna

    storage = study._storage
    if storage.get_trial(trial._trial_id).state == optuna.trial.TrialState.RUNNING:
        storage.set_trial_user_attr(trial._trial_id, ERROR_ATTR, STOPPED)
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)


def refuse_all_failed(study, numbers: list[int]) -> None:
    """Trials that all failed are an error naming the first failure (every trial hit the same bad option or
    folder, most likely), not a run that ends with exit 0 and no result."""
    mine = [trial for trial in study.get_trials(deepcopy=False) if trial.number in set(numbers)]
    if mine and all(trial.state.name == "FAIL" for trial in mine):
        first = mine[0].user_attrs.get(ERROR_ATTR, "see its run folder")
        raise BallspotError(f"all {len(mine)} trial(s) failed; trial {mine[0].number}: {first}")


def _remove_if_unused(run_dir: str | None) -> None:
    """Delete an interrupted trial's folder when it holds no weights (nothing to look at or resume)."""
    if not run_dir:
        return
    folder = Path(run_dir)
    if folder.is_dir() and not any(folder.rglob("*.pt")):
        shutil.rmtree(folder, ignore_errors=True)


def describe_trial(trial, metric: str) -> str:
    """One line for people about a finished trial."""
    state = trial.state.name.lower()
    params = ", ".join(f"{k}={_short(v)}" for k, v in trial.params.items())
    if state == "complete":
        return f"trial {trial.number}: {metric} {trial.value:.4f} ({params})"
    if state == "pruned":
        epochs = trial.user_attrs.get("epochs_done", "?")
        return f"trial {trial.number}: pruned after epoch {epochs} ({params})"
    if state == "fail":
        return f"trial {trial.number}: failed: {trial.user_attrs.get(ERROR_ATTR, 'see the run folder')}"
    return f"trial {trial.number}: {state}"


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
