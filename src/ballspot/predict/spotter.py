"""Per-position class scores over a whole video, streaming, with each stack of frames encoded once.

Dense models score every frame (`dense_scores`, see `ballspot.predict.dense_scorer`); window models score
one position per stack, as follows.

The video is decoded at the model's frame rate (the training decode path), every `stride`-th frame is
kept, and consecutive kept frames form stacks. The 2D encoder runs once per stack; a window of `stacks`
consecutive stacks goes through the head, so windows slide by one stack and reuse the features of the
stacks they share. A window's scores belong to the time of its centre frame, as in training. The video's
first and last frames are repeated half a window outwards, so events at the very edges are scored too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ballspot.engine.config import TrainConfig
from ballspot.engine.dataset import to_stacks
from ballspot.engine.optim import autocast_context
from ballspot.errors import BallspotError
from ballspot.video.decode import stream_frames


@dataclass(frozen=True)
class ScoreBlock:
    """Scores [n, classes] for consecutive positions at `times_s`; `team` [n] is the right side's probability
    (dense models with a team output), else None."""

    times_s: np.ndarray
    scores: np.ndarray
    frames_decoded: int
    team: np.ndarray | None = None


def position_step_s(config: TrainConfig) -> float:
    """Seconds between consecutive positions: one frame for a dense model; one stack of kept frames (3 grey
    frames, 1 RGB frame) for a window model."""
    if config.task == "dense":
        return 1.0 / config.fps
    group = config.in_chans if config.color == "grey" else 1
    return group * config.stride / config.fps


def sampled_frames(path: Path, config: TrainConfig, chunk_frames: int = 256) -> Iterator[tuple[np.ndarray, int]]:
    """(kept frames, raw frames decoded so far) chunks: every `stride`-th frame at the model's rate."""
    seen = 0
    with closing(stream_frames(path, config.frame_format(), chunk_frames=chunk_frames)) as chunks:
        for chunk in chunks:
            first_kept = (-chunk.first) % config.stride
            seen += len(chunk.frames)
            kept = chunk.frames[first_kept :: config.stride]
            if len(kept):
                yield kept, seen


class StackScorer:
    """Encodes stacks and scores windows in batches; keeps only the last `stacks` feature maps."""

    def __init__(self, model, config: TrainConfig, device: torch.device, batch_size: int, precision: str):
        self.model = model
        self.config = config
        self.device = device
        self.batch_size = batch_size
        self.precision = precision
        self.features: deque[torch.Tensor] = deque(maxlen=config.stacks)

    @torch.inference_mode()
    def windows_for(self, stacks: torch.Tensor) -> torch.Tensor:
        """Class probabilities of every window completed by these new stacks [N, C, H, W]."""
        out = []
        for start in range(0, len(stacks), self.batch_size):
            batch = stacks[start : start + self.batch_size].to(self.device)
            with autocast_context(self.device, self.precision):
                encoded = self.model.encode(batch).float()
            windows = []
            for feature in encoded:
                self.features.append(feature)
                if len(self.features) == self.config.stacks:
                    windows.append(torch.stack(tuple(self.features)))
            if windows:
                with autocast_context(self.device, self.precision):
                    logits = self.model.head(torch.stack(windows))
                out.append(torch.softmax(logits.float(), dim=1).cpu())
        return torch.cat(out) if out else torch.zeros(0, self.model.cfg.num_classes)


def phase_shifts(group: int, phases: int) -> list[int]:
    """Kept frames each phase's stacks start after: `phases` starts spread evenly over one stack."""
    return sorted({round(i * group / phases) for i in range(phases)})


class PhaseStream:
    """One stack phase of a dense scoring: skips its first `shift` kept frames, then stacks and scores."""

    def __init__(self, scorer, shift: int, group: int, grey: bool, batch_size: int) -> None:
        self.scorer = scorer
        self.skip = shift
        self.group = group
        self.grey = grey
        self.batch_size = batch_size
        self.pending: np.ndarray | None = None

    def stacks_of(self, frames: np.ndarray) -> torch.Tensor:
        return to_stacks(torch.from_numpy(np.require(frames, requirements=["C", "W"])), self.group, self.grey)

    def feed(self, kept: np.ndarray) -> list:
        """Scores that became final with these kept frames."""
        if self.skip:
            dropped = min(self.skip, len(kept))
            kept, self.skip = kept[dropped:], self.skip - dropped
        if not len(kept):
            return []
        self.pending = kept if self.pending is None else np.concatenate([self.pending, kept])
        usable = len(self.pending) - len(self.pending) % self.group
        if usable < self.group * self.batch_size:
            return []
        results = self.scorer.push(self.stacks_of(self.pending[:usable]))
        self.pending = self.pending[usable:]
        return results

    def finish(self) -> list:
        """The rest: a last incomplete stack is filled with copies of the last frame."""
        if self.pending is None:
            return []
        pending = self.pending
        if len(pending) % self.group:
            pending = np.concatenate([pending, np.repeat(pending[-1:], self.group - len(pending) % self.group, axis=0)])
        results = self.scorer.push(self.stacks_of(pending)) if len(pending) else []
        return [*results, *self.scorer.finish()]


def dense_scores(
    chunks: Iterable[tuple[np.ndarray, int]],
    model,
    config: TrainConfig,
    device: torch.device,
    batch_size: int = 8,
    precision: str = "auto",
    flip: bool = False,
) -> Iterator[ScoreBlock]:
    """Chunks of (kept frames, frames decoded so far) → per-frame scores of a dense model, as they become final.

    Stacks are consecutive groups of kept frames from the video's first frame; a last incomplete stack is
    filled with copies of the last frame, and positions past the last decoded frame are dropped. With
    `config.phases` > 1 the video is also stacked from later starting frames (spread over one stack) and
    each position gets the mean of the phases that score it: no event then sits only on a stack's edge.
    """
    from ballspot.predict.dense_scorer import DenseScorer, PhaseMerger

    group = config.in_chans if config.color == "grey" else 1
    shifts = phase_shifts(group, config.phases)
    streams = [
        PhaseStream(DenseScorer(model, config.stacks, device, batch_size, precision, flip), shift, group,
                    config.color == "grey", batch_size)
        for shift in shifts
    ]  # fmt: skip
    merger = PhaseMerger([shift * config.stride for shift in shifts]) if len(streams) > 1 else None
    decoded = 0

    def blocks(results, decoded: int, limit: float) -> Iterator[ScoreBlock]:
        for result in results:
            positions = result.first + np.arange(len(result.classes))
            keep = positions < limit
            team = None if result.team is None else result.team[keep]
            yield ScoreBlock(positions[keep] / config.fps, result.classes[keep], decoded, team)

    def merged(per_phase: list[list], final: bool) -> list:
        if merger is None:
            return per_phase[0]
        for phase, results in enumerate(per_phase):
            for result in results:
                merger.add(phase, result)
        return merger.ready(final)

    started = False
    for kept, decoded in chunks:
        started = True
        yield from blocks(merged([stream.feed(kept) for stream in streams], False), decoded, np.inf)
    if started:
        yield from blocks(merged([stream.finish() for stream in streams], True), decoded, decoded)


def score_sampled_video(video, model, config: TrainConfig, device: torch.device, batch_size: int, precision: str):
    """(times_s, scores [positions, K], team [positions] or None) of a cached video (`SampledVideo`)."""
    chunk = 256
    video = video.at_stride(config.stride)

    def chunks():
        for start in range(0, len(video.frames), chunk):
            kept = np.asarray(video.frames[start : start + chunk])
            yield kept, min(video.raw_frames, (start + len(kept)) * config.stride)

    return join_blocks(dense_scores(chunks(), model, config, device, batch_size, precision))


def join_blocks(blocks: Iterable[ScoreBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Concatenate score blocks into (times_s, scores, team or None)."""
    blocks = list(blocks)
    if not blocks:
        return np.zeros(0), np.zeros((0, 0)), None
    team = None if blocks[0].team is None else np.concatenate([b.team for b in blocks])
    return np.concatenate([b.times_s for b in blocks]), np.concatenate([b.scores for b in blocks]), team


def score_video(
    path: Path,
    model,
    config: TrainConfig,
    device: torch.device,
    batch_size: int = 8,
    precision: str = "auto",
    flip: bool = False,
) -> Iterator[ScoreBlock]:
    """Stream a video and yield scores for each new run of positions (frames for a dense model, windows else).

    The decoder is closed as soon as scoring ends, even by an error whose traceback is kept (it holds these
    frames): no ffmpeg is left running.
    """
    if getattr(model.cfg, "head", "window") == "dense":
        with closing(sampled_frames(path, config)) as chunks:
            yield from dense_scores(chunks, model, config, device, batch_size, precision, flip)
        return
    if flip:
        raise BallspotError("flip test-time augmentation needs a dense model (train with --task dense)")
    group = config.in_chans if config.color == "grey" else 1
    pad = config.frames // 2
    step_s = position_step_s(config)
    scorer = StackScorer(model, config, device, batch_size, precision)
    pending = np.zeros((0, config.height, config.width), dtype=np.uint8)
    if config.color != "grey":
        pending = np.zeros((0, config.height, config.width, 3), dtype=np.uint8)
    kept_total, windows_done, last_frame, decoded = 0, 0, None, 0

    def emit(frames: np.ndarray, decoded: int) -> ScoreBlock | None:
        nonlocal windows_done
        usable = len(frames) - len(frames) % group
        stacks = to_stacks(torch.from_numpy(np.ascontiguousarray(frames[:usable])), group, config.color == "grey")
        probs = scorer.windows_for(stacks)
        if len(probs) == 0:
            return None
        centres = windows_done + np.arange(len(probs))
        windows_done += len(probs)
        return ScoreBlock(times_s=centres * step_s, scores=probs.numpy(), frames_decoded=decoded)

    with closing(sampled_frames(path, config)) as chunks:
        for kept, decoded in chunks:
            if last_frame is None:
                kept = np.concatenate([np.repeat(kept[:1], pad, axis=0), kept])
            last_frame = kept[-1]
            kept_total += len(kept)
            pending = np.concatenate([pending, kept])
            usable = len(pending) - len(pending) % group
            if usable >= group * max(1, batch_size):
                block = emit(pending[:usable], decoded)
                pending = pending[usable:]
                if block is not None:
                    yield block
    if last_frame is None:
        return
    real = kept_total - pad  # kept frames that came from the video
    # pad the end so the last real frame becomes a window centre (and the count fills whole stacks)
    needed_positions = int(np.ceil(real / group))
    needed_frames = (needed_positions - 1) * group + config.frames
    tail = needed_frames - kept_total
    if tail > 0:
        pending = np.concatenate([pending, np.repeat(last_frame[None], tail, axis=0)])
    block = emit(pending, decoded)
    if block is not None:
        keep = block.times_s < real * config.stride / config.fps
        yield ScoreBlock(block.times_s[keep], block.scores[keep], decoded)
