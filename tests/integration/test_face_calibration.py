"""At the chosen threshold every same-person pair in ../shared/data/faces matches and
every different-person pair does not (samples/faces included when present)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leveattest.core.settings import FaceSettings
from leveattest.face import FaceEngine, ImageKind
from leveattest.face.calibration import (
    Pair,
    compute_pairs,
    load_sample_faces,
    load_shared_faces,
    margin,
)

pytestmark = pytest.mark.shared_data


QUALITY_FAILURES: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def pairs(shared_data: Path, project_root: Path) -> list[Pair]:
    dataset = load_shared_faces(shared_data / "faces")
    samples = project_root / "samples" / "faces"
    if (samples / "SOURCES.json").is_file():
        load_sample_faces(samples, dataset)
    engine = FaceEngine()

    def embed(path: Path) -> np.ndarray | None:
        analysis = engine.analyse_bytes(path.read_bytes(), ImageKind.SELFIE)
        if not analysis.quality.passed:
            QUALITY_FAILURES[path.name] = [reason.value for reason in analysis.quality.reasons]
        return analysis.embedding

    try:
        found, no_face = compute_pairs(dataset.images, embed)
    finally:
        engine.close()
    assert not no_face, [image.pair_id for image in no_face]
    assert dataset.skipped.get("multi_face_row") == 3
    return found


def test_every_genuine_pair_matches_and_every_impostor_does_not(pairs: list[Pair]):
    threshold = FaceSettings().match_threshold
    genuine = [p for p in pairs if p.genuine]
    impostor = [p for p in pairs if not p.genuine]
    assert len(genuine) >= 50
    assert len(impostor) >= 200
    assert [p.distance for p in genuine if p.distance > threshold] == []
    assert [p.distance for p in impostor if p.distance <= threshold] == []


def test_impostors_are_beyond_the_review_band(pairs: list[Pair]):
    settings = FaceSettings()
    upper = settings.match_threshold + settings.near_threshold_band
    assert min(p.distance for p in pairs if not p.genuine) > upper


def test_margin_is_positive(pairs: list[Pair]):
    gap = margin(pairs)
    assert gap is not None
    assert gap > 0.1, f"margin {gap:.3f}"


def test_quality_gate_passes_the_single_face_portraits(pairs: list[Pair]):
    # the only selfie-gate failures are the 240p video frame (inter-eye 24 px < 40)
    assert pairs
    assert QUALITY_FAILURES == {"obama-240p.jpg": ["face_too_small"]}
