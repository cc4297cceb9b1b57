"""`ballspot quickstart`: the whole pipeline on a generated synthetic league, offline, in a few minutes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import CacheDirOption, DataDirOption, JsonOption, QuietOption

Opt = typer.Option


@command("quickstart")
def quickstart(
    workdir: Annotated[
        Path | None, Opt("--workdir", help="Where everything goes \\[default: <data folder>/quickstart].")
    ] = None,
    games: Annotated[int, Opt(help="Games in the synthetic league (one is held out as the test game).")] = 6,
    minutes: Annotated[float, Opt(help="Minutes per game.")] = 2.0,
    epochs: Annotated[int | None, Opt(help="Training epochs \\[default: the quick-start config's].")] = None,
    config: Annotated[
        str | None,
        Opt("--config", help="Training recipe name or YAML file \\[default: the shipped recipe 'quickstart']."),
    ] = None,
    device: Annotated[str, Opt(help="auto, cpu or cuda.")] = "auto",
    seed: Annotated[int, Opt(help="Seed of the league and of training.")] = 0,
    data_dir: DataDirOption = None,
    cache_dir: CacheDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Make a synthetic league, train a spotter briefly, predict a held-out game and score it (mAP@1)."""
    from ballspot import console, paths
    from ballspot.quickstart import QuickstartPlan, run_quickstart
    from ballspot.quickstart.pipeline import TRAIN_CONFIG

    console.set_quiet(quiet or json_output)
    plan = QuickstartPlan(
        workdir=(workdir or (data_dir or paths.data_dir()) / "quickstart").expanduser().resolve(),
        cache_dir=cache_dir or paths.cache_dir(),
        games=games,
        minutes=minutes,
        seed=seed,
        epochs=epochs,
        config=config or TRAIN_CONFIG,
        device=device,
    )
    summary = run_quickstart(plan)
    if json_output:
        typer.echo(json.dumps(summary))
        return
    better = summary["mAP@1"] / summary["chance_mAP@1"] if summary["chance_mAP@1"] else float("inf")
    console.log(
        f"mAP@1 on the held-out test game: {summary['mAP@1']:.3f} (chance: {summary['chance_mAP@1']:.3f}, "
        f"{better:.1f}x) over {summary['events_in_test_games']} events"
    )
    console.log(
        f"score it again: ballspot evaluate --predictions '{summary['predictions']}' "
        f"--labels '{summary['league']}' --split test"
    )
    for key in ("league", "run", "model", "predictions", "summary"):
        typer.echo(f"{key:12s} {summary[key]}")
