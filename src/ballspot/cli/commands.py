"""Registers every command on the app (`ballspot --help` lists them in the order of base.WORKFLOW_ORDER)."""

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
