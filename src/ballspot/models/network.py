"""The 2.5D networks, split so that predict can encode each stack once.

    clip [B, S, C, H, W] in [0, 1] (or uint8)
      → encode: normalise → timm encoder per stack → 1×1 reduce        = features [B·S, D, h, w]
      → head:   3D block over the S stacks → pooling per stack → concat → dropout → linear = logits [B, K]

`encode` is the expensive part and sees one stack at a time, so a sliding window over a video can cache
the reduced maps of its stacks and call `head` per window. Pooling is done per stack and the S vectors are
concatenated in time order, so the head knows *where* in the window something happens: spotting needs
that, and clip classification does not lose by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from ballspot.errors import BallspotError
from ballspot.models.camera import CameraShift, append_camera
from ballspot.models.config import ModelConfig
from ballspot.models.encoder import create_encoder
from ballspot.models.pooling import build_pooling
from ballspot.models.temporal import build_temporal

if TYPE_CHECKING:
    from ballspot.models.dense import DenseSpotterNet


class InputNormalizer(nn.Module):
    """Map [0, 1] floats (or 0..255 uint8) to what the encoder's pretrained weights expect.

    The mean/std are the backbone's (ImageNet for EfficientNetV2) and each grey frame of a stack gets the
    statistics of the colour channel it stands in for, so pretrained RGB weights see familiar values.
    Buffers are not saved in checkpoints: they follow from the backbone name.
    """

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...], channels: int) -> None:
        super().__init__()
        if len(mean) != channels:
            mean = (sum(mean) / len(mean),) * channels
            std = (sum(std) / len(std),) * channels
        self.register_buffer("mean", torch.tensor(mean).view(1, channels, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, channels, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.uint8:
            x = x.float().div_(255.0)
        elif not x.is_floating_point():
            raise BallspotError(f"model input must be float in [0, 1] or uint8, got {x.dtype}")
        return (x - self.mean) / self.std


class MotionInput(nn.Module):
    """[N, k, H, W] normalised grey frames → their middle frame and the k - 1 differences between consecutive
    frames (scaled by `gain`, as moving things cover little of the picture), still k channels.

    What moves between the frames of a stack (the ball, the players, the camera) is then in the input
    itself instead of having to be learnt by the first layers, which a network trained from random
    weights on few events does slowly. A fixed linear map, so it is part of the model and predict
    applies it wherever the weights go.
    """

    def __init__(self, gain: float = 4.0) -> None:
        super().__init__()
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        middle = x.shape[1] // 2
        return torch.cat([x[:, middle : middle + 1], self.gain * (x[:, 1:] - x[:, :-1])], dim=1)


class StackEncoder(nn.Module):
    """normalise → timm encoder → 1×1 reduce: one stack of frames to a reduced feature map.

    The part of every head's network that sees pixels, and the expensive one: predict runs it once per stack.
    """

    def __init__(self, cfg: ModelConfig, encoder: nn.Module) -> None:
        super().__init__()
        self.cfg = cfg
        pretrained_cfg = getattr(encoder, "pretrained_cfg", None) or {}
        self.normalize = InputNormalizer(
            tuple(pretrained_cfg.get("mean") or (0.5,)), tuple(pretrained_cfg.get("std") or (0.5,)), cfg.in_chans
        )
        self.motion = MotionInput() if cfg.motion else nn.Identity()
        self.camera = CameraShift() if cfg.camera else None
        self.encoder = encoder
        self.reduce = nn.Sequential(
            nn.Conv2d(encoder.num_features, cfg.temporal_channels, kernel_size=1, bias=False),
            nn.BatchNorm2d(cfg.temporal_channels),
            nn.SiLU(inplace=True),
        )
        self.channels_last = False

    @property
    def feature_channels(self) -> int:
        """D of `encode`'s output: the width of what predict caches per stack (+ 2 with the camera shift)."""
        return self.cfg.temporal_channels + (2 if self.camera is not None else 0)

    def encode(self, stacks: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] stacks → [N, D, h, w] reduced feature maps (h, w = H/32, W/32 for EfficientNets); with
        `camera`, two more constant maps hold the stack's camera shift."""
        if stacks.ndim != 4 or stacks.shape[1] != self.cfg.in_chans:
            raise BallspotError(f"encode expects [N, {self.cfg.in_chans}, H, W] stacks, got {tuple(stacks.shape)}")
        frames = self.normalize(stacks)
        x = self.motion(frames)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        maps = self.encoder.forward_features(x)
        if maps.ndim != 4:
            raise BallspotError(
                f"backbone {self.cfg.backbone!r} gives no 2D feature map (output {tuple(maps.shape)}); "
                "use a convolutional timm model"
            )
        reduced = self.reduce(maps)
        if self.camera is None:
            return reduced
        return append_camera(reduced, self.camera(frames))

    def to_channels_last(self):
        """Store the 2D parts' weights channels-last and feed them channels-last inputs (faster convs)."""
        self.encoder.to(memory_format=torch.channels_last)
        self.reduce.to(memory_format=torch.channels_last)
        self.channels_last = True
        return self


class SpotterNet(StackEncoder):
    """The window network; `forward(x) == head(encode(x.flatten(0, 1)).unflatten(0, (B, S)))`."""

    def __init__(self, cfg: ModelConfig, encoder: nn.Module) -> None:
        super().__init__(cfg, encoder)
        self.temporal = build_temporal(cfg.temporal_channels, cfg.temporal_blocks)
        self.pool = build_pooling(cfg.pooling, cfg.temporal_channels, cfg.vlad_clusters)
        self.dropout = nn.Dropout(cfg.dropout)
        self.classifier = nn.Linear(cfg.stacks * self.pool.out_features, cfg.num_classes)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """[B, S, D, h, w] per-stack features → [B, num_classes] logits."""
        if features.ndim != 5 or features.shape[1] != self.cfg.stacks:
            raise BallspotError(f"head expects [B, {self.cfg.stacks}, D, h, w] features, got {tuple(features.shape)}")
        batch, stacks = features.shape[:2]
        mixed = self.temporal(features.transpose(1, 2)).transpose(1, 2)  # Conv3d wants [B, D, S, h, w]
        pooled = self.pool(mixed.flatten(0, 1)).unflatten(0, (batch, stacks)).flatten(1)
        return self.classifier(self.dropout(pooled))

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """[B, S, C, H, W] clips → [B, num_classes] logits."""
        if clips.ndim != 5:
            raise BallspotError(f"model input must be [B, S, C, H, W], got {tuple(clips.shape)}")
        batch, stacks = clips.shape[:2]
        return self.head(self.encode(clips.flatten(0, 1)).unflatten(0, (batch, stacks)))


def build_model(cfg: ModelConfig, load_pretrained: bool = True) -> SpotterNet | DenseSpotterNet:
    """The one factory. `load_pretrained=False` skips `cfg.pretrained` (rebuilding from a checkpoint)."""
    from ballspot.models.dense import DenseSpotterNet

    cfg.validate()
    encoder = create_encoder(
        cfg.backbone, cfg.in_chans, cfg.pretrained if load_pretrained else None, drop_path=cfg.drop_path
    )
    return DenseSpotterNet(cfg, encoder) if cfg.head == "dense" else SpotterNet(cfg, encoder)
