"""What `ballspot tune` starts from when no `--config` is given: a recipe and a search space that fit the machine.

With a GPU, the built-in defaults (EfficientNetV2-B0 at 224x398) and the default space. Without one, those
take hours per trial, so the shipped recipe `quickstart` (a network that learns in minutes on a CPU), fewer
epochs per trial and a space around that recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ballspot.tune.space import DEFAULT_SPACE

CPU_RECIPE = "quickstart"
CPU_SPACE = Path(__file__).with_name("cpu_space.yaml")
CPU_TRIAL_EPOCHS = 8
"""Epochs per trial on a CPU (unless --epochs says otherwise): 12 trials in about a quarter of an hour on two
cores for the quick start's league."""


@dataclass(frozen=True)
class TuneStart:
    """The config (recipe name, file or None for the built-in defaults), space and epochs trials start from."""

    config: str | None
    space: Path
    epochs: int | None
    note: str | None = None
    """Said on stderr when the machine chose (no GPU)."""


def has_gpu(device: str | None) -> bool:
    """Whether trials will run on CUDA: `--device cuda`, or auto with a GPU present."""
    if device == "cpu":
        return False
    if device == "cuda":
        return True
    import torch

    return torch.cuda.is_available()


def choose_start(
    config: str | None, space: Path | None, epochs: int | None, device: str | None, model_given: bool = False
) -> TuneStart:
    """The options as given; with no GPU, and neither `--config` nor options saying what network to train
    (`model_given`: backbone, task, frames, size), the CPU recipe and space."""
    if config is not None or model_given or has_gpu(device):
        return TuneStart(config, space or DEFAULT_SPACE, epochs)
    chosen_epochs = epochs if epochs is not None else CPU_TRIAL_EPOCHS
    chosen_space = space or CPU_SPACE
    note = (
        f"no GPU: trials start from the CPU recipe {CPU_RECIPE!r} ({_each(chosen_epochs)}) over "
        f"{'the CPU search space' if space is None else chosen_space}; give --config to choose another"
    )
    return TuneStart(CPU_RECIPE, chosen_space, chosen_epochs, note)


def start_note(start: TuneStart, tuned: set[str]) -> str | None:
    """The note to say, once the space is known: a space that tunes epochs sets them, not the CPU recipe."""
    if start.note is None or "epochs" not in tuned:
        return start.note
    return start.note.replace(f"({_each(start.epochs or 0)})", "(epochs from the search space)")


def _each(epochs: int) -> str:
    return f"{epochs} epoch{'' if epochs == 1 else 's'} each"
