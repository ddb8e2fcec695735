"""The capture-quality gate: one measured value, threshold and reason per check.

Checks (in order): face count, face size (inter-eye distance in pixels), face-region
luminance (too dark / too bright), sharpness (variance of the Laplacian on the face
crop resized to 128x128, so it does not grow or shrink with face size), eye openness
(mediapipe eye aspect ratio, and the contrast of the eye patches, which catches dark
glasses the mesh does not), and pose (yaw and roll estimated from the 5 landmarks).
Every failure carries advice a pensioner can act on. Thresholds per image kind
(selfie, chip portrait, data-page portrait) come from ``FaceSettings``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import cv2
import numpy as np

from leveattest.core.checks import Reason
from leveattest.core.settings import FaceQualitySettings
from leveattest.face.detect import DetectedFace
from leveattest.face.image import RGBImage

SHARPNESS_SIDE: Final = 128
# nose-base depth in front of the eyes relative to the inter-eye distance (anthropometric
# average); used to turn the nose's sideways offset into a yaw angle
_NOSE_DEPTH_RATIO: Final = 0.35


class ImageKind(StrEnum):
    SELFIE = "selfie"
    CHIP = "chip"
    PAGE = "page"


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_MEASURED = "not_measured"


ADVICE: Final[dict[Reason, str]] = {
    Reason.NO_FACE: "no face was found — hold the phone at arm's length and look straight at it",
    Reason.MULTIPLE_FACES: "more than one face is visible — make sure only you are in the picture",
    Reason.FACE_TOO_SMALL: "your face is too small in the picture — hold the phone closer",
    Reason.TOO_DARK: "the photo is too dark — move to a brighter place",
    Reason.TOO_BRIGHT: "the photo is too bright — move out of direct sunlight or away from a lamp",
    Reason.BLURRED: "the photo is blurred — hold the phone still and wipe the camera lens",
    Reason.EYES_NOT_VISIBLE: "your eyes are not clearly visible — open your eyes, take off "
    "sunglasses",
    Reason.POSE_TOO_STRONG: "your head is turned or tilted — look straight at the phone",
}
_PAGE_ADVICE: Final[dict[Reason, str]] = {
    Reason.NO_FACE: "no portrait was found on the photo page — photograph the whole page",
    Reason.FACE_TOO_SMALL: "the portrait on the page is too small — hold the phone closer to it",
    Reason.TOO_DARK: "the page photo is too dark — photograph it in a brighter place",
    Reason.TOO_BRIGHT: "the page photo is too bright — avoid reflections on the page",
    Reason.BLURRED: "the page photo is blurred — hold the phone still over the page",
}
_CHIP_ADVICE = "the portrait read from the chip is unusual; a person will look at it"


def advice_for(reason: Reason, kind: ImageKind) -> str:
    if kind is ImageKind.CHIP:
        return _CHIP_ADVICE
    if kind is ImageKind.PAGE and reason in _PAGE_ADVICE:
        return _PAGE_ADVICE[reason]
    return ADVICE.get(reason, "")


@dataclass(frozen=True)
class QualityCheck:
    """One quality measurement: ``value`` compared against ``threshold``."""

    name: str
    status: CheckStatus
    value: float | None
    threshold: float | None
    comparison: str
    reason: Reason
    advice: str = ""

    @property
    def failed(self) -> bool:
        return self.status is CheckStatus.FAILED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "value": None if self.value is None else round(self.value, 4),
            "threshold": self.threshold,
            "comparison": self.comparison,
            "reason": self.reason.value,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class FaceQuality:
    """All quality checks of one image; ``passed`` when none failed."""

    kind: ImageKind
    checks: tuple[QualityCheck, ...]

    @property
    def passed(self) -> bool:
        return not any(check.failed for check in self.checks)

    @property
    def reasons(self) -> list[Reason]:
        return [check.reason for check in self.checks if check.failed]

    @property
    def advice(self) -> list[str]:
        return [check.advice for check in self.checks if check.failed and check.advice]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "reasons": [reason.value for reason in self.reasons],
            "advice": self.advice,
            "checks": {check.name: check.to_dict() for check in self.checks},
        }


def _check(
    name: str,
    value: float | None,
    threshold: float,
    *,
    minimum: bool,
    reason: Reason,
    kind: ImageKind,
) -> QualityCheck:
    comparison = ">=" if minimum else "<="
    if value is None:
        return QualityCheck(name, CheckStatus.NOT_MEASURED, None, threshold, comparison, Reason.OK)
    ok = value >= threshold if minimum else value <= threshold
    if ok:
        return QualityCheck(name, CheckStatus.PASSED, value, threshold, comparison, Reason.OK)
    return QualityCheck(
        name, CheckStatus.FAILED, value, threshold, comparison, reason, advice_for(reason, kind)
    )


def face_luminance(image: RGBImage, face: DetectedFace) -> float:
    """Mean luma (0..255, BT.601) of the face box."""
    box = face.box
    crop = image[box.top : box.bottom, box.left : box.right]
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    return float(gray.mean())


def face_sharpness(image: RGBImage, face: DetectedFace) -> float:
    """Variance of the Laplacian of the face crop resized to 128x128 (size-normalised)."""
    box = face.box
    crop = image[box.top : box.bottom, box.left : box.right]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return 0.0
    gray = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    side = (SHARPNESS_SIDE, SHARPNESS_SIDE)
    interpolation = cv2.INTER_AREA if gray.shape[0] > SHARPNESS_SIDE else cv2.INTER_CUBIC
    resized = cv2.resize(gray, side, interpolation=interpolation)
    return float(cv2.Laplacian(resized, cv2.CV_64F, ksize=3).var())


def eye_contrast(image: RGBImage, face: DetectedFace) -> float:
    """Lower of the two eye patches' contrast, (p95 - p5) / (p95 + p5) of their luma.

    Each patch is centred on an eye, 0.6 x 0.3 inter-eye distances. Open eyes measure about
    0.5-0.9 (sclera against iris and lashes); an eye behind dark glasses or a uniform cover
    measures near 0 even when the face mesh still predicts an open eye there.
    """
    iod = face.inter_eye_px
    height, width = image.shape[:2]
    half_w, half_h = max(1, round(0.3 * iod)), max(1, round(0.15 * iod))
    values = []
    for x, y in face.eye_centres:
        cx, cy = round(x), round(y)
        patch = image[
            max(0, cy - half_h) : min(height, cy + half_h + 1),
            max(0, cx - half_w) : min(width, cx + half_w + 1),
        ]
        if patch.shape[0] < 2 or patch.shape[1] < 2:
            return 0.0
        gray = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2GRAY)
        low, high = (float(v) for v in np.percentile(gray, (5, 95)))
        values.append((high - low) / max(high + low, 1.0))
    return min(values)


def head_pose(face: DetectedFace) -> tuple[float, float]:
    """(yaw, roll) in degrees, estimated from the eye centres and the nose base.

    Roll is the angle of the eye line. Yaw comes from the nose base's sideways offset
    from the eye midpoint along the eye line, relative to the inter-eye distance. A
    rough estimate: good enough to catch a strongly turned head, not a measurement.
    """
    (lx, ly), (rx, ry) = face.eye_centres
    ex, ey = rx - lx, ry - ly
    iod = math.hypot(ex, ey)
    if iod < 1.0:  # eye centres within a pixel: no eye line, treated as fully turned
        return 90.0, 0.0
    roll = math.degrees(math.atan2(ey, ex))
    mx, my = (lx + rx) / 2, (ly + ry) / 2
    nx, ny = face.nose
    offset = ((nx - mx) * ex + (ny - my) * ey) / (iod * iod)
    yaw = math.degrees(math.atan(offset / _NOSE_DEPTH_RATIO))
    return yaw, roll


def assess_quality(
    image: RGBImage,
    faces: list[DetectedFace],
    thresholds: FaceQualitySettings,
    kind: ImageKind,
    eye_openness: float | None = None,
) -> FaceQuality:
    """Run the quality gate on the largest face (``faces`` sorted largest first)."""
    count = float(len(faces))
    if not faces:
        no_face = _check("face_count", count, 1, minimum=True, reason=Reason.NO_FACE, kind=kind)
        return FaceQuality(kind, (no_face,))
    face = faces[0]
    yaw, roll = head_pose(face)
    luminance = face_luminance(image, face)
    checks = (
        _check("face_count", count, 1, minimum=False, reason=Reason.MULTIPLE_FACES, kind=kind),
        _check(
            "inter_eye_px",
            face.inter_eye_px,
            thresholds.min_inter_eye_px,
            minimum=True,
            reason=Reason.FACE_TOO_SMALL,
            kind=kind,
        ),
        _check(
            "luminance_min",
            luminance,
            thresholds.min_luminance,
            minimum=True,
            reason=Reason.TOO_DARK,
            kind=kind,
        ),
        _check(
            "luminance_max",
            luminance,
            thresholds.max_luminance,
            minimum=False,
            reason=Reason.TOO_BRIGHT,
            kind=kind,
        ),
        _check(
            "sharpness",
            face_sharpness(image, face),
            thresholds.min_sharpness,
            minimum=True,
            reason=Reason.BLURRED,
            kind=kind,
        ),
        _check(
            "eye_openness",
            eye_openness,
            thresholds.min_eye_openness,
            minimum=True,
            reason=Reason.EYES_NOT_VISIBLE,
            kind=kind,
        ),
        _check(
            "eye_contrast",
            eye_contrast(image, face),
            thresholds.min_eye_contrast,
            minimum=True,
            reason=Reason.EYES_NOT_VISIBLE,
            kind=kind,
        ),
        _check(
            "yaw_deg",
            abs(yaw),
            thresholds.max_yaw_deg,
            minimum=False,
            reason=Reason.POSE_TOO_STRONG,
            kind=kind,
        ),
        _check(
            "roll_deg",
            abs(roll),
            thresholds.max_roll_deg,
            minimum=False,
            reason=Reason.POSE_TOO_STRONG,
            kind=kind,
        ),
    )
    return FaceQuality(kind, checks)
