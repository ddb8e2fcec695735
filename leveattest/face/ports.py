"""The face port: what the pipeline needs from a face engine (``FaceEngine`` implements it).

A job step depends on this protocol, so tests can pass a fake and another backend
(a different embedding model) can be chosen by settings without touching the pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from leveattest.face.analysis import FaceAnalysis
from leveattest.face.match import FaceMatch, ThreeWayMatch
from leveattest.face.quality import ImageKind


class FaceEmbedder(Protocol):
    """Analyse face images (detect, quality gate, embed) and compare them."""

    @property
    def model_ids(self) -> Mapping[str, str]: ...

    def analyse_bytes(self, data: bytes, kind: ImageKind = ImageKind.SELFIE) -> FaceAnalysis: ...

    def compare(self, a: FaceAnalysis, b: FaceAnalysis) -> FaceMatch: ...

    def three_way(
        self, selfie: FaceAnalysis, chip: FaceAnalysis, page: FaceAnalysis | None
    ) -> ThreeWayMatch: ...
