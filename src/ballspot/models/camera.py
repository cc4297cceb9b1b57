"""How far the picture moves inside a stack: the camera's pan and tilt, as two numbers per stack.

A broadcast camera follows the ball, so where it pans in the second after an action says where the ball
went: forward for the team that plays it, most of the time. Pooled feature maps lose that direction, and a
network trained from random weights on few games does not learn it from the frame differences, so the dense
head's team side gets it as an input of its own (`camera` in the training config); what happens and where
is still decided from the pictures alone.
"""

from __future__ import annotations

import torch
from torch import nn


def profile_shift(profiles: torch.Tensor, max_shift: int) -> torch.Tensor:
    """[N, k, L] brightness profiles of k consecutive frames → [N, k - 1] shifts (in samples) that best align
    each profile with the next one: the next profile is the previous one moved by the shift.

    Each pair is compared at every shift in [-max_shift, max_shift] by the mean squared difference of the
    overlapping parts of the mean-free profiles; the best integer shift (the smallest on a tie, so a flat
    picture gives 0) is refined by a parabola through its neighbours.
    """
    profiles = profiles - profiles.mean(dim=-1, keepdim=True)
    before, after = profiles[:, :-1], profiles[:, 1:]
    length = profiles.shape[-1]
    core = after[..., max_shift : length - max_shift]  # [N, k-1, L - 2M]: the part present at every shift
    span = length - 2 * max_shift
    windows = torch.stack([before[..., j : j + span] for j in range(2 * max_shift + 1)], dim=-2)  # starts at j
    scores = -(windows - core[..., None, :]).square().mean(dim=-1)  # window j matches when the shift is M - j
    scores = scores.flip(-1)  # index i ↔ shift i - M
    distance = (torch.arange(2 * max_shift + 1, device=scores.device) - max_shift).abs()
    scale = scores.abs().amax(dim=-1, keepdim=True) + 1e-12
    scores = scores - 1e-6 * scale * distance  # ties (a flat picture) go to the smallest shift
    best = scores.argmax(dim=-1, keepdim=True)
    left = scores.gather(-1, (best - 1).clamp(min=0))
    centre = scores.gather(-1, best)
    right = scores.gather(-1, (best + 1).clamp(max=2 * max_shift))
    curvature = left - 2 * centre + right
    fraction = torch.where(curvature < 0, 0.5 * (left - right) / curvature.clamp(max=-1e-12), torch.zeros_like(centre))
    edge = (best == 0) | (best == 2 * max_shift)
    fraction = torch.where(edge, torch.zeros_like(fraction), fraction.clamp(-0.5, 0.5))
    return (best + fraction)[..., 0].to(profiles.dtype) - max_shift


class CameraShift(nn.Module):
    """[N, k, H, W] grey frames of N stacks → [N, 2]: the horizontal and vertical shift of the picture from
    the stack's first to its last frame, as a share of the width and height (the picture's content moving
    right or down is positive: a camera panning right moves it left).

    Each frame is reduced to its column and row brightness profiles, and consecutive profiles are aligned
    (up to `reach` of the width or height per frame); the pair shifts are summed. A fixed function of the
    pixels with no weights, so the encoder's features, the cache predict keeps and an export carry it alike.
    """

    def __init__(self, reach: float = 1 / 12) -> None:
        super().__init__()
        self.reach = reach

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        height, width = frames.shape[-2:]
        frames = frames.float()
        shifts = []
        for profiles, size in ((frames.mean(dim=-2), width), (frames.mean(dim=-1), height)):
            max_shift = max(1, min(int(size * self.reach), (size - 1) // 3))
            shifts.append(profile_shift(profiles, max_shift).sum(dim=-1) / size)
        return torch.stack(shifts, dim=-1)


def append_camera(maps: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """[N, D, h, w] maps and [N, 2] shifts → [N, D + 2, h, w]: the shifts as two constant maps behind the rest."""
    planes = shift[:, :, None, None].to(maps.dtype).expand(-1, -1, *maps.shape[-2:])
    return torch.cat([maps, planes], dim=1)


def split_camera(features: torch.Tensor, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[..., D + 2, h, w] → ([..., D, h, w] maps, [..., 2] shifts): the inverse of `append_camera`."""
    return features[..., :channels, :, :], features[..., channels:, 0, 0]


class CameraSide(nn.Module):
    """[B, S, 2] camera shifts of S stacks → [B, S] side logits: two small convolutions along time that read
    how the camera moves over about 4 s around each stack (added to the dense head's team logit)."""

    def __init__(self, channels: int = 16, kernel: int = 9) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(2)
        self.layers = nn.Sequential(
            nn.Conv1d(2, channels, kernel, padding=kernel // 2),
            nn.SiLU(inplace=True),
            nn.Conv1d(channels, 1, kernel, padding=kernel // 2),
        )

    def forward(self, shifts: torch.Tensor) -> torch.Tensor:
        x = self.norm(shifts.float().transpose(1, 2))  # Conv1d and BatchNorm1d want [B, 2, S]
        return self.layers(x)[:, 0]
