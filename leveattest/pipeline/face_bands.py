"""What a selfie-vs-chip face distance leads to, band by band, when everything else passes.

For the face calibration report (``scripts/calibrate_faces.py``): each band of distances
is put through the real face decision (:func:`leveattest.face.match.decide`) and the real
session policy (:func:`leveattest.pipeline.policy.decide`) with every other required check
passed, so that the report shows the policy as it is — the band just above the threshold
goes to a person (review), and no distance is a rejection (biometrics never reject alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.evidence import MatchDecision
from leveattest.core.settings import FaceSettings, PipelineSettings
from leveattest.face.match import decide
from leveattest.pipeline import names
from leveattest.pipeline.outcome import Decision
from leveattest.pipeline.policy import decide as decide_session

CLEAR_MATCH = "clear match"
NEAR_BELOW = "near, at or below the threshold"
JUST_ABOVE = "just above the threshold"
BEYOND = "beyond the band"


@dataclass(frozen=True)
class BandOutcome:
    label: str
    low: float
    high: float
    face_decision: MatchDecision
    verdict: Verdict
    reason: Reason
    decision: Decision
    decision_reasons: tuple[Reason, ...]


def face_check(distance: float, face: FaceSettings) -> CheckResult:
    """The ``face_selfie_chip`` result for a distance between good-quality images."""
    threshold, band = face.match_threshold, face.near_threshold_band
    decision = decide(distance, threshold, band)
    evidence: dict[str, Any] = {"distance": distance, "threshold": threshold}
    evidence |= {"near_band": band, "decision": decision, "match": distance <= threshold}
    match decision:
        case MatchDecision.MATCH:
            return CheckResult.passed(names.FACE_SELFIE_CHIP, **evidence)
        case MatchDecision.NEAR_THRESHOLD:
            return CheckResult.inconclusive(
                names.FACE_SELFIE_CHIP, Reason.FACE_DISTANCE_NEAR_THRESHOLD, **evidence
            )
        case _:
            return CheckResult.failed(names.FACE_SELFIE_CHIP, Reason.FACE_MISMATCH, **evidence)


def band_of(distance: float, face: FaceSettings) -> str:
    """The band of a distance, by the same rule as :func:`leveattest.face.match.decide`."""
    threshold = face.match_threshold
    match decide(distance, threshold, face.near_threshold_band):
        case MatchDecision.MATCH:
            return CLEAR_MATCH
        case MatchDecision.NEAR_THRESHOLD:
            return NEAR_BELOW if distance <= threshold else JUST_ABOVE
        case _:
            return BEYOND


def band_outcomes(
    face: FaceSettings | None = None, policy: PipelineSettings | None = None
) -> list[BandOutcome]:
    """The four bands around the threshold with the face decision and the session decision."""
    face = face or FaceSettings()
    policy = policy or PipelineSettings()
    threshold, band = face.match_threshold, face.near_threshold_band
    edges = [
        (CLEAR_MATCH, 0.0, threshold - band),
        (NEAR_BELOW, threshold - band, threshold),
        (JUST_ABOVE, threshold, threshold + band),
        (BEYOND, threshold + band, 4.0),
    ]
    out = []
    for label, low, high in edges:
        # a distance well inside the band stands for it
        probe = (low + high) / 2 if label != BEYOND else low + 0.1
        check = face_check(probe, face)
        checks = [
            check if name == names.FACE_SELFIE_CHIP else CheckResult.passed(name)
            for name in names.REQUIRED_CHECKS
        ]
        decision, reasons = decide_session(checks, attempt=1, settings=policy)
        out.append(
            BandOutcome(
                label,
                low,
                high,
                decide(probe, threshold, band),
                check.verdict,
                check.reason,
                decision,
                tuple(reasons),
            )
        )
    return out
