"""What one optimisation step needs besides the model and the loss.

Optimiser (Adam as in the seed, or AdamW), a warm-up + cosine learning-rate schedule whose state survives
a checkpoint, gradient clipping, and the device-dependent speed settings: autocast precision, the fp16
gradient scaler, channels-last memory.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable

import torch
from torch import nn

from ballspot.errors import BallspotError

OPTIMIZERS: tuple[str, ...] = ("adam", "adamw")
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "fp16")


def build_optimizer(model: nn.Module, name: str = "adam", lr: float = 1e-3, weight_decay: float = 0.0):
    """Adam or AdamW over the trainable parameters.

    Weight decay skips biases, norm scales and other 1-D parameters (GeM's p): shrinking those toward
    zero only fights the normalisation layers.
    """
    if name not in OPTIMIZERS:
        raise BallspotError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    if not lr > 0 or not math.isfinite(lr):
        raise BallspotError(f"learning rate must be a positive number, got {lr}")
    if weight_decay < 0:
        raise BallspotError(f"weight decay must be 0 or more, got {weight_decay}")
    decay, no_decay = [], []
    for parameter in model.parameters():
        if parameter.requires_grad:
            (decay if parameter.ndim >= 2 else no_decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    groups = [group for group in groups if group["params"]]
    if not groups:
        raise BallspotError("the model has no trainable parameters")
    optimizer_class = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return optimizer_class(groups, lr=lr)


class WarmupCosine:
    """LR factor: linear from 1/warmup to 1 over `warmup_steps`, then half a cosine down to `min_factor`.

    A class rather than a lambda so that LambdaLR's state_dict records its settings.
    """

    def __init__(self, warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> None:
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.min_factor = min_factor

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        decay_steps = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / decay_steps)
        return self.min_factor + (1.0 - self.min_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def build_scheduler(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int, min_factor: float = 0.0
) -> torch.optim.lr_scheduler.LambdaLR:
    """Warm-up then cosine, stepped once per optimiser step; warm-up longer than the run is cut to it."""
    if total_steps < 1:
        raise BallspotError(f"total steps must be at least 1, got {total_steps}")
    if warmup_steps < 0:
        raise BallspotError(f"warm-up steps must be 0 or more, got {warmup_steps}")
    if not 0.0 <= min_factor <= 1.0:
        raise BallspotError(f"final learning-rate factor must be in [0, 1], got {min_factor}")
    schedule = WarmupCosine(min(warmup_steps, total_steps), total_steps, min_factor)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def clip_gradients(
    parameters: Iterable[torch.Tensor],
    max_norm: float | None,
    optimizer: torch.optim.Optimizer | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> float:
    """Clip the global gradient norm to `max_norm` (None or ≤ 0: only measure it); returns the norm.

    With an enabled fp16 GradScaler the gradients are unscaled first (hence `optimizer`), so the norm is
    in true units; `scaler.step(optimizer)` then knows not to unscale twice.
    """
    if scaler is not None and scaler.is_enabled():
        if optimizer is None:
            raise ValueError("clip_gradients needs the optimizer to unscale fp16 gradients")
        scaler.unscale_(optimizer)
    limit = max_norm if max_norm is not None and max_norm > 0 else math.inf
    norm = torch.nn.utils.clip_grad_norm_(list(parameters), limit)
    return float(norm)


def resolve_precision(device: torch.device | str, precision: str = "auto") -> str:
    """The precision to train in: "auto" is bf16 on CUDA when supported, else fp16 there, fp32 on CPU.

    CPUs without native bf16 (no AVX-512-BF16/AMX) run bf16 autocast slower than fp32, so "auto" never
    picks it there; asking for bf16 on CPU is allowed. fp16 needs CUDA (its gradient scaler does).
    """
    if precision not in PRECISIONS:
        raise BallspotError(f"unknown precision {precision!r}; choose one of: {', '.join(PRECISIONS)}")
    device_type = torch.device(device).type
    if precision == "auto":
        if device_type != "cuda":
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if precision == "fp16" and device_type != "cuda":
        raise BallspotError(f"fp16 needs a CUDA device (got {device_type}); use bf16 or fp32")
    return precision


def autocast_context(device: torch.device | str, precision: str = "auto") -> contextlib.AbstractContextManager:
    """torch.autocast for bf16/fp16, a no-op for fp32. Wrap the forward pass and the loss in it."""
    resolved = resolve_precision(device, precision)
    if resolved == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if resolved == "bf16" else torch.float16
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def make_grad_scaler(device: torch.device | str, precision: str = "auto") -> torch.amp.GradScaler:
    """A GradScaler, enabled only for fp16 (bf16 and fp32 have fp32's exponent range and need none).

    A disabled scaler passes `scale(loss)`, `step(optimizer)` and `update()` through, so a training loop
    can use one code path for every precision; its state_dict belongs in the checkpoint.
    """
    resolved = resolve_precision(device, precision)
    device_type = torch.device(device).type
    return torch.amp.GradScaler(device_type, enabled=resolved == "fp16")


def use_channels_last(device: torch.device | str, setting: str | bool = "auto") -> bool:
    """Whether to run the 2D encoder channels-last; "auto" says yes on CUDA and CPU alike.

    Measured for EfficientNetV2-B0 on the project's 2-core CPU: 1.2× faster inference at batch 1 and up
    to 2× at batch 4 (docs/model.md has the training figures); on CUDA it is what tensor cores want.
    """
    if isinstance(setting, bool):
        return setting
    if setting != "auto":
        raise BallspotError(f"channels-last setting must be auto, true or false, got {setting!r}")
    return torch.device(device).type in ("cuda", "cpu")
