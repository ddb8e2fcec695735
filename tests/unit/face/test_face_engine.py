"""The engine: nothing heavy at import, one model load per process, bounded on many faces."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from face_helpers import side_by_side
from PIL import Image

from leveattest.core.checks import Reason
from leveattest.face import FaceEmbedder, FaceEngine


def test_importing_the_package_loads_no_model():
    code = (
        "import sys, leveattest.face, leveattest.cli.face_cmd\n"
        "from leveattest.face import models\n"
        "assert not models._loaded, 'models loaded at import'\n"
        "assert 'mediapipe' not in sys.modules, 'mediapipe imported at import'\n"
        "assert 'dlib' not in sys.modules, 'dlib imported at import'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_engine_satisfies_the_port(face_engine: FaceEngine):
    embedder: FaceEmbedder = face_engine
    assert "detector" in embedder.model_ids


def test_ten_faces_are_counted(face_engine: FaceEngine, portrait: np.ndarray):
    tile = np.asarray(Image.fromarray(portrait).resize((240, 300)), dtype=np.uint8)
    row = tile
    for _ in range(4):
        row = side_by_side(row, tile)
    grid = np.ascontiguousarray(np.vstack([row, row]))
    analysis = face_engine.analyse(grid)
    assert analysis.face_count == 10
    assert Reason.MULTIPLE_FACES in analysis.quality.reasons
    assert analysis.embedding is not None  # the largest face is still embedded, as evidence
