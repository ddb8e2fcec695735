"""Eye openness from the mediapipe face mesh (0.10.21 ships its model in the wheel).

The mesh is run on a crop around the dlib face box, and the eye aspect ratio (EAR:
eyelid opening over eye width, averaged over both eyes) is returned. Open eyes
measure about 0.25-0.35, closed eyes below about 0.12. Sunglasses are not reliably
caught: the mesh predicts an eye shape behind them.

Like dlib, the mesh graph is not thread-safe: one estimator per worker process,
created lazily on first use (never at import).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Final

import cv2
import numpy as np

from leveattest.face.detect import Box
from leveattest.face.image import RGBImage

Point = tuple[float, float]

# face-mesh landmark indices: (outer corner, upper 1, upper 2, inner corner, lower 2, lower 1)
RIGHT_EYE: Final = (33, 160, 158, 133, 153, 144)
LEFT_EYE: Final = (362, 385, 387, 263, 373, 380)
_CROP_SIDE: Final = 256
# landmarks are in pixels of the crop: an eye narrower than a pixel has no aspect ratio
_MIN_EYE_WIDTH_PX: Final = 1.0
_MARGIN: Final = 0.35


def eye_aspect_ratio(points: Sequence[Point]) -> float:
    """EAR of one eye from its six landmarks, in the order of :data:`RIGHT_EYE`."""
    p1, p2, p3, p4, p5, p6 = points
    width = math.dist(p1, p4)
    if width < _MIN_EYE_WIDTH_PX:  # no eye to measure, not a ratio of rounding errors
        return 0.0
    return (math.dist(p2, p6) + math.dist(p3, p5)) / (2.0 * width)


def eye_openness(landmark: Callable[[int], Point]) -> float:
    """Mean EAR of both eyes; ``landmark`` gives a face-mesh point by its index."""
    right = eye_aspect_ratio([landmark(i) for i in RIGHT_EYE])
    left = eye_aspect_ratio([landmark(i) for i in LEFT_EYE])
    return (right + left) / 2.0


class EyeOpennessEstimator:
    """Mean eye aspect ratio of the face in a box, via mediapipe face mesh."""

    def __init__(self) -> None:
        self._mesh: Any = None

    def _load(self) -> Any:
        if self._mesh is None:
            with warnings.catch_warnings():
                # protobuf/mediapipe may emit deprecation warnings at import
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                import mediapipe as mp  # noqa: PLC0415

                self._mesh = mp.solutions.face_mesh.FaceMesh(
                    static_image_mode=True,
                    max_num_faces=1,
                    refine_landmarks=False,
                    min_detection_confidence=0.3,
                )
        return self._mesh

    def measure(self, image: RGBImage, box: Box) -> float | None:
        """Mean EAR of both eyes, or None when the mesh finds no face in the crop."""
        height, width = image.shape[:2]
        pad_x, pad_y = round(box.width * _MARGIN), round(box.height * _MARGIN)
        crop_box = Box(
            box.left - pad_x, box.top - pad_y, box.right + pad_x, box.bottom + pad_y
        ).clipped(width, height)
        if crop_box.width < 8 or crop_box.height < 8:
            return None
        crop = image[crop_box.top : crop_box.bottom, crop_box.left : crop_box.right]
        ratio = _CROP_SIDE / max(crop.shape[:2])
        size = (max(1, round(crop.shape[1] * ratio)), max(1, round(crop.shape[0] * ratio)))
        interpolation = cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR
        crop = np.ascontiguousarray(cv2.resize(crop, size, interpolation=interpolation))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # protobuf GetPrototype deprecation
            result = self._load().process(crop)
        faces = getattr(result, "multi_face_landmarks", None)
        if not faces:
            return None
        marks = faces[0].landmark
        crop_h, crop_w = crop.shape[:2]

        return eye_openness(lambda i: (marks[i].x * crop_w, marks[i].y * crop_h))

    def close(self) -> None:
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None
