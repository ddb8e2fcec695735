"""Faces step: the selfie against the chip's DG2 portrait (primary) and the page portrait.

The chip portrait is authenticated (DG2 passed the hash check); the page portrait is a
consistency check against a printed, photographed copy. Images that cannot be decoded
give a failed ``face_quality_<kind>`` with ``image_unreadable``; a missing selfie is
``not_present`` / ``input_missing`` (both retryable for the pensioner).
"""

from __future__ import annotations

from dataclasses import dataclass

from leveattest.core.checks import CheckResult, Reason
from leveattest.core.errors import InputError
from leveattest.face import FaceAnalysis, FaceEngine, ImageKind
from leveattest.face.match import quality_result
from leveattest.pipeline import names

_QUALITY_NAME = {
    ImageKind.SELFIE: names.FACE_QUALITY_SELFIE,
    ImageKind.CHIP: names.FACE_QUALITY_CHIP,
    ImageKind.PAGE: names.FACE_QUALITY_PAGE,
}


def _analyse(
    engine: FaceEngine, data: bytes | None, kind: ImageKind
) -> tuple[FaceAnalysis | None, CheckResult | None]:
    name = _QUALITY_NAME[kind]
    if not data:
        reason = Reason.DATA_GROUP_MISSING if kind is ImageKind.CHIP else Reason.INPUT_MISSING
        return None, CheckResult.not_present(name, reason)
    try:
        return engine.analyse_bytes(data, kind), None
    except InputError as exc:
        return None, CheckResult.failed(
            name, Reason.IMAGE_UNREADABLE, exc.message, error_code=exc.code
        )


@dataclass(frozen=True)
class FaceStep:
    checks: list[CheckResult]
    selfie: FaceAnalysis | None = None


def check_faces(
    engine: FaceEngine, *, selfie: bytes | None, chip_portrait: bytes | None, page: bytes | None
) -> FaceStep:
    selfie_a, selfie_problem = _analyse(engine, selfie, ImageKind.SELFIE)
    chip_a, chip_problem = _analyse(engine, chip_portrait, ImageKind.CHIP)
    page_a, page_problem = _analyse(engine, page, ImageKind.PAGE)
    page_without_portrait = page_a is not None and page_a.face_count == 0
    if page_without_portrait:
        # e.g. the back of an ID card (TD1 carries its MRZ there): the page consistency
        # checks do not apply; the MRZ step already tied the page to the chip
        page_a = None
        page_problem = CheckResult.not_present(
            names.FACE_QUALITY_PAGE, Reason.NO_FACE, detail="no portrait on the page photo"
        )
    if selfie_a is not None and chip_a is not None:
        results = engine.three_way(selfie_a, chip_a, page_a).to_check_results()
        if page_problem is not None:
            results = [r for r in results if r.check != names.FACE_QUALITY_PAGE]
            results.append(page_problem)
        return FaceStep(results, selfie_a)
    # the primary comparison is impossible: record why, and each image's own quality
    missing = ", ".join(
        k.value for k, a in ((ImageKind.SELFIE, selfie_a), (ImageKind.CHIP, chip_a)) if a is None
    )
    results = [
        CheckResult.not_checked(pair, Reason.INPUT_MISSING, detail=f"no usable {missing}")
        for pair in names.FACE_PAIRS
    ]
    for analysis, problem in (
        (selfie_a, selfie_problem),
        (chip_a, chip_problem),
        (page_a, page_problem),
    ):
        if analysis is not None:
            results.append(quality_result(analysis))
        elif problem is not None:
            results.append(problem)
    return FaceStep(results, selfie_a)
