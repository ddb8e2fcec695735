"""Which sessions this API process lately saw accepting uploads (the check before a body).

An upload is checked twice: before its body is read (is the token the session's, has
consent been given, is the attempt open?), so that a refused upload is answered without
reading up to its size limit, and again under the session's row lock before anything is
stored. The second check decides; the first only saves reading a body that would be
refused.

A phone sends 40 frames one after another, so the first check used to cost each frame a
thread hop, a pooled connection and four round trips for an answer the previous frame had
just given. :class:`UploadAdmissions` remembers the answer *yes* for a short while, per
session and token hash, bounded by the session's own expiry: the first upload of a
session (in this process) checks in the database, the next ones within ``ttl`` do not.
Only a yes is remembered, and it is forgotten as soon as a recording of the session
fails. A session that stopped accepting uploads within ``ttl`` (withdrawn, submitted,
expired, on another host) has its upload read and then refused by the second check with
the same problem it would have got before the body.
"""

from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from leveattest.sessions.tokens import hash_token

ADMISSION_TTL = timedelta(seconds=30)
ADMISSION_CAPACITY = 10_000


@dataclass(frozen=True)
class _Admitted:
    token_hash: str
    owner: str  # the blob owner of the attempt that was open
    until: datetime


class UploadAdmissions:
    """Bounded, thread-safe memory of recent positive upload checks (see module doc)."""

    def __init__(self, ttl: timedelta = ADMISSION_TTL, capacity: int = ADMISSION_CAPACITY) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._entries: OrderedDict[str, _Admitted] = OrderedDict()
        self._lock = threading.Lock()

    def owner(self, session_id: str, token: str, now: datetime) -> str | None:
        """The blob owner admitted for this session and token, or None (check again)."""
        with self._lock:
            entry = self._entries.get(session_id)
        if entry is None or now >= entry.until:
            return None
        if not hmac.compare_digest(entry.token_hash, hash_token(token)):
            return None
        return entry.owner

    def admit(
        self, session_id: str, token: str, owner: str, now: datetime, expires_at: datetime
    ) -> None:
        """Remember that the session accepted uploads with ``token`` at ``now``."""
        entry = _Admitted(hash_token(token), owner, min(now + self._ttl, expires_at))
        with self._lock:
            self._entries[session_id] = entry
            self._entries.move_to_end(session_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._entries.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._entries)
