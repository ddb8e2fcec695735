"""Liveness settings come from the environment, the same for the API and the worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from leveattest.core.clock import FixedClock
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.sessions.context import issue_liveness_challenge
from leveattest.sessions.liveness_settings import liveness_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    liveness_settings.cache_clear()
    yield
    liveness_settings.cache_clear()


def test_the_challenge_shape_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("LEVEATTEST_LIVENESS__MIN_COLOURS", "7")
    monkeypatch.setenv("LEVEATTEST_LIVENESS__MAX_COLOURS", "7")
    assert (liveness_settings().min_colours, liveness_settings().max_colours) == (7, 7)
    clock = FixedClock(datetime(2026, 11, 29, 10, tzinfo=UTC))
    challenge = issue_liveness_challenge("s" * 32, clock)
    assert len(challenge["colours"]) == 7


def test_without_environment_the_engine_defaults_hold(fresh_settings: None) -> None:
    assert liveness_settings().model_dump() == LivenessSettings().model_dump()
