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


def init_distributed(device: torch.device) -> Distributed:
    """Join the process group `torchrun` describes in the environment (NCCL on CUDA, gloo on CPU)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Distributed()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not torch.distributed.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(local_rank)
        torch.distributed.init_process_group(backend=backend)
    return Distributed(rank=rank, local_rank=local_rank, world_size=world_size)


def device_for(device: torch.device, dist: Distributed) -> torch.device:
    """Each process of a multi-GPU job uses the GPU of its local rank."""
    if device.type == "cuda" and dist.enabled:
        return torch.device("cuda", dist.local_rank)
    return device


def shutdown(dist: Distributed) -> None:
    if dist.enabled and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
