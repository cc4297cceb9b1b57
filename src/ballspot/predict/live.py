"""`predict --follow`: spot events in a live source, one JSON line per event on stdout as soon as it is final.

An event at time t is final once the newest scored window lies `margin_s` past it (post-processing cannot
change it any more), so its line comes out a bounded time after its frame: half a window of frames after t
must be decoded for that window to be scored, a batch of stacks must fill up, and then the margin must pass.
Ctrl-C (or SIGTERM) ends the stream: ffmpeg stops, what it decoded is scored, the remaining events are
printed, and the command exits 0. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from ballspot.predict.api import LoadedModel, predict_video
from ballspot.predict.postprocess import PostprocessParams
from ballspot.predict.spotter import position_step_s
from ballspot.video.live import LiveSource


@dataclass(frozen=True)
class DelayBound:
    """How far behind its frame an event's line can come, in seconds, by cause (compute time not included)."""

    lookahead_s: float
    batch_s: float
    margin_s: float
    step_s: float

    @property
    def total_s(self) -> float:
        return self.lookahead_s + self.batch_s + self.margin_s + self.step_s

    def describe(self) -> str:
        return (
            f"events are final at most {self.total_s:.2f} s after their frame (look-ahead {self.lookahead_s:.2f} s"
            f" + batch {self.batch_s:.2f} s + smoothing and suppression margin {self.margin_s:.2f} s + one position"
            f" {self.step_s:.2f} s), plus decoding and compute time"
        )


def delay_bound(spotter: LoadedModel, params: PostprocessParams, batch_size: int) -> DelayBound:
    """The bound for this model: a window model scores a position once half a window of frames follows it; the
    dense scorer finalises a stack once the stacks of its window, less the right-hand context quarter, follow."""
    config = spotter.config
    step = position_step_s(config)
    stack_s = (config.in_chans if config.color == "grey" else 1) * config.stride / config.fps
    if spotter.dense:
        lookahead = (config.stacks - config.stacks // 4) * stack_s
        batch = batch_size * stack_s  # stacks wait for a full encoder batch
    else:
        lookahead = (config.frames // 2) * config.stride / config.fps
        batch = batch_size * step
    return DelayBound(
        lookahead_s=lookahead,
        batch_s=batch,
        margin_s=params.margin_s(),
        step_s=step,
    )


def follow(
    source: LiveSource,
    spotter: LoadedModel,
    params: PostprocessParams,
    out: TextIO,
    batch_size: int = 1,
    precision: str = "auto",
) -> int:
    """Print each event at or above `params.event_threshold` as a JSON line as soon as it is final; returns
    how many were printed. Ctrl-C or SIGTERM ends the stream early (the events it makes final still print)."""
    printed = 0
    events = predict_video(source, spotter, params, batch_size=batch_size, precision=precision)
    with _stop_on_signals(source), contextlib.closing(events):  # any error ends the decoder too
        for event in _confident(events, params):
            try:
                out.write(json.dumps(event.to_json()) + "\n")
                out.flush()
            except BrokenPipeError:  # the reader has gone: nobody to print for
                source.stop()
                break
            printed += 1
    return printed


def _confident(events, params: PostprocessParams) -> Iterator:
    return (e for e in events if e.confidence >= params.event_threshold)


@contextlib.contextmanager
def _stop_on_signals(source: LiveSource):
    """First SIGINT/SIGTERM: stop the source (the stream ends normally); a second SIGINT: what the first would
    have done without this block (the command's boundary: KeyboardInterrupt, later ones ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum, frame) -> None:
        if source.stopped and signum == signal.SIGINT:
            interrupt = previous[signal.SIGINT]
            if callable(interrupt):
                interrupt(signum, frame)
            raise KeyboardInterrupt
        source.stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is handle:  # a second Ctrl-C may have set what comes after
                signal.signal(sig, handler)
