"""Fault tests: the sample set dated today (as the demo makes it), so that a genuine
session is approved by the real pipeline (its CRLs and certificates are current)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from leveattest.core.clock import SystemClock
from leveattest.samples.generate import DEFAULT_SEED, generate_samples

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def current_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fault-samples") / "generated"
    generate_samples(out, seed=DEFAULT_SEED, reference=SystemClock().today())
    return out
