"""The dense spotting network: a score vector (and a team side) for every frame of a stretch of video.

    clip [B, S, C, H, W]
      → encode (shared with the window network): per stack [D, h, w]
      → 3D block over the S stacks → pooling per stack → dropout → sequence layer along S
      → per stack: what happens in it (classes + background), on which of its frames (an offset over the
        `positions_per_stack` frames it spans), and which side acts (helped by how the camera moves around
        the stack, with `camera`)

A frame's score for class c is P(stack holds c) × P(the event is on this frame) / P(the stack's likeliest
frame): the likeliest frame carries the class's probability itself, the others less. Splitting
"what" from "which frame" lets every event of a class teach the same weights wherever it falls in its
stack, while the output still runs at the frame rate and the encoder runs once per stack. Every layer after
the encoder takes any number of stacks, so predict slides long windows over the features of a whole video.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ballspot.errors import BallspotError
from ballspot.models.camera import CameraSide, split_camera
from ballspot.models.config import ModelConfig
from ballspot.models.network import StackEncoder
from ballspot.models.pooling import build_pooling
from ballspot.models.sequence import build_sequence
from ballspot.models.temporal import build_temporal


@dataclass
class DenseOutput:
    """Logits per stack: `classes` [B, S, K] (background last), `offsets` [B, S, R] (the frame of the stack's
    event) and `team` [B, S] (right side) or None."""

    classes: torch.Tensor
    offsets: torch.Tensor
    team: torch.Tensor | None

    def frame_probabilities(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(scores [B, S·R, K] per frame with background last, right side's probability [B, S·R]).

        A class's score on a frame is its stack's probability times how likely the frame is relative to the
        stack's likeliest one, so how sure the network is of the class (not how sharply it places it inside
        the stack) ranks the events; background is what the actions leave.
        """
        stacks, per_stack = self.offsets.shape[1:]
        classes = torch.softmax(self.classes.float(), dim=-1)
        where = torch.softmax(self.offsets.float(), dim=-1)
        where = where / where.amax(dim=-1, keepdim=True)
        actions = classes[..., None, :-1] * where[..., :, None]  # [B, S, R, K-1]
        background = (1.0 - actions.sum(dim=-1, keepdim=True)).clamp(min=0.0)
        frames = torch.cat([actions, background], dim=-1).flatten(1, 2)
        team = None
        if self.team is not None:
            team = torch.sigmoid(self.team.float())[..., None].expand(-1, -1, per_stack).flatten(1, 2)
        return frames, team


class DenseSpotterNet(StackEncoder):
    """Per-stack class, frame-offset and team-side logits from stacks of frames."""

    def __init__(self, cfg: ModelConfig, encoder: nn.Module) -> None:
        super().__init__(cfg, encoder)
        self.temporal = build_temporal(cfg.temporal_channels, cfg.temporal_blocks)
        self.pool = build_pooling(cfg.pooling, cfg.temporal_channels, cfg.vlad_clusters)
        self.dropout = nn.Dropout(cfg.dropout)
        self.sequence = build_sequence(cfg.sequence, self.pool.out_features, cfg.sequence_channels, cfg.sequence_layers)
        self.classifier = nn.Linear(cfg.sequence_channels, cfg.num_classes)
        self.offset = nn.Linear(cfg.sequence_channels, cfg.positions_per_stack)
        self.team = nn.Linear(cfg.sequence_channels, 1) if cfg.team else None
        self.camera_side = CameraSide() if cfg.camera else None

    def head(self, features: torch.Tensor) -> DenseOutput:
        """[B, S, D, h, w] per-stack features (any S) → DenseOutput for the S stacks."""
        if features.ndim != 5 or features.shape[2] != self.feature_channels:
            expected = f"[B, S, {self.feature_channels}, h, w]"
            raise BallspotError(f"head expects {expected} features, got {tuple(features.shape)}")
        batch, stacks = features.shape[:2]
        features, camera = split_camera(features, self.cfg.temporal_channels)
        mixed = self.temporal(features.transpose(1, 2)).transpose(1, 2)  # Conv3d wants [B, D, S, h, w]
        pooled = self.pool(mixed.flatten(0, 1)).unflatten(0, (batch, stacks))
        hidden = self.sequence(self.dropout(pooled))
        team = self.team(hidden)[..., 0] if self.team is not None else None
        if self.camera_side is not None:
            team = team + self.camera_side(camera).to(team.dtype)
        return DenseOutput(classes=self.classifier(hidden), offsets=self.offset(hidden), team=team)

    def forward(self, clips: torch.Tensor) -> DenseOutput:
        """[B, S, C, H, W] clips → DenseOutput over their S stacks."""
        if clips.ndim != 5:
            raise BallspotError(f"model input must be [B, S, C, H, W], got {tuple(clips.shape)}")
        batch, stacks = clips.shape[:2]
        return self.head(self.encode(clips.flatten(0, 1)).unflatten(0, (batch, stacks)))
