"""Opaque, HMAC-signed cursors for the changes feed, bound to one company.

``v1.<base64url(json {c: company id, e: last event id})>.<base64url(hmac-sha256)>``;
any change to the body, the MAC or the company gives ``CursorInvalidError``. The MAC key
is ``KeyPurpose.REGISTER_CURSOR`` of the register secret; a cursor a company kept from
before a rotation (or from before key derivation) is accepted while its secret is in
the key ring (``LEVEATTEST_REGISTER__PREVIOUS_SECRETS``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from leveattest.core.keys import KeyPurpose, KeyRing
from register.errors import CursorInvalidError

_PREFIX = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, f"cursor|{body}".encode(), hashlib.sha256).digest()


def _ring(secret: KeyRing | str) -> KeyRing:
    return secret if isinstance(secret, KeyRing) else KeyRing.from_secrets(secret)


def encode_cursor(secret: KeyRing | str, company_id: int, last_event_id: int) -> str:
    body = _b64(json.dumps({"c": company_id, "e": last_event_id}, separators=(",", ":")).encode())
    key = _ring(secret).key(KeyPurpose.REGISTER_CURSOR)
    return f"{_PREFIX}.{body}.{_b64(_mac(key, body))}"


def decode_cursor(secret: KeyRing | str, company_id: int, cursor: str) -> int:
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
    readers = _ring(secret).readers(KeyPurpose.REGISTER_CURSOR)
    if not any(hmac.compare_digest(given, _mac(reader.key, body)) for reader in readers):
        raise CursorInvalidError
    if not isinstance(data, dict) or data.get("c") != company_id:
        raise CursorInvalidError
    last = data.get("e")
    if not isinstance(last, int) or isinstance(last, bool) or last < 0:
        raise CursorInvalidError
    return last
