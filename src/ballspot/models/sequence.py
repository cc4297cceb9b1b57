"""Layers that mix per-stack feature vectors along time, for the dense head: [B, T, in] → [B, T, out].

Every layer takes any length T, so training clips and the longer windows predict runs can differ.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ballspot.errors import BallspotError


class DilatedConvStack(nn.Module):
    """Residual 1D convolutions (kernel 3) with dilations 1, 2, 4, ...: a receptive field of 2^(layers+1) - 1."""

    def __init__(self, channels: int, layers: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(channels, channels, kernel_size=3, padding=2**i, dilation=2**i, bias=False),
                nn.BatchNorm1d(channels),
                nn.SiLU(inplace=True),
            )
            for i in range(layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)  # Conv1d wants [B, C, T]
        for block in self.blocks:
            x = x + block(x)
        return x.transpose(1, 2)


class BiGRU(nn.Module):
    """A bidirectional GRU whose two directions together give `channels` features."""

    def __init__(self, channels: int, layers: int) -> None:
        super().__init__()
        self.gru = nn.GRU(channels, channels // 2, num_layers=layers, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, enabled=False):
            return self.gru(x.float())[0]


class SelfAttention(nn.Module):
    """Transformer encoder layers with sinusoidal positions (4 heads, pre-norm)."""

    def __init__(self, channels: int, layers: int) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            channels, nhead=4, dim_feedforward=2 * channels, dropout=0.1, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = torch.arange(x.shape[1], device=x.device, dtype=torch.float32)[:, None]
        freqs = torch.exp(torch.arange(0, self.channels, 2, device=x.device) * (-math.log(10_000.0) / self.channels))
        position = torch.zeros(x.shape[1], self.channels, device=x.device)
        position[:, 0::2] = torch.sin(steps * freqs)
        position[:, 1::2] = torch.cos(steps * freqs)
        return self.encoder(x + position.to(x.dtype))


def build_sequence(name: str, in_features: int, channels: int, layers: int) -> nn.Module:
    """A projection to `channels`, then the named mixing layer (`none`: the projection alone)."""
    project = nn.Sequential(nn.Linear(in_features, channels), nn.SiLU(inplace=True))
    if name == "none":
        return project
    if name == "conv":
        return nn.Sequential(project, DilatedConvStack(channels, layers))
    if name == "gru":
        return nn.Sequential(project, BiGRU(channels, layers))
    if name == "attention":
        if channels % 4:
            raise BallspotError(f"attention needs sequence_channels divisible by 4, got {channels}")
        return nn.Sequential(project, SelfAttention(channels, layers))
    raise BallspotError(f"unknown sequence layer {name!r}; choose one of: conv, gru, attention, none")
