"""Liveness step: the frames against the issued challenge, through a ``LivenessVerifier``.

The verifier's own checks are kept; this step adds one summary check, ``liveness``,
that the policy reads: passed (live), failed with the verifier's reason (spoof,
replay, challenge not followed, or malformed frames), inconclusive (uncertain). Without
a verifier the summary is inconclusive ``liveness_uncertain``: a person must look,
never a silent pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.errors import (
    ChallengeError,
    ChallengeExpiredError,
    ChallengeReusedError,
    InputError,
)
from leveattest.face.analysis import Embedding
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.names import LIVENESS
from leveattest.pipeline.ports import LivenessVerifier


def check_liveness(
    verifier: LivenessVerifier | None,
    inputs: SessionInputs,
    *,
    selfie_embedding: Embedding | None = None,
) -> list[CheckResult]:
    if verifier is None:
        return [
            CheckResult.inconclusive(
                LIVENESS,
                Reason.LIVENESS_UNCERTAIN,
                "liveness verification is not available in this deployment",
                available=False,
            )
        ]
    if inputs.liveness_challenge is None or not inputs.liveness_frames:
        missing = "challenge" if inputs.liveness_challenge is None else "frames"
        return [CheckResult.not_present(LIVENESS, Reason.INPUT_MISSING, missing=missing)]
    try:
        details = list(
            verifier.check_liveness(
                session_id=inputs.session_id,
                challenge=inputs.liveness_challenge,
                frames=inputs.liveness_frames,
                selfie=inputs.selfie,
                selfie_embedding=selfie_embedding,
                replay_scope=inputs.replay_scope,
            )
        )
    except ChallengeError as exc:
        reason = (
            Reason.CHALLENGE_EXPIRED
            if isinstance(exc, ChallengeExpiredError)
            else Reason.CHALLENGE_REUSED
            if isinstance(exc, ChallengeReusedError)
            else Reason.CHALLENGE_INVALID
        )
        return [CheckResult.failed(LIVENESS, reason, exc.message, error_code=exc.code)]
    except InputError as exc:
        return [
            CheckResult.failed(LIVENESS, Reason.IMAGE_UNREADABLE, exc.message, error_code=exc.code)
        ]
    return [*details, summarise(details)] if not _has_summary(details) else details


def _has_summary(details: Sequence[CheckResult]) -> bool:
    return any(d.check == LIVENESS for d in details)


def summarise(details: Sequence[CheckResult]) -> CheckResult:
    """One ``liveness`` result from the verifier's checks (fails closed on nothing)."""
    names = [d.check for d in details]
    failed = [d for d in details if d.verdict is Verdict.FAILED]
    if failed:
        first = failed[0]
        return CheckResult.failed(LIVENESS, first.reason, f"from {first.check}", checks=names)
    doubtful = [d for d in details if d.verdict not in (Verdict.PASSED, Verdict.NOT_PRESENT)]
    if doubtful or not any(d.verdict is Verdict.PASSED for d in details):
        reason = doubtful[0].reason if doubtful else Reason.LIVENESS_UNCERTAIN
        return CheckResult.inconclusive(LIVENESS, reason, checks=names)
    return CheckResult.passed(LIVENESS, checks=names)
