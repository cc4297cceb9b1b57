"""The static scene as the fixed broadcast camera sees it: a cylindrical panorama of pitch, goals and stands.

The camera only rotates (see `camera.py`), so every static point keeps one place in a panorama whose columns
are yaw and whose rows are the tangent of the depression angle; a frame is a crop of it. The geometry is
drawn once per resolution, supersampled for anti-aliased lines, as per-pixel weights of a few materials;
a game's colours are applied to those weights in one weighted sum (`Panorama.compose`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ballspot.synthetic.camera import (
    CAMERA_HEIGHT,
    CAMERA_X,
    CAMERA_Y,
    FIELD_OF_VIEW,
    TILT_LIMITS,
    YAW_LIMITS,
)
from ballspot.synthetic.look import Look
from ballspot.synthetic.pitch import (
    CENTRE,
    CIRCLE_RADIUS,
    GOAL_AREA_DEPTH,
    GOAL_AREA_HALF_WIDTH,
    GOAL_DEPTH,
    GOAL_HALF_WIDTH,
    GOAL_HEIGHT,
    LENGTH,
    PENALTY_AREA_DEPTH,
    PENALTY_AREA_HALF_WIDTH,
    PENALTY_SPOT,
    WIDTH,
)

PAD = 4
"""Panorama pixels beyond the limits on every side, so a crop never reads outside."""
LINE_HALF_WIDTH = 0.07
POST_RADIUS = 0.07
SURROUND = (-9.0, LENGTH + 9.0, -6.0)
"""x of the two end boards, y of the far boards (metres)."""
BOARD_HEIGHT = 0.9
STRIPES = 16
"""Mowing stripes across the pitch length."""
MATERIALS = ("grass_dark", "grass_light", "line", "board_a", "board_b", "crowd", "net", "post")

_SEGMENTS: list[tuple[float, float, float, float]] = [
    (0.0, 0.0, LENGTH, 0.0),
    (0.0, WIDTH, LENGTH, WIDTH),
    (0.0, 0.0, 0.0, WIDTH),
    (LENGTH, 0.0, LENGTH, WIDTH),
    (CENTRE[0], 0.0, CENTRE[0], WIDTH),
]
for _gx, _s in ((0.0, 1.0), (LENGTH, -1.0)):
    for _depth, _half in ((PENALTY_AREA_DEPTH, PENALTY_AREA_HALF_WIDTH), (GOAL_AREA_DEPTH, GOAL_AREA_HALF_WIDTH)):
        _x = _gx + _s * _depth
        _SEGMENTS += [
            (_x, CENTRE[1] - _half, _x, CENTRE[1] + _half),
            (_gx, CENTRE[1] - _half, _x, CENTRE[1] - _half),
            (_gx, CENTRE[1] + _half, _x, CENTRE[1] + _half),
        ]


@dataclass(frozen=True)
class Panorama:
    """Material weights of the static scene at one resolution; `focal` is pixels per radian."""

    focal: float
    weights: np.ndarray
    """(rows, cols, len(MATERIALS)) float32, summing to 1 per pixel."""
    grass_texture: np.ndarray
    """(rows, cols) float32: grass brightness variation, weighted by grass cover."""
    crowd: np.ndarray
    """(rows, cols, 3) float32: crowd colours, weighted by crowd cover."""

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape[0], self.weights.shape[1]

    def column(self, yaw: float | np.ndarray) -> float | np.ndarray:
        """Fractional panorama column of the pixel centre at yaw `yaw`."""
        return (yaw - YAW_LIMITS[0]) * self.focal + PAD - 0.5

    def row(self, tilt: float | np.ndarray) -> float | np.ndarray:
        return (tilt - TILT_LIMITS[0]) * self.focal + PAD - 0.5

    def compose(self, look: Look) -> np.ndarray:
        """The panorama in a game's colours, (rows, cols, 3) float32."""
        colours = np.stack(
            [
                look.grass_dark,
                look.grass_light,
                look.line,
                look.board_a,
                look.board_b,
                np.zeros(3, np.float32),  # the crowd layer carries its own colours
                np.full(3, 0.88, np.float32),
                np.full(3, 0.97, np.float32),
            ]
        )
        image = self.weights @ colours
        image += self.crowd * look.crowd_tint
        image += self.grass_texture[..., None] * look.grass_dark
        return np.clip(image, 0.0, 1.0).astype(np.float32)


@functools.lru_cache(maxsize=4)
def panorama(width: int, height: int) -> Panorama:
    """The static scene for frames `width` pixels wide (the field of view fixes the scale)."""
    focal = width / FIELD_OF_VIEW
    cols = int(math.ceil((YAW_LIMITS[1] - YAW_LIMITS[0]) * focal)) + 2 * PAD
    rows = int(math.ceil((TILT_LIMITS[1] - TILT_LIMITS[0]) * focal)) + 2 * PAD
    sub = 3 if width <= 640 else 2
    weights = np.empty((rows, cols, len(MATERIALS)), np.float32)
    texture = np.empty((rows, cols), np.float32)
    crowd = np.empty((rows, cols, 3), np.float32)
    offsets = (np.arange(sub) + 0.5) / sub - 0.5
    theta = YAW_LIMITS[0] + (np.arange(cols)[:, None] - PAD + 0.5 + offsets[None, :]).ravel() / focal
    tables = _tables()
    block = max(1, 48 // sub)
    for r0 in range(0, rows, block):
        r1 = min(rows, r0 + block)
        tilt = TILT_LIMITS[0] + (np.arange(r0, r1)[:, None] - PAD + 0.5 + offsets[None, :]).ravel() / focal
        w, tex, crowd_rgb = _samples(theta[None, :], tilt[:, None], tables)
        n = r1 - r0
        weights[r0:r1] = w.reshape(n, sub, cols, sub, -1).mean(axis=(1, 3))
        texture[r0:r1] = tex.reshape(n, sub, cols, sub).mean(axis=(1, 3))
        crowd[r0:r1] = crowd_rgb.reshape(n, sub, cols, sub, 3).mean(axis=(1, 3))
    return Panorama(focal=focal, weights=weights, grass_texture=texture, crowd=crowd)


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Fixed random tables: grass cells and crowd cells (geometry, the same in every game)."""
    rng = np.random.default_rng(20240601)
    grass = rng.normal(0.0, 0.05, size=(256, 256)).astype(np.float32)
    people = rng.uniform(0.08, 0.32, size=(128, 128, 1)) + rng.normal(0.0, 0.03, size=(128, 128, 3))
    bright = rng.random((128, 128)) < 0.08
    people[bright] = rng.uniform(0.35, 0.8, size=(int(bright.sum()), 3))
    return grass, people.astype(np.float32)


def _segment_distance(x: np.ndarray, y: np.ndarray, seg: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = seg
    if y0 == y1:
        dx = np.maximum(np.maximum(min(x0, x1) - x, 0.0), x - max(x0, x1))
        return np.hypot(dx, y - y0)
    dy = np.maximum(np.maximum(min(y0, y1) - y, 0.0), y - max(y0, y1))
    return np.hypot(x - x0, dy)


def _line_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance (m) from ground points to the nearest painted line."""
    d = np.full(x.shape, np.inf)
    for seg in _SEGMENTS:
        np.minimum(d, _segment_distance(x, y, seg), out=d)
    np.minimum(d, np.abs(np.hypot(x - CENTRE[0], y - CENTRE[1]) - CIRCLE_RADIUS), out=d)
    for spot in ((CENTRE[0], CENTRE[1]), (PENALTY_SPOT, CENTRE[1]), (LENGTH - PENALTY_SPOT, CENTRE[1])):
        np.minimum(d, np.maximum(np.hypot(x - spot[0], y - spot[1]) - 0.15, 0.0), out=d)
    for gx, s in ((0.0, 1.0), (LENGTH, -1.0)):
        arc = np.abs(np.hypot(x - (gx + s * PENALTY_SPOT), y - CENTRE[1]) - CIRCLE_RADIUS)
        outside_box = s * (x - gx) > PENALTY_AREA_DEPTH
        np.minimum(d, np.where(outside_box, arc, np.inf), out=d)
    for cx in (0.0, LENGTH):
        for cy in (0.0, WIDTH):
            corner = np.abs(np.hypot(x - cx, y - cy) - 1.0)
            on_pitch = (
                (np.abs(x - cx) <= 1.0) & (np.abs(y - cy) <= 1.0) & (x >= 0) & (x <= LENGTH) & (y >= 0) & (y <= WIDTH)
            )
            np.minimum(d, np.where(on_pitch, corner, np.inf), out=d)
    return d


def _samples(theta: np.ndarray, tilt: np.ndarray, tables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample material weights, grass texture and crowd colour for rays (theta, tilt)."""
    grass_table, people = tables
    sin, cos = np.sin(theta), np.cos(theta)
    shape = np.broadcast_shapes(theta.shape, tilt.shape)
    rho = CAMERA_HEIGHT / tilt
    gx = CAMERA_X + rho * sin
    gy = CAMERA_Y - rho * cos
    # where the ray meets the boards around the surround
    with np.errstate(divide="ignore", invalid="ignore"):
        r_far = np.where(cos > 0, (CAMERA_Y - SURROUND[2]) / cos, np.inf)
        r_end = np.where(
            sin > 0, (SURROUND[1] - CAMERA_X) / sin, np.where(sin < 0, (SURROUND[0] - CAMERA_X) / sin, np.inf)
        )
    r_wall = np.minimum(r_far, r_end)
    along = np.where(r_far <= r_end, CAMERA_X + r_wall * sin, CAMERA_Y - r_wall * cos + 200.0)
    ground = np.broadcast_to(rho <= r_wall, shape)
    z_wall = CAMERA_HEIGHT - tilt * r_wall
    board = ~ground & (z_wall < BOARD_HEIGHT)
    stand = ~ground & ~board
    panel = (np.floor(along / 7.0) % 2).astype(bool)
    on_pitch = (gx > -1.0) & (gx < LENGTH + 1.0) & (gy > -1.0) & (gy < WIDTH + 1.0)
    stripe = (np.floor(gx / (LENGTH / STRIPES)) % 2).astype(bool)
    line = ground & (_line_distance(gx, gy) < LINE_HALF_WIDTH)
    grass = ground & ~line
    w = np.zeros((*shape, len(MATERIALS)), np.float32)
    w[..., 0] = grass & ~(on_pitch & stripe)
    w[..., 1] = grass & on_pitch & stripe
    w[..., 2] = line
    w[..., 3] = board & panel
    w[..., 4] = board & ~panel
    w[..., 5] = stand
    # texture: 0.35 m cells plus a slow, large-scale unevenness
    cx = np.floor(gx / 0.35).astype(np.int64) % 256
    cy = np.floor(gy / 0.35).astype(np.int64) % 256
    tex = (grass_table[cx, cy] + 0.04 * np.sin(gx * 0.13 + 1.0) * np.sin(gy * 0.17)) * ground
    # crowd: seats in rows climbing the stand
    seat_s = np.floor(along / 0.5).astype(np.int64) % 128
    seat_z = np.floor(np.maximum(z_wall - BOARD_HEIGHT, 0.0) / 0.45).astype(np.int64) % 128
    crowd = people[seat_s, seat_z] * stand[..., None]
    net, post = _goal_frames(sin, cos, tilt, rho)
    net = np.where(stand | board, net * 0.0, net)  # the goals stand on the pitch side of the boards
    w *= (1.0 - net)[..., None] * (1.0 - post)[..., None]
    tex = tex * (1.0 - net) * (1.0 - post)
    crowd = crowd * ((1.0 - net) * (1.0 - post))[..., None]
    w[..., 6] = net * (1.0 - post)
    w[..., 7] = post
    return w, tex, crowd


def _goal_frames(sin: np.ndarray, cos: np.ndarray, tilt: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Net opacity and post/crossbar cover per sample, for both goals."""
    shape = np.broadcast_shapes(sin.shape, tilt.shape)
    net = np.zeros(shape)
    post = np.zeros(shape, dtype=bool)
    y_lo, y_hi = CENTRE[1] - GOAL_HALF_WIDTH, CENTRE[1] + GOAL_HALF_WIDTH

    def point(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return CAMERA_X + r * sin, CAMERA_Y - r * cos, CAMERA_HEIGHT - tilt * r

    def mesh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where((np.mod(a, 0.16) < 0.05) | (np.mod(b, 0.16) < 0.05), 0.55, 0.12)

    with np.errstate(divide="ignore", invalid="ignore"):
        for gx, s in ((0.0, -1.0), (LENGTH, 1.0)):
            xb = gx + s * GOAL_DEPTH
            lo_x, hi_x = min(gx, xb), max(gx, xb)
            r = (xb - CAMERA_X) / sin  # back of the net
            x, y, z = point(r)
            hit = (r > 0) & (r < rho) & (y >= y_lo) & (y <= y_hi) & (z >= 0) & (z <= GOAL_HEIGHT)
            net += np.where(hit, mesh(y, z), 0.0)
            for ys in (y_lo, y_hi):  # the side nets
                r = (CAMERA_Y - ys) / cos
                x, y, z = point(r)
                hit = (r > 0) & (r < rho) & (x >= lo_x) & (x <= hi_x) & (z >= 0) & (z <= GOAL_HEIGHT)
                net += np.where(hit, mesh(x, z), 0.0)
            r = (CAMERA_HEIGHT - GOAL_HEIGHT) / tilt + 0.0 * sin  # the roof
            x, y, z = point(r)
            hit = (x >= lo_x) & (x <= hi_x) & (y >= y_lo) & (y <= y_hi)
            net += np.where(hit, mesh(x, y), 0.0)
            for ys in (y_lo, y_hi):  # posts: vertical cylinders on the goal line
                wx, wy = gx - CAMERA_X, ys - CAMERA_Y
                across = np.abs(wx * -cos - wy * sin)
                r = wx * sin - wy * cos
                z = CAMERA_HEIGHT - tilt * r
                post |= (across < POST_RADIUS) & (z >= 0) & (z <= GOAL_HEIGHT + POST_RADIUS)
            r = (gx - CAMERA_X) / sin  # the crossbar
            x, y, z = point(r)
            post |= (
                (r > 0)
                & (y >= y_lo - POST_RADIUS)
                & (y <= y_hi + POST_RADIUS)
                & (np.abs(z - GOAL_HEIGHT) < POST_RADIUS)
            )
    return np.clip(net, 0.0, 0.8), post.astype(np.float64)
