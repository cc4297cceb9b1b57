"""Classification losses: softmax focal loss (the seed's) and cross-entropy.

Targets are class indices [B] or class probabilities [B, K] (soft targets from mixup or from labels
spread around an event); both losses accept either.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ballspot.errors import BallspotError

LOSSES: tuple[str, ...] = ("focal", "ce")


class FocalLoss(nn.Module):
    """Multi-class softmax focal loss (Lin et al., 2017): -α_y (1 - p_y)^γ log p_y, averaged over the batch.

    γ > 0 turns down the loss of examples the model already gets right, so the many easy background
    windows of a spotting task stop drowning the rare events; α weights each class. With γ = 0 and no α
    it is exactly cross-entropy. Unlike torch's weighted cross-entropy, the α-weighted losses are averaged
    over the batch size, not over the sum of weights (the focal-loss paper's convention).
    """

    def __init__(
        self,
        alpha: torch.Tensor | Sequence[float] | None = None,
        gamma: float = 2.0,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        if gamma < 0:
            raise BallspotError(f"focal loss gamma must be 0 or more, got {gamma}")
        if not 0.0 <= label_smoothing < 1.0:
            raise BallspotError(f"label smoothing must be in [0, 1), got {label_smoothing}")
        self.gamma = float(gamma)
        self.label_smoothing = float(label_smoothing)
        self.register_buffer("alpha", _as_alpha(alpha))

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        num_classes = logits.shape[-1]
        if self.alpha is not None and self.alpha.numel() != num_classes:
            raise BallspotError(f"focal loss alpha has {self.alpha.numel()} weights for {num_classes} classes")
        log_probs = F.log_softmax(logits.float(), dim=-1)
        probs = _target_probs(target, num_classes, self.label_smoothing, log_probs)
        # Clamping 1 - p keeps (1 - p)^γ differentiable when p rounds to exactly 1 and γ < 1.
        modulation = (1.0 - log_probs.exp()).clamp(min=1e-6).pow(self.gamma) if self.gamma else 1.0
        weighted = probs * modulation * log_probs
        if self.alpha is not None:
            weighted = weighted * self.alpha
        return -weighted.sum(dim=-1).mean()


def build_loss(
    name: str,
    num_classes: int,
    gamma: float = 2.0,
    alpha: torch.Tensor | Sequence[float] | None = None,
    label_smoothing: float = 0.0,
) -> nn.Module:
    """The loss called `name`: focal (FocalLoss) or ce (torch's cross-entropy, `alpha` as class weights).

    `gamma` only matters for focal.
    """
    alpha_tensor = _as_alpha(alpha)
    if alpha_tensor is not None and alpha_tensor.numel() != num_classes:
        raise BallspotError(f"class weights (alpha) have {alpha_tensor.numel()} values for {num_classes} classes")
    if name == "focal":
        return FocalLoss(alpha_tensor, gamma=gamma, label_smoothing=label_smoothing)
    if name == "ce":
        if not 0.0 <= label_smoothing < 1.0:
            raise BallspotError(f"label smoothing must be in [0, 1), got {label_smoothing}")
        return nn.CrossEntropyLoss(weight=alpha_tensor, label_smoothing=label_smoothing)
    raise BallspotError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")


def _as_alpha(alpha: torch.Tensor | Sequence[float] | None) -> torch.Tensor | None:
    if alpha is None:
        return None
    tensor = torch.as_tensor(alpha, dtype=torch.float32).flatten().clone()
    if tensor.numel() == 0 or not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise BallspotError("class weights (alpha) must be finite and non-negative, one per class")
    return tensor


def _target_probs(target: torch.Tensor, num_classes: int, smoothing: float, like: torch.Tensor) -> torch.Tensor:
    """Class indices or probabilities → [B, K] probabilities, with label smoothing applied."""
    if target.is_floating_point():
        if target.shape != like.shape:
            raise BallspotError(f"soft targets {tuple(target.shape)} do not match logits {tuple(like.shape)}")
        probs = target.to(like.dtype)
    else:
        probs = F.one_hot(target.long(), num_classes).to(like.dtype)
    if smoothing:
        probs = probs * (1.0 - smoothing) + smoothing / num_classes
    return probs
