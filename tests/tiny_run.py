"""A tiny trained spotting run (one epoch of timm's `test_efficientnet` on two 8 s counter videos), for tests
that need real weights, a run folder (summary.json, metrics.csv) and a dataset root to predict over."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ballspot.cli.app import app
from ballspot.soccernet.labels import Annotation, labels_document
from tests.videos import counter_frames, encode

GAMES = ("league/2020-2021/2020-01-01 - Alpha - Beta", "league/2020-2021/2020-01-02 - Gamma - Delta")
LABELS = ("PASS", "DRIVE", "PASS", "HEADER", "DRIVE", "PASS", "DRIVE", "PASS")
EVENT_MS = tuple(500 + 500 * i for i in range(len(LABELS)))
TINY = dict(
    backbone="test_efficientnet",
    height=64,
    width=112,
    frames=6,
    stack_size=3,
    stride=2,
    batch_size=4,
    epochs=1,
    device="cpu",
)
TINY_ARGS = [arg for key, value in TINY.items() for arg in (f"--{key.replace('_', '-')}", str(value))]


def game_video(path: Path, frames: int = 200, speed: int = 3, **encode_args) -> Path:
    """A counter video with a moving square above the counter's read-out row."""
    pixels = counter_frames(frames)
    for k in range(frames):
        left = (k * speed) % 350
        pixels[k, 10:50, left : left + 48] = 128
    return encode(path, pixels, audio=False, **encode_args)


def make_league(root: Path, splits: dict[str, list[str]] | None = None) -> Path:
    """Two labelled 8 s games in SoccerNet's layout, with a splits.json (first game train, second valid)."""
    for speed, game in enumerate(GAMES, start=3):
        folder = root / game
        folder.mkdir(parents=True)
        game_video(folder / "224p.mp4", speed=speed)
        annotations = [
            Annotation(label, ms, team="left" if i % 2 else "right")
            for i, (label, ms) in enumerate(zip(LABELS, EVENT_MS, strict=True))
        ]
        (folder / "Labels-ball.json").write_text(json.dumps(labels_document(annotations)))
    splits = splits or {"train": [GAMES[0]], "valid": [GAMES[1]]}
    (root / "splits.json").write_text(json.dumps(splits))
    return root


def train_tiny_run(league: Path, base: Path) -> Path:
    """`segment` + `index` + `train --task spot` for one epoch; returns the run folder."""
    runner = CliRunner()
    clips, runs, cache = base / "clips", base / "runs", base / "cache"
    result = runner.invoke(app, ["segment", str(league), "--window", "1.2", "--no-clips", "--out", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["index", str(clips), "-q"])
    assert result.exit_code == 0, result.output
    index = result.stdout.strip()
    args = ["train", "--index", index, "--task", "spot", *TINY_ARGS, "--name", "tiny", "-q"]
    result = runner.invoke(app, [*args, "--runs-dir", str(runs), "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    assert (runs / "tiny" / "weights" / "best.pt").is_file()
    return runs / "tiny"
