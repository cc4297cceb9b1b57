"""Spot the events of one video from Python, as they are found.

python examples/predict_api.py path/to/224p.mp4 path/to/run/weights/best.pt
"""

from __future__ import annotations

import sys
from pathlib import Path

import ballspot
from ballspot.errors import BallspotError


def main(video: Path, weights: Path) -> None:
    spotter = ballspot.load_spotter(weights, "auto")
    for event in ballspot.predict_video(video, spotter):
        if event.confidence >= 0.5:
            print(f"{event.position_ms / 1000:8.2f} s  {event.label:<26} {event.confidence:.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(Path(sys.argv[1]), Path(sys.argv[2]))
    except BallspotError as error:  # a missing or unreadable video or weights file: one line, no traceback
        sys.exit(f"error: {error}")
