"""Pensioner-facing advice: short, actionable sentences for what to do next.

Only for decisions the pensioner can act on (retry) and, plainly, for review. Never
technical terms, never personal data. Face quality advice comes from the face engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.evidence import FaceQualityEvidence
from leveattest.pipeline import names
from leveattest.pipeline.outcome import Decision

_CHIP: Final = (
    "Reading the passport chip did not finish — hold the passport flat against the back of "
    "the phone and keep it still until the app says it is done."
)
_PAGE: Final[dict[Reason, str]] = {
    Reason.INPUT_MISSING: "We did not receive a photo of the passport page — please take one.",
    Reason.MRZ_UNREADABLE: "The two lines of letters at the bottom of the passport page could "
    "not be read — please retake the photo in good light, with the whole page sharp and no glare.",
    Reason.IMAGE_UNREADABLE: "The photo of the passport page could not be opened — please "
    "take it again.",
}
_LIVENESS: Final[dict[Reason, str]] = {
    Reason.CHALLENGE_NOT_FOLLOWED: "The short video did not show the movement the app asked "
    "for — please try again and follow the instruction on the screen.",
    Reason.CHALLENGE_EXPIRED: "The video check took too long — please start it again.",
    Reason.CHALLENGE_REUSED: "The video check must be started again — please try once more.",
    Reason.CHALLENGE_INVALID: "The video check must be started again — please try once more.",
    Reason.INPUT_MISSING: "We did not receive the short video — please record it again.",
}
_LIVENESS_DEFAULT: Final = (
    "The short video could not be used — keep your face in the middle of the screen, in good "
    "light, until the screen stops changing colour."
)
_SELFIE_MISSING: Final = "We did not receive your selfie — please take one."
_REVIEW: Final = (
    "Thank you — a member of our team will check your verification. You do not need to do "
    "anything now; we will let you know the outcome."
)
_REVIEW_BUDGET: Final = (
    "Thank you for trying several times — a member of our team will now check your "
    "verification. You do not need to do anything more."
)
_REJECT: Final = (
    "This document could not be accepted. Please contact us, or start again with another "
    "valid passport or identity card."
)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _quality_advice(check: CheckResult) -> list[str]:
    quality = check.evidence_as(FaceQualityEvidence)
    found = [_sentence(advice) for advice in quality.failed_advice()] if quality else []
    if not found and check.detail:
        found = [_sentence(part) for part in check.detail.split(";") if part.strip()]
    return found


def _for_check(check: CheckResult) -> list[str]:
    name, reason = check.check, check.reason
    if name in (names.CHIP_READ, names.ACTIVE_AUTH):
        return [_CHIP]
    if name == names.MRZ_PAGE_VS_CHIP:
        return [_PAGE.get(reason, _PAGE[Reason.MRZ_UNREADABLE])]
    if name == names.FACE_QUALITY_SELFIE and check.verdict is Verdict.NOT_PRESENT:
        return [_SELFIE_MISSING]
    if name in (names.FACE_QUALITY_SELFIE, names.FACE_QUALITY_PAGE):
        if reason is Reason.IMAGE_UNREADABLE:
            what = "selfie" if name == names.FACE_QUALITY_SELFIE else "photo of the passport page"
            return [f"The {what} could not be opened — please take it again."]
        return _quality_advice(check)
    if name == names.LIVENESS:
        return [_LIVENESS.get(reason, _LIVENESS_DEFAULT)]
    return []


def advise(
    decision: Decision, reasons: Sequence[Reason], checks: Sequence[CheckResult]
) -> list[str]:
    """Advice for the pensioner, in the order of the checks, without repeats."""
    if decision is Decision.APPROVE:
        return []
    if decision is Decision.REJECT:
        return [_REJECT]
    if decision is Decision.REVIEW:
        return [_REVIEW_BUDGET if Reason.RETRY_BUDGET_EXHAUSTED in reasons else _REVIEW]
    wanted = set(reasons)
    advice: list[str] = []
    for check in checks:
        if check.verdict is Verdict.PASSED or check.reason not in wanted:
            continue
        advice.extend(_for_check(check))
    return list(dict.fromkeys(a for a in advice if a))
