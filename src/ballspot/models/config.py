"""Every setting that decides the network's shape, in one serialisable record.

A checkpoint stores `ModelConfig.to_dict()`; `from_dict` rebuilds the same record, so a run folder alone
is enough to rebuild the model. Importing this module does not import torch.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any

from ballspot.errors import BallspotError

POOLINGS: tuple[str, ...] = ("netvlad", "gem")
HEADS: tuple[str, ...] = ("window", "dense")
SEQUENCE_LAYERS: tuple[str, ...] = ("conv", "gru", "attention", "none")

PRETRAINED_FROM_HUB = "hub"
"""The `pretrained` value that asks timm to download the backbone's default weights (needs internet)."""


@dataclass
class ModelConfig:
    """The network's settings; defaults follow the seed (B0 over 5 stacks of 3 grey frames, NetVLAD).

    `num_classes` is the head's width as the caller wants it: 12 for clip classification, 13 (classes +
    background) for spotting. `pretrained` is a local timm weights file, `"hub"` (timm downloads the
    backbone's default weights), or None for random weights.
    """

    backbone: str = "tf_efficientnetv2_b0"
    num_classes: int = 12
    stacks: int = 5
    stack_size: int = 3
    pooling: str = "netvlad"
    vlad_clusters: int = 8
    temporal_channels: int = 128
    temporal_blocks: int = 1
    dropout: float = 0.4
    drop_path: float = 0.0
    """Stochastic depth of the encoder's residual blocks while training (timm's drop_path_rate)."""
    pretrained: str | None = None
    head: str = "window"
    """window: one score vector per window of `stacks` stacks; dense: one per frame over any number of stacks."""
    positions_per_stack: int = 1
    """Dense head: output positions (frames at the training rate) each stack scores."""
    sequence: str = "conv"
    """Dense head: the layer that mixes the per-stack vectors along time (conv, gru, attention or none)."""
    sequence_layers: int = 2
    sequence_channels: int = 256
    team: bool = False
    """Dense head: also output the side (left/right) of the team that acts, per position."""
    motion: bool = False
    """The encoder sees a stack's middle frame and the differences between its consecutive frames."""
    camera: bool = False
    """Dense head: the team side also reads how the camera moves around each stack (`ballspot.models.camera`)."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise BallspotError on a setting no network can be built from (also run by `build_model`)."""
        if not isinstance(self.backbone, str) or not self.backbone.strip():
            raise BallspotError("model backbone must be a timm model name")
        for name in ("num_classes", "stacks", "stack_size", "vlad_clusters", "temporal_channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise BallspotError(f"model {name} must be a positive integer, got {value!r}")
        if isinstance(self.temporal_blocks, bool) or not isinstance(self.temporal_blocks, int):
            raise BallspotError(f"model temporal_blocks must be an integer, got {self.temporal_blocks!r}")
        if self.temporal_blocks < 0:
            raise BallspotError(f"model temporal_blocks must be 0 or more, got {self.temporal_blocks}")
        if self.pooling not in POOLINGS:
            raise BallspotError(f"unknown pooling {self.pooling!r}; choose one of: {', '.join(POOLINGS)}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, int | float):
            raise BallspotError(f"model dropout must be a number, got {self.dropout!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise BallspotError(f"model dropout must be in [0, 1), got {self.dropout}")
        if isinstance(self.drop_path, bool) or not isinstance(self.drop_path, int | float):
            raise BallspotError(f"model drop_path must be a number, got {self.drop_path!r}")
        if not 0.0 <= self.drop_path < 1.0:
            raise BallspotError(f"model drop_path must be in [0, 1), got {self.drop_path}")
        if self.head not in HEADS:
            raise BallspotError(f"unknown head {self.head!r}; choose one of: {', '.join(HEADS)}")
        if self.sequence not in SEQUENCE_LAYERS:
            choices = ", ".join(SEQUENCE_LAYERS)
            raise BallspotError(f"unknown sequence layer {self.sequence!r}; choose one of: {choices}")
        for name in ("positions_per_stack", "sequence_layers", "sequence_channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise BallspotError(f"model {name} must be a positive integer, got {value!r}")
        if not isinstance(self.motion, bool) or (self.motion and self.stack_size < 2):
            raise BallspotError(f"model motion needs stacks of at least 2 frames, got stack_size {self.stack_size}")
        if not isinstance(self.camera, bool) or (
            self.camera and (self.head != "dense" or not self.team or self.stack_size < 2)
        ):
            raise BallspotError("model camera needs the dense head with a team side and stacks of at least 2 frames")
        if self.pretrained is not None and not isinstance(self.pretrained, str):
            self.pretrained = str(self.pretrained)

    @property
    def in_chans(self) -> int:
        """Channels of one stack as the encoder sees them (3 grey frames, or the 3 colours of one frame)."""
        return self.stack_size

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild from `to_dict()` output; an unknown key is an error that names the closest known one."""
        if not isinstance(data, dict):
            raise BallspotError(f"model configuration must be a mapping, got {type(data).__name__}")
        known = [field.name for field in dataclasses.fields(cls)]
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
                raise BallspotError(f"unknown model setting {key!r}{hint}")
        return cls(**data)

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with `changes` applied (validated like a new record; unknown keys are errors)."""
        return ModelConfig.from_dict({**self.to_dict(), **changes})
