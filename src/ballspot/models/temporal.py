"""3D convolution blocks that mix neighbouring stacks in time (and space) after the 2D encoder.

This is the "slow fusion" of the seed and of the 2023 winner: the 2D encoder sees 3 frames at once, the
3D block sees how those stack features change across the clip.
"""

from __future__ import annotations

import torch
from torch import nn


class Conv3dBNAct(nn.Sequential):
    """Conv3d (3×3×3, 'same' padding, no bias since BN follows) → BatchNorm3d → optional SiLU."""

    def __init__(self, in_channels: int, out_channels: int, activate: bool = True) -> None:
        super().__init__(
            nn.Conv3d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm3d(out_channels),
            nn.SiLU(inplace=True) if activate else nn.Identity(),
        )


class TemporalBlock(nn.Module):
    """A residual pair of 3×3×3 convolutions over [B, C, T, h, w], narrowed to C/2 in the middle.

    The bottleneck halves the cost of the pair (≈ 0.4 GFLOPs per 5-stack clip at C = 128 on a 7×13 map,
    against ≈ 13 GFLOPs for the B0 encoder), which matters in predict, where the head runs once per
    window while each stack's encoding is reused by five windows.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = max(1, channels // 2)
        self.body = nn.Sequential(Conv3dBNAct(channels, hidden), Conv3dBNAct(hidden, channels, activate=False))
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.body(x))


def build_temporal(channels: int, blocks: int) -> nn.Module:
    """`blocks` residual blocks in a row; 0 gives an identity (a 2D-only model, for ablations)."""
    if blocks == 0:
        return nn.Identity()
    return nn.Sequential(*(TemporalBlock(channels) for _ in range(blocks)))
