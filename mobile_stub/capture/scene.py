"""Scene set-up for simulated captures: a still portrait placed in front of a room wall.

Standalone (numpy + OpenCV only): the phone simulator must not import the service's
face engine. Where the face and eyes are comes from a *hint* (plain dict, e.g. from
the caller's own detector: ``{"box": [l, t, r, b], "eyes": [[x, y], [x, y]]}`` in
portrait pixels), or else from OpenCV's Haar cascades shipped in ``cv2.data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Float = npt.NDArray[np.float32]
RGB = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FaceHint:
    """Face box (left, top, right, bottom) and eye centres in portrait pixels."""

    box: tuple[float, float, float, float]
    eyes: tuple[tuple[float, float], tuple[float, float]]

    @property
    def centre(self) -> tuple[float, float]:
        left, top, right, bottom = self.box
        return (left + right) / 2, (top + bottom) / 2

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def eye_distance(self) -> float:
        (ax, ay), (bx, by) = self.eyes
        return float(np.hypot(bx - ax, by - ay))

    def scaled(self, factor: float, dx: float, dy: float) -> FaceHint:
        left, top, right, bottom = self.box
        (ax, ay), (bx, by) = self.eyes
        return FaceHint(
            (left * factor + dx, top * factor + dy, right * factor + dx, bottom * factor + dy),
            ((ax * factor + dx, ay * factor + dy), (bx * factor + dx, by * factor + dy)),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaceHint:
        left, top, right, bottom = (float(v) for v in data["box"])
        (ax, ay), (bx, by) = ((float(p[0]), float(p[1])) for p in data["eyes"])
        first, second = sorted(((ax, ay), (bx, by)))
        return cls((left, top, right, bottom), (first, second))


def _cascade(name: str) -> Any:
    path = str(cv2.data.haarcascades) + name  # type: ignore[attr-defined]
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():  # pragma: no cover - broken OpenCV install
        raise RuntimeError(f"OpenCV cascade {name} is missing")
    return classifier


def find_face_hint(portrait: RGB) -> FaceHint:
    """Largest frontal face and its eyes by Haar cascade (eyes guessed if not found)."""
    grey = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    faces = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(grey, 1.1, 5)
    height, width = grey.shape
    if len(faces) == 0:
        x, y, w, h = width * 0.25, height * 0.2, width * 0.5, height * 0.5
    else:
        x, y, w, h = (float(v) for v in max(faces, key=lambda f: f[2] * f[3]))
    eyes_default = ((x + 0.3 * w, y + 0.4 * h), (x + 0.7 * w, y + 0.4 * h))
    top = grey[int(y) : int(y + h * 0.6), int(x) : int(x + w)]
    found = _cascade("haarcascade_eye.xml").detectMultiScale(top, 1.1, 5)
    eyes = eyes_default
    if len(found) >= 2:
        pick = sorted(found, key=lambda e: e[2] * e[3], reverse=True)[:2]
        centres = sorted((x + ex + ew / 2, y + ey + eh / 2) for ex, ey, ew, eh in pick)
        if abs(centres[1][0] - centres[0][0]) > 0.2 * w:
            eyes = (centres[0], centres[1])
    return FaceHint((x, y, x + w, y + h), eyes)


@dataclass
class Scene:
    """The portrait layer (with alpha) on a wall, in frame coordinates."""

    wall: Float  # H x W x 3, 0..255
    person: Float  # H x W x 3
    alpha: Float  # H x W, 1 where the portrait is
    hint: FaceHint  # in frame coordinates


def build_scene(
    portrait: RGB,
    hint: FaceHint,
    size: tuple[int, int],
    rng: np.random.Generator,
    face_fraction: float = 0.42,
) -> Scene:
    """Scale the portrait so its face is ``face_fraction`` of the frame width, centred."""
    width, height = size
    factor = face_fraction * width / max(hint.width, 1.0)
    scaled = cv2.resize(
        portrait,
        (max(1, round(portrait.shape[1] * factor)), max(1, round(portrait.shape[0] * factor))),
        interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR,
    ).astype(np.float32)
    cx, cy = hint.centre
    dx = width / 2 - cx * factor + rng.uniform(-0.03, 0.03) * width
    dy = height * 0.45 - cy * factor + rng.uniform(-0.03, 0.03) * height
    matrix = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    person = cv2.warpAffine(scaled, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    mask = np.ones(scaled.shape[:2], np.float32)
    alpha = cv2.warpAffine(mask, matrix, (width, height), borderValue=(0.0,))
    # soft oval "person" region: head and shoulders in front of the wall
    frame_hint = hint.scaled(factor, dx, dy)
    fx, fy = frame_hint.centre
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    oval = ((xx - fx) / (frame_hint.width * 1.05)) ** 2 + (
        (yy - fy - 0.25 * frame_hint.height) / (frame_hint.height * 1.5)
    ) ** 2
    alpha = alpha * np.clip(1.6 - oval, 0.0, 1.0)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, width / 80))
    base = rng.uniform(110, 190, size=3).astype(np.float32)
    gradient = 1.0 + 0.15 * (xx / width - 0.5)[..., None] + 0.08 * (yy / height - 0.5)[..., None]
    wall = base[None, None, :] * gradient
    wall += cv2.GaussianBlur(rng.normal(0, 6, (height, width, 1)).astype(np.float32), (0, 0), 3)[
        ..., None
    ]
    return Scene(
        wall=wall.astype(np.float32),
        person=np.asarray(person, np.float32),
        alpha=np.asarray(alpha, np.float32),
        hint=frame_hint,
    )


def light_weight(hint: FaceHint, size: tuple[int, int]) -> Float:
    """How strongly the phone screen lights each pixel: ~1 on the face, ~0.04 far away.

    Irradiance from a small source falls off with the square of the distance; the face
    is about 25-35 cm from the screen, the wall a metre or more behind it.
    """
    width, height = size
    fx, fy = hint.centre
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    d2 = ((xx - fx) / (0.75 * hint.width)) ** 2 + ((yy - fy) / (0.95 * hint.height)) ** 2
    return np.asarray(0.04 + 0.96 * np.exp(-d2), dtype=np.float32)
