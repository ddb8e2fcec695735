"""Identity across the capture: the ends always embedded, the frames between on doubt."""

from __future__ import annotations

import pytest
from liveness_helpers import make_challenge

from leveattest.core.checks import Reason, Verdict
from leveattest.face.liveness.frames import decode_frames
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.liveness.track import check_identity, track_face


@pytest.fixture(scope="module")
def capture(liveness_engine, clock, render):
    """A genuine capture of obama_a and another person's, each with its face track."""
    challenge = make_challenge(clock, 11)
    cfg = liveness_engine.settings
    out = {}
    for face in ("obama_a.jpg", "biden_a.jpg"):
        species = "genuine" if face == "obama_a.jpg" else "other"
        frames, failure = decode_frames(render(challenge, species, 11, face=face), cfg)
        assert failure is None
        track = track_face(liveness_engine.face, frames, challenge, cfg)
        assert len(track.detections) >= 3
        out[face] = (frames, track)
    return out


def _identity(engine, capture, face, selfie, **settings):
    frames, track = capture[face]
    cfg = LivenessSettings(**settings)
    return check_identity(engine.face, frames, track, selfie, cfg), track, cfg


def test_clear_match_needs_only_the_two_ends(liveness_engine, capture, portraits):
    own = portraits["obama_a.jpg"]["embedding"]
    result, track, cfg = _identity(liveness_engine, capture, "obama_a.jpg", own)
    keys = sorted(track.detections)
    assert result.verdict is Verdict.PASSED
    assert result.evidence.embedded_frames == [keys[0], keys[-1]]
    settled = cfg.match_threshold - cfg.identity_settle_margin
    assert result.evidence.max_distance_to_selfie <= settled


def test_every_frame_embedded_when_the_ends_leave_doubt(liveness_engine, capture, selfie):
    # no margin can be met: the old behaviour, all identity_frames embedded
    strict, _, cfg = _identity(
        liveness_engine, capture, "obama_a.jpg", selfie, identity_settle_margin=10.0
    )
    assert len(strict.evidence.embedded_frames) == cfg.identity_frames
    quick, _, cfg = _identity(liveness_engine, capture, "obama_a.jpg", selfie)
    assert quick.verdict is strict.verdict is Verdict.PASSED
    # the default embeds the middle frame exactly when the ends are near the threshold
    ends = max(quick.evidence.max_distance_to_selfie, quick.evidence.max_distance_between_frames)
    near = ends > cfg.match_threshold - cfg.identity_settle_margin
    assert len(quick.evidence.embedded_frames) == (3 if near else 2)


def test_another_person_gets_every_frame_embedded_and_fails(liveness_engine, capture, selfie):
    result, _, cfg = _identity(liveness_engine, capture, "biden_a.jpg", selfie)
    assert result.verdict is Verdict.FAILED
    assert result.reason is Reason.FACE_MISMATCH
    assert len(result.evidence.embedded_frames) == cfg.identity_frames


def test_without_a_selfie_the_frames_are_compared_with_each_other(liveness_engine, capture):
    result, _, _ = _identity(liveness_engine, capture, "obama_a.jpg", None)
    assert result.verdict is Verdict.PASSED
    assert result.evidence.selfie_compared is False
    assert len(result.evidence.embedded_frames) == 2
