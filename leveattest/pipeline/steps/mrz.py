"""MRZ step: the chip's DG1 is authoritative; the page photo must show the same MRZ.

``match_mrz`` reads the page guided only by the expected *shape* and decides by its own
check digits, so the chip's MRZ cannot make a different page match. Outcomes:

* passed — the page shows the chip's MRZ;
* failed ``mrz_mismatch`` — the page shows a *different* MRZ: a field the OCR read with
  a passing check digit contradicts the chip (another document, or a tampered page);
* inconclusive ``mrz_unreadable`` — no MRZ found, or too different to call without a
  contradicting field (a poor photo): the pensioner can retake it;
* not_present ``input_missing`` — no page photo; not_checked — no authenticated DG1.
"""

from __future__ import annotations

from leveattest.core.checks import CheckResult, Reason
from leveattest.core.errors import InputError, MRZError
from leveattest.core.settings import MRZSettings
from leveattest.emrtd.lds import Dg1
from leveattest.mrz.match import match_mrz
from leveattest.pipeline.names import MRZ_PAGE_VS_CHIP


def check_page_mrz(
    page_image: bytes | None, dg1: Dg1 | None, *, settings: MRZSettings
) -> CheckResult:
    if dg1 is None:
        return CheckResult.not_checked(
            MRZ_PAGE_VS_CHIP, Reason.DATA_GROUP_MISSING, detail="no authenticated DG1"
        )
    if not page_image:
        return CheckResult.not_present(MRZ_PAGE_VS_CHIP, Reason.INPUT_MISSING)
    try:
        result = match_mrz(page_image, list(dg1.lines), settings=settings)
    except MRZError as exc:
        return CheckResult.inconclusive(
            MRZ_PAGE_VS_CHIP, Reason.MRZ_UNREADABLE, exc.message, error_code=exc.code
        )
    except InputError as exc:  # undecodable or oversize image
        return CheckResult.inconclusive(
            MRZ_PAGE_VS_CHIP, Reason.IMAGE_UNREADABLE, exc.message, error_code=exc.code
        )
    evidence = result.to_json_dict()
    if result.matched:
        return CheckResult.passed(MRZ_PAGE_VS_CHIP, **evidence)
    if result.contradicted_fields:
        return CheckResult.failed(
            MRZ_PAGE_VS_CHIP,
            Reason.MRZ_MISMATCH,
            "the page shows a different MRZ than the chip",
            **evidence,
        )
    return CheckResult.inconclusive(
        MRZ_PAGE_VS_CHIP,
        Reason.MRZ_UNREADABLE,
        "the page MRZ could not be read well enough to compare",
        **evidence,
    )
