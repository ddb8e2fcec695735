"""Face matching: one pair (``match_faces``) and a session's three portraits.

The distance is the euclidean distance between dlib 128-d embeddings. A pair is a
match when ``distance <= threshold``. Around the threshold is a band
(``threshold +/- near_band``) where the decision is ``near_threshold``: neither an
automatic match nor an automatic rejection, a person looks at it (ageing between a
passport photo and today's selfie moves genuine pairs towards the threshold).

``three_way_match``: selfie vs chip portrait (DG2, the trusted reference) is the
primary check; selfie vs data-page portrait and chip vs page are consistency checks
(a page portrait that does not match the chip suggests a substituted photo).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.core.evidence import MatchDecision
from leveattest.face.analysis import Embedding, FaceAnalysis
from leveattest.face.quality import ImageKind

DEFAULT_THRESHOLD = 0.55
DEFAULT_NEAR_BAND = 0.05


def face_distance(a: Embedding, b: Embedding) -> float:
    """Euclidean distance between two embeddings."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


@dataclass(frozen=True)
class FaceMatch:
    """The comparison of two faces."""

    distance: float | None
    threshold: float
    near_band: float
    decision: MatchDecision
    # which image had no face when the pair could not be compared
    missing: tuple[str, ...] = ()

    @property
    def match(self) -> bool:
        return self.distance is not None and self.distance <= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "distance": None if self.distance is None else round(self.distance, 4),
            "threshold": self.threshold,
            "near_band": self.near_band,
            "match": self.match,
            "decision": self.decision.value,
            **({"missing_face": list(self.missing)} if self.missing else {}),
        }


def decide(distance: float, threshold: float, near_band: float) -> MatchDecision:
    if distance < threshold - near_band:
        return MatchDecision.MATCH
    if distance > threshold + near_band:
        return MatchDecision.NO_MATCH
    return MatchDecision.NEAR_THRESHOLD


def match_faces(
    a: Embedding, b: Embedding, threshold: float, near_band: float = DEFAULT_NEAR_BAND
) -> FaceMatch:
    """Compare two embeddings against ``threshold`` with a near-threshold band."""
    distance = face_distance(a, b)
    return FaceMatch(distance, threshold, near_band, decide(distance, threshold, near_band))


def match_analyses(
    a: FaceAnalysis, b: FaceAnalysis, threshold: float, near_band: float = DEFAULT_NEAR_BAND
) -> FaceMatch:
    """Compare two analysed images; ``not_compared`` when either has no face."""
    if a.embedding is None or b.embedding is None:
        missing = tuple(x.kind.value for x in (a, b) if x.embedding is None)
        return FaceMatch(None, threshold, near_band, MatchDecision.NOT_COMPARED, missing)
    return match_faces(a.embedding, b.embedding, threshold, near_band)


@dataclass(frozen=True)
class ThreeWayMatch:
    """Selfie vs chip (primary), selfie vs page and chip vs page (consistency)."""

    selfie: FaceAnalysis
    chip: FaceAnalysis
    page: FaceAnalysis | None
    selfie_chip: FaceMatch
    selfie_page: FaceMatch | None
    chip_page: FaceMatch | None
    model_ids: Mapping[str, str] = field(default_factory=dict)

    def to_check_results(self) -> list[CheckResult]:
        """Check results: the three pairs, then ``face_quality_<image>`` per image."""
        results = [
            _pair_result(
                CheckName.FACE_SELFIE_CHIP, self.selfie_chip, (self.selfie, self.chip), self
            ),
            _pair_result(
                CheckName.FACE_SELFIE_PAGE, self.selfie_page, (self.selfie, self.page), self
            ),
            _pair_result(CheckName.FACE_CHIP_PAGE, self.chip_page, (self.chip, self.page), self),
        ]
        for analysis in (self.selfie, self.chip, self.page):
            if analysis is not None:
                results.append(quality_result(analysis))
        if self.page is None:
            results.append(CheckResult.not_present(CheckName.FACE_QUALITY_PAGE))
        return results

    def to_dict(self) -> dict[str, Any]:
        return {
            "selfie_chip": self.selfie_chip.to_dict(),
            "selfie_page": self.selfie_page.to_dict() if self.selfie_page else None,
            "chip_page": self.chip_page.to_dict() if self.chip_page else None,
            "images": {
                a.kind.value: a.to_dict()
                for a in (self.selfie, self.chip, self.page)
                if a is not None
            },
            "models": dict(self.model_ids),
        }


def quality_result(analysis: FaceAnalysis) -> CheckResult:
    """``face_quality_<kind>``: passed, or failed with the first failing reason."""
    name = CheckName(f"face_quality_{analysis.kind.value}")
    evidence = {
        "faces": analysis.face_count,
        "checks": {c.name: c.to_dict() for c in analysis.quality.checks},
        # geometry only, for a reviewer's face box over the image (no pixels)
        "width": analysis.width,
        "height": analysis.height,
        "face_box": analysis.face.box.to_dict() if analysis.face else None,
    }
    reasons = analysis.quality.reasons
    if not reasons:
        return CheckResult.passed(name, **evidence)
    return CheckResult.failed(
        name,
        reasons[0],
        detail="; ".join(analysis.quality.advice),
        reasons=[r.value for r in reasons],
        **evidence,
    )


def _pair_result(
    name: CheckName,
    pair: FaceMatch | None,
    images: tuple[FaceAnalysis, FaceAnalysis | None],
    session: ThreeWayMatch,
) -> CheckResult:
    if pair is None:
        return CheckResult.not_present(name)
    evidence: dict[str, Any] = {**pair.to_dict(), "models": dict(session.model_ids)}
    if pair.decision is MatchDecision.NOT_COMPARED:
        return CheckResult.not_checked(
            name, Reason.NO_FACE, detail=f"no face in: {', '.join(pair.missing)}", **evidence
        )
    if pair.decision is MatchDecision.MATCH:
        return CheckResult.passed(name, **evidence)
    if pair.decision is MatchDecision.NEAR_THRESHOLD:
        return CheckResult.inconclusive(
            name,
            Reason.FACE_DISTANCE_NEAR_THRESHOLD,
            detail="distance within the near-threshold band; a person reviews",
            **evidence,
        )
    poor = [a.kind.value for a in images if a is not None and not a.quality.passed]
    if poor:
        # a mismatch on a poor capture is not trusted enough to reject a pensioner
        return CheckResult.inconclusive(
            name,
            Reason.FACE_MISMATCH,
            detail=f"no match, but image quality failed for: {', '.join(poor)}",
            poor_quality=poor,
            **evidence,
        )
    return CheckResult.failed(name, Reason.FACE_MISMATCH, **evidence)


def three_way_match(
    selfie: FaceAnalysis,
    chip_portrait: FaceAnalysis,
    page_portrait: FaceAnalysis | None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    near_band: float = DEFAULT_NEAR_BAND,
    model_ids: Mapping[str, str] | None = None,
) -> ThreeWayMatch:
    """Compare a session's selfie, chip (DG2) portrait and data-page portrait."""
    for analysis, kind in (
        (selfie, ImageKind.SELFIE),
        (chip_portrait, ImageKind.CHIP),
        (page_portrait, ImageKind.PAGE),
    ):
        if analysis is not None and analysis.kind is not kind:
            raise ValueError(f"expected a {kind.value} analysis, got {analysis.kind.value}")
    return ThreeWayMatch(
        selfie=selfie,
        chip=chip_portrait,
        page=page_portrait,
        selfie_chip=match_analyses(selfie, chip_portrait, threshold, near_band),
        selfie_page=(
            match_analyses(selfie, page_portrait, threshold, near_band) if page_portrait else None
        ),
        chip_page=(
            match_analyses(chip_portrait, page_portrait, threshold, near_band)
            if page_portrait
            else None
        ),
        model_ids=dict(model_ids or {}),
    )
