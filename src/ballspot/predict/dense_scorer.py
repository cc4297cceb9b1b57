"""Dense scores over a stream of stacks: encode each stack once, slide the head over overlapping windows.

Features of the stacks are kept in a buffer. Each time it holds `window` stacks the head runs over them and
the scores of the middle stacks are final: a `margin` of stacks on each side only gives context (the first
window of a video keeps its left edge, the last its right edge). Then the buffer drops all but the last
2 × margin stacks, so memory stays bounded whatever the video's length. With flip test-time augmentation,
the mirrored stacks go through the same network and their team side is swapped before averaging.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ballspot.engine.optim import autocast_context


@dataclass(frozen=True)
class DenseScores:
    """Probabilities for consecutive positions from `first` on: `classes` [n, K] (background last), `team` [n]
    (probability of the right side) or None."""

    first: int
    classes: np.ndarray
    team: np.ndarray | None


class DenseScorer:
    """Feed stacks with `push`, end with `finish`; both return the scores that became final."""

    def __init__(
        self,
        model,
        window: int,
        device: torch.device,
        batch_size: int = 8,
        precision: str = "auto",
        flip: bool = False,
    ) -> None:
        self.model = model
        self.window = max(4, int(window))
        self.margin = self.window // 4
        self.device = device
        self.batch_size = max(1, batch_size)
        self.precision = precision
        self.flip = flip
        self.per_stack = model.cfg.positions_per_stack
        self.features: list[torch.Tensor] = []
        self.mirrored: list[torch.Tensor] = []
        self.buffer_start = 0  # index of features[0] among all stacks pushed
        self.first_window = True

    @torch.inference_mode()
    def push(self, stacks: torch.Tensor) -> list[DenseScores]:
        """Encode new stacks [N, C, H, W] and score every window they complete."""
        out = []
        for start in range(0, len(stacks), self.batch_size):
            batch = stacks[start : start + self.batch_size].to(self.device)
            self.features.extend(self._encode(batch))
            if self.flip:
                self.mirrored.extend(self._encode(batch.flip(-1)))
            while len(self.features) >= self.window:
                out.append(self._score(self.window, final=False))
        return out

    @torch.inference_mode()
    def finish(self) -> list[DenseScores]:
        """Score the stacks still waiting (the end of the video)."""
        if not self.features or (not self.first_window and len(self.features) <= self.margin):
            return []
        return [self._score(len(self.features), final=True)]

    def _encode(self, batch: torch.Tensor) -> list[torch.Tensor]:
        with autocast_context(self.device, self.precision):
            return list(self.model.encode(batch).float())

    def _probabilities(self, features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor | None]:
        with autocast_context(self.device, self.precision):
            output = self.model.head(torch.stack(features)[None])
        classes, team = output.frame_probabilities()
        return classes[0], None if team is None else team[0]

    def _score(self, length: int, final: bool) -> DenseScores:
        classes, team = self._probabilities(self.features[:length])
        if self.flip:
            mirrored_classes, mirrored_team = self._probabilities(self.mirrored[:length])
            classes = (classes + mirrored_classes) / 2
            if team is not None:
                team = (team + (1.0 - mirrored_team)) / 2  # the mirror shows the left side on the right
        low = 0 if self.first_window else self.margin
        high = length if final else length - self.margin
        first = (self.buffer_start + low) * self.per_stack
        span = slice(low * self.per_stack, high * self.per_stack)
        scores = DenseScores(
            first=first,
            classes=classes[span].cpu().numpy(),
            team=None if team is None else team[span].cpu().numpy(),
        )
        drop = high - self.margin
        del self.features[:drop]
        del self.mirrored[:drop]
        self.buffer_start += drop
        self.first_window = False
        return scores


class PhaseMerger:
    """Averages the scores of several stack phases position by position, as each position becomes final.

    Phase i scores positions from `offsets[i]` on (its stacks start that many frames into the video); a
    position is final once every phase that will score it has, and it gets the mean of those phases.
    """

    def __init__(self, offsets: list[int]) -> None:
        self.offsets = offsets
        self.done = list(offsets)  # per phase: positions below this are final for it
        self.start = 0  # absolute position of the buffers' first row
        self.sums: np.ndarray | None = None
        self.teams: np.ndarray | None = None
        self.counts = np.zeros(0, dtype=np.int64)
        self.with_team = True

    def add(self, phase: int, scores: DenseScores) -> None:
        """Scores of `phase`, positions relative to that phase's first frame."""
        first = self.offsets[phase] + scores.first - self.start
        end = first + len(scores.classes)
        if self.sums is None:
            self.sums = np.zeros((0, scores.classes.shape[1]), dtype=np.float64)
            self.teams = np.zeros(0, dtype=np.float64)
        if end > len(self.counts):
            grow = end - len(self.counts)
            self.sums = np.concatenate([self.sums, np.zeros((grow, self.sums.shape[1]))])
            self.teams = np.concatenate([self.teams, np.zeros(grow)])
            self.counts = np.concatenate([self.counts, np.zeros(grow, dtype=np.int64)])
        self.sums[first:end] += scores.classes
        self.counts[first:end] += 1
        if scores.team is None:
            self.with_team = False
        else:
            self.teams[first:end] += scores.team
        self.done[phase] = max(self.done[phase], self.start + end)

    def ready(self, final: bool = False) -> list[DenseScores]:
        """Scores of the positions that no phase will add to any more (all that were scored, when `final`)."""
        until = len(self.counts) if final else min(self.done) - self.start
        until = max(0, min(until, len(self.counts)))
        if until == 0 or self.sums is None:
            return []
        counts = np.maximum(self.counts[:until], 1)
        merged = DenseScores(
            first=self.start,
            classes=(self.sums[:until] / counts[:, None]).astype(np.float32),
            team=(self.teams[:until] / counts).astype(np.float32) if self.with_team else None,
        )
        self.sums, self.teams, self.counts = self.sums[until:], self.teams[until:], self.counts[until:]
        self.start += until
        return [merged]
