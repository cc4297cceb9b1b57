"""`ballspot evaluate`: two modes.

--model: classify the clips of a split of the clip index with a run's weights (accuracy, precision, recall, F1,
micro and macro, per-class table, confusion matrix). --predictions: score spotting predictions against labels
with SoccerNet's metric (mAP@1 and friends, Team mAP, bootstrap intervals).
"""

from __future__ import annotations

import json
import math
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import (
    SEED_MAX,
    CacheDirOption,
    ClassesOption,
    ClassSet,
    DataDirOption,
    Device,
    JsonOption,
    QuietOption,
)
from ballspot.paths import absolute

if TYPE_CHECKING:
    from ballspot.metrics.spotting import SpottingResult

CLASSIFY_PANEL = "Classification mode (--model)"
SPOT_PANEL = "Spotting mode (--predictions)"
MODES_HINT = "give --model (classify a split's clips with a run's weights) or --predictions (spotting mAP)"
CHANCE_DRAWS = 5
"""Random draws averaged for the chance baseline."""


class SpottingMetric(str, Enum):
    """SoccerNet's metric names (tolerances in seconds: at1 = 1 s; tight = 1..5 s; loose = 5..60 s)."""

    at1 = "at1"
    at2 = "at2"
    at3 = "at3"
    at4 = "at4"
    at5 = "at5"
    tight = "tight"
    loose = "loose"


class Split(str, Enum):
    """Splits of the clip index with labels."""

    test = "test"
    valid = "valid"
    train = "train"


@command("evaluate")
def evaluate(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            rich_help_panel=CLASSIFY_PANEL,
            help="The model that classifies the clips of --split, scored: a run's weights "
            "(runs/<name>/weights/best.pt) or run folder, an exported model folder, hf-hub:ORG/NAME or a URL.",
        ),
    ] = None,
    index: Annotated[
        Path | None,
        typer.Option(
            "--index",
            rich_help_panel=CLASSIFY_PANEL,
            help="Clip index from `ballspot index` \\[default: <data>/clips/index.parquet, else the quick start's].",
        ),
    ] = None,
    split: Annotated[
        Split | None,
        typer.Option(
            "--split",
            rich_help_panel=CLASSIFY_PANEL,
            help="Split of the index to score \\[default: test]; with --predictions, only the games of this split "
            "in the labels folder's splits.json, else in SoccerNet's official lists.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            rich_help_panel=CLASSIFY_PANEL,
            help="Folder for metrics.json, confusion_matrix.csv and .png \\[default: <run>/eval/<split>; needed for a "
            "model that is no run's].",
        ),
    ] = None,
    device: Annotated[
        Device | None,
        typer.Option(
            "--device", rich_help_panel=CLASSIFY_PANEL, help="auto (CUDA when present), cpu or cuda \\[default: auto]."
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            rich_help_panel=CLASSIFY_PANEL,
            min=1,
            help="Clips per batch \\[default: the run's batch size].",
        ),
    ] = None,
    cache_dir: CacheDirOption = None,
    data_dir: DataDirOption = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions",
            rich_help_panel=SPOT_PANEL,
            help="Folder or zip of <league>/<season>/<game>/results_spotting.json (what "
            "`ballspot predict` writes; a submission zip works), or one results_spotting.json.",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            rich_help_panel=SPOT_PANEL,
            help="Folder or zip of <league>/<season>/<game>/Labels-ball.json, or one "
            "Labels-ball.json. Every game found here is scored and needs predictions.",
        ),
    ] = None,
    metric: Annotated[
        SpottingMetric,
        typer.Option(
            "--metric",
            rich_help_panel=SPOT_PANEL,
            help="at1 = mAP at 1 s tolerance (the challenge metric); at2..at5; tight = average over "
            "1-5 s; loose = average over 5-60 s.",
        ),
    ] = SpottingMetric.at1,
    classes: ClassesOption = ClassSet.twelve,
    chance: Annotated[
        bool,
        typer.Option(
            "--chance/--no-chance",
            rich_help_panel=SPOT_PANEL,
            help=f"Also score random predictions at the same density (mean of {CHANCE_DRAWS} draws): what luck "
            "alone gets, to tell a model from noise.",
        ),
    ] = True,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap",
            rich_help_panel=SPOT_PANEL,
            min=0,
            max=100_000,
            help="Bootstrap replicates for the 95% intervals (resampling 60 s blocks of game time); 0: none.",
        ),
    ] = 1000,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", rich_help_panel=SPOT_PANEL, min=0, max=SEED_MAX, help="Seed of the bootstrap resampling."
        ),
    ] = 0,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Score a run's clip classification (--model) or spotting predictions with SoccerNet's metric (--predictions).

    With neither, scores the predictions of the last `ballspot quickstart` on its test game.
    """
    from ballspot.console import log, set_quiet
    from ballspot.defaults import quickstart_outputs

    set_quiet(quiet)
    if model is not None and predictions is not None:
        raise typer.BadParameter(f"not both: {MODES_HINT}", param_hint="'--model' / '--predictions'")
    if model is None and predictions is None:
        found = quickstart_outputs(data_dir)
        if found is None or labels is not None:
            raise typer.BadParameter(
                f"missing: {MODES_HINT}; or run `ballspot quickstart` first, whose predictions this then scores",
                param_hint="'--model' / '--predictions'",
            )
        log(f"scoring the quick start's predictions: --predictions {found.predictions} --labels {found.labels}")
        predictions, labels, split = found.predictions, found.labels, split or Split(found.split)
    if model is not None:
        if labels is not None:
            raise typer.BadParameter(
                "--labels belongs to spotting mode (--predictions); --model reads labels from the clip index",
                param_hint="'--labels'",
            )
        options = {"metric": "--metric", "classes": "--classes", "chance": "--chance/--no-chance",
                   "bootstrap": "--bootstrap", "seed": "--seed"}  # fmt: skip
        spotting = [option for name, option in options.items() if _given(ctx, name)]
        if spotting:
            raise typer.BadParameter(
                f"{', '.join(spotting)} belong(s) to spotting mode (--predictions); --model classifies clips with the "
                "run's own classes",
                param_hint=spotting[0],
            )
        split_name = (split or Split.test).value
        run_classification(
            model, index, split_name, out, (device or Device.auto).value, batch_size, cache_dir, data_dir, json_output
        )
        return
    given = {"--index": index, "--out": out, "--device": device, "--batch-size": batch_size}
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        raise typer.BadParameter(f"{', '.join(extra)} belong(s) to classification mode (--model)", param_hint=extra[0])
    if labels is None:
        raise typer.BadParameter("missing: the folder or zip of Labels-ball.json", param_hint="'--labels'")
    run_spotting(
        predictions, labels, metric.value, str(classes), bootstrap, seed, json_output, split and split.value, chance
    )


def run_classification(
    model: str,
    index: Path | None,
    split: str,
    out: Path | None,
    device: str,
    batch_size: int | None,
    cache_dir: Path | None,
    data_dir: Path | None,
    json_output: bool,
) -> dict:
    """The classification mode of `evaluate`: classify, write the files, then print (a table, or JSON only)."""
    from ballspot import paths
    from ballspot.atomic import removed_if_left_empty
    from ballspot.console import log, warn
    from ballspot.defaults import clip_index
    from ballspot.inputfiles import require_file
    from ballspot.metrics.classification import default_out_dir, evaluate_run, write_report
    from ballspot.share.sources import resolve_model

    if out is None and is_no_run(model):  # before a download: the default folder would be in ballspot's cache
        raise typer.BadParameter(
            f"give --out: {model} is no run's weights or run folder, so there is no <run>/eval/<split> to write to",
            param_hint="'--out'",
        )
    weights = resolve_model(model)  # a run folder's weights/best.pt, or the checkpoint of an exported model
    require_file(weights, "weights file")
    index_path = index if index is not None else clip_index(data_dir).path
    # the output folder (--out, else <run>/eval/<split>) is made now (a file in the way or no access fails before
    # every clip is classified), and removed again when the evaluation fails (a bad model or index)
    target = out if out is not None else default_out_dir(weights, split)
    with removed_if_left_empty(target):
        report = evaluate_run(weights, absolute(index_path), split, cache_dir or paths.cache_dir(), device, batch_size)
        write_report(report, target)
    for message in report["warnings"]:
        warn(message)
    log(f"classified {report['clips']} clip(s) in {report['seconds']:.2f} s")
    if json_output:
        typer.echo(json.dumps(report))
    else:
        print_classification(report)
    return report


def is_no_run(model: str) -> bool:
    """Whether a --model value is an exported model folder, hf-hub: or a URL: a model with no run folder."""
    from ballspot.paths import expand_user
    from ballspot.share.model_folder import is_model_folder
    from ballspot.share.sources import HUB_PREFIX

    if not model.strip():  # resolve_model says what --model takes
        return False
    if model.startswith(HUB_PREFIX) or "://" in model:
        return True
    path = expand_user(model)
    return path.is_dir() and is_model_folder(path)


def print_classification(report: dict) -> None:
    """The human report, on stdout: the per-class table, the averages beside the baseline, the files."""
    from rich.table import Table

    from ballspot.console import out

    title = (
        f"{Path(report['weights']).name} on split {report['split']}: {report['clips']} clip(s), task {report['task']}"
    )
    table = Table(title=title, title_justify="left")
    for name in ("class", "precision", "recall", "F1", "support", "predicted"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for row in report["per_class"]:
        name = row["class"] if row["in_averages"] else f"{row['class']} (not averaged)"
        table.add_row(
            name,
            _fmt(row["precision"]),
            _fmt(row["recall"]),
            _fmt(row["f1"]),
            str(row["support"]),
            str(row["predicted"]),
        )
    out.print(table)
    base = report["majority_baseline"]
    out.print(f"accuracy {_fmt(report['accuracy'])}   (majority baseline {_fmt(base['accuracy'])})")
    for kind in ("micro", "macro"):
        scores = report[kind]
        line = f"{kind} precision {_fmt(scores['precision'])}  recall {_fmt(scores['recall'])}  F1 {_fmt(scores['f1'])}"
        out.print(f"{line}   (majority baseline F1 {_fmt(base[f'{kind}_f1'])})")
    out.print(f"majority baseline: always {base['class']} (the most frequent class of {base['from']})")
    if report["background"]:
        out.print(f"background: {report['background']}")
    for path in report["files"].values():
        out.print(path)


def refuse_labels_without_events(games: list, diagnostics, classes: str, labels: Path) -> None:
    """Scoring against labels that hold no event of the class set gives mAP 0 whatever was predicted: say so
    (an unlabelled split, the wrong folder, labels of another task) instead of printing a table of zeros."""
    from ballspot.errors import BallspotError

    if any(len(game.gt_class) for game in games):
        return
    other = diagnostics.unknown_gt_labels
    found = f"; their labels ({', '.join(sorted(other)[:5])}) are not among them" if other else ""
    raise BallspotError(
        f"the labels of the {len(games)} game(s) scored under {labels} hold no event of the {classes}-class set, "
        f"so there is nothing to score against{found}"
    )


def run_spotting(
    predictions: Path,
    labels: Path,
    metric: str,
    classes: str,
    bootstrap: int,
    seed: int,
    json_output: bool,
    split: str | None = None,
    chance: bool = False,
) -> SpottingResult:
    """The spotting mode of `evaluate`: score (all labelled games, or one split's), then print (a table, or JSON).

    With `chance`, the same games are scored with random predictions too (JSON: `chance`).
    """
    from ballspot.classes import class_set
    from ballspot.console import log, warn
    from ballspot.errors import BallspotError
    from ballspot.metrics.game_events import Diagnostics
    from ballspot.metrics.localisation import column_pairs, placement
    from ballspot.metrics.sources import MissingPredictionsError, load_games
    from ballspot.metrics.spotting import evaluate_games
    from ballspot.soccernet.game_ids import not_among
    from ballspot.soccernet.labels import LABELS_FILE
    from ballspot.soccernet.splits import SPLITS_FILE, load_splits

    only_games = None
    if split is not None:
        if not labels.is_dir():
            raise BallspotError(
                f"--split needs a labels folder (its {SPLITS_FILE}, else SoccerNet's official lists name the games); "
                f"{labels} is not one"
            )
        splits = load_splits(labels)
        only_games = splits.get(split, ())
        if not only_games:  # not "none of the chosen games has labels": none was chosen
            listed = ", ".join(name for name, games in splits.items() if games) or "none"
            raise BallspotError(f"{labels / SPLITS_FILE} lists no game in split {split} (splits with games: {listed})")
        own_list = (labels / SPLITS_FILE).exists()
        if not own_list and not any((labels / game).is_dir() for game in only_games):
            raise BallspotError(
                f"{labels} holds no {SPLITS_FILE}, so split {split} means SoccerNet's official {split} games, and "
                f"none of them is there; to score games of your own, list them in {labels / SPLITS_FILE} "
                f'({{"{split}": [game ids]}})'
            )
    started = time.perf_counter()
    class_list = class_set(classes)
    diagnostics = Diagnostics()
    try:
        games = load_games(labels, predictions, class_list, diagnostics, only_games=only_games)
    except MissingPredictionsError as exc:
        raise BallspotError(f"{exc}{split_hint(labels, exc.predicted) if split is None else ''}") from None
    refuse_labels_without_events(games, diagnostics, classes, labels)
    if only_games is not None and (unlabelled := sorted(set(not_among(only_games, [g.game_id for g in games])))):
        lists = SPLITS_FILE if own_list else "SoccerNet's official lists"
        warn(  # a typo in splits.json or a game not downloaded: the score is not the whole split's
            f"{len(unlabelled)} of {len(set(only_games))} game(s) of split {split!r} in {lists} have no "
            f"{LABELS_FILE} under {labels} and are not scored, first: {unlabelled[0]!r}"
        )
    result = evaluate_games(games, class_list, metric, diagnostics=diagnostics, bootstrap=bootstrap, seed=seed)
    baseline = chance_baseline(games, class_list, metric, seed) if chance else None
    landing = placement([pair for game in games for pair in column_pairs(game, class_list)], events_of(games))
    for message in result.warnings:
        warn(message)
    log(f"scored {len(result.games)} game(s) in {time.perf_counter() - started:.2f} s")
    if json_output:
        report = {**result.to_dict(), "placement": landing, **({"chance": baseline} if baseline else {})}
        typer.echo(json.dumps(report))
    else:
        print_spotting(result, baseline, landing)
    return result


def events_of(games: list) -> int:
    """How many true events the games hold (in the class set)."""
    return sum(len(game.gt_ms) for game in games)


def placement_line(landing: dict) -> str:
    """Where the most confident predictions land, in words."""
    found, events = landing["matched_events"], landing["events"]
    head = f"placement: {found} of {events} events found within ±{landing['window_s'] / 2:g} s"
    if not found:
        return f"{head} by the most confident predictions of their class"
    offset = landing["median_offset_ms"]
    way = "early" if offset < 0 else "late"
    side = "" if landing["side_right"] is None else f", the side right for {landing['side_right']:.2f}"
    return (
        f"{head}, {landing['median_error_ms']:.0f} ms off (median), a median {abs(offset):.0f} ms {way}{side} "
        f"(a constant offset means another time base)"
    )


def split_hint(labels: Path, predicted: list[str]) -> str:
    """`; ... add --split test` when one split of the labels root's splits.json (else of the official lists)
    holds exactly the predicted games' split, so that one option fixes the evaluation."""
    from ballspot.soccernet.game_ids import among, not_among
    from ballspot.soccernet.splits import SPLITS_FILE, load_splits

    if not labels.is_dir():
        return ""
    fitting = [
        name
        for name, members in load_splits(labels).items()
        if members and not not_among(members, predicted) and among(predicted, members)
    ]
    if not fitting:
        return ""
    options = " or ".join(f"`--split {name}`" for name in fitting)
    lists = SPLITS_FILE if (labels / SPLITS_FILE).is_file() else "SoccerNet's official lists"
    return f"; to score only the games of one split of {lists}, add {options}"


def chance_baseline(games: list, classes: tuple[str, ...], metric: str, seed: int) -> dict:
    """The mAP (and Team mAP) of random predictions at the model's density, the mean of a few draws."""
    import numpy as np

    from ballspot.metrics.chance import chance_games
    from ballspot.metrics.spotting import evaluate_games

    draws = [evaluate_games(chance_games(games, seed + k), classes, metric) for k in range(CHANCE_DRAWS)]
    teams = [d.team_mAP for d in draws if d.team_mAP is not None and math.isfinite(d.team_mAP)]  # NaN: undefined
    return {
        "mAP": float(np.mean([d.mAP for d in draws])),
        "team_mAP": float(np.mean(teams)) if len(teams) == len(draws) else None,
        "draws": CHANCE_DRAWS,
        "seed": seed,
    }


UNDEFINED = "n/a"
"""How the screen shows a score that is not a number (JSON's null), such as a Team AP of a class without events."""


def _fmt(value: float | None) -> str:
    """A score to 4 decimals; `UNDEFINED` for one that is not a number, "-" for none."""
    if value is None:
        return "-"
    return UNDEFINED if not math.isfinite(value) else f"{value:.4f}"


def _interval(pair: tuple[float, float] | None) -> str:
    """`[low, high]`; nothing when there is none or neither end is a number."""
    if pair is None or not any(math.isfinite(end) for end in pair):
        return ""
    return f"[{_fmt(pair[0])}, {_fmt(pair[1])}]"


def team_line(result: SpottingResult, name: str) -> str:
    """`Team mAP@1: 0.8123 [...]`, or what leaves it undefined: the classes whose team AP is not a number."""
    if math.isfinite(result.team_mAP):
        return f"Team {name}: {_fmt(result.team_mAP)} {_interval(result.team_mAP_interval)}".rstrip()
    undefined = [c.name for c in result.per_class if c.team_ap is not None and not math.isfinite(c.team_ap)]
    why = f"the team AP of {', '.join(undefined)} is" if undefined else "a class's team AP is"
    return f"Team {name}: {UNDEFINED} ({why} undefined; the warning says why)"


def metric_label(result: SpottingResult) -> str:
    """`mAP@1`, `mAP tight (1-5 s)`, ..."""
    if len(result.tolerances) == 1:
        return f"mAP@{result.tolerances[0]:g}"
    return f"mAP {result.metric} ({result.tolerances[0]:g}-{result.tolerances[-1]:g} s)"


def print_spotting(result: SpottingResult, chance: dict | None = None, landing: dict | None = None) -> None:
    """The human report, on stdout: a table per class, then the summary lines (with `landing`, where the
    found events land: `placement_line`)."""
    from rich.table import Table

    from ballspot.console import out
    from ballspot.metrics.spotting import team_map_of_present_classes

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
    unshown = sum(c.ground_truth - c.ground_truth_visible for c in result.per_class)
    unshown_text = _fmt(result.mAP_unshown) if unshown else "n/a (no label is 'not shown')"
    out.print(f"  visible: {_fmt(result.mAP_visible)}   not shown: {unshown_text}")
    if result.team_mAP is not None:
        out.print(team_line(result, name))
        present = team_map_of_present_classes(result)
        if not math.isfinite(result.team_mAP) and present is not None:
            with_events = sum(1 for c in result.per_class if c.ground_truth > 0)
            out.print(f"  over the {with_events} classes with events (what training reports): {_fmt(present)}")
    if chance is not None:
        team = "" if chance["team_mAP"] is None or result.team_mAP is None else f", Team {_fmt(chance['team_mAP'])}"
        ratio = f" (the model: {result.mAP / chance['mAP']:.1f}x chance)" if chance["mAP"] > 0 else ""
        out.print(
            f"chance: {_fmt(chance['mAP'])}{team}{ratio}: random predictions at the same density, "
            f"mean of {chance['draws']} draws"
        )
    if landing is not None:
        out.print(placement_line(landing))
    if result.bootstrap:
        b = result.bootstrap
        unit = "whole games" if b.block_seconds is None else f"{b.block_seconds:g} s blocks of game time"
        counted = f"{b.blocks} {'game' if b.block_seconds is None else 'block'}{'' if b.blocks == 1 else 's'}"
        line = f"{level} (BCa): {b.replicates} bootstrap replicates resampling {unit} ({counted}), seed {b.seed}"
        if b.blocks < 2:
            one = "game" if b.block_seconds is None else f"{b.block_seconds:g} s block of game time"
            line = f"{level}: none: resampling the only {one} gives back the data itself; score more or longer games"
        elif b.replicates_used < b.replicates:
            line += f"; {b.replicates - b.replicates_used} lost every event of a class and are left out of the mAP's"
        out.print(line)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option was given (on the command line or by environment), not left at its default (by name:
    typer may carry its own copy of click and its enum)."""
    return getattr(ctx.get_parameter_source(name), "name", None) in ("COMMANDLINE", "ENVIRONMENT")
