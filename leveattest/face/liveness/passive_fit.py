"""Fitting the passive liveness model: data variants, the classifier, leave-subjects-out.

Used by ``scripts/fit_passive_liveness.py`` (the shipped model) and
``bench/passive_liveness_loso.py`` (its evaluation); both read NUAA in place.

* Training rows are each image's :func:`~leveattest.face.liveness.passive_input.face_crop`
  and ``jitters`` copies with random exposure (gain 0.6-1.7 with clipping, gamma
  0.7-1.4, white balance +/- 15 % per channel), so that exposure — which on NUAA tells
  the subjects apart — carries no label.
* :func:`tight_variant` is the same face cropped to its detector box and shrunk to
  140-180 px, JPEG quality 75-95: the "tightly cropped low-resolution" input seen in the
  field. Fitting uses both; the evaluation reports both.
* The classifier is an L2-regularised logistic regression on standardised features,
  classes weighted equally (numpy gradient descent; no new dependency).
* The live threshold is fixed by rule, not tuned on any test subject: P(live) >= 0.5,
  the boundary of the class-balanced fit. The moiré threshold is the highest moiré
  score of the bona fide fitting images plus ``MOIRE_MARGIN`` (no attack data used).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from leveattest.face.detect import Box
from leveattest.face.image import RGBImage
from leveattest.face.liveness.passive_input import (
    N_FEATURES,
    face_crop,
    locate_face,
    moire_score,
    passive_features,
)
from leveattest.face.models import FaceModels

LIVE_THRESHOLD = 0.5
L2 = 0.1
STEPS = 2000
TIGHT_SIDES = (140, 180)
TIGHT_JPEG = (75, 95)
JITTERS = 4
# added to the highest moiré score of the bona fide fitting images (log units)
MOIRE_MARGIN = 0.25

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LogisticFit:
    mean: Matrix
    scale: Matrix
    weights: Matrix
    bias: float

    def scores(self, features: Matrix) -> Matrix:
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), np.float64)


def jitter_exposure(crop: RGBImage, rng: np.random.Generator) -> RGBImage:
    """A copy of ``crop`` under another exposure, gamma and white balance."""
    values = crop.astype(np.float32) / 255.0 * rng.uniform(0.6, 1.7)
    values = np.clip(values, 0.0, 1.0) ** rng.uniform(0.7, 1.4)
    values = values * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    return np.asarray(np.clip(values * 255.0 + 0.5, 0.0, 255.0), np.uint8)


def tight_variant(pixels: RGBImage, box: Box, rng: np.random.Generator) -> RGBImage:
    """The face cut to its box, shrunk to 140-180 px and JPEG-compressed."""
    height, width = pixels.shape[:2]
    clipped = box.clipped(width, height)
    face = np.ascontiguousarray(pixels[clipped.top : clipped.bottom, clipped.left : clipped.right])
    side = int(rng.integers(TIGHT_SIDES[0], TIGHT_SIDES[1] + 1))
    small = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
    quality = int(rng.integers(TIGHT_JPEG[0], TIGHT_JPEG[1] + 1))
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB image
        raise ValueError("JPEG encoding failed")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return np.asarray(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB), np.uint8)


def fit_logistic(
    features: Matrix, live: npt.NDArray[np.bool_], *, l2: float = L2, steps: int = STEPS
) -> LogisticFit:
    """Class-balanced, L2-regularised logistic regression by gradient descent."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    design = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    target = live.astype(np.float64)
    n_live, n_attack = max(1, int(live.sum())), max(1, int((~live).sum()))
    weight = np.where(live, 0.5 / n_live, 0.5 / n_attack)
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -50.0, 50.0)))
        w -= 0.5 * (design.T @ (weight * (p - target)) + l2 * np.r_[w[:-1], 0.0])
    return LogisticFit(mean, scale, w[:-1].copy(), float(w[-1]))


@dataclass
class Rows:
    """Feature rows of presentations; a row without a usable face has NaN features.

    ``base`` marks the presentation itself (what is evaluated); the other rows are its
    exposure jitters (fitting only). ``reason`` is ``no_face`` / ``face_too_small`` for
    presentations the model cannot score (they are ``uncertain``), else empty;
    ``moire`` is :func:`~leveattest.face.liveness.passive_input.moire_score` (NaN then).
    """

    features: list[Matrix] = field(default_factory=list)
    live: list[bool] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    species: list[str] = field(default_factory=list)
    condition: list[str] = field(default_factory=list)
    base: list[bool] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    moire: list[float] = field(default_factory=list)

    def add(
        self,
        models: FaceModels,
        pixels: RGBImage,
        *,
        subject: str,
        species: str,
        condition: str,
        rng: np.random.Generator,
        jitters: int = JITTERS,
        box: Box | None = None,
    ) -> None:
        """Locate the face (unless ``box`` is given), crop it, add the row and jitters."""
        found = box if box is not None else locate_face(models, pixels, 640)
        crops: list[RGBImage] = []
        reason = "no_face" if found is None else ""
        moire = float("nan")
        if found is not None:
            crop = face_crop(pixels, found)
            if crop is None:
                reason = "face_too_small"
            else:
                crops = [crop] + [jitter_exposure(crop, rng) for _ in range(jitters)]
                moire = moire_score(pixels, found)
        rows = [passive_features(c) for c in crops] or [np.full(N_FEATURES, np.nan)]
        for index, row in enumerate(rows):
            self.features.append(row)
            self.live.append(species == "live")
            self.subject.append(subject)
            self.species.append(species)
            self.condition.append(condition)
            self.base.append(index == 0)
            self.reason.append(reason)
            self.moire.append(moire)

    def arrays(self) -> tuple[Matrix, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """(features, live, scorable) as arrays."""
        features = np.vstack(self.features) if self.features else np.empty((0, N_FEATURES))
        return features, np.asarray(self.live), np.isfinite(features).all(axis=1)


def nuaa_rows(
    samples: Iterable[tuple[str, bool, RGBImage, Box | None]],
    models: FaceModels,
    rng: np.random.Generator,
    *,
    jitters: int = JITTERS,
    rows: Rows | None = None,
) -> Rows:
    """Rows of NUAA images (subject, live, pixels, box): full frame and tight variant."""
    out = rows if rows is not None else Rows()
    for subject, live, pixels, box in samples:
        species = "live" if live else "print"
        out.add(
            models,
            pixels,
            subject=subject,
            species=species,
            condition="full",
            rng=rng,
            jitters=jitters,
            box=box,
        )
        if box is not None:
            out.add(
                models,
                tight_variant(pixels, box, rng),
                subject=subject,
                species=species,
                condition="tight",
                rng=rng,
                jitters=jitters,
            )
    return out


def moire_threshold(moire: Matrix, live: npt.NDArray[np.bool_]) -> float:
    """The moiré threshold: highest bona fide score among the fitting rows, plus a margin."""
    values = moire[live & np.isfinite(moire)]
    return float(values.max()) + MOIRE_MARGIN if values.size else float("inf")


def leave_subjects_out(
    features: Matrix,
    live: npt.NDArray[np.bool_],
    subjects: Sequence[str],
    trainable: npt.NDArray[np.bool_],
    moire: Matrix,
) -> tuple[Matrix, Matrix]:
    """Out-of-fold P(live) and moiré threshold of every row, one fold per subject.

    Never a random split: a row is scored by a model (and a moiré threshold) fitted on
    the ``trainable`` rows of every *other* subject; ``subjects`` gives each row's subject.
    """
    groups = np.asarray(subjects)
    scores = np.full(len(groups), np.nan)
    thresholds = np.full(len(groups), np.nan)
    for subject in sorted(set(groups.tolist())):
        held = groups == subject
        train = ~held & trainable
        fit = fit_logistic(features[train], live[train])
        scores[held] = fit.scores(features[held])
        thresholds[held] = moire_threshold(moire[train], live[train])
    return scores, thresholds


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (``(0, 1)`` without trials)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * float(np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
