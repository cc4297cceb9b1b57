"""The `ballspot` console script: the app with every command registered."""

from __future__ import annotations

from ballspot.cli import commands  # noqa: F401  (registers the commands)
from ballspot.cli.base import app


def main() -> None:
    """Entry point of the `ballspot` console script and `python -m ballspot`."""
    from ballspot.cli.base import process_ends_with_command

    process_ends_with_command()
    app(prog_name="ballspot")


__all__ = ["app", "main"]
