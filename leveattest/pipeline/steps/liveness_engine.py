"""Adapter from the liveness engine (``leveattest.face.liveness``) to the pipeline's port.

The engine's label becomes the ``liveness`` summary the policy reads:

* ``live`` → passed;
* ``spoof`` → failed: ``replay_detected`` or ``liveness_spoof`` (no reflection of the
  screen colours, another face) go to review; when the active prompt is the *only*
  failing signal, ``challenge_not_followed`` is retryable — an old person may simply
  not have turned in time, and the retry budget bounds an attacker's tries;
* ``uncertain`` → failed with the frames' reason when the frames were unusable
  (retryable), else inconclusive ``liveness_uncertain`` (review).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.errors import InputError
from leveattest.core.evidence import LivenessLabel
from leveattest.face import FaceEngine, process_engine
from leveattest.face.analysis import Embedding
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.fuse import LivenessResult
from leveattest.face.liveness.replay import ReplayIndex
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.liveness.verify import LivenessEngine
from leveattest.pipeline.names import LIVENESS

_FRAMES = CheckName.LIVENESS_FRAMES
_ACTIVE = CheckName.LIVENESS_ACTIVE


class ReplayIndexSource(Protocol):
    """Gives the replay index of one person (``scope``; None: no person known)."""

    def for_scope(self, scope: str | None) -> ReplayIndex: ...


def build_liveness_verifier(
    face_engine: FaceEngine | None = None,
    *,
    settings: LivenessSettings | None = None,
    replay_index: ReplayIndex | None = None,
    replay_source: ReplayIndexSource | None = None,
) -> EngineLivenessVerifier:
    """The verifier of this worker process, sharing the pipeline's face engine (models load
    once). Pass the same ``face_engine`` as to ``Pipeline`` (default: ``process_engine()``).

    ``replay_source`` (per-person indexes, e.g. in the database) wins over one shared
    ``replay_index``; with neither, replays are not checked."""
    engine = LivenessEngine(face_engine or process_engine(), settings)
    return EngineLivenessVerifier(engine, replay_index, replay_source)


class EngineLivenessVerifier:
    """``LivenessVerifier`` backed by a :class:`LivenessEngine` (one per worker process)."""

    def __init__(
        self,
        engine: LivenessEngine,
        replay_index: ReplayIndex | None = None,
        replay_source: ReplayIndexSource | None = None,
    ) -> None:
        self.engine = engine
        self.replay_index = replay_index
        self.replay_source = replay_source

    def warm_up(self) -> None:
        self.engine.warm_up()

    def check_liveness(
        self,
        *,
        session_id: str,
        challenge: Mapping[str, Any],
        frames: Sequence[tuple[int, bytes]],
        selfie: bytes | None,
        selfie_embedding: Embedding | None = None,
        replay_scope: str | None = None,
    ) -> Sequence[CheckResult]:
        parsed = LivenessChallenge.from_dict(dict(challenge))  # ChallengeError if malformed
        if parsed.session_id != session_id:
            return [
                CheckResult.failed(
                    LIVENESS, Reason.REPLAY_DETECTED, "challenge issued for another session"
                )
            ]
        pixels = None
        if selfie:
            try:
                pixels = self.engine.face.decode(selfie).pixels
            except InputError:
                pixels = None  # the faces step reports the unreadable selfie
        result = self.engine.verify(
            parsed,
            list(frames),
            selfie=selfie_embedding,
            selfie_pixels=pixels,
            replay_index=(
                self.replay_source.for_scope(replay_scope)
                if self.replay_source is not None
                else self.replay_index
            ),
        )
        return [*result.checks, summary(result)]


def summary(result: LivenessResult) -> CheckResult:
    evidence: dict[str, Any] = {"label": result.label.value, "score": result.score}
    if result.label is LivenessLabel.LIVE:
        return CheckResult.passed(LIVENESS, **evidence)
    failed = [c for c in result.checks if c.verdict is Verdict.FAILED]
    if result.label is LivenessLabel.SPOOF:
        return CheckResult.failed(LIVENESS, _spoof_reason(failed), **evidence)
    frames = next((c for c in failed if c.check == _FRAMES), None)
    if frames is not None:
        return CheckResult.failed(LIVENESS, frames.reason, "frames unusable", **evidence)
    return CheckResult.inconclusive(LIVENESS, Reason.LIVENESS_UNCERTAIN, **evidence)


def _spoof_reason(failed: Sequence[CheckResult]) -> Reason:
    """A replay is named; a prompt not followed *alone* may be retried; else a spoof."""
    if any(c.reason is Reason.REPLAY_DETECTED for c in failed):
        return Reason.REPLAY_DETECTED
    if failed and all(c.check == _ACTIVE for c in failed):
        return Reason.CHALLENGE_NOT_FOLLOWED
    return Reason.LIVENESS_SPOOF
