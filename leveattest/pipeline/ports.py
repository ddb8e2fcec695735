"""Ports the pipeline needs besides the engines' own (``TrustStore``, ``Clock``, ``FaceEngine``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from leveattest.core.checks import CheckResult
from leveattest.face.analysis import Embedding


class LivenessVerifier(Protocol):
    """Verifies liveness frames against the issued challenge; returns check results.

    A negative outcome (spoof, replay, challenge not followed) is a failed check; a doubt
    is inconclusive (``liveness_uncertain``); malformed frames are failed with a frames
    reason (``frames_count_invalid`` …) that the policy treats as retryable.
    ``selfie_embedding`` is the selfie's face descriptor when the faces step found one
    (identity across selfie and frames without embedding the selfie twice).
    Implementation: :class:`leveattest.pipeline.steps.liveness_engine.EngineLivenessVerifier`.
    """

    def check_liveness(
        self,
        *,
        session_id: str,
        challenge: Mapping[str, Any],
        frames: Sequence[tuple[int, bytes]],
        selfie: bytes | None,
        selfie_embedding: Embedding | None = None,
        replay_scope: str | None = None,
    ) -> Sequence[CheckResult]: ...
