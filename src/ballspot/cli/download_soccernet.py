"""`ballspot download soccernet`: SoccerNet's ball-action videos and labels, through SoccerNet's SDK."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import Annotated

import typer

from ballspot.cli.base import command, download_app
from ballspot.cli.options import DataDirOption, JsonOption, QuietOption

TOKEN_VARIABLES = ("BALLSPOT_HF_TOKEN", "HF_TOKEN")
PASSWORD_VARIABLES = ("BALLSPOT_NDA_PASSWORD", "SOCCERNET_PASSWORD")


class Edition(str, Enum):
    e2023 = "2023"
    e2024 = "2024"
    e2025 = "2025"


class Split(str, Enum):
    train = "train"
    valid = "valid"
    test = "test"
    challenge = "challenge"
    test_labels = "test_labels"


class Source(str, Enum):
    huggingface = "huggingface"
    owncloud = "owncloud"


def _from_env(variables: tuple[str, ...]) -> str | None:
    for variable in variables:
        if os.environ.get(variable):
            return os.environ[variable]
    return None


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _hidden_prompt(text: str):
    """A hidden prompt on stderr, or None when nobody is at a terminal to answer."""
    if not _stdin_is_tty():
        return None

    def ask() -> str | None:
        return typer.prompt(text, hide_input=True, default="", show_default=False, err=True).strip() or None

    return ask


@command("soccernet", on=download_app)
def download_soccernet(
    edition: Annotated[
        list[Edition] | None,
        typer.Option("--edition", "-e", help="Challenge edition; repeat for several \\[default: 2025]."),
    ] = None,
    split: Annotated[
        list[Split] | None,
        typer.Option(
            "--split",
            "-s",
            help="Split to get; repeat for several \\[default: train, valid, test, challenge]. "
            "test_labels: the 2023/2024 test labels (private on Hugging Face).",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    hf_token: Annotated[
        str | None,
        typer.Option(
            "--hf-token",
            help="Hugging Face token with access to SoccerNet's repos \\[default: $BALLSPOT_HF_TOKEN, $HF_TOKEN, "
            "your `hf auth login`]. Prefer the variable: options stay in shell history.",
            show_default=False,
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="NDA password SoccerNet e-mailed you (2025 zips; ownCloud) \\[default: $BALLSPOT_NDA_PASSWORD, "
            "$SOCCERNET_PASSWORD, else a hidden prompt at a terminal]. Prefer the variable or the prompt: options "
            "stay in shell history.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        Source,
        typer.Option("--source", help="Where the SDK fetches 2023/2024 from: Hugging Face, or the legacy ownCloud."),
    ] = Source.huggingface,
    keep_zips: Annotated[
        bool, typer.Option("--keep-zips", help="Keep each split's zip after unpacking it (deleted by default).")
    ] = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Download SoccerNet ball-action data and unpack it into <data>/spotting-ball-<edition>/, game by game.

    A rerun skips splits that are complete. Prints the dataset folder(s); a table of each game's videos
    and labels goes to stderr.
    """
    from ballspot import console
    from ballspot.data.download import DEFAULT_SPLITS, Credentials, download_soccernet

    console.set_quiet(quiet or json_output)
    credentials = Credentials(
        hf_token=hf_token or _from_env(TOKEN_VARIABLES),
        nda_password=password or _from_env(PASSWORD_VARIABLES),
        ask_hf_token=_hidden_prompt("Hugging Face token with access to SoccerNet (input hidden)"),
        ask_nda_password=_hidden_prompt("SoccerNet NDA password (input hidden)"),
    )
    report = download_soccernet(
        editions=tuple(int(e.value) for e in edition or [Edition.e2025]),
        splits=tuple(s.value for s in split) if split else DEFAULT_SPLITS,
        data_dir=data_dir,
        credentials=credentials,
        source=source.value,
        keep_zips=keep_zips,
    )
    if json_output:
        typer.echo(json.dumps(report.to_json()))
        return
    if not quiet:
        _print_table(report)
    for root in report.roots.values():
        console.result_line(str(root))


def _print_table(report) -> None:
    from rich.table import Table
    from rich.text import Text

    from ballspot import console

    table = Table(title="SoccerNet ball-action games")
    for name in ("edition", "split", "game", "video", "labels"):
        table.add_column(name)
    for game in report.games:
        table.add_row(
            str(game.edition),
            game.split,
            game.game_id.rsplit("/", 1)[-1],
            ", ".join(game.videos) or Text("missing", style="red"),
            "yes" if game.labels else "no",
        )
    console.err.print(table)
    with_video = sum(1 for g in report.games if g.videos)
    with_labels = sum(1 for g in report.games if g.labels)
    console.err.print(f"{len(report.games)} games: {with_video} with video, {with_labels} with labels")
