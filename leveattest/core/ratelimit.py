"""Rate limits (the ``limits`` library): a rule per route, counted per client or address.

Storage is chosen by settings: ``memory://`` (the embedded default: per process) or
``redis://host:port/db`` (production: shared by every HTTP process and machine). The
strategy is a sliding window counter. A refused request raises :class:`RateLimitedError`
(429 ``rate_limited`` with ``Retry-After``) and counts ``leveattest_rate_limited``.

If the shared storage does not answer, the limiter counts in this process's memory until
it answers again (logged once as ``ratelimit.storage_unavailable``): limits still hold per
process, and an outage of Redis does not take the register down.
"""

from __future__ import annotations

import math
import threading
import time
from typing import cast

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.core.errors import TooManyRequestsError
from leveattest.core.logging import get_logger
from leveattest.core.metrics import RATE_LIMITED

log = get_logger("leveattest.ratelimit")

RULES = (
    "register_token_per_address",
    "register_token_per_client",
    "register_relationships_per_client",
    "sessions_per_address",
    "invitations_per_address",
    "ops_sign_in_per_address",
    "pensioner_lookups_per_address",
    "pensioner_access_per_reference",
)


class RateLimitedError(TooManyRequestsError):
    """Too many requests; try again later."""

    code = "rate_limited"

    def __init__(self, *, retry_after: int, rule: str) -> None:
        super().__init__(rule=rule)
        self.retry_after = max(1, retry_after)


class RateLimitSettings(BaseSettings):
    """``LEVEATTEST_RATE_LIMITS__*``. Limits in the ``limits`` syntax: ``N/second``,
    ``N/minute``, ``N/hour``, ``N/day``, or ``N per M minutes``."""

    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_RATE_LIMITS__", extra="ignore")

    enabled: bool = True
    # memory:// (one process) or redis://127.0.0.1:6379/0 (shared; production)
    storage_uri: str = "memory://"
    # the token endpoint: before any work per address, and per client for tokens issued
    register_token_per_address: str = "60/minute"  # noqa: S105 - a limit
    register_token_per_client: str = "30/minute"  # noqa: S105 - a limit
    # relationship registrations per company client (a payment statement each)
    register_relationships_per_client: str = "3000/minute"
    # starting sessions (the mobile API), and the subset that looks up an invitation reference
    sessions_per_address: str = "30/minute"
    invitations_per_address: str = "20/minute"
    # the ops console's sign-in form
    ops_sign_in_per_address: str = "10/minute"
    # the pensioner's pages: every look-up of a letter reference, per address; and the
    # birth-date tries that open "my data", per reference (whoever holds a letter cannot
    # run through the calendar)
    pensioner_lookups_per_address: str = "20 per 10 minutes"
    pensioner_access_per_reference: str = "5 per 1 hour"

    @field_validator(*RULES)
    @classmethod
    def _parses(cls, value: str) -> str:
        parse(value)  # raises ValueError on a malformed limit
        return value

    def limit(self, rule: str) -> str:
        return str(getattr(self, rule))


class RateLimiter:
    """Checks and counts one hit of ``rule`` for ``key`` (a client id or an address)."""

    def __init__(self, settings: RateLimitSettings, storage: Storage | None = None) -> None:
        self.settings = settings
        self._items: dict[str, RateLimitItem] = {
            rule: parse(settings.limit(rule)) for rule in RULES
        }
        self._storage = storage or storage_from_string(settings.storage_uri)
        self._local_storage = MemoryStorage()
        self._shared = SlidingWindowCounterRateLimiter(self._storage)
        self._local = SlidingWindowCounterRateLimiter(self._local_storage)
        self._degraded = threading.Event()

    def hit(self, rule: str, key: str) -> None:
        """Count one request; raise :class:`RateLimitedError` when over the limit."""
        if not self.settings.enabled:
            return
        item = self._items[rule]
        strategy = self._shared
        try:
            allowed = strategy.hit(item, rule, key)
            if strategy is self._shared:
                self._degraded.clear()
        except Exception as exc:  # noqa: BLE001 - any storage fault: count locally instead
            if not self._degraded.is_set():
                log.warning("ratelimit.storage_unavailable", error_type=type(exc).__name__)
                self._degraded.set()
            strategy = self._local
            allowed = strategy.hit(item, rule, key)
        if allowed:
            return
        RATE_LIMITED.labels(rule=rule).inc()
        try:
            reset = strategy.get_window_stats(item, rule, key).reset_time
        except Exception:  # noqa: BLE001 - the window's length is a safe answer
            reset = time.time() + item.get_expiry()
        raise RateLimitedError(retry_after=math.ceil(reset - time.time()), rule=rule)

    def count(self, key: str, expiry_seconds: int) -> int:
        """Add one to a shared counter that expires ``expiry_seconds`` after it started
        (e.g. a company's relationships today); in this process's memory while the shared
        storage does not answer. Counted whether or not limits are enabled."""
        try:
            return cast(int, self._storage.incr(key, expiry_seconds))
        except Exception as exc:  # noqa: BLE001 - any storage fault: count locally instead
            if not self._degraded.is_set():
                log.warning("ratelimit.storage_unavailable", error_type=type(exc).__name__)
                self._degraded.set()
            return int(self._local_storage.incr(key, expiry_seconds))


def address_of(client: object) -> str:
    """The client address of a request (``request.client``) as a rate-limit key. Behind a
    proxy, run uvicorn with ``--forwarded-allow-ips`` so that this is the real client."""
    host = getattr(client, "host", None)
    return host if isinstance(host, str) and host else "unknown"
