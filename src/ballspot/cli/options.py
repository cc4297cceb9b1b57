"""Option types and choices shared by several commands.

Choices are Enums, so `--help` lists them and a wrong value is a usage error (exit 2). Each Enum is also a
`str` whose `str()` is its value, so it can go wherever the value's text goes.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ballspot.engine.config import COLORS, LOSSES, OPTIMIZERS, POOLINGS, SEQUENCES, TASKS


class Choice(str, Enum):
    """A value from a fixed set, shown in `--help`; `str()` gives the value itself."""

    def __str__(self) -> str:
        return str(self.value)


class Device(Choice):
    """Where the network runs: auto picks CUDA when there is a GPU."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Precision(Choice):
    """Arithmetic of the network on CUDA (mixed precision); CPUs run fp32."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


class Tta(Choice):
    """Test-time augmentation of predict."""

    none = "none"
    flip = "flip"


class ClassSet(Choice):
    """The 12 classes of the 2024/2025 editions, or the 2 of 2023 (PASS, DRIVE)."""

    twelve = "12"
    two = "2"


def _choices(name: str, values: tuple[str, ...], doc: str) -> type[Choice]:
    """A Choice whose members are `values` (the training config's own lists, so the two cannot drift)."""
    made = Choice(name, [(v, v) for v in values])
    made.__doc__ = doc
    return made


Task = _choices("Task", TASKS, "What the network learns: per-frame scores, whole-clip classes, or window scores.")
Sequence = _choices("Sequence", SEQUENCES, "The dense head's layer along time.")
Color = _choices("Color", COLORS, "Frames as stacks of grey frames, or RGB.")
Pooling = _choices("Pooling", POOLINGS, "How a feature map becomes one vector.")
Loss = _choices("Loss", LOSSES, "Training loss.")
Optimizer = _choices("Optimizer", OPTIMIZERS, "Optimiser.")


def value_of(choice: Choice | None) -> str | None:
    """The plain text of a choice (None stays None): what configs and files store."""
    return None if choice is None else str(choice.value)


SEED_MAX = 2**32 - 1
"""Largest seed every random generator ballspot seeds accepts (NumPy's legacy seed, Optuna's samplers)."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout, nothing else.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or log lines.")]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder \\[default: $BALLSPOT_DATA_DIR or the platform's data folder]."),
]
RunsDirOption = Annotated[
    Path | None,
    typer.Option("--runs-dir", help="Runs folder \\[default: $BALLSPOT_RUNS_DIR or <data folder>/runs]."),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Frame-cache folder \\[default: $BALLSPOT_CACHE_DIR or the platform's cache]."),
]
ClassesOption = Annotated[
    ClassSet, typer.Option("--classes", help="Class set: 12 (2024/2025 editions) or 2 (2023: PASS, DRIVE).")
]
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        max=1024,
        help="CPU threads for the network \\[default: the CPUs this process may use (its affinity)].",
    ),
]
