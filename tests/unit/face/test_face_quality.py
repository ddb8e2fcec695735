"""The quality gate: each reason from a synthetic degradation of a good portrait."""

from __future__ import annotations

import io

import cv2
import numpy as np
from face_helpers import encode, on_canvas, side_by_side
from PIL import Image

from leveattest.core.checks import Reason
from leveattest.face import FaceEngine, ImageKind
from leveattest.face.detect import Box, DetectedFace
from leveattest.face.eyes import EyeOpennessEstimator
from leveattest.face.quality import head_pose


def test_good_portrait_passes(face_engine: FaceEngine, portrait: np.ndarray):
    analysis = face_engine.analyse(portrait)
    assert analysis.face_count == 1
    assert analysis.quality.passed, analysis.quality.to_dict()
    assert analysis.embedding is not None
    assert analysis.embedding.shape == (128,)
    checks = analysis.quality.to_dict()["checks"]
    assert set(checks) >= {"inter_eye_px", "luminance_min", "sharpness", "eye_openness", "yaw_deg"}
    assert all(c["value"] is not None for c in checks.values())


def test_dark_photo_is_too_dark(face_engine: FaceEngine, portrait: np.ndarray):
    dark = (portrait.astype(np.float64) * 0.25).astype(np.uint8)
    analysis = face_engine.analyse(dark)
    assert Reason.TOO_DARK in analysis.quality.reasons
    check = analysis.quality.to_dict()["checks"]["luminance_min"]
    assert check["value"] < check["threshold"]
    assert "brighter" in analysis.quality.advice[0]


def test_overexposed_photo_is_too_bright(face_engine: FaceEngine, portrait: np.ndarray):
    bright = np.clip(portrait.astype(np.int32) + 110, 0, 255).astype(np.uint8)
    assert Reason.TOO_BRIGHT in face_engine.analyse(bright).quality.reasons


def test_blurred_photo_is_blurred(face_engine: FaceEngine, portrait: np.ndarray):
    blurred = cv2.GaussianBlur(portrait, (0, 0), 8.0)
    analysis = face_engine.analyse(blurred)
    assert Reason.BLURRED in analysis.quality.reasons


def test_tiny_face_is_too_small(face_engine: FaceEngine, portrait: np.ndarray):
    analysis = face_engine.analyse(on_canvas(portrait, 0.3))
    assert analysis.face_count == 1
    assert analysis.quality.reasons == [Reason.FACE_TOO_SMALL]


def test_blank_image_has_no_face(face_engine: FaceEngine):
    analysis = face_engine.analyse(np.full((480, 640, 3), 200, dtype=np.uint8))
    assert analysis.face_count == 0
    assert analysis.embedding is None
    assert analysis.quality.reasons == [Reason.NO_FACE]


def test_one_pixel_image_has_no_face(face_engine: FaceEngine):
    analysis = face_engine.analyse_bytes(encode(np.zeros((1, 1, 3), dtype=np.uint8)))
    assert analysis.quality.reasons == [Reason.NO_FACE]


def test_two_faces_side_by_side(face_engine: FaceEngine, portrait: np.ndarray):
    analysis = face_engine.analyse(side_by_side(portrait, portrait[:, ::-1]))
    assert analysis.face_count == 2
    assert Reason.MULTIPLE_FACES in analysis.quality.reasons


def test_exif_rotated_selfie_is_turned_upright(face_engine: FaceEngine, portrait: np.ndarray):
    # a phone stores the sensor image sideways and says so in the EXIF orientation tag
    sideways = Image.fromarray(portrait).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", quality=92, exif=exif.tobytes())
    analysis = face_engine.analyse_bytes(buffer.getvalue())
    assert analysis.face_count == 1
    assert analysis.quality.passed, analysis.quality.to_dict()
    # without the tag the sideways face is not found at all
    untagged = face_engine.analyse(np.asarray(sideways))
    assert untagged.quality.reasons == [Reason.NO_FACE]


def test_tilted_head_is_a_strong_pose(face_engine: FaceEngine, portrait: np.ndarray):
    height, width = portrait.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 28, 1.0)
    tilted = cv2.warpAffine(portrait, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    analysis = face_engine.analyse(tilted)
    assert analysis.face_count == 1  # found at 28°: the pose, not detection, is judged
    assert Reason.POSE_TOO_STRONG in analysis.quality.reasons


def _face(landmarks: tuple[tuple[float, float], ...]) -> DetectedFace:
    return DetectedFace(Box(0, 0, 200, 200), landmarks, 1.0, 0, shape=None)


def test_head_pose_from_landmarks():
    frontal = _face(((140, 100), (120, 100), (60, 100), (80, 100), (100, 150)))
    yaw, roll = head_pose(frontal)
    assert abs(yaw) < 1e-6
    assert abs(roll) < 1e-6
    turned = _face(((140, 100), (120, 100), (60, 100), (80, 100), (130, 150)))
    assert abs(head_pose(turned)[0]) > 30


def test_eye_centres_within_a_pixel_are_a_fully_turned_head_not_a_rounding_angle():
    eyes_together = _face(((100.2, 100), (100, 100), (100, 100.1), (100.3, 100), (100, 150)))
    assert head_pose(eyes_together) == (90.0, 0.0)


def test_closed_eyes_are_reported(face_engine: FaceEngine, portrait: np.ndarray):
    class ClosedEyes(EyeOpennessEstimator):
        def measure(self, image: np.ndarray, box: Box) -> float | None:
            return 0.05

    engine = FaceEngine(face_engine.settings, models=face_engine.models, eyes=ClosedEyes())
    analysis = engine.analyse(portrait)
    assert analysis.quality.reasons == [Reason.EYES_NOT_VISIBLE]


def test_page_portrait_has_looser_thresholds(face_engine: FaceEngine, portrait: np.ndarray):
    small = on_canvas(portrait, 0.3)
    assert face_engine.analyse(small, ImageKind.PAGE).quality.passed
    assert not face_engine.analyse(small, ImageKind.SELFIE).quality.passed


def test_covered_eyes_are_not_visible(face_engine: FaceEngine, portrait: np.ndarray):
    # dark glasses: the face mesh still predicts open eyes, the eye patches have no contrast
    face = face_engine.analyse(portrait).face
    assert face is not None
    covered = portrait.copy()
    iod = face.inter_eye_px
    for x, y in face.eye_centres:
        axes = (round(0.42 * iod), round(0.25 * iod))
        cv2.ellipse(covered, (round(x), round(y)), axes, 0, 0, 360, (25, 25, 30), -1)
    analysis = face_engine.analyse(covered)
    assert analysis.face_count == 1
    assert Reason.EYES_NOT_VISIBLE in analysis.quality.reasons
    assert analysis.quality.to_dict()["checks"]["eye_contrast"]["status"] == "failed"
