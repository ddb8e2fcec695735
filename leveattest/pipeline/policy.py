"""The decision policy: one small pure function from check results to a decision.

Order of the rules (first that applies wins; docs/verification.md, "Decision policy"):

1. **reject** — a cryptographic chip check failed (``sod_parse`` … ``revocation``): the
   document is shown forged or revoked; the document is not accepted (type, issuing
   state) or expired beyond policy; the page shows another MRZ than the chip when
   ``page_mismatch_decision = "reject"``.
2. **review** — a *negative biometric* outcome (face mismatch, liveness spoof or replay)
   or a page showing another MRZ (default): never final without a person (GDPR art. 22),
   and never laundered by retries.
3. **retry** — a recoverable capture problem (chip not read completely, clone detection
   not done, page missing or unreadable, selfie quality, liveness frames malformed or
   the challenge not followed) while ``attempt < retry_budget``; after that **review**
   with ``retry_budget_exhausted``.
4. **review** — any other doubt: a check inconclusive, not checked or not present where
   it must pass, a required check missing, a verdict we do not know (fail closed). This
   includes ``dsc_validity`` inconclusive with ``no_reference_time``: signature, hashes,
   chain and revocation verified, but nothing dates the SOD's signature (no signingTime,
   authenticated DG12 date of issue or DSC private key usage period), so a person decides;
   never a reject (a genuine passport may lack all three), never a retry (reading the chip
   again adds no date), never an approval on "the DSC is valid now". The
   liveness verifier's own signals (``liveness_*``) are fused by the verifier into the
   ``liveness`` summary, which is what counts here; they are stored as evidence.
5. **approve** — every required check passed and nothing else is doubtful. Allowed
   absences: ``active_auth`` ``not_present`` (no DG15: the document cannot do Active
   Authentication) and the page-portrait checks ``not_present`` (no portrait on the page
   photo, e.g. the back of an ID card, whose MRZ already matched the chip).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.settings import PipelineSettings
from leveattest.pipeline import names
from leveattest.pipeline.outcome import Decision

_NEGATIVE_BIOMETRIC = {Reason.FACE_MISMATCH, Reason.LIVENESS_SPOOF, Reason.REPLAY_DETECTED}
_RETRYABLE_LIVENESS = {
    Reason.INPUT_MISSING,
    Reason.IMAGE_UNREADABLE,
    Reason.CHALLENGE_NOT_FOLLOWED,
    Reason.CHALLENGE_EXPIRED,
    Reason.CHALLENGE_REUSED,
    Reason.CHALLENGE_INVALID,
    Reason.FRAMES_COUNT_INVALID,
    Reason.FRAMES_OUT_OF_ORDER,
    Reason.FRAMES_TIMING_IMPLAUSIBLE,
    Reason.FRAMES_INCOMPLETE,
    Reason.FACE_NOT_TRACKED,
    Reason.NO_FACE,
    Reason.MULTIPLE_FACES,
    Reason.TOO_DARK,
    Reason.TOO_BRIGHT,
    Reason.BLURRED,
}
_MAY_BE_ABSENT = {
    names.ACTIVE_AUTH,
    names.FACE_SELFIE_PAGE,
    names.FACE_CHIP_PAGE,
    names.FACE_QUALITY_PAGE,
}
# detail checks a summary check stands for (the verifier fuses them; evidence only here)
_SUMMARISED = frozenset(name for name in CheckName if name.is_liveness_signal)
_RETRYABLE_PAGE = {Reason.INPUT_MISSING, Reason.MRZ_UNREADABLE, Reason.IMAGE_UNREADABLE}


def _verdict(check: CheckResult) -> Verdict | None:
    """The verdict, or None for a value outside the enum (fail closed)."""
    try:
        return Verdict(check.verdict)
    except ValueError:
        return None


def _rejects(check: CheckResult, verdict: Verdict | None, settings: PipelineSettings) -> bool:
    if verdict is not Verdict.FAILED:
        return False
    if check.check in names.CRYPTO_CHECKS:
        return True
    if check.check in (names.DOCUMENT_TYPE, names.DOCUMENT_ISSUING_STATE):
        return True
    if check.check == names.DOCUMENT_EXPIRY:
        return check.reason is Reason.DOCUMENT_EXPIRED
    return check.check == names.MRZ_PAGE_VS_CHIP and settings.page_mismatch_decision == "reject"


def _negative(check: CheckResult, verdict: Verdict | None) -> bool:
    if verdict is not Verdict.FAILED:
        return False
    if check.check == names.MRZ_PAGE_VS_CHIP:  # tamper signal (unless configured to reject)
        return True
    return (
        check.check in (*names.FACE_PAIRS, names.LIVENESS) and check.reason in _NEGATIVE_BIOMETRIC
    )


def _retryable(check: CheckResult, verdict: Verdict | None) -> bool:
    if verdict is None or verdict is Verdict.PASSED:
        return False
    name, reason = check.check, check.reason
    if name == names.CHIP_READ:
        return verdict is Verdict.FAILED
    if name == names.ACTIVE_AUTH:  # clone detection not done or not convincing: read again
        return verdict in (Verdict.FAILED, Verdict.INCONCLUSIVE)
    if name == names.MRZ_PAGE_VS_CHIP:
        return verdict is not Verdict.FAILED and reason in _RETRYABLE_PAGE
    if name == names.FACE_QUALITY_SELFIE:
        return verdict in (Verdict.FAILED, Verdict.NOT_PRESENT)
    if name == names.FACE_QUALITY_PAGE:
        return verdict is Verdict.FAILED
    if name == names.LIVENESS:
        return reason in _RETRYABLE_LIVENESS
    return False


def _acceptable(check: CheckResult, verdict: Verdict | None) -> bool:
    if verdict is Verdict.PASSED:
        return True
    if verdict is not Verdict.NOT_PRESENT:
        return False
    # not_present is fine only where absence is legitimate: no DG15 (no AA), no portrait
    # on the page photo (the back of an ID card), or a detail check the policy does not need
    return check.check in _MAY_BE_ABSENT or check.check not in names.REQUIRED_CHECKS


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))


def decide(
    checks: Sequence[CheckResult], *, attempt: int, settings: PipelineSettings
) -> tuple[Decision, list[Reason]]:
    """Turn the session's check results into a decision and the reasons behind it."""
    verdicts = [(c, _verdict(c)) for c in checks]
    rejected = [c.reason for c, v in verdicts if _rejects(c, v, settings)]
    if rejected:
        return Decision.REJECT, _unique(rejected)
    negatives = [c.reason for c, v in verdicts if _negative(c, v)]
    if negatives:
        return Decision.REVIEW, _unique(negatives)
    retry = [c.reason for c, v in verdicts if _retryable(c, v)]
    if retry:
        if attempt < settings.retry_budget:
            return Decision.RETRY, _unique(retry)
        return Decision.REVIEW, _unique([*retry, Reason.RETRY_BUDGET_EXHAUSTED])
    present = {c.check for c in checks}
    doubts = [Reason.CHECK_MISSING for name in names.REQUIRED_CHECKS if name not in present]
    for check, verdict in verdicts:
        if verdict is None:
            doubts.append(Reason.VERDICT_UNKNOWN)
        elif check.check in _SUMMARISED:
            continue  # the liveness verifier's signals: judged through its `liveness` summary
        elif not _acceptable(check, verdict):
            doubts.append(check.reason if check.reason is not Reason.OK else Reason.CHECK_MISSING)
    if doubts:
        return Decision.REVIEW, _unique(doubts)
    return Decision.APPROVE, []
