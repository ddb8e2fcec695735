"""Presentation-attack species for the liveness simulation.

* ``static``  a photo held still in front of the camera: no screen reflection that
  differs between face and background, no prompted movement (hand shake only).
* ``tint``    the photo, the whole frame tinted in time with the challenge colours
  (an attacker who knows the sequence and injects it globally): face and background
  change alike.
* ``print``   a printed photo filling the frame: halftone dot screen, reduced dynamic
  range, paper texture; the paper is near the phone, so the screen light falls on all
  of it equally.
* ``screen``  a video of the person played on a second screen: the video performs
  the prompt (a strong attacker), but it was recorded in neutral light; the phone's
  colours only add a uniform glare veil on the glass; pixel-grid moiré, display gamma
  and refresh flicker.
* ``other``   a different, live person (rendered as genuine from another portrait).

Replay (an earlier session's frames against a new challenge) and wrong-challenge
(frames for challenge A checked against challenge B) need no renderer of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from mobile_stub.capture.render import (
    SPECIES,
    RenderOptions,
    camera,
    colour_at,
    frame_times,
    render_genuine,
    render_person,
)
from mobile_stub.capture.scene import RGB, FaceHint, Float, Scene, build_scene, find_face_hint

# The phone's colour reflected by the attack display's glass, in 0..255 levels at full
# colour: diffuse reflectance of display glass is ~1-2 %, skin's ~30-50 %, so the veil is
# a few percent of what a face would reflect (~40 levels for a genuine capture).
GLARE = 2.0


def _composite(scene: Scene, person: Float, alpha: Float) -> Float:
    a = alpha[..., None]
    return np.asarray(a * person + (1 - a) * scene.wall, np.float32)


def _photo_frames(
    portrait: RGB,
    hint: FaceHint,
    challenge: dict[str, Any],
    options: RenderOptions,
    *,
    perform_prompt: bool,
) -> tuple[list[tuple[int, Float]], np.random.Generator]:
    """Unlit frames of the scene (the attacker's source material)."""
    rng = np.random.default_rng(options.seed)
    scene = build_scene(portrait, hint, options.size, rng)
    motion = [0.0, 0.0, 0.0]
    frames = []
    for t in frame_times(challenge, options.fps, rng, options.times):
        person, alpha, _ = render_person(
            scene, challenge, t, rng, motion, perform_prompt=perform_prompt
        )
        frames.append((t, _composite(scene, person, alpha)))
    return frames, rng


def render_static(
    portrait: RGB, hint: FaceHint, challenge: dict[str, Any], options: RenderOptions
) -> list[tuple[int, RGB]]:
    frames, rng = _photo_frames(portrait, hint, challenge, options, perform_prompt=False)
    return [(t, camera(f, rng, options.noise_sigma)) for t, f in frames]


def render_tint(
    portrait: RGB, hint: FaceHint, challenge: dict[str, Any], options: RenderOptions
) -> list[tuple[int, RGB]]:
    frames, rng = _photo_frames(portrait, hint, challenge, options, perform_prompt=False)
    strength = rng.uniform(0.2, 0.45)
    out = []
    for t, frame in frames:
        screen = np.asarray(colour_at(challenge, t), np.float32)
        tinted = frame * (1.0 + strength * screen) / (1.0 + 0.5 * strength * float(screen.mean()))
        out.append((t, camera(tinted, rng, options.noise_sigma)))
    return out


def _halftone(frame: Float, period: float) -> Float:
    height, width = frame.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.deg2rad(45.0)
    u = (xx * np.cos(angle) + yy * np.sin(angle)) * (2 * np.pi / period)
    v = (-xx * np.sin(angle) + yy * np.cos(angle)) * (2 * np.pi / period)
    dots = 0.5 + 0.25 * (np.cos(u) + np.cos(v))  # 0..1 dot screen
    ink = 1.0 - frame / 255.0
    printed = 1.0 - np.clip(ink * (0.55 + 0.9 * dots[..., None]), 0.0, 1.0)
    return np.asarray(printed * 255.0, np.float32)


def render_print(
    portrait: RGB, hint: FaceHint, challenge: dict[str, Any], options: RenderOptions
) -> list[tuple[int, RGB]]:
    frames, rng = _photo_frames(portrait, hint, challenge, options, perform_prompt=False)
    height, width = options.size[1], options.size[0]
    paper = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 1.2)
    paper = 1.0 + 0.035 * paper / (float(paper.std()) or 1.0)
    period = rng.uniform(2.6, 3.6)
    strength = rng.uniform(0.2, 0.45)
    out = []
    for t, frame in frames:
        printed = _halftone(frame, period)
        printed = 28.0 + printed * (190.0 / 255.0)  # paper white and ink black
        printed = printed * paper[..., None]
        printed = np.asarray(cv2.GaussianBlur(printed, (0, 0), 0.7), np.float32)
        screen = np.asarray(colour_at(challenge, t), np.float32)
        # the whole print is as close to the phone as the face would be: lit alike
        lit = printed * (1.0 + 0.8 * strength * screen)
        lit = lit / (1.0 + 0.4 * strength * float(screen.mean()))
        out.append((t, camera(lit, rng, options.noise_sigma)))
    return out


@dataclass(frozen=True)
class ScreenDisplay:
    """A second screen showing a recorded picture, as the phone's camera sees it.

    Sub-pixel stripes R, G, B (pitch 2.2-2.9 camera pixels, slightly tilted) sampled by
    the camera make a coloured beat pattern; the display's gamma (1.1-1.35) and a
    4-9 Hz refresh flicker of 5 %. Also used on still images (``show`` at ``t_ms=0``)
    to make the simulated screen-replay species of ``bench/passive_liveness_loso.py``.
    """

    grid: Float
    gamma: float
    flicker_hz: float

    @classmethod
    def random(cls, height: int, width: int, rng: np.random.Generator) -> ScreenDisplay:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        pitch = rng.uniform(2.2, 2.9)
        tilt = rng.uniform(-0.08, 0.08)
        phase = 2 * np.pi * (xx + tilt * yy) / pitch
        grid = np.stack(
            [0.78 + 0.22 * np.cos(phase - k * 2 * np.pi / 3) for k in range(3)], axis=-1
        )
        return cls(grid, rng.uniform(1.1, 1.35), rng.uniform(4.0, 9.0))

    def show(self, frame: Float, t_ms: float) -> Float:
        """What the camera receives from ``frame`` (0..255 floats) on this display."""
        shown = 255.0 * (np.asarray(frame, np.float32) / 255.0) ** self.gamma * self.grid
        return np.asarray(
            shown * (1.0 + 0.05 * np.sin(2 * np.pi * self.flicker_hz * t_ms / 1000.0)), np.float32
        )


def render_screen(
    portrait: RGB, hint: FaceHint, challenge: dict[str, Any], options: RenderOptions
) -> list[tuple[int, RGB]]:
    frames, rng = _photo_frames(portrait, hint, challenge, options, perform_prompt=True)
    display = ScreenDisplay.random(options.size[1], options.size[0], rng)
    out = []
    for t, frame in frames:
        screen = np.asarray(colour_at(challenge, t), np.float32)
        glare = GLARE * screen
        out.append((t, camera(display.show(frame, t) + glare, rng, options.noise_sigma)))
    return out


def simulate_capture(
    portrait: RGB,
    challenge: dict[str, Any],
    species: str,
    options: RenderOptions | None = None,
    hint: dict[str, Any] | None = None,
) -> list[tuple[int, RGB]]:
    """Frames (timestamp ms, RGB) of ``species`` for ``challenge`` from ``portrait``.

    ``other`` renders a genuine capture: pass a different person's portrait.
    """
    opts = options or RenderOptions()
    if species not in SPECIES:
        raise ValueError(f"species must be one of {', '.join(SPECIES)}")
    face = FaceHint.from_dict(hint) if hint else find_face_hint(portrait)
    renderers = {
        "genuine": render_genuine,
        "other": render_genuine,
        "static": render_static,
        "tint": render_tint,
        "print": render_print,
        "screen": render_screen,
    }
    return renderers[species](portrait, face, challenge, opts)
