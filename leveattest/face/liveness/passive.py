"""Passive presentation-attack cues from single images, fused by a small logistic model.

Features of a face crop (the detected box widened by 20 %, resized to 128x128):

* ``hf_ratio``     share of spectral energy in the upper half of the frequencies (a print
                   or a re-filmed screen loses fine detail);
* ``hf_peak``      log of the strongest high-frequency peak over the band's median
                   (halftone dots and pixel grids make moiré peaks);
* ``lap_log``      log variance of the Laplacian (sharpness);
* ``cr_std``, ``cb_std``  chroma spread in YCrCb (prints and screens compress colour);
* ``sat_mean``, ``sat_std``  HSV saturation statistics;
* ``lbp_entropy``  entropy of 8-neighbour local binary patterns (micro-texture);
* ``specular``     share of near-white, unsaturated pixels (glossy paper, screen glare);
* ``dyn_range``    5-95 percentile luminance spread (prints have less).

The model (standardisation, weights, bias, two thresholds) is fitted by
``scripts/fit_passive_liveness.py`` and stored as ``models/liveness_passive.json``,
verified by sha256 before use. Score = P(live); ``live`` at or above
``live_threshold``, ``spoof`` below ``spoof_threshold``, ``uncertain`` in between.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt

from leveattest.core.checks import CheckResult, Reason
from leveattest.core.errors import ModelError
from leveattest.face.detect import Box
from leveattest.face.image import RGBImage

CHECK = "liveness_passive"
FEATURES: Final = (
    "hf_ratio",
    "hf_peak",
    "lap_log",
    "cr_std",
    "cb_std",
    "sat_mean",
    "sat_std",
    "lbp_entropy",
    "specular",
    "dyn_range",
)
# the features the fitted model uses (``specular`` and ``sat_mean`` are reported but left
# out: on NUAA they separate by webcam exposure and subject, not by attack)
MODEL_FEATURES: Final = (
    "hf_ratio",
    "hf_peak",
    "lap_log",
    "cr_std",
    "cb_std",
    "sat_std",
    "lbp_entropy",
    "dyn_range",
)
MODEL_FILE: Final = "liveness_passive.json"
MODEL_NAME: Final = "leveattest-passive-liveness-v1"
MODEL_SHA256: Final = "9344d2449bc06473d47e9f3a6f90ef80249e28d1fd84cc82383b4ecd3069ce4c"
_SIDE: Final = 128

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


def _spectrum(grey: Vector) -> tuple[float, float]:
    window = np.outer(np.hanning(_SIDE), np.hanning(_SIDE))
    power = np.abs(np.fft.fftshift(np.fft.fft2((grey - grey.mean()) * window))) ** 2
    yy, xx = np.mgrid[0:_SIDE, 0:_SIDE] - _SIDE // 2
    radius = np.hypot(xx, yy) / (_SIDE // 2)
    band = (radius > 0.05) & (radius <= 1.0)
    high = (radius > 0.5) & (radius <= 1.0)
    total = float(power[band].sum()) or 1.0
    hf = power[high]
    peak = math.log((float(hf.max()) + 1e-9) / (float(np.median(hf)) + 1e-9))
    return float(hf.sum()) / total, peak


def _lbp_entropy(grey: Vector) -> float:
    centre = grey[1:-1, 1:-1]
    codes = np.zeros(centre.shape, dtype=np.int32)
    shifts = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
    rows, cols = grey.shape
    for bit, (dy, dx) in enumerate(shifts):
        neighbour = grey[1 + dy : rows - 1 + dy, 1 + dx : cols - 1 + dx]
        codes |= (neighbour >= centre).astype(np.int32) << bit
    hist = np.bincount(codes.ravel(), minlength=256).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def passive_features(image: RGBImage, box: Box | None) -> Vector:
    """The feature vector (order: :data:`FEATURES`) of the face region."""
    crop = cv2.resize(
        np.ascontiguousarray(face_region(image, box)), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA
    )
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float64)
    hf_ratio, hf_peak = _spectrum(grey)
    lap = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    ycrcb = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb).astype(np.float64)
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV).astype(np.float64)
    sat, val = hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    p5, p95 = np.percentile(grey, [5, 95])
    return np.array(
        [
            hf_ratio,
            hf_peak,
            math.log1p(lap),
            float(ycrcb[..., 1].std()),
            float(ycrcb[..., 2].std()),
            float(sat.mean()),
            float(sat.std()),
            _lbp_entropy(grey),
            float(((val > 0.92) & (sat < 0.2)).mean()),
            float(p95 - p5),
        ]
    )


@dataclass(frozen=True)
class PassiveModel:
    """Standardised logistic regression with an uncertainty band."""

    features: tuple[str, ...]
    mean: Vector
    scale: Vector
    weights: Vector
    bias: float
    live_threshold: float
    spoof_threshold: float
    sha256: str = ""

    def score(self, features: Vector) -> float:
        """P(live) from a full :data:`FEATURES` vector."""
        picked = features[[FEATURES.index(name) for name in self.features]]
        z = float(((picked - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def label(self, score: float) -> str:
        if score >= self.live_threshold:
            return "live"
        if score < self.spoof_threshold:
            return "spoof"
        return "uncertain"

    @classmethod
    def from_dict(cls, data: dict[str, Any], sha256: str = "") -> PassiveModel:
        names = tuple(str(name) for name in data["features"])
        if not names or not set(names) <= set(FEATURES):
            raise ModelError("passive liveness model has unknown features", model=MODEL_NAME)
        return cls(
            features=names,
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            live_threshold=float(data["live_threshold"]),
            spoof_threshold=float(data["spoof_threshold"]),
            sha256=sha256,
        )


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
    """Mean passive score over the given frames, as a check (failed only below spoof)."""
    if model is None:
        return CheckResult.not_checked(CHECK, detail="no passive model loaded")
    scores = [model.score(passive_features(i, b)) for i, b in zip(images, boxes, strict=True)]
    if not scores:
        return CheckResult.not_checked(CHECK, detail="no frames")
    score = float(np.mean(scores))
    label = model.label(score)
    evidence = {
        "score": round(score, 4),
        "label": label,
        "frames": len(scores),
        "live_threshold": model.live_threshold,
        "spoof_threshold": model.spoof_threshold,
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
