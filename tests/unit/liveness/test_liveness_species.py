"""End-to-end liveness on simulated captures: each species gets the label it deserves.

Rendered at 240x320, 9 fps (see conftest). APCER/BPCER over many seeds: bench/liveness.py.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from liveness_helpers import make_challenge

from leveattest.core.checks import Reason, Verdict
from leveattest.face.liveness.challenge import PALETTE, ColourStep, Prompt
from leveattest.face.liveness.fuse import LivenessLabel
from leveattest.face.liveness.replay import InMemoryReplayIndex


@pytest.mark.parametrize(
    ("seed", "prompt"), [(1, Prompt.BLINK), (2, Prompt.TURN_LEFT), (3, Prompt.TURN_RIGHT)]
)
def test_genuine_capture_is_live(liveness_engine, clock, render, selfie, seed, prompt):
    challenge = make_challenge(clock, seed, prompt)
    result = liveness_engine.verify(challenge, render(challenge, "genuine", seed), selfie=selfie)
    assert result.label is LivenessLabel.LIVE, result.signals
    reflection = result.check("liveness_reflection")
    assert reflection is not None
    assert reflection.evidence.correlation >= 0.8
    assert 0 <= reflection.evidence.latency_ms <= 100
    assert reflection.evidence.step_accuracy == 1.0
    assert result.check("liveness_active").verdict is Verdict.PASSED
    assert result.check("liveness_identity").evidence.selfie_compared is True


@pytest.mark.parametrize("species", ["static", "tint", "print"])
def test_photo_attacks_fail_reflection_and_prompt(liveness_engine, clock, render, selfie, species):
    challenge = make_challenge(clock, 4)
    result = liveness_engine.verify(challenge, render(challenge, species, 4), selfie=selfie)
    assert result.label is LivenessLabel.SPOOF, result.signals
    reflection = result.check("liveness_reflection")
    assert reflection.verdict is Verdict.FAILED
    assert reflection.reason is Reason.CHALLENGE_NOT_FOLLOWED
    assert reflection.evidence.correlation < 0.6 or reflection.evidence.gain < 0.04
    assert result.check("liveness_active").verdict is Verdict.FAILED


def test_screen_replay_of_a_video_fails_reflection(liveness_engine, clock, render, selfie):
    challenge = make_challenge(clock, 5)
    result = liveness_engine.verify(challenge, render(challenge, "screen", 5), selfie=selfie)
    assert result.label is LivenessLabel.SPOOF
    assert result.check("liveness_reflection").verdict is Verdict.FAILED


def test_other_person_fails_identity(liveness_engine, clock, render, selfie):
    challenge = make_challenge(clock, 6)
    frames = render(challenge, "other", 6, face="biden_a.jpg")
    result = liveness_engine.verify(challenge, frames, selfie=selfie)
    assert result.label is LivenessLabel.SPOOF
    identity = result.check("liveness_identity")
    assert identity.reason is Reason.FACE_MISMATCH
    assert identity.evidence.max_distance_to_selfie > identity.evidence.threshold


def test_frames_for_another_challenge_fail(liveness_engine, clock, render, selfie):
    # same timing as challenge B, but the colours the phone showed were challenge A's
    challenge_b = make_challenge(clock, 7)
    rng = random.Random(70)
    colours, previous = [], ""
    for step in challenge_b.colours:
        colour = rng.choice([c for c in PALETTE if c not in {previous, step.colour}])
        colours.append(ColourStep(colour, step.start_ms, step.duration_ms))
        previous = colour
    challenge_a = dataclasses.replace(challenge_b, challenge_id="a" * 32, colours=tuple(colours))
    result = liveness_engine.verify(challenge_b, render(challenge_a, "genuine", 7), selfie=selfie)
    assert result.label is LivenessLabel.SPOOF, result.signals
    assert result.check("liveness_reflection").verdict is Verdict.FAILED


def test_replayed_frames_are_detected(liveness_engine, clock, render, selfie):
    index = InMemoryReplayIndex()
    first = make_challenge(clock, 8)
    frames = render(first, "genuine", 8)
    assert liveness_engine.verify(first, frames, selfie=selfie, replay_index=index).label is (
        LivenessLabel.LIVE
    )
    # the same frames again, re-timed to cover a new challenge
    second = make_challenge(clock, 9)
    scale = second.duration_ms / first.duration_ms
    retimed = [(round(t * scale), pixels) for t, pixels in frames]
    result = liveness_engine.verify(second, retimed, selfie=selfie, replay_index=index)
    assert result.label is LivenessLabel.SPOOF
    replay = result.check("liveness_replay")
    assert replay.reason is Reason.REPLAY_DETECTED
    assert replay.evidence.earlier_session == first.session_id


def test_replayed_selfie_is_detected(liveness_engine, clock, render, portraits):
    index = InMemoryReplayIndex()
    selfie_pixels = portraits["obama_b.jpg"]["pixels"]
    for seed in (10, 11):
        challenge = make_challenge(clock, seed)
        result = liveness_engine.verify(
            challenge,
            render(challenge, "genuine", seed),
            selfie_pixels=selfie_pixels,
            replay_index=index,
        )
    assert result.check("liveness_replay").evidence.kind == "selfie"
    assert result.label is LivenessLabel.SPOOF
