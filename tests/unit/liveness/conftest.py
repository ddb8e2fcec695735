"""Liveness fixtures: engines loaded once, small portraits, seeded challenges, a renderer.

Captures are rendered at 240x320 and 9 fps so that the whole module stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from liveness_helpers import FPS, SIZE, Frames, load_portrait

from leveattest.core.clock import FixedClock
from leveattest.face import FaceEngine
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.verify import LivenessEngine
from mobile_stub.capture import RenderOptions, simulate_capture


@pytest.fixture(scope="session")
def liveness_engine() -> Iterator[LivenessEngine]:
    engine = LivenessEngine(FaceEngine())
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def portraits(liveness_engine: LivenessEngine) -> dict[str, dict[str, Any]]:
    """Per sample: pixels, a face hint for the renderer, and the embedding."""
    out: dict[str, dict[str, Any]] = {}
    for name in ("obama_a.jpg", "obama_b.jpg", "biden_a.jpg"):
        pixels = load_portrait(name)
        analysis = liveness_engine.face.analyse(pixels)
        assert analysis.face is not None
        box = analysis.face.box
        out[name] = {
            "pixels": pixels,
            "embedding": analysis.embedding,
            "hint": {
                "box": [box.left, box.top, box.right, box.bottom],
                "eyes": [list(p) for p in analysis.face.eye_centres],
            },
        }
    return out


@pytest.fixture(scope="session")
def render(portraits: dict[str, dict[str, Any]]) -> Callable[..., Frames]:
    def _render(
        challenge: LivenessChallenge,
        species: str,
        seed: int = 0,
        face: str = "obama_a.jpg",
        fps: float = FPS,
        strength: float = 0.3,
    ) -> Frames:
        portrait = portraits[face]
        return simulate_capture(
            portrait["pixels"],
            challenge.to_dict(),
            species,
            RenderOptions(size=SIZE, fps=fps, seed=seed, strength=strength),
            hint=portrait["hint"],
        )

    return _render


@pytest.fixture(scope="session")
def selfie(portraits: dict[str, dict[str, Any]]) -> np.ndarray:
    embedding = portraits["obama_b.jpg"]["embedding"]
    assert embedding is not None
    return np.asarray(embedding)
