"""`ballspot tune`: an Optuna study over the training options; `ballspot tune postprocess`: per-class
post-processing search on a trained run's validation games."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import app, command, error_boundary
from ballspot.cli.options import (
    SEED_MAX,
    CacheDirOption,
    Choice,
    DataDirOption,
    Device,
    JsonOption,
    Precision,
    QuietOption,
    RunsDirOption,
    Task,
    ThreadsOption,
    value_of,
)
from ballspot.errors import BallspotError
from ballspot.paths import absolute
from ballspot.tune.machine import CPU_RECIPE, CPU_TRIAL_EPOCHS

Opt = typer.Option

tune_app = typer.Typer(
    name="tune",
    help="Search the training options with Optuna (`ballspot tune --trials 12`), or tune a run's post-processing "
    "(`ballspot tune postprocess RUN`).",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(tune_app, name="tune")


class Sampler(Choice):
    """How trials draw their options."""

    tpe = "tpe"
    random = "random"


class Pruner(Choice):
    """How hopeless trials are stopped early."""

    median = "median"
    hyperband = "hyperband"
    none = "none"


class Metric(Choice):
    """The validation figure a study optimises."""

    val_macro_f1 = "val_macro_f1"
    val_accuracy = "val_accuracy"
    val_loss = "val_loss"


@tune_app.callback()
@error_boundary
def tune(
    ctx: typer.Context,
    trials: Annotated[
        int,
        Opt(
            "--trials",
            "-n",
            min=1,
            help="Trials this process adds to the study: a rerun of the same study adds N more (not a total).",
        ),
    ] = 10,
    study: Annotated[str, Opt("--study", help="Study name: the same name (and storage) continues a study.")] = (
        "ballspot"
    ),
    storage: Annotated[
        str | None,
        Opt(
            "--storage",
            envvar="BALLSPOT_TUNE_STORAGE",
            help="sqlite:///file.db, journal:PATH (or a .log file) for several processes on one machine, or "
            "postgresql://user:password@host/db for several machines \\[default: SQLite in the studies folder].",
        ),
    ] = None,
    space: Annotated[
        Path | None,
        Opt("--space", help="Search space YAML \\[default: the built-in one; without a GPU, the CPU one]."),
    ] = None,
    sampler: Annotated[Sampler, Opt(help="tpe (Bayesian optimisation) or random (random search).")] = Sampler.tpe,
    pruner: Annotated[Pruner, Opt(help="How hopeless trials are stopped early.")] = Pruner.median,
    metric: Annotated[
        Metric, Opt(help="val_macro_f1, val_accuracy (maximised) or val_loss (minimised).")
    ] = Metric.val_macro_f1,
    timeout: Annotated[float | None, Opt(help="Stop starting new trials after this many seconds.")] = None,
    seed: Annotated[
        int | None, Opt(min=0, max=SEED_MAX, help="Sampler seed (give each worker its own, or none).")
    ] = None,
    config: Annotated[
        str | None,
        Opt(
            "--config",
            help="Recipe name or training YAML every trial starts from \\[default: the built-in defaults; on a "
            f"machine without a GPU, when no option below names the network or frames, the recipe '{CPU_RECIPE}' "
            f"with {CPU_TRIAL_EPOCHS} epochs per trial].",
        ),
    ] = None,
    index: Annotated[
        Path | None,
        Opt("--index", help="Clip index \\[default: <data>/clips/index.parquet, else the quick start's]."),
    ] = None,
    epochs: Annotated[int | None, Opt(min=1, help="Epochs per trial.")] = None,
    task: Annotated[
        Task | None, Opt(help="classify or spot; dense runs do not write the validation metrics tune reads.")
    ] = None,
    backbone: Annotated[str | None, Opt(help="Any timm model name.")] = None,
    frames: Annotated[int | None, Opt(min=1, max=256, help="Frames per clip.")] = None,
    stride: Annotated[int | None, Opt(min=1, max=50, help="Take every n-th frame.")] = None,
    stack_size: Annotated[int | None, Opt("--stack-size", min=1, max=16, help="Grey frames per stack.")] = None,
    height: Annotated[int | None, Opt(min=32, max=1080, help="Frame height.")] = None,
    width: Annotated[int | None, Opt(min=32, max=1920, help="Frame width.")] = None,
    batch_size: Annotated[
        int | None, Opt("--batch-size", min=1, max=4096, help="Clips per batch (when not tuned).")
    ] = None,
    device: Annotated[Device | None, Opt(help="Where trials train \\[default: auto].")] = None,
    workers: Annotated[int | None, Opt(min=0, max=64, help="DataLoader workers.")] = None,
    precision: Annotated[Precision | None, Opt(help="Arithmetic on CUDA \\[default: auto].")] = None,
    threads: ThreadsOption = None,
    studies_dir: Annotated[
        Path | None,
        Opt("--studies-dir", help="Studies folder \\[default: $BALLSPOT_STUDIES_DIR or <data folder>/studies]."),
    ] = None,
    runs_dir: RunsDirOption = None,
    cache_dir: CacheDirOption = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Tune the training options with Optuna: each trial trains a run in <runs>/<study>/trial-<n>.

    With no options, after `ballspot quickstart`: tunes on the quick start's clips, from a recipe that fits
    the machine. Prints the best configuration's path (a `ballspot train --config` YAML) and the
    optuna-dashboard command.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ballspot.threads import use_threads

    use_threads(threads)
    from ballspot import console, paths
    from ballspot.atomic import removed_if_left_empty
    from ballspot.defaults import clip_index
    from ballspot.engine.config import resolve_config
    from ballspot.tune import report
    from ballspot.tune.machine import choose_start, start_note
    from ballspot.tune.objective import Objective
    from ballspot.tune.space import load_space
    from ballspot.tune.storage import check_study_name, parse_storage
    from ballspot.tune.study import (
        continue_sampler,
        longest_trial,
        make_pruner,
        make_sampler,
        open_study,
        refuse_all_failed,
        refuse_changed_data,
        refuse_changed_space,
        refuse_foreign_runs,
        storage_errors,
    )

    console.set_quiet(quiet or json_output)
    if timeout is not None and not timeout > 0:  # NaN too
        raise BallspotError(f"--timeout must be > 0 seconds, got {timeout}")
    check_study_name(study)
    model_given = any(v is not None for v in (task, backbone, frames, stride, stack_size, height, width))
    start = choose_start(config, space, epochs, value_of(device), model_given)
    overrides = {
        "epochs": start.epochs,
        "task": value_of(task),
        "backbone": backbone,
        "frames": frames,
        "stride": stride,
        "stack_size": stack_size,
        "height": height,
        "width": width,
        "batch_size": batch_size,
        "device": value_of(device),
        "workers": workers,
        "precision": value_of(precision),
        "index": str(index) if index else None,
    }
    base = resolve_config(start.config, overrides)
    if not base.index:
        found = clip_index(data_dir)
        if found.from_quickstart:
            console.log(f"tuning on the quick start's clips: {found.path}")
        base.index = str(found.path)
    base.index = str(absolute(base.index))
    from ballspot.data.index import load_index
    from ballspot.engine.runtime import select_device, torchrun_place

    select_device(base.device)  # a device that is not there fails first, as in train
    torchrun_place()  # torchrun's variables with values it never sets: once here, not in every trial
    from ballspot.engine.data import split_rows

    clips = load_index(Path(base.index))  # missing, a folder or damaged: one line, before the space is read
    specs = load_space(start.space, base)
    asked = overrides | {"epochs": epochs}  # the options given, not the CPU recipe's epochs chosen for them
    given = sorted(k for k, v in asked.items() if v is not None and k in {s.name for s in specs})
    if given:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise BallspotError(f"{flags} is tuned by the search space; remove it from the space or from the options")
    sampler_obj = make_sampler(sampler.value, seed)
    pruner_obj = make_pruner(pruner.value, longest_trial(base, specs))
    objective = Objective(  # checks the device before a study is created
        base=base,
        space=specs,
        runs_root=absolute(runs_dir or paths.runs_dir(data_dir)),  # the study records it: the same from anywhere
        study_name=study,
        cache_dir=cache_dir or paths.cache_dir(),
        metric=metric.value,
    )
    for split in (base.train_split, base.valid_split):  # an index no trial can train on fails once, here
        split_rows(clips, split, base)
    studies = studies_dir or paths.studies_dir(data_dir)
    spec = parse_storage(storage, studies)
    best_file = studies / study / report.BEST_FILE
    with removed_if_left_empty(best_file.parent):  # a folder best.yaml cannot go in fails now, not after the trials
        the_study = open_study(spec, study, metric.value, sampler_obj, pruner_obj)
    with storage_errors(spec, study):
        refuse_changed_space(the_study, specs)
        refuse_changed_data(the_study, base, {spec.name for spec in specs})
        refuse_foreign_runs(the_study, objective.runs_root, spec.display)
        continue_sampler(the_study, sampler.value, seed)
        note = start_note(start, {spec.name for spec in specs})
        if note:  # once every option is known good, so that an error stays one line
            console.warn(note)
        if not console.quiet():
            console.err.print(f"study {study!r} in {spec.display}: {len(the_study.trials)} trial(s), {trials} more")
        numbers = run_with_counter(the_study, objective, trials, timeout, metric.value, best_file)
        refuse_all_failed(the_study, numbers)
        best_config = report.write_best_config(the_study, best_file)
        result = report.summary(the_study, spec, best_config)
    if json_output:
        typer.echo(json.dumps(result))
        return
    if not console.quiet():
        report.print_report(result)
    if best_config is None:
        console.warn("no trial completed: no best configuration yet")
    console.result_line(best_config or spec.dashboard)


def run_with_counter(study, objective, trials: int, timeout: float | None, metric: str, best_file: Path) -> list[int]:
    """Run the trials under a progress bar counting them (each trial's epochs show beneath it), rewriting
    `best_file` as each one ends (so a run stopped by Ctrl-C leaves it at the study's best); returns their
    numbers."""
    from ballspot import console
    from ballspot.tune.report import write_best_config
    from ballspot.tune.study import describe_trial, run_trials

    with console.progress() as bar:
        task = bar.add_task("trials", total=trials)

        def on_trial(trial) -> None:
            console.log(describe_trial(trial, metric))
            if trial.state.name == "COMPLETE":
                write_best_config(study, best_file)
            bar.advance(task)

        return run_trials(study, objective, trials, timeout, on_trial=on_trial)


@command("report", on=tune_app)
def report_command(
    study: Annotated[str, Opt("--study", help="Study name.")] = "ballspot",
    storage: Annotated[
        str | None,
        Opt("--storage", envvar="BALLSPOT_TUNE_STORAGE", help="The study's storage, as for `ballspot tune`."),
    ] = None,
    studies_dir: Annotated[
        Path | None,
        Opt("--studies-dir", help="Studies folder \\[default: $BALLSPOT_STUDIES_DIR or <data folder>/studies]."),
    ] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show a study without running trials (while workers run, or after): the table, best config, importances."""
    from ballspot import console, paths
    from ballspot.tune import report
    from ballspot.tune.storage import check_study_name, parse_storage
    from ballspot.tune.study import load_study, storage_errors

    check_study_name(study)
    studies = studies_dir or paths.studies_dir(data_dir)
    spec = parse_storage(storage, studies)
    the_study = load_study(spec, study)
    with storage_errors(spec, study):
        best_config = _best_config_if_writable(the_study, studies / study / report.BEST_FILE)
        result = report.summary(the_study, spec, best_config)
    if json_output:
        typer.echo(json.dumps(result))
        return
    report.print_report(result)
    console.result_line(best_config or spec.dashboard)


def _best_config_if_writable(the_study, target: Path) -> Path | None:
    """best.yaml brought up to date for a report; where it cannot be written (a read-only studies folder), a
    warning and None: the report is still shown."""
    from ballspot import console
    from ballspot.tune import report

    try:
        return report.write_best_config(the_study, target)
    except BallspotError as exc:
        console.warn(f"best configuration not saved: {exc}")
        return None


@command("postprocess", on=tune_app)
def postprocess(
    run: Annotated[Path, typer.Argument(help="Run folder, or a weights file (best.pt) of a spotting run.")],
    labels: Annotated[
        Path | None,
        Opt("--labels", help="Dataset root of the games (default: the videos of the run's clip index)."),
    ] = None,
    split: Annotated[str, Opt(help="Split whose games are scored.")] = "valid",
    device: Annotated[Device, Opt(help="Where the network runs.")] = Device.auto,
    batch_size: Annotated[int, Opt("--batch-size", min=1, max=4096, help="Stacks encoded per batch.")] = 8,
    min_events: Annotated[
        int, Opt("--min-events", min=1, help="Validation events a class needs to get settings of its own.")
    ] = 20,
    out: Annotated[
        Path | None,
        Opt(
            "--out",
            help="Folder for postprocess.json and postprocess_search.json \\[default: the run folder, for its best.pt; "
            "needed for other weights (last.pt), then given to predict with --params].",
        ),
    ] = None,
    threads: ThreadsOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Tune smoothing, suppression window and peak threshold per class for mAP@1 on the run's validation
    games (no retraining); saves <run>/postprocess.json, which `ballspot predict` then uses with the run's best.pt."""
    from ballspot.threads import use_threads

    use_threads(threads)
    from ballspot import console
    from ballspot.tune.postprocess_search import tune_postprocess

    console.set_quiet(quiet or json_output)
    result = tune_postprocess(run, labels, split, device.value, batch_size, min_events, out)
    if json_output:
        typer.echo(json.dumps(result))
        return
    if not console.quiet():
        _print_postprocess(result)
    console.result_line(result["params_file"])


def _print_postprocess(result: dict) -> None:
    from rich.table import Table

    from ballspot import console

    by_way = ", ".join(f"{way} {value:.4f}" for way, value in result["mAP_by_suppression"].items())
    console.err.print(f"suppression for every class: {result['params']['suppression']} (mAP@1 with {by_way})")
    table = Table(title=f"post-processing search on {len(result['games'])} {result['split']} game(s), AP@1")
    for column in ("class", "events", "AP before", "AP after", "smooth s", "window s", "threshold"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for row in result["per_class"]:
        if not row["ground_truth"]:
            continue
        p = row["params"]
        table.add_row(
            row["label"],
            str(row["ground_truth"]),
            f"{row['ap_before']:.4f}",
            f"{row['ap_after']:.4f}",
            *(str(p.get(k, "")) for k in ("smooth_s", "nms_window_s", "threshold")),
        )
    console.err.print(table)
    console.err.print(f"mAP@1: {result['mAP_before']:.4f} before, {result['mAP_after']:.4f} after")
