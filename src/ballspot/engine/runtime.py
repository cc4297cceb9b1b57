"""Where training runs: the device, and the distributed process group when launched by `torchrun`."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from ballspot.errors import BallspotError


def select_device(name: str) -> torch.device:
    """`auto` picks CUDA when present; `cuda` without CUDA is an error, not a silent fall-back."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise BallspotError("--device cuda was asked for, but no CUDA GPU is available (use --device cpu)")
    if name not in ("cpu", "cuda"):
        raise BallspotError(f"unknown device {name!r}; choose auto, cpu or cuda")
    return torch.device(name)


@dataclass(frozen=True)
class Distributed:
    """This process's place in a `torchrun` job (world size 1 when run alone)."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()


def torchrun_place() -> Distributed:
    """This process's place from the variables `torchrun` sets (world size 1 without them); values torchrun
    never sets (left from another job, a typo) are a one-line error, not a ValueError or a rank with no work."""
    world_size = _torchrun_number("WORLD_SIZE", "1", 1)
    if world_size <= 1:
        return Distributed()
    if "RANK" not in os.environ:
        raise BallspotError(
            f"WORLD_SIZE is {world_size} but RANK is not set; start the processes with torchrun, or unset "
            "WORLD_SIZE to run one"
        )
    rank = _torchrun_number("RANK", "0", 0, world_size - 1)
    return Distributed(rank=rank, local_rank=_torchrun_number("LOCAL_RANK", "0", 0), world_size=world_size)


def _torchrun_number(variable: str, default: str, low: int, high: int | None = None) -> int:
    """The whole number in `variable` (`default` when unset), from `low` to `high`."""
    text = os.environ.get(variable, default)
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BallspotError(
            f"{variable} is {text!r}, not a whole number {bound}; torchrun sets it (unset it to run one process)"
        )
    return value


def init_distributed(device: torch.device) -> Distributed:
    """Join the process group `torchrun` describes in the environment (NCCL on CUDA, gloo on CPU)."""
    place = torchrun_place()
    if not place.enabled:
        return place
    if not torch.distributed.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(place.local_rank)
        torch.distributed.init_process_group(backend=backend)
    return place


def device_for(device: torch.device, dist: Distributed) -> torch.device:
    """Each process of a multi-GPU job uses the GPU of its local rank."""
    if device.type == "cuda" and dist.enabled:
        return torch.device("cuda", dist.local_rank)
    return device


def shutdown(dist: Distributed) -> None:
    if dist.enabled and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
