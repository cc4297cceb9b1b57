"""Whether a video suits a model, to train it or to score with it: a picture far smaller than the model's
input or of another shape, a frame rate far below the model's, or a video shorter than one stack of frames
all still run, but what comes out says little, so train and predict warn about them."""

from __future__ import annotations

from ballspot.engine.config import TrainConfig
from ballspot.engine.dense import positions_per_stack
from ballspot.video.probe import VideoInfo

ASPECT_TOLERANCE = 1.5
"""How much wider or narrower than the model's frames a picture may be before it is said to be distorted
(a 4:3 picture on 16:9 frames is 1.33)."""


def video_warnings(info: VideoInfo, config: TrainConfig, growing: bool = False) -> list[str]:
    """What makes this video a poor input for a model trained with `config` (empty when nothing does); a
    `growing` file (still being written) is not judged by its length so far."""
    warnings = []
    seen_width, seen_height = info.width * config.crop, info.height * config.crop
    if seen_width < config.width / 2 or seen_height < config.height / 2:
        warnings.append(
            f"{info.width}x{info.height} pixels: the model sees {config.width}x{config.height}, so the picture is "
            "enlarged more than twice and its events mean little"
        )
    stretch = (config.width / config.height) / (info.display_width / info.height)
    if max(stretch, 1 / stretch) > ASPECT_TOLERANCE:
        portrait = info.height > info.display_width and config.width > config.height
        warnings.append(
            f"{_shown_size(info)}: the model sees {config.width}x{config.height}, so the picture is "
            f"{'widened' if stretch > 1 else 'narrowed'} {max(stretch, 1 / stretch):.1f} times and its events "
            "mean little" + (" (a portrait video of a landscape match?)" if portrait else "")
        )
    if info.fps < config.fps / 2:
        warnings.append(
            f"{info.fps:g} frames a second: the model sees {config.fps:g}, so each frame repeats "
            f"{config.fps / info.fps:.0f} times, the motion between them is lost and its events mean little"
        )
    stack_s = positions_per_stack(config) / config.fps
    if not growing and info.duration_s < stack_s:
        warnings.append(
            f"lasts {info.duration_s:.2f} s, less than one stack of frames the model scores ({stack_s:.2f} s), "
            "so its events mean little"
        )
    return warnings


def _shown_size(info: VideoInfo) -> str:
    """`398x224 pixels`; for anamorphic video (pixels not square) also the size it is shown at."""
    stored = f"{info.width}x{info.height} pixels"
    if info.display_width == info.width:
        return stored
    return f"{stored} shown as {info.display_width}x{info.height}"
