"""Opaque, HMAC-signed cursors for the changes feed, bound to one company.

``v1.<base64url(json {c: company id, e: last event id})>.<base64url(hmac-sha256)>``;
any change to the body, the MAC or the company gives ``CursorInvalidError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from register.errors import CursorInvalidError

_PREFIX = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> bytes:
    return hmac.new(secret.encode(), f"cursor|{body}".encode(), hashlib.sha256).digest()


def encode_cursor(secret: str, company_id: int, last_event_id: int) -> str:
    body = _b64(json.dumps({"c": company_id, "e": last_event_id}, separators=(",", ":")).encode())
    return f"{_PREFIX}.{body}.{_b64(_mac(secret, body))}"


def decode_cursor(secret: str, company_id: int, cursor: str) -> int:
    """The last event id, or CursorInvalidError."""
    parts = cursor.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX or len(cursor) > 200:
        raise CursorInvalidError
    _, body, mac = parts
    try:
        given = _unb64(mac)
        data = json.loads(_unb64(body))
    except (ValueError, binascii.Error) as exc:
        raise CursorInvalidError from exc
    if not hmac.compare_digest(given, _mac(secret, body)):
        raise CursorInvalidError
    if not isinstance(data, dict) or data.get("c") != company_id:
        raise CursorInvalidError
    last = data.get("e")
    if not isinstance(last, int) or isinstance(last, bool) or last < 0:
        raise CursorInvalidError
    return last
