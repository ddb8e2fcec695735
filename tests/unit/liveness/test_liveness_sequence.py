"""The face must reflect the issued colour sequence itself, in its order and on time.

A capture made for a related sequence — the issued one rotated by k steps, the same
colours shuffled, or another challenge's sequence — must be refused, while genuine
captures with realistic timing (frames a few tens of ms late, timestamp jitter, a
dropped frame, the slowest allowed frame rate) still pass. Rendered at 240x320 (see
conftest); near the slowest allowed frame rate (8 fps) a lag of 2 frames is almost one
short colour step (250 ms), which the old frame-counted lag search let through.
"""

from __future__ import annotations

import random

import pytest
from liveness_helpers import Frames, make_challenge, rotated, shuffled

from leveattest.core.checks import Reason, Verdict
from leveattest.face.liveness.challenge import issue_challenge
from leveattest.face.liveness.fuse import LivenessLabel

SLOW_FPS = 8.5


def _assert_refused(result) -> None:
    assert result.label is not LivenessLabel.LIVE, result.signals
    reflection = result.check("liveness_reflection")
    assert reflection.verdict is not Verdict.PASSED, reflection.evidence
    assert reflection.reason is Reason.CHALLENGE_NOT_FOLLOWED


@pytest.mark.parametrize("seed", [1, 7, 16])
def test_sequence_rotated_by_one_step_is_refused(liveness_engine, clock, render, selfie, seed):
    challenge = make_challenge(clock, seed)
    frames = render(rotated(challenge, 1), "genuine", seed, fps=SLOW_FPS)
    _assert_refused(liveness_engine.verify(challenge, frames, selfie=selfie))


@pytest.mark.parametrize(("seed", "k"), [(2, -1), (3, 2), (4, -2), (5, 3)])
def test_sequence_rotated_by_k_steps_is_refused(liveness_engine, clock, render, selfie, seed, k):
    challenge = make_challenge(clock, seed)
    frames = render(rotated(challenge, k), "genuine", seed, fps=SLOW_FPS)
    _assert_refused(liveness_engine.verify(challenge, frames, selfie=selfie))


@pytest.mark.parametrize("seed", [6, 8])
def test_same_colours_in_another_order_are_refused(liveness_engine, clock, render, selfie, seed):
    challenge = make_challenge(clock, seed)
    frames = render(shuffled(challenge, seed), "genuine", seed, fps=SLOW_FPS)
    result = liveness_engine.verify(challenge, frames, selfie=selfie)
    _assert_refused(result)
    reflection = result.check("liveness_reflection")
    assert reflection.evidence.step_accuracy < reflection.evidence.min_step_accuracy


def test_capture_for_another_challenge_with_the_same_prompt_is_refused(
    liveness_engine, clock, render, selfie
):
    # a fresh genuine recording (no replay index hit) made for another challenge that
    # happens to ask for the same prompt, re-timed onto this challenge
    challenge = make_challenge(clock, 9)
    rng = random.Random(90)
    other = next(
        c
        for c in (issue_challenge("other", clock=clock, rng=rng) for _ in range(50))
        if c.prompt is challenge.prompt
    )
    scale = challenge.duration_ms / other.duration_ms
    frames = [(round(t * scale), px) for t, px in render(other, "genuine", 9, fps=SLOW_FPS)]
    _assert_refused(liveness_engine.verify(challenge, frames, selfie=selfie))


def _late(frames: Frames, ms: int) -> Frames:
    return [(t + ms, px) for t, px in frames]


def _jittered(frames: Frames, ms: int, seed: int) -> Frames:
    rng = random.Random(seed)
    out: Frames = []
    for t, px in frames:
        stamp = t + rng.randint(-ms, ms)
        out.append((max(stamp, out[-1][0] + 1) if out else stamp, px))
    return out


def _dropped(frames: Frames, challenge) -> Frames:
    # lose one frame in the middle of the colour phase
    middle = challenge.colours_end_ms // 2
    index = min(range(len(frames)), key=lambda i: abs(frames[i][0] - middle))
    return frames[:index] + frames[index + 1 :]


@pytest.mark.parametrize(
    ("seed", "timing"),
    [
        (11, "late_60ms"),
        (12, "jitter_15ms"),
        (13, "dropped_frame"),
        (14, "slow_fps"),
        (15, "late_40ms_jitter_dropped"),
    ],
)
def test_genuine_capture_with_realistic_timing_passes(
    liveness_engine, clock, render, selfie, seed, timing
):
    challenge = make_challenge(clock, seed)
    fps = SLOW_FPS if timing in {"slow_fps", "late_40ms_jitter_dropped"} else 10.0
    frames = render(challenge, "genuine", seed, fps=fps)
    if timing == "late_60ms":
        frames = _late(frames, 60)
    elif timing == "jitter_15ms":
        frames = _jittered(frames, 15, seed)
    elif timing == "dropped_frame":
        frames = _dropped(frames, challenge)
    elif timing == "late_40ms_jitter_dropped":
        frames = _dropped(_jittered(_late(frames, 40), 10, seed), challenge)
    result = liveness_engine.verify(challenge, frames, selfie=selfie)
    assert result.check("liveness_frames").verdict is Verdict.PASSED
    assert result.label is LivenessLabel.LIVE, result.signals
    reflection = result.check("liveness_reflection")
    assert reflection.evidence.step_accuracy >= reflection.evidence.min_step_accuracy
