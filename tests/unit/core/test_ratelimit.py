"""The rate limiter: memory and Redis storage, Retry-After, and counting through an outage."""

from __future__ import annotations

import secrets
import socket

import pytest
from limits.storage import MemoryStorage

from leveattest.core.problems import problem_headers
from leveattest.core.ratelimit import RateLimitedError, RateLimiter
from leveattest.core.settings import RateLimitSettings

# Rate limits counted on a stopped clock: exact counts, whatever the machine's speed.
pytestmark = pytest.mark.usefixtures("rate_limit_clock")

REDIS = ("127.0.0.1", 6379)


def _limiter(**limits: str) -> RateLimiter:
    return RateLimiter(RateLimitSettings(enabled=True, **limits))  # type: ignore[arg-type]


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def test_the_hit_over_the_limit_raises_rate_limited_with_a_retry_after():
    limiter = _limiter(sessions_per_address="2/minute")
    limiter.hit("sessions_per_address", "192.0.2.1")
    limiter.hit("sessions_per_address", "192.0.2.1")
    with pytest.raises(RateLimitedError) as refused:
        limiter.hit("sessions_per_address", "192.0.2.1")
    assert refused.value.code == "rate_limited"
    assert refused.value.http_status == 429
    assert 1 <= refused.value.retry_after <= 60
    assert problem_headers(refused.value)["Retry-After"] == str(refused.value.retry_after)


def test_each_key_and_each_rule_has_its_own_budget():
    limiter = _limiter(sessions_per_address="1/minute", invitations_per_address="1/minute")
    limiter.hit("sessions_per_address", "192.0.2.1")
    limiter.hit("sessions_per_address", "192.0.2.2")
    limiter.hit("invitations_per_address", "192.0.2.1")
    with pytest.raises(RateLimitedError):
        limiter.hit("sessions_per_address", "192.0.2.1")


def test_disabled_limits_never_refuse():
    limiter = RateLimiter(RateLimitSettings(enabled=False, sessions_per_address="1/hour"))
    for _ in range(5):
        limiter.hit("sessions_per_address", "192.0.2.1")


def test_a_malformed_limit_is_refused_at_start():
    with pytest.raises(ValueError, match="sessions_per_address"):
        RateLimitSettings(sessions_per_address="many per fortnight")


class _DeadStorage(MemoryStorage):
    def incr(self, *args: object, **kwargs: object) -> int:
        raise ConnectionError("storage down")

    def get(self, *args: object, **kwargs: object) -> int:
        raise ConnectionError("storage down")

    def get_sliding_window(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise ConnectionError("storage down")

    def acquire_sliding_window_entry(self, *args: object, **kwargs: object) -> bool:
        raise ConnectionError("storage down")


def test_limits_still_hold_in_memory_while_the_shared_storage_is_down():
    limiter = RateLimiter(
        RateLimitSettings(enabled=True, sessions_per_address="2/minute"), storage=_DeadStorage()
    )
    limiter.hit("sessions_per_address", "192.0.2.1")
    limiter.hit("sessions_per_address", "192.0.2.1")
    with pytest.raises(RateLimitedError):
        limiter.hit("sessions_per_address", "192.0.2.1")
    assert [limiter.count("day-counter", 60) for _ in range(3)] == [1, 2, 3]


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_limits_in_redis_are_shared_by_every_limiter_that_uses_it():
    settings = RateLimitSettings(
        enabled=True, storage_uri="redis://127.0.0.1:6379/0", sessions_per_address="3/minute"
    )
    first, second = RateLimiter(settings), RateLimiter(settings)  # two processes, one Redis
    address = f"test-{secrets.token_hex(8)}"  # a key no other run uses
    first.hit("sessions_per_address", address)
    second.hit("sessions_per_address", address)
    first.hit("sessions_per_address", address)
    with pytest.raises(RateLimitedError) as refused:
        second.hit("sessions_per_address", address)
    assert refused.value.retry_after >= 1
    counter = f"test-counter-{secrets.token_hex(8)}"
    assert [first.count(counter, 60), second.count(counter, 60)] == [1, 2]
