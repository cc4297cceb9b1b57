"""`ballspot download synthetic`: a generated league in SoccerNet's layout, offline, in about a minute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ballspot.cli.base import command, download_app
from ballspot.cli.options import SEED_MAX, DataDirOption, JsonOption, QuietOption
from ballspot.synthetic.limits import MAX_GAMES, MAX_MINUTES, MIN_MINUTES


@command("synthetic", on=download_app)
def download_synthetic(
    games: Annotated[
        int, typer.Option("--games", min=1, max=MAX_GAMES, help="Number of games (6 games: 4 train, 1 valid, 1 test).")
    ] = 6,
    minutes: Annotated[
        float,
        typer.Option(
            "--minutes", min=0, max=MAX_MINUTES, help=f"Length of each game in minutes (at least {MIN_MINUTES:g})."
        ),
    ] = 2.0,
    seed: Annotated[
        int,
        typer.Option("--seed", min=0, max=SEED_MAX, help="Seed: the same seed gives the same games, frame for frame."),
    ] = 0,
    balanced: Annotated[
        bool,
        typer.Option("--balanced", help="About 7% of events for every rare class, instead of the real mix."),
    ] = False,
    hd: Annotated[bool, typer.Option("--hd", help="Also write 720p.mp4 (1280x720) for every game; slower.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="League folder \\[default: <data folder>/synthetic].")
    ] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Generate a synthetic league: england_efl/<season>/<game>/224p.mp4 + Labels-ball.json, and splits.json.

    The 12 actions differ only by how the ball and the players move. A rerun skips complete games. Prints
    the league folder (with --json: the folder, the game ids and the events per class).
    """
    from ballspot import console, paths
    from ballspot.classes import CLASSES_12
    from ballspot.soccernet.labels import LABELS_FILE, read_labels
    from ballspot.synthetic.league import generate_league

    console.set_quiet(quiet or json_output)
    root = out or (data_dir or paths.data_dir()) / "synthetic"
    game_ids = generate_league(root, games=games, minutes=minutes, seed=seed, balanced=balanced, hd=hd)
    counts = dict.fromkeys(CLASSES_12, 0)
    for game_id in game_ids:
        for annotation in read_labels(root / game_id / LABELS_FILE).annotations:
            counts[annotation.label] += 1
    if json_output:
        typer.echo(json.dumps({"root": str(root), "games": game_ids, "events": counts}))
        return
    console.log(
        f"{len(game_ids)} games, {sum(counts.values())} events: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    console.result_line(str(root))
