"""The broadcast camera: high in the main stand at the halfway line, panning and tilting with play.

A camera that only rotates sees a crop of a cylindrical panorama drawn around it: yaw is a horizontal
shift and tilt a vertical one. So the renderer draws the pitch once per resolution and each frame is a
crop of it, which is what makes the generator fast. Angles here are resolution-free: `theta` is the yaw
in radians, `tilt` the tangent of the angle below the horizon; pixels are `focal * angle`.
"""

from __future__ import annotations

import math

import numpy as np

from ballspot.synthetic.pitch import LENGTH, WIDTH

CAMERA_X = LENGTH / 2
CAMERA_Y = WIDTH + 40.0
CAMERA_HEIGHT = 18.0
FIELD_OF_VIEW = 0.56
"""Horizontal field of view in radians: about a third of the pitch length at mid-depth, a wide shot."""
ASPECT = 224 / 398
YAW_LIMITS = (-1.15, 1.15)
"""Yaw covered by the panorama (radians); the camera's centre stays half a field of view inside."""
TILT_LIMITS = (0.085, 0.51)
"""Tangent of the depression angle covered by the panorama: from the far stands to below the near line."""
SMOOTHING_S = 0.45
"""Time constant of the camera operator's lag (applied forwards and backwards, so centred on play)."""


def angles(x: np.ndarray, y: np.ndarray, z: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(yaw, tilt, ground distance) at which the camera sees world points."""
    dx = np.asarray(x, dtype=float) - CAMERA_X
    dy = CAMERA_Y - np.asarray(y, dtype=float)
    rho = np.hypot(dx, dy)
    return np.arctan2(dx, dy), (CAMERA_HEIGHT - np.asarray(z, dtype=float)) / rho, rho


def ground_point(theta: np.ndarray, tilt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pitch point (x, y) seen at (yaw, tilt), and its ground distance from the camera."""
    rho = CAMERA_HEIGHT / np.maximum(tilt, 1e-6)
    return CAMERA_X + rho * np.sin(theta), CAMERA_Y - rho * np.cos(theta), rho


def _smooth(values: np.ndarray, alpha: float) -> np.ndarray:
    out = values.copy()
    for i in range(1, len(out)):
        out[i] = out[i - 1] + alpha * (out[i] - out[i - 1])
    for i in range(len(out) - 2, -1, -1):
        out[i] = out[i + 1] + alpha * (out[i] - out[i + 1])
    return out


def camera_path(ball: np.ndarray, cuts: list[int], fps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame (yaw, tilt) of a camera that follows the ball, jumping only at cuts."""
    theta, _, _ = angles(ball[:, 0], ball[:, 1])
    _, ground_tilt, _ = angles(ball[:, 0], ball[:, 1], 0.0)
    half_width = FIELD_OF_VIEW / 2
    half_height = FIELD_OF_VIEW * ASPECT / 2
    alpha = 1.0 - math.exp(-1.0 / (fps * SMOOTHING_S))
    yaw = np.empty(len(ball))
    tilt = np.empty(len(ball))
    bounds = [*sorted(set(cuts) | {0}), len(ball)]
    for start, end in zip(bounds[:-1], bounds[1:], strict=False):
        if end <= start:
            continue
        yaw[start:end] = _smooth(theta[start:end], alpha)
        tilt[start:end] = _smooth(ground_tilt[start:end] + 0.02, alpha)
    yaw = np.clip(yaw, YAW_LIMITS[0] + half_width, YAW_LIMITS[1] - half_width)
    tilt = np.clip(tilt, TILT_LIMITS[0] + half_height, TILT_LIMITS[1] - half_height)
    return yaw, tilt


def in_view(yaw: float, tilt: float, point: tuple[float, float, float], margin: float = 0.02) -> bool:
    """Whether a world point is inside the frame of a camera at (yaw, tilt)."""
    theta, t, _ = angles(np.array(point[0]), np.array(point[1]), point[2])
    half_width = FIELD_OF_VIEW / 2 - margin
    half_height = FIELD_OF_VIEW * ASPECT / 2 - margin
    return bool(abs(theta - yaw) <= half_width and abs(t - tilt) <= half_height)
