"""Random identifiers, the session access token (stored hashed) and person fingerprints."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping


def new_session_id() -> str:
    return secrets.token_hex(16)


def new_access_token() -> str:
    """Opaque bearer token (256 bits); only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_aa_nonce() -> bytes:
    """The Active Authentication challenge: 8 random bytes (ICAO 9303-11 §6.1)."""
    return secrets.token_bytes(8)


def person_fingerprint(secret: str, identity: Mapping[str, str]) -> str:
    """Keyed, non-reversible fingerprint of a person identity (national or foreign id)."""
    canonical = json.dumps(dict(identity), sort_keys=True, separators=(",", ":"))
    return hmac.new(secret.encode(), b"person|" + canonical.encode(), hashlib.sha256).hexdigest()
