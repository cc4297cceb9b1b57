"""The dense spotting task: clips cut anywhere in whole games, a target for every frame, mAP on validation.

Each training sample is `frames` consecutive sampled frames (every `stride`-th frame at `fps`) of one video,
as stacks, with a target for every frame they span (see `dense_targets`). A share `event_clips` of the
clips is placed so that a randomly chosen event falls at a random place inside; the others start anywhere.
Every random choice comes from (seed, epoch, sample), so an epoch is the same whatever the number of
workers and a resumed run sees what an uninterrupted one would have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from ballspot.classes import class_set
from ballspot.data.index import load_index, split_rows_of
from ballspot.engine.config import TrainConfig
from ballspot.engine.dataset import augment, to_stacks
from ballspot.engine.dense_targets import TEAM_SIDES, GameEvents, dense_targets
from ballspot.engine.frame_cache import event_frame, refuse_event_past_the_end
from ballspot.engine.losses import build_loss
from ballspot.engine.video_cache import SampledVideo, cached_video
from ballspot.errors import BallspotError
from ballspot.soccernet.labels import Annotation
from ballspot.soccernet.splits import HOLD_OUT_HINT


def frames_per_stack(config: TrainConfig) -> int:
    """Sampled frames in one stack: `stack_size` grey frames, or one RGB frame."""
    return config.in_chans if config.color == "grey" else 1


def positions_per_stack(config: TrainConfig) -> int:
    """Frames (at `fps`) one stack spans, each of which the dense head scores."""
    return frames_per_stack(config) * config.stride


@dataclass
class DenseSplit:
    """The videos of one split, their events (for targets) and their labels (for mAP)."""

    videos: list[SampledVideo]
    events: list[GameEvents]
    labels: list[list[Annotation]]
    names: list[str]


def prepare_dense_split(
    index_path: Path,
    split: str,
    config: TrainConfig,
    cache_dir: Path,
    on_video: Callable[[], None] | None = None,
    every_frame: bool = False,
) -> DenseSplit:
    """Decode (or map from the cache) every video of `split` in the index, with its events: every
    `stride`-th frame, or with `every_frame` every frame."""
    index = load_index(index_path)
    rows = split_rows_of(index, split)
    if rows.empty:
        available = ", ".join(sorted(index["split"].unique())) or "none"
        raise BallspotError(
            f"no videos in split {split!r} (splits in the index: {available})"
            + ("" if split == "train" else f"; {HOLD_OUT_HINT}")
        )
    actions = list(class_set(config.classes))
    events = rows[rows["kind"] == "event"]
    unknown = sorted(set(events["label"]) - set(actions))
    if unknown:
        raise BallspotError(f"the index has labels outside the {config.classes}-class set: {', '.join(unknown)}")
    fmt = config.frame_format()
    split_data = DenseSplit([], [], [], [])
    for (game, half, video), group in rows.groupby(["game", "half", "video"], sort=True):
        own = group[group["kind"] == "event"]
        stride = 1 if every_frame else config.stride
        cached = cached_video(Path(video), fmt, stride, cache_dir / "videos")
        if not own.empty:
            refuse_event_past_the_end(video, int(own["event_ms"].max()), int(cached.raw_frames * 1000 / config.fps))
        split_data.videos.append(cached)
        split_data.events.append(game_events(own, actions, config.fps))
        split_data.labels.append(
            [
                Annotation(r.label, int(r.event_ms), int(half), r.team or None, r.visibility or "visible")
                for r in own.itertuples()
            ]
        )
        split_data.names.append(f"{game} half {half}")
        if on_video:
            on_video()
    return split_data


def game_events(rows: pd.DataFrame, actions: list[str], fps: float) -> GameEvents:
    """Index rows of one video's events → frames at `fps`, class ids, team ids."""
    lookup = {name: i for i, name in enumerate(actions)}
    sides = {name: i for i, name in enumerate(TEAM_SIDES)}
    return GameEvents(
        frames=event_frame(rows["event_ms"].to_numpy(), fps),
        classes=rows["label"].map(lookup).to_numpy(dtype=np.int64),
        teams=rows["team"].map(lambda t: sides.get(t, -1)).to_numpy(dtype=np.int64),
    )


def event_weights(events: list[GameEvents], balance: float) -> np.ndarray | None:
    """Probabilities of picking each event (videos in order): (events of its class)^-balance, normalised;
    None for balance 0 (every event alike)."""
    classes = np.concatenate([e.classes for e in events]) if events else np.zeros(0, np.int64)
    if balance == 0 or len(classes) == 0:
        return None
    counts = np.bincount(classes)
    weights = counts[classes].astype(np.float64) ** -balance
    return weights / weights.sum()


class DenseClipDataset(Dataset):
    """Samples (x, class targets [T, K], team [T], team weight [T]); x is float [S, C, H, W] in [0, 1]."""

    def __init__(self, data: DenseSplit, config: TrainConfig, num_actions: int, clips: int, train: bool = True):
        self.data = data
        self.config = config
        self.num_actions = num_actions
        self.clips = clips
        self.train = train
        self.epoch = 0
        self.length = config.frames  # sampled frames per clip
        self.group = frames_per_stack(config)
        self.weights = np.array([len(v.frames) for v in data.videos], dtype=np.float64)
        self.weights /= self.weights.sum()
        self.all_events = [(v, e) for v, events in enumerate(data.events) for e in range(len(events.frames))]
        self.event_weights = event_weights(data.events, config.event_balance)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.clips

    def clip_start(self, rng: np.random.Generator, speed: float = 1.0) -> tuple[int, int, int]:
        """(video, first cached frame, cached frames between sampled ones) of a clip: around a random event,
        or anywhere."""
        if self.all_events and rng.random() < self.config.event_clips:
            if self.event_weights is None:
                video, event = self.all_events[int(rng.integers(len(self.all_events)))]
            else:
                video, event = self.all_events[int(rng.choice(len(self.all_events), p=self.event_weights))]
            cached = self.data.videos[video]
            step, span = self.span(cached, speed)
            centre = int(self.data.events[video].frames[event]) // cached.stride
            start = centre - int(rng.integers(span))
        else:
            video = int(rng.choice(len(self.data.videos), p=self.weights))
            cached = self.data.videos[video]
            step, span = self.span(cached, speed)
            start = int(rng.integers(max(1, len(cached.frames) - span + 1)))
        return video, int(np.clip(start, 0, max(0, len(cached.frames) - span))), step

    def span(self, cached: SampledVideo, speed: float = 1.0) -> tuple[int, int]:
        """(cached frames from one sampled frame to the next, cached frames a clip spans at `speed`)."""
        step = self.config.stride // cached.stride
        return step, int(round((self.length - 1) * step * speed)) + 1

    def __getitem__(self, i: int):
        rng = np.random.default_rng([self.config.seed, self.epoch, i])
        x, classes, team, team_weight = self.sample(rng)
        if self.train and self.config.mixup and rng.random() < self.config.mixup:
            other_x, other_classes, other_team, other_weight = self.sample(rng)
            share = float(rng.beta(0.4, 0.4))
            x = share * x + (1 - share) * other_x
            classes = share * classes + (1 - share) * other_classes
            mine, theirs = share * team_weight, (1 - share) * other_weight
            team_weight = mine + theirs
            team = (mine * team + theirs * other_team) / np.maximum(team_weight, 1e-6)
        return (
            x,
            torch.from_numpy(classes.astype(np.float32)),
            torch.from_numpy(team.astype(np.float32)),
            torch.from_numpy(team_weight.astype(np.float32)),
        )

    def sample(self, rng: np.random.Generator) -> tuple[torch.Tensor, np.ndarray, np.ndarray, np.ndarray]:
        """One clip and its targets: (x, classes [T, K], team [T], team weight [T])."""
        speed = 1.0
        if self.train and self.config.augment and self.config.speed:
            speed = float(rng.uniform(1 - self.config.speed, 1 + self.config.speed))
        video, start, step = self.clip_start(rng, speed)
        cached = self.data.videos[video]
        picks = start + np.round(np.arange(self.length) * step * speed).astype(np.int64)
        frames = np.array(cached.frames[picks[picks < len(cached.frames)]])
        if len(frames) < self.length:  # a video shorter than a clip: repeat its last frame
            frames = np.concatenate([frames, np.repeat(frames[-1:], self.length - len(frames), axis=0)])
        x = to_stacks(torch.from_numpy(frames), self.group, self.config.color == "grey")
        flipped = False
        if self.train and self.config.augment:
            x, flipped = augment(x, rng, self.config.zoom)
        events = self.data.events[video]
        if speed != 1.0:  # the clip's frame j shows the video's frame first + j * speed
            first = start * cached.stride
            moved = first + np.round((events.frames - first) / speed).astype(np.int64)
            events = GameEvents(moved, events.classes, events.teams)
        targets = dense_targets(
            events,
            start * cached.stride,
            self.length * self.config.stride,
            self.num_actions,
            self.config.target_radius,
        )
        team = 1.0 - targets.team if flipped else targets.team  # a mirrored picture swaps the sides
        return x, targets.classes, team, targets.team_weight


class DenseLoss(nn.Module):
    """Per stack: what happens (classes weighted up against background), on which frame, by which side.

    Frame targets (see `dense_targets`) become stack targets: a class's weight in a stack is its largest
    weight on the stack's frames; the frame offset is learnt on stacks holding an event, towards where the
    event's weight lies; the side (BCE) on stacks whose event has one.
    """

    def __init__(self, config: TrainConfig, num_outputs: int) -> None:
        super().__init__()
        alpha = config.alpha or [config.foreground_weight] * (num_outputs - 1) + [1.0]
        self.classes = build_loss(config.loss, num_outputs, gamma=config.gamma, alpha=alpha)
        self.team_weight = config.team_weight
        self.offset_weight = config.offset_weight

    def forward(self, output, class_targets, team_targets, team_weights) -> torch.Tensor:
        batch, stacks, per_stack = output.offsets.shape
        frames = class_targets.reshape(batch, stacks, per_stack, -1)
        actions = frames[..., :-1].amax(dim=2)  # [B, S, K-1]
        actions = actions / actions.sum(dim=-1, keepdim=True).clamp(min=1.0)
        stack_targets = torch.cat([actions, 1.0 - actions.sum(dim=-1, keepdim=True)], dim=-1)
        loss = self.classes(output.classes.float().flatten(0, 1), stack_targets.flatten(0, 1))
        where = frames[..., :-1].sum(dim=-1)  # [B, S, R]: how much event lies on each frame
        has_event = where.sum(dim=-1)
        weights = has_event.clamp(max=1.0)
        if weights.sum() > 0:
            target = where / has_event.clamp(min=1e-6)[..., None]
            per_stack_loss = -(target * F.log_softmax(output.offsets.float(), dim=-1)).sum(dim=-1)
            loss = loss + self.offset_weight * (per_stack_loss * weights).sum() / weights.sum()
        if output.team is not None and self.team_weight > 0:
            side_weights = team_weights.reshape(batch, stacks, per_stack)
            side_weight = side_weights.amax(dim=-1)
            side = (team_targets.reshape(batch, stacks, per_stack) * side_weights).sum(-1) / side_weights.sum(-1).clamp(
                min=1e-6
            )
            per_stack_side = F.binary_cross_entropy_with_logits(output.team.float(), side, reduction="none")
            loss = loss + self.team_weight * (per_stack_side * side_weight).sum() / side_weight.sum().clamp(min=1.0)
        return loss


def dense_accuracy(output, class_targets) -> tuple[int, int]:
    """(stacks whose top class is their target's top class, stacks): a cheap progress figure per epoch."""
    batch, stacks, per_stack = output.offsets.shape
    frames = class_targets.reshape(batch, stacks, per_stack, -1)
    actions = frames[..., :-1].amax(dim=2)
    target = torch.cat([actions, 1.0 - actions.sum(dim=-1, keepdim=True)], dim=-1).argmax(-1)
    return int((output.classes.argmax(-1) == target).sum()), batch * stacks
