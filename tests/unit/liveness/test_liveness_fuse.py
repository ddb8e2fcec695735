"""The fusion policy: spoof only on positive evidence, uncertain never becomes spoof."""

from __future__ import annotations

import itertools

import pytest

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.face.liveness import LivenessScorer
from leveattest.face.liveness.fuse import LivenessLabel, fuse

NAMES = (
    "liveness_frames",
    "liveness_identity",
    "liveness_reflection",
    "liveness_active",
    "liveness_passive",
    "liveness_replay",
)


def _checks(**verdicts: Verdict) -> list[CheckResult]:
    out = []
    for name in NAMES:
        verdict = verdicts.get(name.removeprefix("liveness_"), Verdict.PASSED)
        reason = Reason.OK if verdict is Verdict.PASSED else Reason.CHALLENGE_NOT_FOLLOWED
        out.append(CheckResult(check=name, verdict=verdict, reason=reason))
    return out


def test_all_passed_is_live():
    result = fuse(_checks())
    assert result.label is LivenessLabel.LIVE
    assert result.score > 0.9
    assert set(result.signals) == {n.removeprefix("liveness_") for n in NAMES}


@pytest.mark.parametrize("name", ["identity", "reflection", "active", "replay"])
def test_a_failed_hard_signal_is_spoof(name):
    result = fuse(_checks(**{name: Verdict.FAILED}))
    assert result.label is LivenessLabel.SPOOF
    assert result.score <= 0.2


def test_passive_alone_never_rejects():
    assert fuse(_checks(passive=Verdict.FAILED)).label is LivenessLabel.UNCERTAIN


def test_inconclusive_passive_does_not_block_live():
    # passive cues are secondary: only a passive "spoof" holds a capture back
    assert fuse(_checks(passive=Verdict.INCONCLUSIVE)).label is LivenessLabel.LIVE


@pytest.mark.parametrize("name", ["identity", "reflection", "active"])
def test_inconclusive_signal_is_uncertain(name):
    result = fuse(_checks(**{name: Verdict.INCONCLUSIVE}))
    assert result.label is LivenessLabel.UNCERTAIN
    assert result.score <= 0.6


def test_replay_outranks_unusable_frames():
    checks = _checks(frames=Verdict.FAILED, replay=Verdict.FAILED)
    assert fuse(checks).label is LivenessLabel.SPOOF
    assert fuse(_checks(frames=Verdict.FAILED)).label is LivenessLabel.UNCERTAIN


@pytest.mark.parametrize("reason", [Reason.NO_FACE, Reason.MULTIPLE_FACES])
def test_no_face_or_several_faces_is_not_evidence_of_an_attack(reason):
    checks = _checks()
    checks[1] = CheckResult.failed("liveness_identity", reason)
    assert fuse(checks).label is LivenessLabel.UNCERTAIN


def test_uncertain_never_turns_into_spoof_without_a_failure():
    soft = (Verdict.PASSED, Verdict.INCONCLUSIVE, Verdict.NOT_CHECKED)
    for combo in itertools.product(soft, repeat=len(NAMES)):
        result = fuse(
            _checks(**{n.removeprefix("liveness_"): v for n, v in zip(NAMES, combo, strict=True)})
        )
        assert result.label is not LivenessLabel.SPOOF


def test_engine_implements_the_port(liveness_engine):
    scorer: LivenessScorer = liveness_engine
    assert callable(scorer.verify)
