"""Draw docs/images/synthetic-strip.png: frames around one event of several classes in a synthetic match.

    python docs/make_synthetic_strip.py [--seed 3] [--out docs/images/synthetic-strip.png]

Each row is one event; its five frames are taken 0.4 s before to 0.4 s after the event's position, cropped
around where the ball is at the event and enlarged 2x. The class names are written in the margin of the
figure only: the frames are exactly what the renderer draws for the video, with no label in them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ballspot.synthetic.render import Renderer, Scene  # noqa: E402
from ballspot.synthetic.simulate import Match, simulate_match  # noqa: E402

CLASSES = ("PASS", "DRIVE", "HEADER", "THROW IN", "SHOT", "PLAYER SUCCESSFUL TACKLE")
OFFSETS_S = (-0.4, -0.2, 0.0, 0.2, 0.4)
CROP = (176, 99)
"""Width and height of the crop around the ball, in 224p pixels."""
ZOOM = 2


def pick_events(match: Match, classes: tuple[str, ...]) -> list:
    """The first visible event of each class with 1 s of play on both sides and no other event within 0.5 s."""
    times = np.array([e.time for e in match.events])
    chosen = []
    for label in classes:
        for e in match.events:
            crowded = np.sum(np.abs(times - e.time) < 0.5) > 1
            inside = 1.0 < e.time < match.duration_s - 1.0
            if e.label == label and e.visibility == "visible" and inside and not crowded:
                chosen.append(e)
                break
    return chosen


def crop_around(frame: np.ndarray, u: float, v: float) -> np.ndarray:
    w, h = CROP
    x0 = int(np.clip(u - w / 2, 0, frame.shape[1] - w))
    y0 = int(np.clip(v - h / 2, 0, frame.shape[0] - h))
    return np.kron(frame[y0 : y0 + h, x0 : x0 + w], np.ones((ZOOM, ZOOM, 1), dtype=np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "images" / "synthetic-strip.png")
    args = parser.parse_args()
    match = simulate_match(args.seed, args.minutes, balanced=True)
    renderer = Renderer(Scene.of(match))
    events = pick_events(match, CLASSES)
    fig, axes = plt.subplots(len(events), len(OFFSETS_S), figsize=(3.3 * len(OFFSETS_S), 1.95 * len(events)))
    for row, event in enumerate(events):
        k0 = match.frame_of(event)
        u = (renderer.b_theta[k0] - match.yaw[k0]) * renderer.focal + renderer.width / 2
        v = (renderer.b_tilt[k0] - match.tilt[k0]) * renderer.focal + renderer.height / 2
        for col, offset in enumerate(OFFSETS_S):
            ax = axes[row, col]
            k = int(round(k0 + offset * match.fps))
            ax.imshow(crop_around(renderer.frame(k), u, v), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"{offset:+.1f} s", fontsize=12)
            if col == 0:
                ax.set_ylabel(event.label.replace(" ", "\n", 1) if len(event.label) > 10 else event.label, fontsize=11)
    fig.suptitle(f"synthetic match (seed {args.seed}): frames around one event per class", fontsize=13)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(args.out)


if __name__ == "__main__":
    main()
