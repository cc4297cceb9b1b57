"""`ballspot evaluate`: score spotting predictions against labels with SoccerNet's metric."""

from __future__ import annotations

import json
import math
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import ClassesOption, JsonOption, QuietOption

if TYPE_CHECKING:
    from ballspot.metrics.spotting import SpottingResult


class SpottingMetric(str, Enum):
    """SoccerNet's metric names (tolerances in seconds: at1 = 1 s; tight = 1..5 s; loose = 5..60 s)."""

    at1 = "at1"
    at2 = "at2"
    at3 = "at3"
    at4 = "at4"
    at5 = "at5"
    tight = "tight"
    loose = "loose"


@command("evaluate")
def evaluate(
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            help="Folder or zip of <league>/<season>/<game>/results_spotting.json (what `ballspot predict` "
            "writes; a submission zip works), or one results_spotting.json.",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Folder or zip of <league>/<season>/<game>/Labels-ball.json, or one Labels-ball.json. Every "
            "game found here is scored and needs predictions.",
        ),
    ] = None,
    metric: Annotated[
        SpottingMetric,
        typer.Option(
            "--metric",
            help="at1 = mAP at 1 s tolerance (the challenge metric); at2..at5; tight = average over 1-5 s; "
            "loose = average over 5-60 s.",
        ),
    ] = SpottingMetric.at1,
    classes: ClassesOption = "12",
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap",
            min=0,
            help="Bootstrap replicates for the 95% intervals (resampling 60 s blocks of game time); 0: none.",
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")] = 0,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Score spotting predictions with SoccerNet's metric: mAP, per-class AP, Team mAP, intervals."""
    from ballspot.console import set_quiet

    set_quiet(quiet)
    if predictions is None:
        raise typer.BadParameter("missing: the folder or zip of results_spotting.json", param_hint="'--predictions'")
    if labels is None:
        raise typer.BadParameter("missing: the folder or zip of Labels-ball.json", param_hint="'--labels'")
    run_spotting(predictions, labels, metric.value, classes, bootstrap, seed, json_output)


def run_spotting(
    predictions: Path, labels: Path, metric: str, classes: str, bootstrap: int, seed: int, json_output: bool
) -> SpottingResult:
    """The spotting mode of `evaluate`: score, then print (a table, or JSON only)."""
    from ballspot.classes import class_set
    from ballspot.console import log, warn
    from ballspot.metrics.spotting import evaluate_spotting

    started = time.perf_counter()
    result = evaluate_spotting(labels, predictions, class_set(classes), metric, bootstrap=bootstrap, seed=seed)
    for message in result.warnings:
        warn(message)
    log(f"scored {len(result.games)} game(s) in {time.perf_counter() - started:.2f} s")
    if json_output:
        typer.echo(json.dumps(result.to_dict()))
    else:
        print_spotting(result)
    return result


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return "nan" if not math.isfinite(value) else f"{value:.4f}"


def _interval(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else f"[{_fmt(pair[0])}, {_fmt(pair[1])}]"


def metric_label(result: SpottingResult) -> str:
    """`mAP@1`, `mAP tight (1-5 s)`, ..."""
    if len(result.tolerances) == 1:
        return f"mAP@{result.tolerances[0]:g}"
    return f"mAP {result.metric} ({result.tolerances[0]:g}-{result.tolerances[-1]:g} s)"


def print_spotting(result: SpottingResult) -> None:
    """The human report, on stdout: a table per class, then the summary lines."""
    from rich.table import Table

    from ballspot.console import out

    name = metric_label(result)
    level = f"{result.bootstrap.level:.0%} CI" if result.bootstrap else None
    table = Table(title=f"{name}, {len(result.games)} game(s), {len(result.classes)} classes", title_justify="left")
    table.add_column("class")
    table.add_column("#GT", justify="right")
    table.add_column("AP", justify="right")
    if level:
        table.add_column(level, justify="right")
    if result.team_mAP is not None:
        table.add_column("team AP", justify="right")
    for c in result.per_class:
        row = [c.name, str(c.ground_truth), _fmt(c.ap)]
        if level:
            row.append(_interval(c.ap_interval))
        if result.team_mAP is not None:
            row.append(_fmt(c.team_ap))
        table.add_row(*row)
    out.print(table)
    out.print(f"{name}: {_fmt(result.mAP)} {_interval(result.mAP_interval)}".rstrip())
    out.print(f"  visible: {_fmt(result.mAP_visible)}   not shown: {_fmt(result.mAP_unshown)}")
    if result.team_mAP is not None:
        out.print(f"Team {name}: {_fmt(result.team_mAP)} {_interval(result.team_mAP_interval)}".rstrip())
    if result.bootstrap:
        b = result.bootstrap
        unit = "whole games" if b.block_seconds is None else f"{b.block_seconds:g} s blocks of game time"
        line = f"{level} (BCa): {b.replicates} bootstrap replicates resampling {unit} ({b.blocks}), seed {b.seed}"
        if b.replicates_used < b.replicates:
            line += f"; {b.replicates - b.replicates_used} lost every event of a class and are left out of the mAP's"
        out.print(line)
