"""Fuse the liveness checks into ``live`` / ``spoof`` / ``uncertain`` with a score.

Rules (fail closed, but never reject on doubt):

1. A replay (``liveness_replay`` failed): ``spoof``, whatever else holds.
2. Frames unusable (``liveness_frames`` failed): ``uncertain`` — nothing could be judged;
   the phone should capture again, or a person looks.
3. Positive evidence of an attack: ``spoof``. That is a failed ``liveness_replay``,
   ``liveness_identity`` (another person's face; no face or several faces are only
   ``uncertain``: a dark room, a badly held phone or a helping relative in the picture
   is not an attack), ``liveness_reflection``
   (no reflection of the challenge colours) or ``liveness_active`` (prompt not done).
4. ``live`` only when identity, reflection and active passed, replay did not fail and
   the passive model did not say spoof.
5. Everything else (an inconclusive signal, passive alone saying spoof): ``uncertain``.
   An ``uncertain`` result goes to a person; nothing turns it into ``spoof``.

Score (0..1, 1 = live): a weighted mean of per-signal scores (reflection 0.4, active
0.25, passive 0.2, identity 0.15), capped at 0.2 for ``spoof`` and at 0.6 for
``uncertain`` so that the score never contradicts the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.evidence import (
    LivenessLabel,
    LivenessPassiveEvidence,
    LivenessReflectionEvidence,
)

WEIGHTS: Final = {
    CheckName.LIVENESS_REFLECTION: 0.4,
    CheckName.LIVENESS_ACTIVE: 0.25,
    CheckName.LIVENESS_PASSIVE: 0.2,
    CheckName.LIVENESS_IDENTITY: 0.15,
}
HARD: Final = (
    CheckName.LIVENESS_REPLAY,
    CheckName.LIVENESS_IDENTITY,
    CheckName.LIVENESS_REFLECTION,
    CheckName.LIVENESS_ACTIVE,
)
# failures that say "could not see", not "saw an attack"
NOT_EVIDENCE: Final = frozenset({Reason.NO_FACE, Reason.MULTIPLE_FACES})
REQUIRED: Final = (
    CheckName.LIVENESS_IDENTITY,
    CheckName.LIVENESS_REFLECTION,
    CheckName.LIVENESS_ACTIVE,
)


@dataclass(frozen=True)
class LivenessResult:
    label: LivenessLabel
    score: float
    signals: dict[str, dict[str, Any]]
    checks: tuple[CheckResult, ...]
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.check == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label.value,
            "score": self.score,
            "signals": self.signals,
            "checks": [c.model_dump(mode="json") for c in self.checks],
            "timings_ms": self.timings_ms,
        }


def _signal_score(check: CheckResult) -> float:
    passive = check.evidence_as(LivenessPassiveEvidence)
    if passive is not None and passive.score is not None:
        return passive.score
    reflection = check.evidence_as(LivenessReflectionEvidence)
    if (
        reflection is not None
        and reflection.correlation is not None
        and reflection.fail_below is not None
        and reflection.pass_at is not None
    ):
        low, high = reflection.fail_below, reflection.pass_at
        value = (reflection.correlation - low) / (high - low)
        return max(0.0, min(1.0, 0.2 + 0.8 * value))
    return {Verdict.PASSED: 1.0, Verdict.FAILED: 0.0}.get(check.verdict, 0.5)


def fuse(checks: Sequence[CheckResult]) -> LivenessResult:
    by_name = {c.check: c for c in checks}
    signals = {
        c.check.removeprefix("liveness_"): {
            "verdict": c.verdict.value,
            "reason": c.reason.value,
            **({"detail": c.detail} if c.detail else {}),
            **c.evidence.model_dump(exclude_unset=True),
        }
        for c in checks
    }
    weighted = [
        (WEIGHTS[name], _signal_score(by_name[name]))
        for name in WEIGHTS
        if name in by_name and by_name[name].verdict is not Verdict.NOT_CHECKED
    ]
    total = sum(w for w, _ in weighted)
    score = sum(w * s for w, s in weighted) / total if total else 0.0
    frames = by_name.get(CheckName.LIVENESS_FRAMES)
    replay = by_name.get(CheckName.LIVENESS_REPLAY)
    if replay is not None and replay.verdict is Verdict.FAILED:
        label = LivenessLabel.SPOOF
        score = 0.0
    elif frames is not None and frames.verdict is Verdict.FAILED:
        label = LivenessLabel.UNCERTAIN
        score = 0.0
    elif any(
        by_name[n].verdict is Verdict.FAILED and by_name[n].reason not in NOT_EVIDENCE
        for n in HARD
        if n in by_name
    ):
        label = LivenessLabel.SPOOF
        score = min(score, 0.2)
    elif all(n in by_name and by_name[n].verdict is Verdict.PASSED for n in REQUIRED) and (
        CheckName.LIVENESS_PASSIVE not in by_name
        or by_name[CheckName.LIVENESS_PASSIVE].verdict is not Verdict.FAILED
    ):
        label = LivenessLabel.LIVE
    else:
        label = LivenessLabel.UNCERTAIN
        score = min(score, 0.6)
    return LivenessResult(label, round(score, 4), signals, tuple(checks))
