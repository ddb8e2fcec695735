"""The fake camera's video (``mobile_stub.capture.video``): a Y4M file that Chromium plays as
its camera in the browser tests. Round trip, the challenge seen from the camera's start,
and the genuine capture read back from the file and sampled as the page samples it (a frame
every ~100 ms from the end of the lead-in, timestamps from the camera's clock) is live
under the service's unchanged liveness check; a printed photo is not."""

from __future__ import annotations

import numpy as np
import pytest
from liveness_helpers import SIZE, make_challenge

from leveattest.face.liveness.challenge import Prompt
from leveattest.face.liveness.fuse import LivenessLabel
from mobile_stub.capture.video import camera_frames, read_y4m, shifted_challenge, write_y4m

FPS = 20
LEAD_IN_MS = 1000


def test_frames_survive_the_y4m_round_trip_within_4_2_0_rounding(tmp_path):
    rng = np.random.default_rng(0)
    frames = [np.full((64, 48, 3), value, np.uint8) for value in (20, 128, 235)]
    frames.append(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8) // 64 * 64)
    path = write_y4m(tmp_path / "v.y4m", frames, FPS)
    assert path.read_bytes().startswith(b"YUV4MPEG2 W48 H64 F20:1 ")
    fps, back = read_y4m(path)
    assert fps == FPS
    assert len(back) == len(frames)
    for sent, got in zip(frames[:3], back[:3], strict=True):
        assert np.abs(sent.astype(int) - got.astype(int)).max() <= 3


def test_bad_videos_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        write_y4m(tmp_path / "a.y4m", [], FPS)
    with pytest.raises(ValueError, match="even"):
        write_y4m(tmp_path / "b.y4m", [np.zeros((5, 4, 3), np.uint8)], FPS)
    with pytest.raises(ValueError, match="first frame's size"):
        write_y4m(
            tmp_path / "c.y4m",
            [np.zeros((4, 4, 3), np.uint8)] * 2 + [np.zeros((2, 2, 3), np.uint8)],
            FPS,
        )
    (tmp_path / "d.y4m").write_bytes(b"RIFF....")
    with pytest.raises(ValueError, match="not a YUV4MPEG2"):
        read_y4m(tmp_path / "d.y4m")
    good = write_y4m(tmp_path / "e.y4m", [np.zeros((4, 4, 3), np.uint8)], FPS)
    (tmp_path / "f.y4m").write_bytes(good.read_bytes()[:-3])
    with pytest.raises(ValueError, match="incomplete"):
        read_y4m(tmp_path / "f.y4m")
    with pytest.raises(ValueError, match="fps"):
        camera_frames(np.zeros((8, 8, 3), np.uint8), {}, "genuine", lead_in_ms=0, fps=7)


def test_the_challenge_on_the_cameras_clock_starts_a_lead_in_later(clock):
    challenge = make_challenge(clock, 1).to_dict()
    moved = shifted_challenge(challenge, 3000)
    assert [s["start_ms"] - 3000 for s in moved["colours"]] == [
        s["start_ms"] for s in challenge["colours"]
    ]
    assert moved["prompt"]["end_ms"] == challenge["prompt"]["end_ms"] + 3000
    assert moved["challenge_id"] == challenge["challenge_id"]


def _as_the_page_samples(frames: list[np.ndarray], end_ms: int) -> list[tuple[int, np.ndarray]]:
    """Every other frame (100 ms) from the end of the lead-in to the prompt's end,
    timestamped from the sequence start (the page's ``captureTime - t0``)."""
    taken = []
    for index, pixels in enumerate(frames):
        t = index * 1000 // FPS - LEAD_IN_MS
        if 0 <= t <= end_ms + 120 and t % 100 == 0:
            taken.append((t, pixels))
    return taken


@pytest.mark.parametrize(("species", "live"), [("genuine", True), ("print", False)])
def test_the_camera_video_sampled_as_the_page_does_is_judged_by_its_species(
    tmp_path, liveness_engine, clock, portraits, selfie, species, live
):
    challenge = make_challenge(clock, 7, Prompt.TURN_LEFT)
    portrait = portraits["obama_a.jpg"]
    frames = camera_frames(
        portrait["pixels"],
        challenge.to_dict(),
        species,
        lead_in_ms=LEAD_IN_MS,
        tail_ms=500,
        fps=FPS,
        size=SIZE,
        seed=7,
        latency_ms=40,
    )
    _, played = read_y4m(write_y4m(tmp_path / "camera.y4m", frames, FPS))
    result = liveness_engine.verify(
        challenge, _as_the_page_samples(played, challenge.prompt_end_ms), selfie=selfie
    )
    if live:
        assert result.label is LivenessLabel.LIVE, result.signals
    else:
        assert result.label is not LivenessLabel.LIVE, result.signals
