"""Registers every command on the app; the order here is the order in `ballspot --help`."""

from ballspot.cli import (  # noqa: F401
    download_soccernet,
    download_synthetic,
    evaluate,
    export,
    index,
    predict,
    quickstart,
    segment,
    train,
    tune,
    webapp,
)
