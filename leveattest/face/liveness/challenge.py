"""The server's liveness challenge: a one-time colour sequence plus one active prompt.

Timeline (milliseconds from the moment the phone starts showing the sequence, which is
also the time base of the frames' capture timestamps)::

    0 ............ colours_end_ms | gap | prompt_start_ms ........ prompt_end_ms
    screen shows the colours       white  screen white, user turns/blinks

Colours come from a palette of distinct chroma; two consecutive colours always differ.
``turn_left`` means the person's own left: with an unmirrored front camera the nose
moves towards the image's right edge (+x).

A challenge is single use and expires (``ttl_minutes``). :class:`ChallengeRegistry`
enforces that; :meth:`ChallengeRegistry.consume` raises :class:`ChallengeUnknownError`,
:class:`ChallengeExpiredError` or :class:`ChallengeReusedError` (stable codes; the
API maps them to problem responses). Those are exceptions rather than check results
because without a valid challenge there is nothing to verify: the phone must ask for
a new one. A challenge of another session is reported as unknown (no oracle).
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from leveattest.core.clock import Clock
from leveattest.core.errors import (
    ChallengeError,
    ChallengeExpiredError,
    ChallengeReusedError,
    ChallengeUnknownError,
)
from leveattest.face.liveness.settings import LivenessSettings

# sRGB screen colours with distinct chroma (white is the neutral one)
PALETTE: Final[dict[str, tuple[int, int, int]]] = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "magenta": (255, 0, 255),
    "cyan": (0, 255, 255),
    "white": (255, 255, 255),
}
NEUTRAL: Final = "white"


class Prompt(StrEnum):
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    BLINK = "blink"


@dataclass(frozen=True)
class ColourStep:
    colour: str
    start_ms: int
    duration_ms: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def rgb(self) -> tuple[int, int, int]:
        return PALETTE[self.colour]


@dataclass(frozen=True)
class LivenessChallenge:
    """What the phone must do, and what the server will check."""

    challenge_id: str
    session_id: str
    colours: tuple[ColourStep, ...]
    prompt: Prompt
    prompt_start_ms: int
    prompt_end_ms: int
    issued_at: datetime
    expires_at: datetime

    @property
    def colours_end_ms(self) -> int:
        return self.colours[-1].end_ms if self.colours else 0

    @property
    def duration_ms(self) -> int:
        return self.prompt_end_ms

    def colour_at(self, t_ms: float) -> str:
        """The screen colour shown at ``t_ms`` (white outside the sequence)."""
        for step in self.colours:
            if step.start_ms <= t_ms < step.end_ms:
                return step.colour
        return NEUTRAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "challenge_id": self.challenge_id,
            "session_id": self.session_id,
            "colours": [
                {
                    "colour": s.colour,
                    "rgb": list(s.rgb),
                    "start_ms": s.start_ms,
                    "duration_ms": s.duration_ms,
                }
                for s in self.colours
            ],
            "prompt": {
                "action": self.prompt.value,
                "start_ms": self.prompt_start_ms,
                "end_ms": self.prompt_end_ms,
            },
            "issued_at": self.issued_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> LivenessChallenge:
        """Parse and validate; raises :class:`ChallengeError` on anything malformed."""
        try:
            steps = tuple(
                ColourStep(str(s["colour"]), int(s["start_ms"]), int(s["duration_ms"]))
                for s in data["colours"]
            )
            prompt = data["prompt"]
            challenge = cls(
                challenge_id=str(data["challenge_id"]),
                session_id=str(data["session_id"]),
                colours=steps,
                prompt=Prompt(prompt["action"]),
                prompt_start_ms=int(prompt["start_ms"]),
                prompt_end_ms=int(prompt["end_ms"]),
                issued_at=datetime.fromisoformat(data["issued_at"]),
                expires_at=datetime.fromisoformat(data["expires_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ChallengeError("liveness challenge is malformed", reason="malformed") from exc
        _validate(challenge)
        return challenge

    @classmethod
    def from_json(cls, text: str | bytes) -> LivenessChallenge:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ChallengeError("liveness challenge is not JSON", reason="malformed") from exc
        return cls.from_dict(data)


def _validate(challenge: LivenessChallenge) -> None:
    problems: list[str] = []
    if not 1 <= len(challenge.colours) <= 16:
        problems.append("colour count")
    position = 0
    previous = ""
    for step in challenge.colours:
        if step.colour not in PALETTE or step.colour == previous:
            problems.append("colour")
        if step.start_ms != position or not 50 <= step.duration_ms <= 2000:
            problems.append("timing")
        position, previous = step.end_ms, step.colour
    if not position <= challenge.prompt_start_ms < challenge.prompt_end_ms <= 30_000:
        problems.append("prompt window")
    if challenge.issued_at.tzinfo is None or challenge.expires_at <= challenge.issued_at:
        problems.append("validity")
    if problems:
        raise ChallengeError(
            "liveness challenge is malformed", reason="malformed", problems=sorted(set(problems))
        )


def issue_challenge(
    session_id: str,
    *,
    clock: Clock,
    settings: LivenessSettings | None = None,
    rng: random.Random | None = None,
) -> LivenessChallenge:
    """A fresh, random challenge bound to ``session_id``.

    Randomness comes from ``secrets.SystemRandom`` (the OS CSPRNG); tests and the
    benchmark may pass a seeded ``random.Random`` for reproducible sequences.
    """
    cfg = settings or LivenessSettings()
    generator = rng or secrets.SystemRandom()
    count = generator.randint(cfg.min_colours, cfg.max_colours)
    names = list(PALETTE)
    steps: list[ColourStep] = []
    position = 0
    previous = ""
    for _ in range(count):
        colour = generator.choice([name for name in names if name != previous])
        duration = generator.randrange(cfg.min_colour_ms, cfg.max_colour_ms + 1, 10)
        steps.append(ColourStep(colour, position, duration))
        position += duration
        previous = colour
    prompt_start = position + cfg.prompt_gap_ms
    issued = clock.now()
    token = generator.getrandbits(128).to_bytes(16, "big").hex() if rng else secrets.token_hex(16)
    return LivenessChallenge(
        challenge_id=token,
        session_id=session_id,
        colours=tuple(steps),
        prompt=generator.choice(list(Prompt)),
        prompt_start_ms=prompt_start,
        prompt_end_ms=prompt_start + cfg.prompt_window_ms,
        issued_at=issued,
        expires_at=issued + timedelta(minutes=cfg.ttl_minutes),
    )


class ChallengeRegistry(Protocol):
    """Issued challenges; each can be consumed once, before it expires."""

    def add(self, challenge: LivenessChallenge) -> None: ...

    def consume(self, challenge_id: str, session_id: str) -> LivenessChallenge:
        """Mark used and return it, or raise unknown / expired / reused."""
        ...


class InMemoryChallengeRegistry:
    """A registry for tests and the CLI (the API uses a database implementation)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._issued: dict[str, LivenessChallenge] = {}
        self._used: set[str] = set()

    def add(self, challenge: LivenessChallenge) -> None:
        self._issued[challenge.challenge_id] = challenge

    def consume(self, challenge_id: str, session_id: str) -> LivenessChallenge:
        challenge = self._issued.get(challenge_id)
        if challenge is None or not secrets.compare_digest(
            challenge.session_id.encode(), session_id.encode()
        ):
            raise ChallengeUnknownError(reason="unknown")
        if challenge_id in self._used:
            raise ChallengeReusedError(reason="reused")
        if self._clock.now() >= challenge.expires_at:
            raise ChallengeExpiredError(reason="expired")
        self._used.add(challenge_id)
        return challenge
