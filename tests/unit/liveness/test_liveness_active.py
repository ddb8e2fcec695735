"""The active check stops reading landmarks once its verdict is settled, never earlier."""

from __future__ import annotations

import numpy as np
import pytest
from liveness_helpers import make_challenge

from leveattest.core.checks import Verdict
from leveattest.face.detect import Box
from leveattest.face.liveness.active import check_active
from leveattest.face.liveness.challenge import Prompt
from leveattest.face.liveness.frames import Frame
from leveattest.face.liveness.settings import LivenessSettings

SETTINGS = LivenessSettings()


class ScriptedMesh:
    """Stands in for the face mesh: (nose offset, eye openness) per frame, in order."""

    def __init__(self, values):
        self.values = values
        self.read = 0

    def iter_measures(self, frames, boxes):
        for value in self.values[: len(frames)]:
            self.read += 1
            yield value


def _run(clock, prompt, window_values, baseline=(0.0, 0.3)):
    challenge = make_challenge(clock, 31, prompt)
    times = list(range(0, challenge.prompt_end_ms + 1, 100))
    frames = [Frame(t, np.zeros((64, 64, 3), np.uint8)) for t in times]
    boxes = [Box(10, 10, 50, 50)] * len(frames)
    window = sum(1 for t in times if challenge.prompt_start_ms <= t <= challenge.prompt_end_ms)
    values = [baseline] * 4 + [window_values(i) for i in range(window)]
    mesh = ScriptedMesh(values)
    return check_active(mesh, frames, boxes, challenge, SETTINGS), mesh.read, len(values)


def test_a_turn_seen_early_stops_after_half_the_window(clock):
    result, read, total = _run(clock, Prompt.TURN_LEFT, lambda i: (0.2 if i == 1 else 0.0, 0.3))
    assert result.verdict is Verdict.PASSED
    assert read < total
    assert result.evidence.mesh_frames >= 4 + 2


@pytest.mark.parametrize("prompt", [Prompt.TURN_RIGHT, Prompt.BLINK])
def test_no_prompt_reads_the_whole_window_and_fails(clock, prompt):
    # the head turns the *other* way (to the left) and the eyes stay open
    result, read, total = _run(clock, prompt, lambda i: (0.2, 0.3))
    assert result.verdict is Verdict.FAILED
    assert read == total


def test_a_blink_late_in_the_window_is_still_found(clock):
    result, _, _ = _run(clock, Prompt.BLINK, lambda i: (0.0, 0.1 if i >= 12 else 0.3))
    assert result.verdict is Verdict.PASSED
    assert result.evidence.ratio <= SETTINGS.blink_max_ratio


def test_eyes_already_closed_before_the_prompt_show_no_blink(clock):
    # a baseline openness of 1e-3 (lids a fraction of a pixel apart): any later value
    # divided by it would be noise, not a blink
    result, _, _ = _run(clock, Prompt.BLINK, lambda i: (0.0, 1e-4), baseline=(0.0, 1e-3))
    assert result.verdict is Verdict.FAILED
    assert result.evidence.ratio == 1.0
