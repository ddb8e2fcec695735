"""The challenge: random, one-time, bound to its session, expiring; JSON round trip."""

from __future__ import annotations

import contextlib
import itertools
import json
import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leveattest.core.clock import FixedClock
from leveattest.core.errors import (
    ChallengeError,
    ChallengeExpiredError,
    ChallengeReusedError,
    ChallengeUnknownError,
)
from leveattest.face.liveness.challenge import (
    PALETTE,
    InMemoryChallengeRegistry,
    LivenessChallenge,
    issue_challenge,
)
from leveattest.face.liveness.settings import LivenessSettings


def test_challenge_has_6_to_8_distinct_consecutive_colours_and_a_prompt_after_them(clock):
    for seed in range(40):
        challenge = issue_challenge("s", clock=clock, rng=random.Random(seed))
        assert 6 <= len(challenge.colours) <= 8
        names = [step.colour for step in challenge.colours]
        assert all(a != b for a, b in itertools.pairwise(names))
        assert all(name in PALETTE for name in names)
        assert all(250 <= step.duration_ms <= 450 for step in challenge.colours)
        assert challenge.colours_end_ms < challenge.prompt_start_ms < challenge.prompt_end_ms
        assert len(bytes.fromhex(challenge.challenge_id)) == 16
        assert challenge.expires_at - challenge.issued_at == timedelta(minutes=5)


def test_system_randomness_gives_different_challenges(clock):
    first, second = (issue_challenge("s", clock=clock) for _ in range(2))
    assert first.challenge_id != second.challenge_id


def test_challenge_json_round_trip(clock):
    challenge = issue_challenge("session-1", clock=clock, rng=random.Random(3))
    assert LivenessChallenge.from_json(challenge.to_json()) == challenge


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("colours"),
        lambda d: d["colours"].__setitem__(
            1, dict(d["colours"][0], start_ms=d["colours"][1]["start_ms"])
        ),
        lambda d: d["colours"][0].__setitem__("colour", "ultraviolet"),
        lambda d: d["prompt"].__setitem__("action", "smile"),
        lambda d: d["prompt"].__setitem__("start_ms", 10),
        lambda d: d.__setitem__("expires_at", d["issued_at"]),
        lambda d: d.__setitem__("issued_at", "yesterday"),
    ],
)
def test_malformed_challenge_raises_challenge_error(clock, mutate):
    data = issue_challenge("s", clock=clock, rng=random.Random(1)).to_dict()
    mutate(data)
    with pytest.raises(ChallengeError) as caught:
        LivenessChallenge.from_dict(data)
    assert caught.value.code == "challenge_invalid"


@given(st.text(max_size=200))
def test_arbitrary_text_never_escapes_as_anything_but_challenge_error(text):
    with contextlib.suppress(ChallengeError):
        LivenessChallenge.from_json(text)


@given(
    st.dictionaries(
        st.sampled_from(["colours", "prompt", "issued_at", "challenge_id"]),
        st.integers() | st.text() | st.lists(st.integers()),
    )
)
def test_arbitrary_json_objects_raise_challenge_error(data):
    with pytest.raises(ChallengeError):
        LivenessChallenge.from_json(json.dumps(data))


def test_registry_consumes_once(clock):
    registry = InMemoryChallengeRegistry(clock)
    challenge = issue_challenge("s1", clock=clock)
    registry.add(challenge)
    assert registry.consume(challenge.challenge_id, "s1") == challenge
    with pytest.raises(ChallengeReusedError) as caught:
        registry.consume(challenge.challenge_id, "s1")
    assert caught.value.code == "challenge_reused"


def test_registry_refuses_expired_challenge(clock):
    moving = FixedClock(clock.now())
    registry = InMemoryChallengeRegistry(moving)
    challenge = issue_challenge("s1", clock=moving, settings=LivenessSettings(ttl_minutes=2))
    registry.add(challenge)
    moving.advance(timedelta(minutes=2))
    with pytest.raises(ChallengeExpiredError) as caught:
        registry.consume(challenge.challenge_id, "s1")
    assert caught.value.code == "challenge_expired"
    assert caught.value.http_status == 410


def test_registry_treats_other_session_and_unknown_id_alike(clock):
    registry = InMemoryChallengeRegistry(clock)
    challenge = issue_challenge("s1", clock=clock)
    registry.add(challenge)
    for challenge_id, session in ((challenge.challenge_id, "s2"), ("0" * 32, "s1")):
        with pytest.raises(ChallengeUnknownError) as caught:
            registry.consume(challenge_id, session)
        assert caught.value.code == "challenge_unknown"
    # the wrong-session attempt did not use it up
    assert registry.consume(challenge.challenge_id, "s1") == challenge
