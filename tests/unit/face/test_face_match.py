"""Matching decisions and the three-way session comparison as check results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leveattest.core.checks import Reason, Verdict
from leveattest.core.evidence import FaceMatchEvidence
from leveattest.face import FaceEngine, ImageKind, MatchDecision, match_faces, three_way_match
from leveattest.face.analysis import FaceAnalysis


def _vector(distance: float) -> tuple[np.ndarray, np.ndarray]:
    a = np.zeros(128)
    b = np.zeros(128)
    b[0] = distance
    return a, b


@pytest.mark.parametrize(
    ("distance", "decision", "is_match"),
    [
        (0.30, MatchDecision.MATCH, True),
        (0.52, MatchDecision.NEAR_THRESHOLD, True),
        (0.58, MatchDecision.NEAR_THRESHOLD, False),
        (0.70, MatchDecision.NO_MATCH, False),
    ],
)
def test_match_decision_bands(distance: float, decision: MatchDecision, is_match: bool):
    result = match_faces(*_vector(distance), threshold=0.55, near_band=0.05)
    assert result.distance == pytest.approx(distance)
    assert result.decision is decision
    assert result.match is is_match


@pytest.fixture(scope="module")
def analyses(
    face_engine: FaceEngine, portrait_path: Path, same_person_path: Path, other_person_path: Path
) -> dict[str, FaceAnalysis]:
    return {
        "selfie": face_engine.analyse_bytes(same_person_path.read_bytes(), ImageKind.SELFIE),
        "chip": face_engine.analyse_bytes(portrait_path.read_bytes(), ImageKind.CHIP),
        "page": face_engine.analyse_bytes(portrait_path.read_bytes(), ImageKind.PAGE),
        "other": face_engine.analyse_bytes(other_person_path.read_bytes(), ImageKind.SELFIE),
        "blank": face_engine.analyse(np.full((240, 320, 3), 90, np.uint8), ImageKind.SELFIE),
    }


def _by_name(results: list) -> dict:
    return {r.check: r for r in results}


def test_genuine_session_passes_all_pairs(face_engine: FaceEngine, analyses: dict):
    session = face_engine.three_way(analyses["selfie"], analyses["chip"], analyses["page"])
    results = _by_name(session.to_check_results())
    assert set(results) == {
        "face_selfie_chip",
        "face_selfie_page",
        "face_chip_page",
        "face_quality_selfie",
        "face_quality_chip",
        "face_quality_page",
    }
    assert all(r.verdict is Verdict.PASSED for r in results.values()), results
    evidence = results["face_selfie_chip"].evidence
    assert isinstance(evidence, FaceMatchEvidence)
    assert evidence.distance is not None
    assert evidence.threshold is not None
    assert evidence.distance < evidence.threshold
    assert evidence.decision is MatchDecision.MATCH  # the engine's own decision, stored
    assert "dlib-face-recognition-resnet-v1" in (evidence.models or {})


def test_impostor_selfie_fails_with_face_mismatch(face_engine: FaceEngine, analyses: dict):
    session = face_engine.three_way(analyses["other"], analyses["chip"], analyses["page"])
    results = _by_name(session.to_check_results())
    assert results["face_selfie_chip"].verdict is Verdict.FAILED
    assert results["face_selfie_chip"].reason is Reason.FACE_MISMATCH
    assert results["face_chip_page"].verdict is Verdict.PASSED


def test_selfie_without_face_is_not_checked(face_engine: FaceEngine, analyses: dict):
    session = face_engine.three_way(analyses["blank"], analyses["chip"], None)
    results = _by_name(session.to_check_results())
    assert results["face_selfie_chip"].verdict is Verdict.NOT_CHECKED
    assert results["face_selfie_chip"].reason is Reason.NO_FACE
    assert results["face_quality_selfie"].reason is Reason.NO_FACE
    assert results["face_selfie_page"].verdict is Verdict.NOT_PRESENT
    assert results["face_quality_page"].verdict is Verdict.NOT_PRESENT


def test_mismatch_on_poor_quality_is_inconclusive(face_engine: FaceEngine, analyses: dict):
    other = analyses["other"]
    poor = FaceAnalysis(
        kind=other.kind,
        width=other.width,
        height=other.height,
        face_count=2,
        face=other.face,
        quality=face_engine.analyse(np.zeros((10, 10, 3), np.uint8)).quality,
        embedding=other.embedding,
    )
    session = three_way_match(poor, analyses["chip"], None, threshold=0.55, near_band=0.05)
    result = _by_name(session.to_check_results())["face_selfie_chip"]
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.reason is Reason.FACE_MISMATCH


def test_wrong_image_kind_is_a_programming_error(analyses: dict):
    with pytest.raises(ValueError, match="chip"):
        three_way_match(analyses["selfie"], analyses["selfie"], None)
