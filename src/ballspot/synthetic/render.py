"""Draw a synthetic match as broadcast frames: a crop of the static panorama, then players and the ball.

The renderer is given a `Scene`, which holds what the camera can see (ball, players, camera angles, the look
seed) and nothing else: no event, label or time of an event reaches a pixel. Classes differ in the video
only through how the ball and the players move.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ballspot.synthetic.camera import CAMERA_HEIGHT, angles
from ballspot.synthetic.look import Look, look_for
from ballspot.synthetic.panorama import panorama
from ballspot.synthetic.pitch import BALL_RADIUS
from ballspot.synthetic.simulate import Match

SIZE_224P = (398, 224)
SIZE_720P = (1280, 720)
PLAYER_HEIGHT = 1.8
STRIDE_M = 1.1
"""Metres run per half stride (legs apart, then together)."""
NOISE_BANK = 6


@dataclass(frozen=True)
class Scene:
    """What the broadcast camera sees of a match: positions and angles per frame, and the look seed."""

    fps: int
    ball: np.ndarray
    players: np.ndarray
    yaw: np.ndarray
    tilt: np.ndarray
    style_seed: int

    @classmethod
    def of(cls, match: Match) -> Scene:
        """The picture-relevant part of a match (its events stay behind)."""
        return cls(match.fps, match.ball, match.players, match.yaw, match.tilt, match.style_seed)

    @property
    def n_frames(self) -> int:
        return len(self.ball)


class Renderer:
    """Frames of one scene at one size, as uint8 (height, width, 3) RGB arrays."""

    def __init__(self, scene: Scene, size: tuple[int, int] = SIZE_224P) -> None:
        self.scene = scene
        self.width, self.height = size
        self.pano = panorama(self.width, self.height)
        self.look: Look = look_for(scene.style_seed)
        self.background = self.pano.compose(self.look)
        self.focal = self.pano.focal
        rng = np.random.default_rng([scene.style_seed, self.width])
        margin = 16
        luma = rng.normal(0.0, self.look.noise_sigma, size=(NOISE_BANK, self.height + margin, self.width + margin, 1))
        chroma = rng.normal(
            0.0, self.look.noise_sigma * 0.35, size=(NOISE_BANK, self.height + margin, self.width + margin, 3)
        )
        self.noise = ((luma + chroma) * 255.0 + 0.5).astype(np.float32)
        self.noise_offsets = rng.integers(0, margin + 1, size=(scene.n_frames, 2))
        yy, xx = np.mgrid[0 : self.height, 0 : self.width]
        r2 = ((xx + 0.5) / self.width - 0.5) ** 2 + ((yy + 0.5) / self.height - 0.5) ** 2
        self.vignette = (1.0 - 0.25 * r2)[..., None].astype(np.float32)
        # per-frame geometry of every person: yaw, tilt of the feet, ground distance, stride phase
        px, py = scene.players[..., 0], scene.players[..., 1]
        self.p_theta, self.p_tilt, self.p_rho = angles(px, py, 0.0)
        step = np.zeros_like(px)
        step[1:] = np.hypot(np.diff(px, axis=0), np.diff(py, axis=0))
        self.stride = np.cumsum(np.minimum(step, 1.0), axis=0) * (math.pi / STRIDE_M)
        bx, by, bz = scene.ball[:, 0], scene.ball[:, 1], scene.ball[:, 2]
        self.b_theta, self.b_tilt, self.b_rho = angles(bx, by, bz + BALL_RADIUS)
        self.s_tilt = CAMERA_HEIGHT / self.b_rho

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        for k in range(start, self.scene.n_frames if stop is None else stop):
            yield self.frame(k)

    def frame(self, k: int) -> np.ndarray:
        """Frame `k` as uint8 RGB."""
        img = self._crop(float(self.scene.yaw[k]), float(self.scene.tilt[k]))
        yaw, tilt = float(self.scene.yaw[k]), float(self.scene.tilt[k])

        def screen(theta: float, t: float) -> tuple[float, float]:
            return (theta - yaw) * self.focal + self.width / 2, (t - tilt) * self.focal + self.height / 2

        look = self.look
        people = []
        for p in range(self.p_theta.shape[1]):
            u, v = screen(self.p_theta[k, p], self.p_tilt[k, p])
            h = self.focal * PLAYER_HEIGHT / self.p_rho[k, p]
            if -h < u < self.width + h and -0.2 * h < v < self.height + h:
                people.append((self.p_rho[k, p], p, u, v, h))
        bu, bv = screen(self.b_theta[k], self.b_tilt[k])
        su, sv = screen(self.b_theta[k], self.s_tilt[k])
        radius = max(self.focal * BALL_RADIUS / self.b_rho[k], 1.2 * self.width / 398)
        _ellipse(img, su, sv + 0.3 * radius, 1.25 * radius, 0.55 * radius, _BLACK, 0.5)
        ball_depth = self.b_rho[k] - 1.0  # drawn over a player at the same spot, under one clearly in front
        drawn_ball = False
        for rho, p, u, v, h in sorted(people, key=lambda item: -item[0]):
            if not drawn_ball and rho < ball_depth:
                _ball(img, bu, bv, radius)
                drawn_ball = True
            _figure(img, u, v, h, look.shirts[p], look.shorts[p], look.skin[p], float(self.stride[k, p]))
        if not drawn_ball:
            _ball(img, bu, bv, radius)
        return self._finish(img, k)

    def _crop(self, yaw: float, tilt: float) -> np.ndarray:
        """The panorama under the camera, bilinear at sub-pixel offsets, (height, width, 3) float32."""
        cx = self.pano.column(yaw) + 0.5 - self.width / 2
        cy = self.pano.row(tilt) + 0.5 - self.height / 2
        i, j = int(math.floor(cy)), int(math.floor(cx))
        fy, fx = np.float32(cy - i), np.float32(cx - j)
        bg = self.background
        h, w = self.height, self.width
        top = bg[i : i + h, j : j + w] * (1 - fx) + bg[i : i + h, j + 1 : j + 1 + w] * fx
        bottom = bg[i + 1 : i + 1 + h, j : j + w] * (1 - fx) + bg[i + 1 : i + 1 + h, j + 1 : j + 1 + w] * fx
        return top * (1 - fy) + bottom * fy

    def _finish(self, img: np.ndarray, k: int) -> np.ndarray:
        """Lighting drift, lens vignette, sensor noise; to uint8."""
        img *= self.vignette * (self.look.gain(k / self.scene.fps) * 255.0)
        oy, ox = self.noise_offsets[k]
        img += self.noise[k % NOISE_BANK, oy : oy + self.height, ox : ox + self.width]
        np.clip(img, 0.0, 255.0, out=img)
        return img.astype(np.uint8)


def render_match(
    match: Match, size: tuple[int, int] = SIZE_224P, frames: Iterable[int] | None = None
) -> Iterator[np.ndarray]:
    """Frames of a match at `size` (width, height): all of them, or those numbered in `frames`.

    Only `Scene.of(match)` reaches the renderer: the match's events never touch a pixel.
    """
    renderer = Renderer(Scene.of(match), size)
    return renderer.frames() if frames is None else (renderer.frame(k) for k in frames)


# ---- sprites ------------------------------------------------------------------------------------------


def _box(img: np.ndarray, u: float, v: float, ax: float, ay: float) -> tuple[int, int, int, int] | None:
    h, w = img.shape[:2]
    x0, x1 = max(int(u - ax - 1), 0), min(int(u + ax + 2), w)
    y0, y1 = max(int(v - ay - 1), 0), min(int(v + ay + 2), h)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, x1, y0, y1


def _coverage(xs: np.ndarray, ys: np.ndarray, ax: float, ay: float) -> np.ndarray:
    """Anti-aliased cover of an ellipse centred at 0 over pixel centres (ys column, xs row)."""
    r = np.sqrt((xs / ax) ** 2 + (ys / ay) ** 2)
    return np.clip((1.0 - r) * max(min(ax, ay), 0.6) + 0.5, 0.0, 1.0).astype(np.float32)


def _ellipse(img: np.ndarray, u: float, v: float, ax: float, ay: float, colour: np.ndarray, alpha: float = 1.0) -> None:
    box = _box(img, u, v, ax, ay)
    if box is None:
        return
    x0, x1, y0, y1 = box
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - u
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - v
    cov = _coverage(xs, ys, ax, ay)[..., None] * alpha
    patch = img[y0:y1, x0:x1]
    patch += cov * (colour - patch)


def _ball(img: np.ndarray, u: float, v: float, radius: float) -> None:
    box = _box(img, u, v, radius, radius)
    if box is None:
        return
    x0, x1, y0, y1 = box
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - u
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - v
    cov = _coverage(xs, ys, radius, radius)[..., None]
    shade = (0.98 - 0.12 * np.clip((xs + ys) / (2 * radius), -1.0, 1.0))[..., None]
    patch = img[y0:y1, x0:x1]
    patch += cov * (shade - patch)


_PARTS_Y = np.array([0.0, 0.23, 0.23, 0.48, 0.66, 0.9], np.float32)
"""Height of each part's centre above the feet, in player heights: shadow, two legs, shorts, shirt, head."""
_PARTS_AX = np.array([0.26, 0.055, 0.055, 0.15, 0.17, 0.075], np.float32)
_PARTS_AY = np.array([0.06, 0.24, 0.24, 0.09, 0.19, 0.075], np.float32)


def _figure(
    img: np.ndarray,
    u: float,
    v: float,
    h: float,
    shirt: np.ndarray,
    shorts: np.ndarray,
    skin: np.ndarray,
    stride: float,
) -> None:
    """A player standing at (u, v) (his feet), `h` pixels tall: shadow, legs, shorts, a shaded shirt, a head."""
    box = _box(img, u, v - 0.45 * h, 0.3 * h, 0.6 * h)
    if box is None:
        return
    x0, x1, y0, y1 = box
    xs = np.arange(x0, x1, dtype=np.float32)[None, None, :] + np.float32(0.5 - u)
    ys = np.arange(y0, y1, dtype=np.float32)[None, :, None] + np.float32(0.5 - v)
    spread = (0.03 + 0.07 * abs(math.sin(stride))) * h
    cx = np.array([0.0, -spread, spread, 0.0, 0.0, 0.0], np.float32)[:, None, None]
    ax = (_PARTS_AX * h)[:, None, None]
    ay = (_PARTS_AY * h)[:, None, None]
    r = np.sqrt(((xs - cx) / ax) ** 2 + ((ys + (_PARTS_Y * h)[:, None, None]) / ay) ** 2)
    cov = np.clip((1.0 - r) * np.maximum(np.minimum(ax, ay), 0.6) + 0.5, 0.0, 1.0)[..., None]
    cov[0] *= 0.35
    shade = np.clip(1.08 - 0.22 * (ys[0] + 0.66 * h) / (0.19 * h) - 0.12 * xs[0] / (0.17 * h), 0.7, 1.2)[..., None]
    legs = shorts * 0.45 + 0.05
    patch = img[y0:y1, x0:x1]
    for i, colour in enumerate((_BLACK, legs, legs, shorts, None, skin)):
        if colour is None:
            colour = np.minimum(shirt * shade, 1.0)
        patch += cov[i] * (colour - patch)


_BLACK = np.zeros(3, np.float32)
