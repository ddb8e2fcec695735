"""Helpers for the liveness tests: sample paths, render size, seeded challenges."""

from __future__ import annotations

import dataclasses
import itertools
import random
from pathlib import Path

import numpy as np
from PIL import Image

from leveattest.core.clock import FixedClock
from leveattest.face.liveness.challenge import (
    ColourStep,
    LivenessChallenge,
    Prompt,
    issue_challenge,
)

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


def with_colours(challenge: LivenessChallenge, colours: list[str]) -> LivenessChallenge:
    """The same challenge (timing, prompt) showing ``colours`` instead of its own."""
    steps = tuple(
        ColourStep(colour, step.start_ms, step.duration_ms)
        for colour, step in zip(colours, challenge.colours, strict=True)
    )
    return dataclasses.replace(challenge, challenge_id="f" * 32, colours=steps)


def rotated(challenge: LivenessChallenge, k: int) -> LivenessChallenge:
    """The issued colour sequence rotated by ``k`` steps (timing unchanged)."""
    names = [step.colour for step in challenge.colours]
    return with_colours(challenge, names[k:] + names[:k])


def shuffled(challenge: LivenessChallenge, seed: int) -> LivenessChallenge:
    """The same colours in another order: no step keeps its colour, no two neighbours equal."""
    names = [step.colour for step in challenge.colours]
    rng = random.Random(seed)
    for _ in range(10_000):
        order = rng.sample(names, len(names))
        if all(a != b for a, b in zip(order, names, strict=True)) and all(
            a != b for a, b in itertools.pairwise(order)
        ):
            return with_colours(challenge, order)
    raise AssertionError("no shuffle found")
