"""A game's look: grass, kits, boards, lighting and noise, all drawn from the match's `style_seed`.

Nothing here sees an event: the look of a game is fixed before play starts and only varies with time
through slow lighting drift and sensor noise.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

KITS: tuple[tuple[float, float, float], ...] = (
    (0.80, 0.08, 0.10),  # red
    (0.10, 0.22, 0.70),  # blue
    (0.95, 0.95, 0.95),  # white
    (0.98, 0.85, 0.10),  # yellow
    (0.45, 0.70, 0.92),  # sky blue
    (0.08, 0.08, 0.10),  # black
    (0.95, 0.50, 0.08),  # orange
    (0.50, 0.08, 0.22),  # claret
    (0.05, 0.10, 0.30),  # navy
    (0.55, 0.20, 0.65),  # purple
)
KEEPER_KITS: tuple[tuple[float, float, float], ...] = (
    (0.60, 0.95, 0.20),  # lime
    (0.95, 0.40, 0.75),  # pink
    (0.20, 0.85, 0.80),  # turquoise
    (0.35, 0.35, 0.38),  # grey
)
SKIN: tuple[tuple[float, float, float], ...] = (
    (0.93, 0.76, 0.62),
    (0.80, 0.60, 0.45),
    (0.55, 0.38, 0.26),
    (0.36, 0.24, 0.17),
)


def _distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return float(np.linalg.norm(np.subtract(a, b)))


@dataclass(frozen=True)
class Look:
    """Colours (RGB in 0..1) and time-varying picture settings of one game."""

    grass_dark: np.ndarray
    grass_light: np.ndarray
    line: np.ndarray
    board_a: np.ndarray
    board_b: np.ndarray
    crowd_tint: np.ndarray
    shirts: np.ndarray
    """(23, 3): shirt colour of every tracked person (players, then the referee)."""
    shorts: np.ndarray
    """(23, 3)."""
    skin: np.ndarray
    """(23, 3)."""
    light_amp: tuple[float, float]
    light_period: tuple[float, float]
    light_phase: tuple[float, float]
    warmth: float
    """How much the colour temperature moves with the light (0: grey light changes only)."""
    noise_sigma: float
    seed: int

    def gain(self, t: float) -> np.ndarray:
        """Per-channel multiplier of the picture at time `t` (s): slow clouds and a drifting white balance."""
        g = 1.0 + sum(
            a * np.sin(2 * np.pi * t / p + ph)
            for a, p, ph in zip(self.light_amp, self.light_period, self.light_phase, strict=True)
        )
        tone = self.warmth * (g - 1.0)
        return np.array([g * (1 + tone), g, g * (1 - tone)], dtype=np.float32)


def look_for(style_seed: int) -> Look:
    """The look of a game, drawn from its style seed only."""
    rng = np.random.default_rng(style_seed)
    hue = rng.uniform(0.24, 0.32)
    sat = rng.uniform(0.45, 0.65)
    val = rng.uniform(0.38, 0.52)
    dark = np.array(colorsys.hsv_to_rgb(hue, sat, val))
    light = np.array(colorsys.hsv_to_rgb(hue, sat * 0.92, val * rng.uniform(1.12, 1.22)))
    home, away = _two_kits(rng)
    keepers = rng.choice(len(KEEPER_KITS), size=2, replace=False)
    referee = (
        (0.05, 0.05, 0.05)
        if min(_distance(home, (0, 0, 0)), _distance(away, (0, 0, 0))) > 0.4
        else (
            0.98,
            0.9,
            0.1,
        )
    )
    shirts = np.empty((23, 3))
    shorts = np.empty((23, 3))
    for team, kit in ((0, home), (1, away)):
        shirts[team * 11 : team * 11 + 11] = kit
        short = np.array(kit) * 0.35 if np.mean(kit) > 0.5 else np.array((0.92, 0.92, 0.92))
        shorts[team * 11 : team * 11 + 11] = short if rng.random() < 0.6 else np.array(kit) * 0.8
        shirts[team * 11] = KEEPER_KITS[keepers[team]]
        shorts[team * 11] = np.array(KEEPER_KITS[keepers[team]]) * 0.5
    shirts[22] = referee
    shorts[22] = (0.05, 0.05, 0.05)
    skin = np.array([SKIN[i] for i in rng.integers(len(SKIN), size=23)])
    boards = rng.uniform(0.1, 0.95, size=(2, 3))
    return Look(
        grass_dark=dark.astype(np.float32),
        grass_light=light.astype(np.float32),
        line=np.full(3, rng.uniform(0.86, 0.95), dtype=np.float32),
        board_a=boards[0].astype(np.float32),
        board_b=boards[1].astype(np.float32),
        crowd_tint=rng.uniform(0.75, 1.15, size=3).astype(np.float32),
        shirts=shirts.astype(np.float32),
        shorts=shorts.astype(np.float32),
        skin=skin.astype(np.float32),
        light_amp=(float(rng.uniform(0.02, 0.06)), float(rng.uniform(0.01, 0.03))),
        light_period=(float(rng.uniform(25.0, 70.0)), float(rng.uniform(6.0, 15.0))),
        light_phase=(float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0, 2 * np.pi))),
        warmth=float(rng.uniform(-0.6, 0.6)),
        noise_sigma=float(rng.uniform(0.008, 0.018)),
        seed=int(style_seed),
    )


def _two_kits(rng: np.random.Generator) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Two outfield kits far enough apart in colour to tell the teams apart."""
    while True:
        a, b = rng.choice(len(KITS), size=2, replace=False)
        if _distance(KITS[a], KITS[b]) > 0.55:
            return KITS[a], KITS[b]
