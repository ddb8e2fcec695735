"""``FaceEngine``: detection, quality gate and 128-d embeddings for one process.

dlib and the mediapipe graph are NOT thread-safe. Face analysis therefore runs in
worker processes (the job engine), never in a web server's thread pool; each worker
owns one engine (:func:`process_engine`), whose models load lazily on first use,
verified by sha256 (:mod:`leveattest.face.models`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Final

import numpy as np

from leveattest.core.settings import FaceQualitySettings, FaceSettings
from leveattest.face.analysis import Embedding, FaceAnalysis
from leveattest.face.detect import DetectedFace, detect_faces
from leveattest.face.eyes import EyeOpennessEstimator
from leveattest.face.image import FaceImage, RGBImage, decode_face_image
from leveattest.face.match import FaceMatch, ThreeWayMatch, match_analyses, three_way_match
from leveattest.face.models import FaceModels, load_face_models
from leveattest.face.quality import ImageKind, assess_quality

EMBEDDING_SIZE: Final = 128


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 2)


class FaceEngine:
    """Owns the loaded models; analyses images and compares faces. One per process."""

    def __init__(
        self,
        settings: FaceSettings | None = None,
        *,
        models: FaceModels | None = None,
        eyes: EyeOpennessEstimator | None = None,
    ) -> None:
        self.settings = settings or FaceSettings()
        self._models = models
        self._eyes = eyes or EyeOpennessEstimator()
        self._pid = os.getpid()

    @property
    def models(self) -> FaceModels:
        """The dlib models, verified and loaded on first use."""
        if self._models is None:
            self._models = load_face_models(self.settings.models_dir)
        return self._models

    @property
    def model_ids(self) -> Mapping[str, str]:
        return self.models.model_ids

    def thresholds(self, kind: ImageKind) -> FaceQualitySettings:
        return {
            ImageKind.SELFIE: self.settings.selfie_quality,
            ImageKind.CHIP: self.settings.chip_quality,
            ImageKind.PAGE: self.settings.page_quality,
        }[kind]

    def decode(self, data: bytes) -> FaceImage:
        return decode_face_image(data, self.settings)

    def analyse_bytes(self, data: bytes, kind: ImageKind = ImageKind.SELFIE) -> FaceAnalysis:
        """Decode (see :func:`decode_face_image` for the errors) and analyse."""
        start = time.perf_counter()
        image = self.decode(data)
        decoded_ms = _ms(start)
        analysis = self.analyse(image.pixels, kind)
        analysis.timings_ms["decode"] = decoded_ms
        return analysis

    def analyse(self, image: RGBImage, kind: ImageKind = ImageKind.SELFIE) -> FaceAnalysis:
        """Detect faces, run the quality gate on the largest and embed it."""
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        timings: dict[str, float] = {}
        start = time.perf_counter()
        faces = detect_faces(self.models, pixels, self.settings.detect_max_side)
        timings["detect"] = _ms(start)
        eye_openness = None
        if faces:
            start = time.perf_counter()
            eye_openness = self._eyes.measure(pixels, faces[0].box)
            timings["eyes"] = _ms(start)
        start = time.perf_counter()
        quality = assess_quality(pixels, faces, self.thresholds(kind), kind, eye_openness)
        timings["quality"] = _ms(start)
        embedding = None
        if faces:
            start = time.perf_counter()
            embedding = self.embed(pixels, faces[0])
            timings["embed"] = _ms(start)
        return FaceAnalysis(
            kind=kind,
            width=int(pixels.shape[1]),
            height=int(pixels.shape[0]),
            face_count=len(faces),
            face=faces[0] if faces else None,
            quality=quality,
            embedding=embedding,
            timings_ms=timings,
        )

    def embed(self, image: RGBImage, face: DetectedFace) -> Embedding:
        """The 128-d descriptor of ``face`` (aligned with its 5 landmarks)."""
        descriptor = self.models.recogniser.compute_face_descriptor(
            image, face.shape, self.settings.num_jitters
        )
        vector = np.asarray(descriptor, dtype=np.float64)
        if vector.shape != (EMBEDDING_SIZE,):  # pragma: no cover - dlib contract
            raise RuntimeError("unexpected embedding shape")
        return vector

    def compare(self, a: FaceAnalysis, b: FaceAnalysis) -> FaceMatch:
        return match_analyses(
            a, b, self.settings.match_threshold, self.settings.near_threshold_band
        )

    def three_way(
        self, selfie: FaceAnalysis, chip: FaceAnalysis, page: FaceAnalysis | None
    ) -> ThreeWayMatch:
        return three_way_match(
            selfie,
            chip,
            page,
            threshold=self.settings.match_threshold,
            near_band=self.settings.near_threshold_band,
            model_ids=self.model_ids,
        )

    def close(self) -> None:
        self._eyes.close()


_engines: dict[tuple[int, str], FaceEngine] = {}


def process_engine(settings: FaceSettings | None = None) -> FaceEngine:
    """The engine of this worker process for ``settings`` (created on first call)."""
    cfg = settings or FaceSettings()
    key = (os.getpid(), cfg.model_dump_json())
    engine = _engines.get(key)
    if engine is None:
        engine = FaceEngine(cfg)
        _engines[key] = engine
    return engine
