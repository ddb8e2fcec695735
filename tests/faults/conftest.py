"""Fault tests: the sample set dated today (as the demo makes it), so that a genuine
session is approved by the real pipeline (its CRLs and certificates are current)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leveattest.core.clock import SystemClock
from leveattest.samples.generate import DEFAULT_SEED, generate_samples

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faultkit import postgres_bindir
from netns import NamespacesUnavailableError, Network


def required(message: str) -> None:
    """Skip for want of ``message`` — or fail, where CI requires namespaces."""
    if os.environ.get("LEVEATTEST_REQUIRE_NETNS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def net() -> Iterator[Network]:
    """A bridge of our own to plug hosts (network namespaces) into; removed afterwards."""
    if os.geteuid() != 0:
        required("network namespaces need root (ip netns add)")
    try:
        made = Network()
    except NamespacesUnavailableError as exc:
        required(f"network namespaces are not available here: {exc}")
    try:
        yield made
    finally:
        made.destroy()


@pytest.fixture
def pg_bindir() -> Path:
    """The machine's PostgreSQL server binaries, for a cluster of the test's own."""
    found = postgres_bindir()
    if found is None:
        required("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def current_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fault-samples") / "generated"
    generate_samples(out, seed=DEFAULT_SEED, reference=SystemClock().today())
    return out
