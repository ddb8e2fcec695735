"""Render a simulated liveness capture from a still portrait (genuine and attack species).

The challenge is the plain JSON dict the phone receives (``colours`` with ``rgb``,
``start_ms``, ``duration_ms``; ``prompt`` with ``action``, ``start_ms``, ``end_ms``).

Genuine illumination model, per frame at time ``t``::

    person = albedo_image * (1 + g * w(x, y) * s(t - latency))   # screen light, falloff w
    wall   = wall_image   * (1 + g * 0.04 * s(t - latency))       # far away: little light
    frame  = exposure(t) * composite(person, wall) + noise

``s`` is the screen colour in 0..1 per channel, ``g`` the screen-to-ambient strength
(0.2-0.45, a dim room to a lit one), ``w`` the inverse-square-like falloff from the face
centre (:func:`light_weight`). Auto-exposure pulls the gain back when the screen is
bright, with a slow random drift. The head moves a little (affine random walk) and
performs the prompt (cylindrical yaw warp for a head turn, eyelids painted shut
for a blink). Attack species are in :mod:`mobile_stub.capture.attacks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from mobile_stub.capture.scene import RGB, FaceHint, Float, Scene, build_scene, light_weight

SPECIES = ("genuine", "static", "tint", "print", "screen", "other")


@dataclass(frozen=True)
class RenderOptions:
    size: tuple[int, int] = (480, 640)  # width, height (portrait, like a phone)
    fps: float = 10.0
    seed: int = 0
    strength: float | None = None  # screen-to-ambient ratio g; random when None
    noise_sigma: float = 2.5
    # the capture times (ms) to render; jittered times at ``fps`` over the challenge when None
    times: tuple[int, ...] | None = None
    # screen-to-camera latency of the genuine capture (ms); random 0-70 when None
    latency_ms: float | None = None


def colour_at(challenge: dict[str, Any], t_ms: float) -> tuple[float, float, float]:
    """Screen colour (0..1 per channel) at ``t_ms``: white outside the sequence."""
    for step in challenge["colours"]:
        if step["start_ms"] <= t_ms < step["start_ms"] + step["duration_ms"]:
            r, g, b = step["rgb"]
            return r / 255.0, g / 255.0, b / 255.0
    return 1.0, 1.0, 1.0


def frame_times(
    challenge: dict[str, Any],
    fps: float,
    rng: np.random.Generator,
    given: tuple[int, ...] | None = None,
) -> list[int]:
    """Capture timestamps (ms) covering the whole challenge, with small jitter (``given``
    when given: a video file's frame clock)."""
    if given is not None:
        return list(given)
    end = int(challenge["prompt"]["end_ms"]) + 60
    step = 1000.0 / fps
    times: list[int] = []
    t = float(rng.uniform(0, 25))
    while t <= end:
        times.append(round(t + rng.uniform(-4, 4)) if times else round(t))
        t += step
    return sorted(set(times))


def prompt_strength(challenge: dict[str, Any], t_ms: float) -> float:
    """0..1 envelope of the prompted movement inside its window (ramp, hold, return)."""
    start, end = challenge["prompt"]["start_ms"], challenge["prompt"]["end_ms"]
    if challenge["prompt"]["action"] == "blink":
        middle = start + 0.45 * (end - start)
        return 1.0 if abs(t_ms - middle) <= 160 else 0.0
    rise = start + 0.1 * (end - start)
    hold = rise + 0.35 * (end - start)
    if t_ms < start or t_ms > end:
        return 0.0
    if t_ms < rise + 300:
        return float(np.clip((t_ms - rise) / 300.0, 0.0, 1.0))
    if t_ms <= hold:
        return 1.0
    return float(np.clip(1.0 - (t_ms - hold) / 300.0, 0.0, 1.0))


def yaw_warp(layer: Float, hint: FaceHint, angle_rad: float) -> Float:
    """Rotate the head about a vertical axis: a cylindrical remap of the face region."""
    height, width = layer.shape[:2]
    cx, cy = hint.centre
    radius = 0.62 * hint.width
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    u = np.clip((xx - cx) / radius, -0.999, 0.999)
    warped = cx + radius * np.sin(np.arcsin(u) - angle_rad)
    ell = ((xx - cx) / (radius * 1.15)) ** 2 + ((yy - cy) / (hint.height * 0.85)) ** 2
    blend = np.clip(1.3 - ell, 0.0, 1.0) ** 2
    map_x = (xx + blend * (warped - xx)).astype(np.float32)
    return np.asarray(
        cv2.remap(layer, map_x, yy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
        dtype=np.float32,
    )


def close_eyes(layer: Float, hint: FaceHint) -> Float:
    """Paint the eyelids shut: skin from below each eye over an eye-shaped ellipse."""
    out = layer.copy()
    iod = hint.eye_distance
    height, width = layer.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    shift = round(0.32 * iod)
    below = np.roll(layer, -shift, axis=0)
    below = np.asarray(cv2.GaussianBlur(below, (0, 0), max(1.0, iod / 25)), np.float32)
    for ex, ey in hint.eyes:
        ell = ((xx - ex) / (0.34 * iod)) ** 2 + ((yy - ey) / (0.2 * iod)) ** 2
        mask = np.clip((1.25 - ell) * 2.0, 0.0, 1.0)[..., None]
        out = out * (1 - mask) + below * mask
        lid = np.exp(-(((yy - ey - 0.03 * iod) / (0.025 * iod)) ** 2)) * (
            np.abs(xx - ex) < 0.26 * iod
        )
        out = out * (1 - 0.45 * lid[..., None])
    return out.astype(np.float32)


def jitter_matrix(rng: np.random.Generator, state: list[float], centre: tuple[float, float]) -> Any:
    """Small head/hand motion: a random walk of translation (px) and rotation (deg)."""
    for i, (step, bound) in enumerate(((0.6, 4.0), (0.6, 4.0), (0.15, 1.5))):
        state[i] = float(np.clip(state[i] + rng.normal(0, step), -bound, bound))
    matrix = cv2.getRotationMatrix2D(centre, state[2], 1.0)
    matrix[0, 2] += state[0]
    matrix[1, 2] += state[1]
    return matrix


def camera(frame: Float, rng: np.random.Generator, sigma: float) -> RGB:
    """Sensor noise and quantisation."""
    noisy = frame + rng.normal(0, sigma, frame.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def render_person(
    scene: Scene,
    challenge: dict[str, Any],
    t_ms: float,
    rng: np.random.Generator,
    motion: list[float],
    *,
    perform_prompt: bool = True,
) -> tuple[Float, Float, FaceHint]:
    """The moving person layer and its alpha at ``t_ms`` (prompt performed or not)."""
    layer, hint = scene.person, scene.hint
    amount = prompt_strength(challenge, t_ms) if perform_prompt else 0.0
    action = challenge["prompt"]["action"]
    if amount > 0 and action == "blink":
        layer = close_eyes(layer, hint)
    elif amount > 0:
        # turn_left = the person's left = nose towards the image's right (+x)
        sign = 1.0 if action == "turn_left" else -1.0
        layer = yaw_warp(layer, hint, sign * math.radians(28.0) * amount)
    size = (layer.shape[1], layer.shape[0])
    matrix = jitter_matrix(rng, motion, hint.centre)
    moved = cv2.warpAffine(layer, matrix, size, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(scene.alpha, matrix, size, borderValue=(0.0,))
    centre = matrix @ np.array([*hint.centre, 1.0])
    dx, dy = centre[0] - hint.centre[0], centre[1] - hint.centre[1]
    return np.asarray(moved, np.float32), np.asarray(alpha, np.float32), hint.scaled(1.0, dx, dy)


def render_genuine(
    portrait: RGB,
    hint: FaceHint,
    challenge: dict[str, Any],
    options: RenderOptions,
) -> list[tuple[int, RGB]]:
    """A live person lit by the phone screen, performing the prompt."""
    rng = np.random.default_rng(options.seed)
    scene = build_scene(portrait, hint, options.size, rng)
    strength = options.strength if options.strength is not None else rng.uniform(0.2, 0.45)
    drawn = rng.uniform(0, 70)  # drawn either way: the same seed renders the same scene
    latency = drawn if options.latency_ms is None else options.latency_ms
    motion = [0.0, 0.0, 0.0]
    exposure = 1.0
    frames: list[tuple[int, RGB]] = []
    for t in frame_times(challenge, options.fps, rng, options.times):
        person, alpha, moved_hint = render_person(scene, challenge, t, rng, motion)
        screen = np.asarray(colour_at(challenge, t - latency), np.float32)
        weight = light_weight(moved_hint, options.size)[..., None]
        lit_person = person * (1.0 + strength * weight * screen)
        lit_wall = scene.wall * (1.0 + strength * 0.04 * screen)
        composite = alpha[..., None] * lit_person + (1 - alpha[..., None]) * lit_wall
        # auto-exposure: aims at a constant mean, reacting with some delay and drift
        target = 1.0 / (1.0 + 0.5 * strength * float(screen.mean()))
        exposure += 0.5 * (target - exposure) + rng.normal(0, 0.006)
        frames.append((t, camera(composite * exposure, rng, options.noise_sigma)))
    return frames


def encode_frames(frames: list[tuple[int, RGB]], quality: int = 90) -> list[tuple[int, bytes]]:
    """JPEG-encode frames as a phone would upload them."""
    out: list[tuple[int, bytes]] = []
    for t, pixels in frames:
        ok, data = cv2.imencode(
            ".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
        )
        if not ok:  # pragma: no cover - OpenCV contract
            raise RuntimeError("JPEG encoding failed")
        out.append((t, data.tobytes()))
    return out
