"""Face engine: decode, detect, quality gate, embed and match (pure: arrays in, results out).

No web framework, database or CLI imports. dlib and mediapipe are not thread-safe:
run analysis in worker processes, one :class:`FaceEngine` per process. Liveness will
live in ``leveattest.face.liveness``.
"""

from leveattest.core.evidence import MatchDecision
from leveattest.face.analysis import FaceAnalysis
from leveattest.face.embed import FaceEngine, process_engine
from leveattest.face.image import FaceImage, decode_face_image
from leveattest.face.match import (
    FaceMatch,
    ThreeWayMatch,
    match_faces,
    three_way_match,
)
from leveattest.face.ports import FaceEmbedder
from leveattest.face.quality import FaceQuality, ImageKind

__all__ = [
    "FaceAnalysis",
    "FaceEmbedder",
    "FaceEngine",
    "FaceImage",
    "FaceMatch",
    "FaceQuality",
    "ImageKind",
    "MatchDecision",
    "ThreeWayMatch",
    "decode_face_image",
    "match_faces",
    "process_engine",
    "three_way_match",
]
