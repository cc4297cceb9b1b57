"""The dense spotting network: a score vector (and a team side) for every frame of a stretch of video.

    clip [B, S, C, H, W]
      → encode (shared with the window network): per stack [D, h, w]
      → 3D block over the S stacks → pooling per stack → dropout → sequence layer along S
      → per stack: `positions_per_stack` × (classes + background) logits, and as many team logits; each is
        the sum of a term shared by the stack's positions and a term of its own, so every event of a class
        teaches the shared term whichever frame of its stack it falls on

Each stack scores the frames it spans (e.g. 3 grey frames sampled every 2nd frame span 6 frames), so the
output runs at the frame rate while the encoder runs once per stack. Every layer after the encoder takes any
number of stacks, so predict slides long windows over the cached features of a whole video.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ballspot.errors import BallspotError
from ballspot.models.config import ModelConfig
from ballspot.models.network import StackEncoder
from ballspot.models.pooling import build_pooling
from ballspot.models.sequence import build_sequence
from ballspot.models.temporal import build_temporal


@dataclass
class DenseOutput:
    """Logits per position: `classes` [B, T, K] (background last) and `team` [B, T] (right side) or None."""

    classes: torch.Tensor
    team: torch.Tensor | None


class DenseSpotterNet(StackEncoder):
    """Per-frame class logits (and team-side logits) from stacks of frames."""

    def __init__(self, cfg: ModelConfig, encoder: nn.Module) -> None:
        super().__init__(cfg, encoder)
        self.temporal = build_temporal(cfg.temporal_channels, cfg.temporal_blocks)
        self.pool = build_pooling(cfg.pooling, cfg.temporal_channels, cfg.vlad_clusters)
        self.dropout = nn.Dropout(cfg.dropout)
        self.sequence = build_sequence(cfg.sequence, self.pool.out_features, cfg.sequence_channels, cfg.sequence_layers)
        self.classifier = nn.Linear(cfg.sequence_channels, cfg.positions_per_stack * cfg.num_classes)
        self.stack_classifier = nn.Linear(cfg.sequence_channels, cfg.num_classes)
        self.team = nn.Linear(cfg.sequence_channels, cfg.positions_per_stack + 1) if cfg.team else None

    def head(self, features: torch.Tensor) -> DenseOutput:
        """[B, S, D, h, w] per-stack features (any S) → logits for the S × positions_per_stack positions."""
        if features.ndim != 5 or features.shape[2] != self.cfg.temporal_channels:
            raise BallspotError(
                f"head expects [B, S, {self.cfg.temporal_channels}, h, w] features, got {tuple(features.shape)}"
            )
        batch, stacks = features.shape[:2]
        mixed = self.temporal(features.transpose(1, 2)).transpose(1, 2)  # Conv3d wants [B, D, S, h, w]
        pooled = self.pool(mixed.flatten(0, 1)).unflatten(0, (batch, stacks))
        hidden = self.sequence(self.dropout(pooled))
        per_stack, width = self.cfg.positions_per_stack, self.cfg.num_classes
        # a term shared by the stack's positions (what happens) plus one per position (on which frame)
        frame_logits = self.classifier(hidden).reshape(batch, stacks, per_stack, width)
        classes = (frame_logits + self.stack_classifier(hidden)[:, :, None, :]).reshape(batch, -1, width)
        team = None
        if self.team is not None:
            sides = self.team(hidden)
            team = (sides[..., :per_stack] + sides[..., per_stack:]).reshape(batch, -1)
        return DenseOutput(classes=classes, team=team)

    def forward(self, clips: torch.Tensor) -> DenseOutput:
        """[B, S, C, H, W] clips → DenseOutput over their S × positions_per_stack positions."""
        if clips.ndim != 5:
            raise BallspotError(f"model input must be [B, S, C, H, W], got {tuple(clips.shape)}")
        batch, stacks = clips.shape[:2]
        return self.head(self.encode(clips.flatten(0, 1)).unflatten(0, (batch, stacks)))
