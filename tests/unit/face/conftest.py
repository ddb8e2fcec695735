"""Face-engine fixtures: one engine per test session (models load once), portraits, helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from leveattest.face import FaceEngine

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "faces"


@pytest.fixture(scope="session")
def face_engine() -> Iterator[FaceEngine]:
    engine = FaceEngine()
    yield engine
    engine.close()


def _portrait_path(name: str, shared_name: str, shared_data: Path) -> Path:
    sample = SAMPLES / name
    return sample if sample.is_file() else shared_data / "faces" / shared_name


@pytest.fixture(scope="session")
def portrait_path(shared_data: Path) -> Path:
    """A frontal portrait (samples/faces/obama_a.jpg, or its shared-data original)."""
    return _portrait_path("obama_a.jpg", "examples/obama.jpg", shared_data)


@pytest.fixture(scope="session")
def same_person_path(shared_data: Path) -> Path:
    return _portrait_path("obama_b.jpg", "examples/obama2.jpg", shared_data)


@pytest.fixture(scope="session")
def other_person_path(shared_data: Path) -> Path:
    return _portrait_path("biden_a.jpg", "examples/biden.jpg", shared_data)


@pytest.fixture(scope="session")
def portrait(portrait_path: Path) -> np.ndarray:
    """The portrait as an upright RGB array, at most 640 px on its long side."""
    image = Image.open(portrait_path).convert("RGB")
    image.thumbnail((640, 640))
    return np.asarray(image, dtype=np.uint8).copy()
