"""Every ffmpeg that decoding starts is waited for (reaped) on every path: the end of the video, a consumer that
stops early or raises, and a generator dropped or kept alive by a stored exception. A child left behind shows
in /proc as running, or as a zombie until someone waits for it."""

from __future__ import annotations

import os
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from ballspot.engine.config import TrainConfig
from ballspot.predict.api import LoadedModel, score_track
from ballspot.predict.spotter import score_video
from ballspot.video.decode import FrameFormat, decode_frames_at, stream_frames
from tests.test_kill import children
from tests.videos import counter_frames, encode

FRAMES = 100
"""Frames of the test video: 8.9 MB decoded at 224x398, far more than a pipe holds, so ffmpeg is still
running (blocked on its full pipe) while the first chunks are read."""


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return encode(tmp_path_factory.mktemp("reap") / "counter.mp4", counter_frames(FRAMES, 64, 112), audio=False)


def unreaped() -> set[int]:
    """This process's children not yet waited for (running or zombie)."""
    return set(children(os.getpid()))


def test_last_chunk_comes_after_ffmpeg_is_reaped(video):
    """A consumer that keeps the generator after the last chunk (stopped, or raised on it) holds no zombie."""
    before = unreaped()
    chunks = stream_frames(video, chunk_frames=FRAMES + 1)  # the whole video is one chunk
    assert len(next(chunks).frames) == FRAMES
    assert unreaped() - before == set()
    assert list(chunks) == []


@pytest.mark.parametrize("how", ["close", "drop", "break", "raise"])
def test_stopping_early_reaps_ffmpeg(video, how):
    before = unreaped()
    chunks = stream_frames(video, chunk_frames=4)
    next(chunks)
    assert unreaped() - before  # ffmpeg is running: the check below can fail
    if how == "close":
        chunks.close()
    elif how == "drop":
        del chunks
    elif how == "break":
        for _ in chunks:
            break
        del chunks
    else:
        with pytest.raises(ValueError):
            for _ in chunks:
                raise ValueError("consumer failed")
        del chunks
    assert unreaped() - before == set()


def test_decode_frames_at_reaps_ffmpeg(video):
    before = unreaped()
    frames = decode_frames_at(video, np.array([0, 1]), FrameFormat(), chunk_frames=2)
    assert len(frames) == 2 and unreaped() - before == set()


def failing_model(dense: bool) -> types.SimpleNamespace:
    """A network whose encoder fails on its first batch (as torch.compile does without a compiler)."""

    def encode(batch):
        raise RuntimeError("no compiler")

    cfg = types.SimpleNamespace(head="dense" if dense else "window", positions_per_stack=1, num_classes=3)
    return types.SimpleNamespace(cfg=cfg, encode=encode)


@pytest.mark.parametrize("dense", [True, False])
def test_failing_network_leaves_no_ffmpeg_while_its_error_is_kept(video, dense):
    """The error's traceback holds the scoring frames; the decoder they read from is closed all the same."""
    config = TrainConfig(height=64, width=112, frames=6, stride=1)
    before = unreaped()
    blocks = score_video(video, failing_model(dense), config, torch.device("cpu"), batch_size=1)
    with pytest.raises(RuntimeError, match="no compiler") as kept:
        next(blocks)
    assert kept.value.__traceback__ is not None
    assert unreaped() - before == set()


def test_failing_progress_callback_leaves_no_ffmpeg(video):
    """An error in `on_progress` (a progress bar, a stop button) ends the decoder it was reporting on."""
    config = TrainConfig(height=64, width=112, frames=6, stride=1)
    model = types.SimpleNamespace(
        cfg=types.SimpleNamespace(head="window", num_classes=3),
        encode=lambda batch: torch.zeros(len(batch), 4),
        head=lambda windows: torch.zeros(len(windows), 3),
    )
    spotter = LoadedModel(model, config, ["PASS", "DRIVE"], torch.device("cpu"), video)

    def on_progress(done: int, total: int | None) -> None:
        if done:
            raise KeyboardInterrupt

    before = unreaped()
    with pytest.raises(KeyboardInterrupt) as kept:
        score_track(video, spotter, batch_size=1, on_progress=on_progress)
    assert kept.value.__traceback__ is not None
    assert unreaped() - before == set()


def test_interrupted_while_the_encoder_finishes_leaves_no_ffmpeg(tmp_path, monkeypatch):
    """Ctrl-C (or SIGTERM, which the commands turn into it) while ffmpeg writes the end of a synthetic video."""
    import subprocess

    from ballspot.synthetic import writer

    class InterruptedWait(subprocess.Popen):
        interrupted = False

        def wait(self, timeout=None):
            if "libx264" in self.args and not InterruptedWait.interrupted:  # the encoder, not a version check
                InterruptedWait.interrupted = True
                raise KeyboardInterrupt
            return super().wait(timeout)

    monkeypatch.setattr(writer.subprocess, "Popen", InterruptedWait)
    before = unreaped()
    with pytest.raises(KeyboardInterrupt):
        writer.write_video(tmp_path / "game.mp4", iter(np.zeros((10, 32, 32, 3), np.uint8)), fps=25, n_frames=10)
    assert InterruptedWait.interrupted and unreaped() - before == set()
    assert not list(tmp_path.iterdir())
