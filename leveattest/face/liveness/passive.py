"""Passive presentation-attack score of single images: a small logistic model + a moiré cue.

The input contract (face crop, size floor, exposure stretch, 128 features, the moiré
cue) is :mod:`leveattest.face.liveness.passive_input`. The model (standardisation,
weights, bias, thresholds) is fitted by ``scripts/fit_passive_liveness.py`` and stored
as ``models/liveness_passive.json``, verified by sha256 before use; its file must name
the same feature set and crop as the code, or it is refused. Score = P(live).

Per image: no face → ``uncertain`` (``no_face``); a face box under ``MIN_FACE_PX`` →
``uncertain`` (``face_too_small``), never ``spoof``; moiré above ``moire_threshold`` →
``spoof``; else ``live`` at or above ``live_threshold``, ``uncertain`` below
(:func:`passive_label`). Evaluation by leaving subjects out:
``bench/passive_liveness_loso.py``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.core.errors import ModelError
from leveattest.face.detect import Box
from leveattest.face.image import RGBImage
from leveattest.face.liveness.passive_input import (
    CROP_EXPAND,
    CROP_SIDE,
    FEATURE_SET,
    MIN_FACE_PX,
    N_FEATURES,
    face_crop,
    moire_score,
    passive_features,
)

CHECK = CheckName.LIVENESS_PASSIVE
MODEL_FILE: Final = "liveness_passive.json"
MODEL_NAME: Final = "leveattest-passive-liveness-v2"
MODEL_SHA256: Final = "b9a4caa7f23ccffb26924478f277c40459030536a0561f08b05af3fde38945fc"
CONTRACT: Final = {
    "feature_set": FEATURE_SET,
    "crop_expand": CROP_EXPAND,
    "crop_side": CROP_SIDE,
    "min_face_px": MIN_FACE_PX,
}

Vector = npt.NDArray[np.float64]


def default_model_path() -> Path:
    return Path(__file__).resolve().parents[3] / "models" / MODEL_FILE


def face_region(image: RGBImage, box: Box | None) -> RGBImage:
    """The face crop (box widened by 20 %), or the central square without a box."""
    height, width = image.shape[:2]
    if box is None:
        side = min(height, width) // 2
        top, left = (height - side) // 2, (width - side) // 2
        return image[top : top + side, left : left + side]
    pad_x, pad_y = round(box.width * 0.1), round(box.height * 0.1)
    crop = Box(box.left - pad_x, box.top - pad_y, box.right + pad_x, box.bottom + pad_y)
    crop = crop.clipped(width, height)
    if crop.width < 8 or crop.height < 8:
        return image
    return image[crop.top : crop.bottom, crop.left : crop.right]


def passive_label(score: float, moire: float, live_threshold: float, moire_threshold: float) -> str:
    """``spoof`` on moiré; else ``live`` at or above ``live_threshold``, else ``uncertain``.

    A low texture score alone is not evidence of an attack: fitted on one webcam's
    images, the texture model also scores smooth, denoised or upscaled genuine faces
    low (the simulated captures of ``bench/liveness.py`` score 0.0-0.5). It withholds
    ``live``; only the moiré cue, calibrated on bona fide images alone, says ``spoof``.
    """
    if moire > moire_threshold:
        return "spoof"
    return "live" if score >= live_threshold else "uncertain"


@dataclass(frozen=True)
class PassiveAssessment:
    """One image's passive outcome: label, and why when the model could not score it."""

    label: str
    score: float | None = None
    moire: float | None = None
    face_px: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class PassiveModel:
    """Standardised logistic regression with an uncertainty band and a moiré threshold."""

    mean: Vector
    scale: Vector
    weights: Vector
    bias: float
    live_threshold: float
    moire_threshold: float
    sha256: str = ""

    def score(self, features: Vector) -> float:
        """P(live) from a :func:`~leveattest.face.liveness.passive_input.passive_features` row."""
        z = float(((features - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def label(self, score: float, moire: float = -math.inf) -> str:
        return passive_label(score, moire, self.live_threshold, self.moire_threshold)

    def assess(self, image: RGBImage, box: Box | None) -> PassiveAssessment:
        """Score one image under the input contract (no face / too small: uncertain)."""
        if box is None:
            return PassiveAssessment("uncertain", reason=Reason.NO_FACE.value)
        face_px = max(box.width, box.height)
        crop = face_crop(image, box)
        if crop is None:
            return PassiveAssessment(
                "uncertain", face_px=face_px, reason=Reason.FACE_TOO_SMALL.value
            )
        score = self.score(passive_features(crop))
        moire = moire_score(image, box)
        return PassiveAssessment(self.label(score, moire), score, moire, face_px)

    @classmethod
    def from_dict(cls, data: dict[str, Any], sha256: str = "") -> PassiveModel:
        contract = {key: data["contract"][key] for key in CONTRACT}
        if contract != CONTRACT:
            raise ModelError(
                "passive liveness model was fitted for another input contract", model=MODEL_NAME
            )
        model = cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            live_threshold=float(data["live_threshold"]),
            moire_threshold=float(data["moire_threshold"]),
            sha256=sha256,
        )
        if not model.mean.shape == model.scale.shape == model.weights.shape == (N_FEATURES,):
            raise ModelError("passive liveness model has the wrong size", model=MODEL_NAME)
        return model


def load_passive_model(path: Path | None = None, *, verify: bool = True) -> PassiveModel:
    """Load (and check the sha256 of) the fitted model; :class:`ModelError` otherwise."""
    target = path or default_model_path()
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise ModelError("passive liveness model is missing", model=MODEL_NAME) from exc
    digest = hashlib.sha256(raw).hexdigest()
    if verify and path is None and digest != MODEL_SHA256:
        raise ModelError(
            "passive liveness model does not match its recorded checksum",
            model=MODEL_NAME,
            actual_sha256_prefix=digest[:12],
        )
    try:
        return PassiveModel.from_dict(json.loads(raw), digest)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError("passive liveness model is malformed", model=MODEL_NAME) from exc


def check_passive(
    model: PassiveModel | None, images: Sequence[RGBImage], boxes: Sequence[Box | None]
) -> CheckResult:
    """The passive check over frames: mean score of the frames the model can score.

    Frames without a face or with a face below the size floor are left out; when none
    is left the check is inconclusive (``face_too_small``) or not checked (no face) —
    never failed. Moiré in most scored frames fails it like a low score.
    """
    if model is None:
        return CheckResult.not_checked(CHECK, detail="no passive model loaded")
    assessed = [model.assess(i, b) for i, b in zip(images, boxes, strict=True)]
    scored = [(a.score, a.moire) for a in assessed if a.score is not None and a.moire is not None]
    if not scored:
        if any(a.reason == Reason.FACE_TOO_SMALL.value for a in assessed):
            largest = max(a.face_px or 0 for a in assessed)
            return CheckResult.inconclusive(
                CHECK,
                Reason.FACE_TOO_SMALL,
                "face too small for the passive model",
                face_px=largest,
                min_face_px=MIN_FACE_PX,
                model=MODEL_NAME,
            )
        return CheckResult.not_checked(CHECK, Reason.NO_FACE, "no face to score")
    score = float(np.mean([value for value, _ in scored]))
    moire = float(np.median([value for _, value in scored]))
    label = model.label(score, moire)
    evidence = {
        "score": round(score, 4),
        "label": label,
        "frames": len(scored),
        "moire": round(moire, 3),
        "live_threshold": model.live_threshold,
        "moire_threshold": model.moire_threshold,
        "model": MODEL_NAME,
        "model_sha256_prefix": model.sha256[:12],
    }
    if label == "live":
        return CheckResult.passed(CHECK, **evidence)
    if label == "spoof":
        return CheckResult.failed(
            CHECK, Reason.LIVENESS_SPOOF, "print or screen artefacts", **evidence
        )
    return CheckResult.inconclusive(
        CHECK, Reason.LIVENESS_UNCERTAIN, "passive cues are not clear", **evidence
    )
