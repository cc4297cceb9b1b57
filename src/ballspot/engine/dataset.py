"""Training samples: windows from the frame cache, as stacks of frames, with training-only augmentation.

Every random choice is drawn from a generator seeded by (seed, epoch, sample), so an epoch gives the same
samples whatever the number of workers, and a resumed run sees what an uninterrupted one would have.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ballspot.engine.frame_cache import FrameCache


class WindowDataset(Dataset):
    """Samples `(x, label)`: x is float [stacks, channels, H, W] in [0, 1]."""

    def __init__(
        self,
        cache: FrameCache,
        labels: np.ndarray,
        stack_size: int,
        grey: bool = True,
        train: bool = False,
        seed: int = 0,
        zoom: float = 0.88,
    ):
        if len(labels) != len(cache):
            raise ValueError("one label per cached row")
        self.cache = cache
        self.labels = np.asarray(labels, dtype=np.int64)
        self.stack_size = stack_size
        self.grey = grey
        self.train = train
        self.seed = seed
        self.zoom = zoom
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        jitter = self.cache.spec.jitter
        rng = np.random.default_rng([self.seed, self.epoch, i])
        shift = int(rng.integers(-jitter, jitter + 1)) if self.train and jitter else 0
        frames = torch.from_numpy(self.cache.window(i, shift))
        x = to_stacks(frames, self.stack_size, self.grey)
        if self.train:
            x, _ = augment(x, rng, self.zoom)
        return x, int(self.labels[i])


def to_stacks(frames: torch.Tensor, stack_size: int, grey: bool = True) -> torch.Tensor:
    """uint8 frames [T, H, W] (grey) or [T, H, W, 3] -> float [S, C, H, W] in [0, 1].

    Grey: every `stack_size` consecutive frames become the channels of one image (the 2.5D input).
    RGB: each frame is one image of 3 channels.
    """
    x = frames.float().div_(255)
    if grey:
        t, h, w = x.shape
        return x.reshape(t // stack_size, stack_size, h, w)
    return x.permute(0, 3, 1, 2).contiguous()


def augment(x: torch.Tensor, rng: np.random.Generator, zoom: float = 0.88) -> tuple[torch.Tensor, bool]:
    """Horizontal flip, brightness and contrast, and (half the time) a crop of at least `zoom` of the width and
    height resized back; the same for every frame.

    Returns the augmented stacks and whether they were mirrored (which swaps the teams' sides).
    """
    flipped = bool(rng.random() < 0.5)
    if flipped:
        x = x.flip(-1)
    contrast = float(rng.uniform(0.8, 1.2))
    brightness = float(rng.uniform(-0.1, 0.1))
    mean = x.mean()
    x = ((x - mean) * contrast + mean + brightness).clamp_(0, 1)
    if rng.random() < 0.5:
        s, c, h, w = x.shape
        scale = float(rng.uniform(zoom, 1.0))
        ch, cw = max(8, int(h * scale)), max(8, int(w * scale))
        top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        crop = x[:, :, top : top + ch, left : left + cw]
        x = F.interpolate(crop, size=(h, w), mode="bilinear", align_corners=False)
    return x, flipped
