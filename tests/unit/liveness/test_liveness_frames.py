"""Bad frame sets: clear results (reason codes), never a crash, bounded work."""

from __future__ import annotations

import io

import numpy as np
import pytest
from liveness_helpers import make_challenge
from PIL import Image

from leveattest.core.checks import Reason, Verdict
from leveattest.face.liveness.frames import check_timing
from leveattest.face.liveness.fuse import LivenessLabel
from leveattest.face.liveness.settings import LivenessSettings

SETTINGS = LivenessSettings()


def _times(challenge, fps=10.0):
    step = 1000 / fps
    return [round(i * step) for i in range(int(challenge.duration_ms / step) + 2)]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_regular_timestamps_pass(clock):
    challenge = make_challenge(clock, 1)
    assert check_timing(_times(challenge), challenge, SETTINGS).verdict is Verdict.PASSED


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t[:10], Reason.FRAMES_COUNT_INVALID),
        (lambda t: [round(i * 10) for i in range(70)], Reason.FRAMES_COUNT_INVALID),
        (lambda t: [t[0], t[2], t[1], *t[3:]], Reason.FRAMES_OUT_OF_ORDER),
        (lambda t: [t[0], t[0], *t[2:]], Reason.FRAMES_OUT_OF_ORDER),
        (lambda t: list(range(len(t))), Reason.FRAMES_TIMING_IMPLAUSIBLE),  # 1000 fps
        (lambda t: [*t[:10], *(x + 2000 for x in t[10:])], Reason.FRAMES_TIMING_IMPLAUSIBLE),
        (lambda t: t[: len(t) // 2 + 12], Reason.FRAMES_INCOMPLETE),
        (lambda t: [x + 900 for x in t], Reason.FRAMES_INCOMPLETE),
    ],
)
def test_bad_timestamps_fail_with_reason(clock, change, reason):
    challenge = make_challenge(clock, 1)
    result = check_timing(change(_times(challenge)), challenge, SETTINGS)
    assert result.verdict is Verdict.FAILED
    assert result.reason is reason


def _frames_with(challenge, bad: bytes | np.ndarray, at: int = 3):
    grey = np.full((240, 180, 3), 128, np.uint8)
    frames = [(t, grey) for t in _times(challenge)]
    frames[at] = (frames[at][0], bad)
    return frames


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (b"\xff\xd8\xff\xe0 not really a jpeg", "image_unreadable"),
        (b"", "image_unreadable"),
        (b"GIF89a....", "input_unsupported_format"),
        (_png(Image.new("RGB", (1, 1))), None),
        (_png(Image.new("1", (8200, 6100))), "input_too_large"),  # 50 MP, refused from the header
        (np.zeros((10, 10), np.uint8), "input_invalid"),
    ],
)
def test_unusable_frame_gives_uncertain_with_frame_index(liveness_engine, clock, bad, error):
    challenge = make_challenge(clock, 1)
    result = liveness_engine.verify(challenge, _frames_with(challenge, bad))
    frames = result.check("liveness_frames")
    assert frames.verdict is Verdict.FAILED
    assert frames.reason is Reason.IMAGE_UNREADABLE
    assert frames.evidence.frame == 3
    if error:
        assert frames.evidence.error == error
    assert result.label is LivenessLabel.UNCERTAIN


def test_frames_without_a_face_are_uncertain_not_a_crash(liveness_engine, clock):
    challenge = make_challenge(clock, 1)
    grey = np.full((320, 240, 3), 90, np.uint8)
    result = liveness_engine.verify(challenge, [(t, grey) for t in _times(challenge)])
    identity = result.check("liveness_identity")
    assert identity.reason is Reason.NO_FACE
    assert result.label is LivenessLabel.UNCERTAIN
    assert result.check("liveness_reflection").verdict is Verdict.NOT_CHECKED


def test_out_of_order_frames_give_uncertain(liveness_engine, clock, render):
    challenge = make_challenge(clock, 2)
    frames = render(challenge, "genuine", 2)
    frames[4], frames[5] = frames[5], frames[4]
    result = liveness_engine.verify(challenge, frames)
    assert result.check("liveness_frames").reason is Reason.FRAMES_OUT_OF_ORDER
    assert result.label is LivenessLabel.UNCERTAIN
    assert result.score == 0.0


def test_two_faces_are_reported_and_a_still_pair_is_still_a_spoof(
    liveness_engine, clock, portraits
):
    challenge = make_challenge(clock, 3)
    face = portraits["obama_a.jpg"]["pixels"]
    pair = np.ascontiguousarray(np.concatenate([face, face], axis=1))
    result = liveness_engine.verify(challenge, [(t, pair) for t in _times(challenge)])
    assert result.check("liveness_identity").reason is Reason.MULTIPLE_FACES
    # several faces alone would be uncertain (test_liveness_fuse); a still image has no
    # reflection, which is evidence of an attack
    assert result.check("liveness_reflection").verdict is Verdict.FAILED
    assert result.label is LivenessLabel.SPOOF
