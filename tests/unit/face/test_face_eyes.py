"""The eye-openness geometry shared by the quality gate and the liveness blink check."""

from __future__ import annotations

import pytest

from leveattest.face.eyes import LEFT_EYE, RIGHT_EYE, eye_aspect_ratio, eye_openness


def _eye(width: float, opening: float, x0: float = 0.0) -> list[tuple[float, float]]:
    # outer corner, upper 1, upper 2, inner corner, lower 2, lower 1
    third = width / 3
    half = opening / 2
    return [
        (x0, 0.0),
        (x0 + third, -half),
        (x0 + 2 * third, -half),
        (x0 + width, 0.0),
        (x0 + 2 * third, half),
        (x0 + third, half),
    ]


def test_eye_aspect_ratio_is_opening_over_width():
    assert eye_aspect_ratio(_eye(30.0, 9.0)) == pytest.approx(0.3)
    assert eye_aspect_ratio(_eye(30.0, 0.0)) == 0.0


def test_a_degenerate_eye_has_zero_openness():
    assert eye_aspect_ratio([(1.0, 1.0)] * 6) == 0.0


def test_an_eye_narrower_than_a_pixel_has_zero_openness_not_a_huge_ratio():
    # corners 1e-9 px apart (rounding of coincident landmarks), lids 5 px apart
    assert eye_aspect_ratio(_eye(1e-9, 5.0)) == 0.0


def test_eye_openness_averages_both_eyes_by_mesh_index():
    points = dict(zip(RIGHT_EYE, _eye(30.0, 9.0), strict=True))
    points |= dict(zip(LEFT_EYE, _eye(30.0, 3.0, x0=60.0), strict=True))
    assert eye_openness(points.__getitem__) == pytest.approx(0.2)
