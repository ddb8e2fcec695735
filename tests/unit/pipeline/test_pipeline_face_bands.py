"""The face calibration report's policy table: each distance band through the real policy.

Issue 16: a same-person pair just above the threshold goes to a person (review), never
to a rejection; no distance rejects on its own.
"""

from __future__ import annotations

import pytest

from leveattest.core.checks import Reason, Verdict
from leveattest.core.settings import FaceSettings
from leveattest.face.match import MatchDecision
from leveattest.pipeline.face_bands import (
    BEYOND,
    CLEAR_MATCH,
    JUST_ABOVE,
    NEAR_BELOW,
    band_of,
    band_outcomes,
    face_check,
)
from leveattest.pipeline.outcome import Decision

FACE = FaceSettings()


def test_distance_just_above_the_threshold_goes_to_review_not_reject():
    outcome = next(o for o in band_outcomes() if o.label == JUST_ABOVE)
    assert outcome.low == FACE.match_threshold
    assert outcome.face_decision is MatchDecision.NEAR_THRESHOLD
    assert outcome.verdict is Verdict.INCONCLUSIVE
    assert outcome.decision is Decision.REVIEW
    assert outcome.decision_reasons == (Reason.FACE_DISTANCE_NEAR_THRESHOLD,)


def test_no_distance_band_rejects_and_only_a_clear_match_approves():
    outcomes = {o.label: o.decision for o in band_outcomes()}
    assert outcomes == {
        CLEAR_MATCH: Decision.APPROVE,
        NEAR_BELOW: Decision.REVIEW,
        JUST_ABOVE: Decision.REVIEW,
        BEYOND: Decision.REVIEW,
    }


@pytest.mark.parametrize(
    ("distance", "band"),
    [(0.30, CLEAR_MATCH), (0.53, NEAR_BELOW), (0.58, JUST_ABOVE), (0.61, BEYOND), (0.9, BEYOND)],
)
def test_band_of_a_distance_follows_the_face_decision(distance, band):
    assert band_of(distance, FACE) == band


def test_a_mismatch_beyond_the_band_is_a_failed_face_check_that_a_person_reviews():
    check = face_check(0.8, FACE)
    assert check.verdict is Verdict.FAILED
    assert check.reason is Reason.FACE_MISMATCH
    beyond = next(o for o in band_outcomes() if o.label == BEYOND)
    assert beyond.decision_reasons == (Reason.FACE_MISMATCH,)
