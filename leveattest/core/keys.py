"""Every secret derived from a master secret, in one place: ``derive_key(master, purpose)``.

A master secret (``LEVEATTEST_SECURITY__MASTER_KEY`` for the service,
``LEVEATTEST_REGISTER__SECRET`` for the register) is never used as a key itself. Each
use gets its own key, HKDF-SHA256 (RFC 5869) of the master with the purpose's ``info``
string; a purpose is a member of :class:`KeyPurpose`, so two uses can never share a key
by accident and ``docs/keys.md`` can list them all.

A :class:`KeyRing` is the current master plus the previous ones kept for reading
(``LEVEATTEST_SECURITY__PREVIOUS_MASTER_KEYS``). Writers use the current master only;
readers (unwrapping a data key, matching a keyed fingerprint, checking a MAC) try the
current master first and then the previous ones. ``leveattest keys rotate`` moves what
was stored under a previous master to the current one (docs/keys.md).

Key versions: 1 is this HKDF scheme. Version 0 is how the keys were derived before this
module existed (a different construction in each place); it is kept as a *reader only*
for the purposes whose stored values must stay readable, so that data stored before the
upgrade stays readable until ``keys rotate`` (or the next look-up) has moved it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leveattest.core.errors import ConfigurationError

CURRENT_VERSION = 1
LEGACY_VERSION = 0
_SALT_V1 = b"leveattest/derive-key/v1"
KEY_ID_BYTES = 8


class KeyPurpose(StrEnum):
    """Every use of a derived key; the value is the HKDF ``info`` (never reuse one)."""

    # the identifier of a master secret (stored beside what it protects; not a key)
    KEY_ID = "leveattest/key-id"
    # wraps the per-session data keys of the blob store, TOTP secrets and e-mail addresses
    ENVELOPE_KEK = "leveattest/envelope-kek"
    # HMAC of an invited person's identity: known-person matching and replay scopes
    PERSON_FINGERPRINT = "leveattest/person-fingerprint"
    # HMAC of an uploaded part's SHA-256 (idempotent uploads without a plain hash)
    UPLOAD_MAC = "leveattest/upload-mac"
    # HMAC of the letter's reference a pensioner's rights requests are filed under
    RIGHTS_REFERENCE = "leveattest/rights-reference"
    # HMAC of a document number in the document facts a reviewer sees
    DOCUMENT_NUMBER_FINGERPRINT = "leveattest/document-number-fingerprint"
    # signs the short-lived image URLs of the ops console (unless one is configured)
    OPS_IMAGE_URL = "leveattest/ops-image-url"
    # the register: keyed lookup of a person in the disclosure log
    REGISTER_SUBJECT_KEY = "register/disclosure-subject-key"
    # the register: fingerprints of persons in refusal audit events
    REGISTER_AUDIT_FINGERPRINT = "register/audit-fingerprint"
    # the register: MAC of the changes-feed cursors handed to companies
    REGISTER_CURSOR = "register/changes-cursor"


def _master_bytes(master: str | bytes) -> bytes:
    data = master.encode() if isinstance(master, str) else master
    if not data:
        raise ConfigurationError("a master secret is empty")
    return data


def _legacy(master: bytes, purpose: KeyPurpose) -> bytes | None:
    """The version-0 key of a purpose (how it was derived before version 1), or None when
    nothing stored under version 0 needs reading (display-only or short-lived values)."""
    if purpose is KeyPurpose.ENVELOPE_KEK:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"leveattest-kek-v1", info=b"kek"
        ).derive(master)
    # these were HMAC keys made by prefixing the master with a label (the register's
    # cursors used the bare secret): that byte string was the HMAC key
    prefixes = {
        KeyPurpose.PERSON_FINGERPRINT: b"person-fp|",
        KeyPurpose.UPLOAD_MAC: b"upload-mac|",
        KeyPurpose.RIGHTS_REFERENCE: b"rights|",
        KeyPurpose.REGISTER_SUBJECT_KEY: b"disclosure|",
        KeyPurpose.REGISTER_CURSOR: b"",
    }
    prefix = prefixes.get(purpose)
    return None if prefix is None else prefix + master


@functools.lru_cache(maxsize=256)
def derive_key(
    master: str | bytes,
    purpose: KeyPurpose,
    *,
    length: int = 32,
    version: int = CURRENT_VERSION,
) -> bytes:
    """The key for ``purpose`` derived from ``master`` (HKDF-SHA256, RFC 5869).

    ``version=0`` gives the construction used before version 1 for the purposes whose
    stored values must stay readable (``ConfigurationError`` for the others); it exists
    for readers and ``keys rotate`` only, never for writing.
    """
    secret = _master_bytes(master)
    if version == CURRENT_VERSION:
        return HKDF(
            algorithm=hashes.SHA256(), length=length, salt=_SALT_V1, info=purpose.value.encode()
        ).derive(secret)
    if version == LEGACY_VERSION:
        legacy = _legacy(secret, purpose)
        if legacy is None:
            raise ConfigurationError(f"no version-0 key for {purpose.value}")
        return legacy
    raise ConfigurationError(f"unknown key version {version}")


def key_id(master: str | bytes) -> str:
    """The identifier of a master secret (16 hex digits): safe to store and to show."""
    return derive_key(master, KeyPurpose.KEY_ID, length=KEY_ID_BYTES).hex()


@dataclass(frozen=True, slots=True)
class ReaderKey:
    """One key a reader may try: which master (``key_id``), which version, the key."""

    key_id: str
    version: int
    key: bytes

    @property
    def current(self) -> bool:
        return self.version == CURRENT_VERSION


@dataclass(frozen=True)
class KeyRing:
    """The current master secret and the previous ones (newest first), for reading."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_secrets(cls, current: str, previous: Iterable[str] = ()) -> KeyRing:
        now = _master_bytes(current)
        older: list[bytes] = []
        for secret in previous:
            data = _master_bytes(secret)
            if data != now and data not in older:
                older.append(data)
        return cls(now, tuple(older))

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    @property
    def previous_ids(self) -> tuple[str, ...]:
        return tuple(key_id(secret) for secret in self.previous)

    def key(self, purpose: KeyPurpose, *, length: int = 32) -> bytes:
        """The key writers use: the current master, the current version."""
        return derive_key(self.current, purpose, length=length)

    def readers(self, purpose: KeyPurpose, *, length: int = 32) -> list[ReaderKey]:
        """Every key a stored value of ``purpose`` may have been made with, the current
        one first: each master at version 1, then each master's version-0 key."""
        return list(_readers(self, purpose, length))

    def stale_readers(self, purpose: KeyPurpose) -> list[ReaderKey]:
        """``readers`` without the current key: what ``keys rotate`` moves away from."""
        return self.readers(purpose)[1:]


@functools.lru_cache(maxsize=64)
def _readers(ring: KeyRing, purpose: KeyPurpose, length: int) -> tuple[ReaderKey, ...]:
    masters = (ring.current, *ring.previous)
    out = [
        ReaderKey(key_id(secret), CURRENT_VERSION, derive_key(secret, purpose, length=length))
        for secret in masters
    ]
    for secret in masters:
        legacy = _legacy(secret, purpose)
        if legacy is not None:
            out.append(ReaderKey(key_id(secret), LEGACY_VERSION, legacy))
    return tuple(out)


class SecuritySection(Protocol):
    """The settings a key ring is read from (``Settings.security``)."""

    @property
    def master_key(self) -> _Secret: ...

    @property
    def previous_master_keys(self) -> Sequence[_Secret]: ...


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


def keyring_from(security: SecuritySection) -> KeyRing:
    """The service's key ring from ``LEVEATTEST_SECURITY__MASTER_KEY`` and
    ``LEVEATTEST_SECURITY__PREVIOUS_MASTER_KEYS``."""
    return KeyRing.from_secrets(
        security.master_key.get_secret_value(),
        [secret.get_secret_value() for secret in security.previous_master_keys],
    )


def keyed_digest(key: bytes, message: bytes) -> str:
    """HMAC-SHA-256 of ``message`` under ``key``, hex."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches_any(
    ring: KeyRing, purpose: KeyPurpose, message: bytes, stored: str, *, size: int = 64
) -> ReaderKey | None:
    """The reader key under which ``stored`` is the (hex, ``size`` long) HMAC of
    ``message``, or None: how a keyed fingerprint made before a rotation is still found."""
    for reader in ring.readers(purpose):
        if hmac.compare_digest(keyed_digest(reader.key, message)[:size], stored):
            return reader
    return None
