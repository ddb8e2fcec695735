"""Face detection (dlib HOG) and 5-point landmarks.

Detection runs on a reduced copy (long side <= ``detect_max_side``): HOG cost grows
with image area, and a selfie face is large. Upsampling is adaptive: none first
(about 40 ms for 640x480 on one core), and one pyramid step up (about 4x the cost)
only when nothing was found, for small faces such as a data-page portrait crop.
Landmarks are fitted on the full-resolution image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from leveattest.face.image import RGBImage
from leveattest.face.models import FaceModels

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A face rectangle in image pixel coordinates (right/bottom exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def clipped(self, width: int, height: int) -> Box:
        return Box(
            max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom)
        )

    def to_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class DetectedFace:
    """One detected face with its 5 landmarks (dlib order: two eyes' corners, nose base)."""

    box: Box
    landmarks: tuple[Point, ...]
    score: float
    upsample: int
    # the dlib full_object_detection, needed to align the face for the embedding
    shape: Any = field(repr=False, compare=False)

    @property
    def eye_centres(self) -> tuple[Point, Point]:
        """(image-left eye, image-right eye) centres from the corner landmarks."""
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = self.landmarks[:4]
        first = ((ax + bx) / 2, (ay + by) / 2)
        second = ((cx + dx) / 2, (cy + dy) / 2)
        return (first, second) if first[0] <= second[0] else (second, first)

    @property
    def nose(self) -> Point:
        return self.landmarks[4]

    @property
    def inter_eye_px(self) -> float:
        (lx, ly), (rx, ry) = self.eye_centres
        return math.hypot(rx - lx, ry - ly)


def _rectangles(models: FaceModels, image: RGBImage, upsample: int) -> list[tuple[Any, float]]:
    rects, scores, _ = models.detector.run(image, upsample, 0.0)
    return list(zip(rects, scores, strict=True))


def detect_faces(models: FaceModels, image: RGBImage, detect_max_side: int) -> list[DetectedFace]:
    """All faces in ``image`` (RGB uint8), largest first."""
    import dlib  # noqa: PLC0415 - dlib stays out of import time

    height, width = image.shape[:2]
    if min(height, width) < 8:
        return []
    scale = min(1.0, detect_max_side / max(height, width))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    upsample = 0
    found = _rectangles(models, small, upsample)
    if not found:
        upsample = 1
        found = _rectangles(models, small, upsample)
    faces: list[DetectedFace] = []
    for rect, score in found:
        box = Box(
            round(rect.left() / scale),
            round(rect.top() / scale),
            round((rect.right() + 1) / scale),
            round((rect.bottom() + 1) / scale),
        )
        full_rect = dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1)
        shape = models.shape_predictor(image, full_rect)
        points = tuple((float(shape.part(i).x), float(shape.part(i).y)) for i in range(5))
        faces.append(
            DetectedFace(
                box=box.clipped(width, height),
                landmarks=points,
                score=float(score),
                upsample=upsample,
                shape=shape,
            )
        )
    faces.sort(key=lambda face: face.box.width * face.box.height, reverse=True)
    return faces
