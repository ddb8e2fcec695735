"""Document policy step: type, issuing state and expiry, judged on the chip's DG1.

Expiry: a document valid today passes. An expired *passport* whose chip verified
(``chip_result == accepted``) passes when ``accept_expired_passport_with_valid_chip`` is on
and it expired at most ``max_days_since_expiry`` days ago (many pensioners no longer
travel); the evidence records that the exception was used. With a chip that is not
(yet) accepted the same case is inconclusive; anything else expired fails
``document_expired``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from leveattest.core.checks import CheckResult, Reason
from leveattest.core.settings import PipelineSettings
from leveattest.emrtd.verify import ChipResult
from leveattest.mrz.model import MRZResult
from leveattest.pipeline.names import DOCUMENT_CHECKS, DOCUMENT_EXPIRY, DOCUMENT_ISSUING_STATE
from leveattest.pipeline.names import DOCUMENT_TYPE as DOCUMENT_TYPE_CHECK
from leveattest.pipeline.outcome import DocumentFacts


def check_document(
    mrz: MRZResult | None,
    chip_result: ChipResult | None,
    *,
    today: date,
    settings: PipelineSettings,
) -> list[CheckResult]:
    if mrz is None:
        return [
            CheckResult.not_checked(n, Reason.DATA_GROUP_MISSING, detail="no valid DG1")
            for n in DOCUMENT_CHECKS
        ]
    return [
        _document_type(mrz, settings),
        _issuing_state(mrz, settings),
        _expiry(mrz, chip_result, today, settings),
    ]


def _document_type(mrz: MRZResult, settings: PipelineSettings) -> CheckResult:
    code = mrz.document_type
    accepted = [t.upper() for t in settings.accepted_document_types]
    evidence: dict[str, Any] = {"document_type": code, "accepted": accepted}
    if code[:1] in accepted or code in accepted:
        return CheckResult.passed(DOCUMENT_TYPE_CHECK, **evidence)
    return CheckResult.failed(DOCUMENT_TYPE_CHECK, Reason.DOCUMENT_TYPE_NOT_ACCEPTED, **evidence)


def _issuing_state(mrz: MRZResult, settings: PipelineSettings) -> CheckResult:
    state = mrz.issuing_state
    accepted = [s.upper() for s in settings.accepted_issuing_states]
    evidence: dict[str, Any] = {
        "issuing_state": state,
        "accepted": accepted or "any with a trusted CSCA",
    }
    if not accepted or state in accepted or mrz.issuing_state_alpha3 in accepted:
        return CheckResult.passed(DOCUMENT_ISSUING_STATE, **evidence)
    return CheckResult.failed(DOCUMENT_ISSUING_STATE, Reason.ISSUING_STATE_NOT_ACCEPTED, **evidence)


def _expiry(
    mrz: MRZResult, chip_result: ChipResult | None, today: date, settings: PipelineSettings
) -> CheckResult:
    expiry = mrz.expiry_date
    if expiry is None:
        return CheckResult.failed(DOCUMENT_EXPIRY, Reason.MRZ_INVALID_DATE, "no expiry date")
    days = (today - expiry).days
    evidence = {
        "expiry_date": expiry.isoformat(),
        "checked_on": today.isoformat(),
        "days_since_expiry": max(days, 0),
        "accept_expired_passport_with_valid_chip": settings.accept_expired_passport_with_valid_chip,
        "max_days_since_expiry": settings.max_days_since_expiry,
    }
    if days <= 0:  # valid through its expiry date
        return CheckResult.passed(DOCUMENT_EXPIRY, expired=False, **evidence)
    allowed = (
        settings.accept_expired_passport_with_valid_chip
        and mrz.document_type.startswith("P")
        and days <= settings.max_days_since_expiry
    )
    if not allowed:
        return CheckResult.failed(
            DOCUMENT_EXPIRY, Reason.DOCUMENT_EXPIRED, "expired beyond policy", **evidence
        )
    if chip_result is ChipResult.ACCEPTED:
        return CheckResult.passed(
            DOCUMENT_EXPIRY, expired=True, accepted_by_policy=True, **evidence
        )
    return CheckResult.inconclusive(
        DOCUMENT_EXPIRY,
        Reason.DOCUMENT_EXPIRED,
        "expired passport is accepted only with a fully verified chip",
        **evidence,
    )


def document_number_fingerprint(document_number: str, key: bytes) -> str:
    """A keyed fingerprint (HMAC-SHA-256): document numbers come from a small space, so
    a plain hash could be reversed by trying them all; without the key it cannot."""
    return hmac.new(key, document_number.encode(), hashlib.sha256).hexdigest()[:16]


def document_facts(mrz: MRZResult, *, fingerprint_key: bytes) -> DocumentFacts:
    """What the register and a reviewer need, from the authoritative DG1."""
    national = mrz.national_id
    has_national = national is not None and national.valid
    return DocumentFacts(
        document_type=mrz.document_type,
        issuing_state=mrz.issuing_state,
        document_number_fp=document_number_fingerprint(mrz.document_number, fingerprint_key),
        expiry_date=mrz.expiry_date,
        surname=mrz.surname,
        given_names=mrz.given_names,
        birth_date=mrz.birth_date,
        sex=mrz.sex,
        nationality=mrz.nationality,
        national_id=national.value if national is not None and has_national else None,
        national_id_kind=national.kind.value if national is not None and has_national else None,
        foreign_id=None if has_national else mrz.document_number,
        document_number=None if mrz.issuing_state == "NOR" else mrz.document_number,
        name_truncated=mrz.name_truncated,
        birth_date_raw=mrz.birth_date_partial.raw if mrz.birth_date_partial else None,
    )
