"""The result of analysing one face image: detection, quality and embedding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from leveattest.face.detect import DetectedFace
from leveattest.face.quality import FaceQuality, ImageKind

Embedding = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FaceAnalysis:
    """One image analysed: how many faces, the largest one's quality and embedding.

    ``embedding`` is None when no face was found. It is computed even when the quality
    gate failed: the distance is still evidence for a reviewer.
    """

    kind: ImageKind
    width: int
    height: int
    face_count: int
    face: DetectedFace | None
    quality: FaceQuality
    embedding: Embedding | None = field(default=None, repr=False, compare=False)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (no embedding, no pixels)."""
        return {
            "kind": self.kind.value,
            "width": self.width,
            "height": self.height,
            "faces": self.face_count,
            "face_box": self.face.box.to_dict() if self.face else None,
            "quality": self.quality.to_dict(),
        }
