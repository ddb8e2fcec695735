"""Shared fixtures.

Third-party test data lives outside the project (``../shared/data``; setting
``LEVEATTEST_DATA__SHARED_DATA``). Tests that need it use the ``shared_data``
fixture: it skips with a reason when the data is absent, and fails instead when
``LEVEATTEST_REQUIRE_SHARED_DATA=1`` (CI sets it).
"""

from __future__ import annotations

import os
import time
import types
from pathlib import Path

import limits.storage.memory
import limits.storage.redis
import limits.strategies
import pytest
from hypothesis import settings
from samples_fixture import generated_samples  # noqa: F401 - session fixture

from leveattest.core import ratelimit

ROOT = Path(__file__).resolve().parent.parent
# Most tests start many sessions and sign-ins from one address within a minute: rate
# limits are off for them and for the services they start (inherited environment); the
# rate-limit tests turn them on with settings of their own.
os.environ.setdefault("LEVEATTEST_RATE_LIMITS__ENABLED", "false")


# The test command (scripts/test.sh, CI) runs the property tests derandomized: the same
# examples on every machine and every run, so a coverage floor or a result never depends on
# the draw, and no deadline, since a loaded CI machine is slow (speed is measured in bench/).
# `pytest` alone explores new examples each run (the default profile).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
# scripts/fuzz.sh: fresh random draws, many of them, and the example database in
# .hypothesis/ so that what one run found is tried first by the next
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=None,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _shared_data_path() -> Path:
    configured = os.environ.get("LEVEATTEST_DATA__SHARED_DATA")
    return Path(configured) if configured else (ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = _shared_data_path()
    if not path.is_dir():
        message = f"third-party test data absent at {path} (set LEVEATTEST_DATA__SHARED_DATA)"
        if os.environ.get("LEVEATTEST_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


class RateLimitClock:
    """The ``limits`` library's clock, stopped: it moves only when a test advances it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def rate_limit_clock(monkeypatch: pytest.MonkeyPatch) -> RateLimitClock:
    """Stops the rate limiter's clock 30 s into today's noon minute (and hour).

    The sliding-window counter weighs the previous window by how much of it is still in
    view: a test whose hits straddle a window boundary on the real clock sees its last hit
    allowed (3 earlier hits weigh 2.99). With the clock stopped mid-window the count is
    exact on every machine, however slow (a CI run once failed on exactly that)."""
    clock = RateLimitClock(time.time() // 86400 * 86400 + 12 * 3600 + 30)
    stopped = types.SimpleNamespace(time=clock.time)  # ours computes Retry-After on it too
    for module in (limits.storage.memory, limits.storage.redis, limits.strategies, ratelimit):
        monkeypatch.setattr(module, "time", stopped)
    return clock


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse-order",
        action="store_true",
        default=False,
        help="run the collected tests in reverse order (a check that they do not depend on it)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-order"):
        items.reverse()
