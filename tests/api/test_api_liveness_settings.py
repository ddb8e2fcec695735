"""Liveness settings are the tree's ``liveness`` section, the same for the API and the worker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leveattest.core.clock import FixedClock
from leveattest.core.settings import LivenessSettings, Settings
from leveattest.sessions.context import LivenessChallengeIssuer, issue_liveness_challenge


def test_the_challenge_shape_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVEATTEST_LIVENESS__MIN_COLOURS", "7")
    monkeypatch.setenv("LEVEATTEST_LIVENESS__MAX_COLOURS", "7")
    settings = Settings()
    assert (settings.liveness.min_colours, settings.liveness.max_colours) == (7, 7)
    clock = FixedClock(datetime(2026, 11, 29, 10, tzinfo=UTC))
    challenge = LivenessChallengeIssuer(settings.liveness)("s" * 32, clock)
    assert len(challenge["colours"]) == 7


def test_without_environment_the_engine_defaults_hold() -> None:
    assert Settings().liveness.model_dump() == LivenessSettings().model_dump()
    clock = FixedClock(datetime(2026, 11, 29, 10, tzinfo=UTC))
    colours = len(issue_liveness_challenge("s" * 32, clock)["colours"])
    assert LivenessSettings().min_colours <= colours <= LivenessSettings().max_colours


def test_the_tree_fills_the_engine_limits_from_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVEATTEST_LIMITS__FRAMES", "40")
    monkeypatch.setenv("LEVEATTEST_LIMITS__FRAME_BYTES", "3000000")
    settings = Settings()
    assert settings.liveness.max_frames == settings.sessions.max_frames == 40
    assert settings.liveness.max_frame_bytes == settings.sessions.max_frame_bytes == 3_000_000
