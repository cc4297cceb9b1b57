"""`ballspot quickstart`: the whole pipeline on a generated synthetic league, offline, in a few minutes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command
from ballspot.cli.options import SEED_MAX, CacheDirOption, DataDirOption, Device, JsonOption, QuietOption
from ballspot.paths import absolute

Opt = typer.Option


@command("quickstart")
def quickstart(
    workdir: Annotated[
        Path | None, Opt("--workdir", help="Where everything goes \\[default: <data folder>/quickstart].")
    ] = None,
    games: Annotated[
        int, Opt(min=3, max=1000, help="Games in the synthetic league (one is held out as the test game).")
    ] = 6,
    minutes: Annotated[float, Opt(min=0.2, max=120, help="Minutes per game.")] = 2.0,
    epochs: Annotated[int | None, Opt(min=1, help="Training epochs \\[default: the recipe's].")] = None,
    config: Annotated[
        str | None,
        Opt("--config", help="Training recipe name or YAML file \\[default: the shipped recipe 'dense-quickstart']."),
    ] = None,
    device: Annotated[Device, Opt(help="Where the network trains and predicts.")] = Device.auto,
    seed: Annotated[int, Opt(min=0, max=SEED_MAX, help="Seed of the league and of training.")] = 0,
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
        workdir=absolute(workdir or (data_dir or paths.data_dir()) / "quickstart"),
        cache_dir=cache_dir or paths.cache_dir(),
        games=games,
        minutes=minutes,
        seed=seed,
        epochs=epochs,
        config=TRAIN_CONFIG if config is None else config,  # "" (an unset variable) is refused, not the default
        device=device.value,
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
    if summary.get("team_mAP@1") is not None:
        console.log(f"Team-mAP@1 over the classes the test game holds: {summary['team_mAP@1']:.3f}")
    if summary.get("median_error_ms") is not None:
        side = summary.get("side_accuracy")
        console.log(
            f"{summary['matched_events']} events found among the most confident predictions, "
            f"median |predicted - true| {summary['median_error_ms']:.0f} ms"
            + ("" if side is None else f", team side right for {side:.0%} of them")
        )
    train_s, train_cpu = summary["seconds"]["3/5 train"], summary["cpu_seconds"]["3/5 train"]
    console.log(f"training took {train_s:.0f} s ({train_cpu:.0f} CPU seconds)")
    default_place = workdir is None and data_dir is None
    for line in next_steps(summary, default_place):
        console.log(line)
    for key in ("league", "run", "model", "predictions", "summary"):
        console.result_line(f"{key:12s} {summary[key]}")


def next_steps(summary: dict, default_place: bool) -> list[str]:
    """What to run next, on the quick start's outputs: bare commands when they find them by default."""
    video = _a_test_video(summary)
    if default_place:
        return [
            "next, with no options (they find the quick start's model, predictions and clips):",
            f"  ballspot predict {video}",
            "  ballspot evaluate",
            "  ballspot tune --trials 12",
        ]
    return [
        "next:",
        f"  ballspot predict {video} --model '{summary['model']}'",
        f"  ballspot evaluate --predictions '{summary['predictions']}' --labels '{summary['league']}' --split test",
        f"  ballspot tune --trials 12 --index '{summary['index']}'",
    ]


def _a_test_video(summary: dict) -> str:
    from ballspot.soccernet.layout import find_games

    league = Path(summary["league"])
    test_games = set(summary.get("test_games", ()))
    for game in find_games(league, "224p", require_video=True):
        if game.game_id in test_games and game.videos:
            return f"'{game.videos[min(game.videos)]}'"
    return "VIDEO"
