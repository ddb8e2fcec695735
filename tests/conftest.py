"""Shared fixtures.

Third-party test data lives outside the project (``../shared/data``; setting
``LEVEATTEST_DATA__SHARED_DATA``). Tests that need it use the ``shared_data``
fixture: it skips with a reason when the data is absent, and fails instead when
``LEVEATTEST_REQUIRE_SHARED_DATA=1`` (CI sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from samples_fixture import generated_samples  # noqa: F401 - session fixture

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
