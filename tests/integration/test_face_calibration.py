"""At the chosen threshold every same-person pair in ../shared/data/faces matches and
every different-person pair does not (samples/faces included when present)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leveattest.core.settings import FaceSettings
from leveattest.face import FaceEngine, ImageKind
from leveattest.face.calibration import (
    CHIP_SIZE,
    Pair,
    chip_like_portrait,
    compute_pairs,
    cross_pairs,
    load_sample_faces,
    load_shared_faces,
    margin,
    pair_group,
)
from leveattest.face.image import decode_face_image

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


@pytest.fixture(scope="module")
def chip_pairs(shared_data: Path) -> list[Pair]:
    """Each shared photo's face as a DG2-like JPEG 2000 portrait against every other photo."""
    dataset = load_shared_faces(shared_data / "faces")
    engine = FaceEngine()
    chips, photos = [], []
    try:
        for image in dataset.images:
            data = image.path.read_bytes()
            analysis = engine.analyse_bytes(data, ImageKind.SELFIE)
            assert analysis.face is not None
            assert analysis.embedding is not None
            photos.append((image, analysis.embedding))
            chip = chip_like_portrait(engine.decode(data).pixels, analysis.face.box)
            assert chip[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n"  # JP2 signature box
            assert 5_000 < len(chip) < 20_000
            assert decode_face_image(chip).pixels.shape == (CHIP_SIZE[1], CHIP_SIZE[0], 3)
            chip_analysis = engine.analyse_bytes(chip, ImageKind.CHIP)
            assert chip_analysis.embedding is not None
            chips.append((image, chip_analysis.embedding))
    finally:
        engine.close()
    return cross_pairs(chips, photos)


def test_chip_like_portraits_against_other_photos_keep_impostors_beyond_the_review_band(
    chip_pairs: list[Pair],
):
    settings = FaceSettings()
    impostor = [p.distance for p in chip_pairs if not p.genuine]
    assert len(impostor) >= 300
    # measured 0.648 at the closest (docs/calibration/thresholds.md)
    assert min(impostor) > settings.match_threshold + settings.near_threshold_band


def test_chip_quality_gap_moves_few_genuine_pairs_above_the_threshold(chip_pairs: list[Pair]):
    settings = FaceSettings()
    genuine = np.array([p.distance for p in chip_pairs if p.genuine])
    assert genuine.size >= 100
    # measured: median 0.356, 3 of 194 in (0.55, 0.60] (review), none beyond
    assert float(np.median(genuine)) < settings.match_threshold - 0.1
    assert float((genuine > settings.match_threshold).mean()) < 0.05
    assert all(p.a.source != p.b.source for p in chip_pairs)


def test_video_frames_of_one_shot_are_told_from_different_photographs(pairs: list[Pair]):
    groups = {pair_group(p) for p in pairs if p.genuine}
    assert groups == {"same_shot", "different_photos"}
    same = [p for p in pairs if p.genuine and pair_group(p) == "same_shot"]
    assert all("p." in p.a.name and "p." in p.b.name for p in same)
