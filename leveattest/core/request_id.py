"""The request id: taken from a sane ``X-Request-ID`` header, else made here; bound in
structlog's context variables for the request, so that every log line carries it.

A sane incoming id is 8-64 characters of letters, digits, ``-``, ``_``, ``.`` and ``:``
(what proxies and tracing systems send); anything else is replaced, never echoed.
"""

from __future__ import annotations

import re
import secrets

import structlog

REQUEST_ID_HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")


def new_request_id() -> str:
    return secrets.token_hex(16)


def accept_request_id(incoming: str | bytes | None) -> str:
    """The incoming id if it is sane, else a new one."""
    if isinstance(incoming, bytes):
        incoming = incoming.decode("latin-1")
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    """The id bound for the request being answered (None outside a request)."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None
