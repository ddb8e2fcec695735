"""Helpers for the liveness tests: sample paths, render size, seeded challenges."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image

from leveattest.core.clock import FixedClock
from leveattest.face.liveness.challenge import LivenessChallenge, Prompt, issue_challenge

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "faces"
SIZE = (240, 320)
FPS = 9.0

Frames = list[tuple[int, np.ndarray]]


def load_portrait(name: str) -> np.ndarray:
    image = Image.open(SAMPLES / name).convert("RGB")
    image.thumbnail((360, 360))
    return np.asarray(image, dtype=np.uint8).copy()


def make_challenge(clock: FixedClock, seed: int, prompt: Prompt | None = None) -> LivenessChallenge:
    rng = random.Random(seed)
    for _ in range(50):
        challenge = issue_challenge(f"session-{seed}", clock=clock, rng=rng)
        if prompt is None or challenge.prompt is prompt:
            return challenge
    raise AssertionError("no challenge with that prompt")
