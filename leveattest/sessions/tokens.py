"""Random identifiers, the session access token (stored hashed) and person fingerprints."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping

from leveattest.core.keys import KeyPurpose, KeyRing, keyed_digest, matches_any


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


def _person_message(identity: Mapping[str, str]) -> bytes:
    canonical = json.dumps(dict(identity), sort_keys=True, separators=(",", ":"))
    return b"person|" + canonical.encode()


def person_fingerprint(ring: KeyRing, identity: Mapping[str, str]) -> str:
    """Keyed, non-reversible fingerprint of a person identity (national or foreign id),
    under the current master key (``KeyPurpose.PERSON_FINGERPRINT``)."""
    return keyed_digest(ring.key(KeyPurpose.PERSON_FINGERPRINT), _person_message(identity))


def stale_person_fingerprints(ring: KeyRing, identity: Mapping[str, str]) -> list[str]:
    """The fingerprints ``identity`` had under the ring's previous keys (and version 0)."""
    message = _person_message(identity)
    return [keyed_digest(r.key, message) for r in ring.stale_readers(KeyPurpose.PERSON_FINGERPRINT)]


def person_fingerprint_matches(ring: KeyRing, identity: Mapping[str, str], stored: str) -> bool:
    """Whether ``stored`` is the fingerprint of ``identity`` under any key of the ring: a
    fingerprint cannot be recomputed without the identity, so one made before a rotation
    is matched with the previous key for as long as it is kept (docs/keys.md)."""
    return (
        matches_any(ring, KeyPurpose.PERSON_FINGERPRINT, _person_message(identity), stored)
        is not None
    )
