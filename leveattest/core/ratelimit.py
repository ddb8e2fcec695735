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

from leveattest.core.errors import TooManyRequestsError
from leveattest.core.logging import get_logger
from leveattest.core.metrics import RATE_LIMITED
from leveattest.core.settings import RATE_LIMIT_RULES, RateLimitSettings

log = get_logger("leveattest.ratelimit")

RULES = RATE_LIMIT_RULES


class RateLimitedError(TooManyRequestsError):
    """Too many requests; try again later."""

    code = "rate_limited"

    def __init__(self, *, retry_after: int, rule: str) -> None:
        super().__init__(rule=rule)
        self.retry_after = max(1, retry_after)


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
