"""AES-GCM envelope encryption for special-category data at rest.

Each verification session gets its own random 256-bit data key (DEK). Blobs are
encrypted with the DEK; the DEK is stored only wrapped (AES-GCM) by a key-encryption
key (KEK), ``derive_key(master, KeyPurpose.ENVELOPE_KEK)``. Destroying a
session's wrapped DEK makes every blob of that session unreadable (crypto-shredding)
even if a copy of a blob survives in a backup.

Associated data binds every ciphertext to its session and blob name, so a blob cannot
be swapped between sessions or names without failing authentication.

Format of a sealed blob: b"LA1" | 12-byte nonce | ciphertext+tag.
Format of a wrapped key: b"LK1" | key id (8 bytes) | 12-byte nonce | wrapped DEK+tag.
The key id (the first 8 bytes of SHA-256 of the KEK) names the KEK that wrapped it: a
data key wrapped under a previous master key (or under the version-0 KEK of before
``leveattest.core.keys``) is unwrapped with that KEK from the key ring, and
:meth:`MasterKey.rewrap` moves it to the current one (``leveattest keys rotate``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leveattest.core.errors import ConfigurationError, LeveattestError
from leveattest.core.keys import KeyPurpose, KeyRing

_BLOB_MAGIC = b"LA1"
_KEY_MAGIC = b"LK1"
_NONCE = 12


class DecryptionError(LeveattestError):
    """Stored data could not be decrypted: wrong key, or the data was altered."""

    code = "storage_decryption_failed"


def _kek_id(kek: bytes) -> bytes:
    return hashlib.sha256(kek).digest()[:8]


@dataclass(frozen=True)
class MasterKey:
    """The key-encryption key of the current master secret, and those of the key ring's
    previous masters (and version-0 KEKs) for unwrapping what they wrapped."""

    key: bytes
    key_id: bytes
    readers: dict[bytes, bytes] = field(default_factory=dict)

    @classmethod
    def from_ring(cls, ring: KeyRing) -> MasterKey:
        kek = ring.key(KeyPurpose.ENVELOPE_KEK)
        readers = {_kek_id(r.key): r.key for r in ring.readers(KeyPurpose.ENVELOPE_KEK)}
        return cls(key=kek, key_id=_kek_id(kek), readers=readers)

    @classmethod
    def from_secret(cls, secret: str) -> MasterKey:
        """A master key without previous ones (tests, tools)."""
        try:
            return cls.from_ring(KeyRing.from_secrets(secret))
        except ConfigurationError as exc:
            raise DecryptionError("no master key configured") from exc

    def wrap(self, data_key: bytes, *, context: str) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.key).encrypt(nonce, data_key, _aad("dek", context))
        return _KEY_MAGIC + self.key_id + nonce + sealed

    def unwrap(self, wrapped: bytes, *, context: str) -> bytes:
        if len(wrapped) < 3 + 8 + _NONCE + 16 or not wrapped.startswith(_KEY_MAGIC):
            raise DecryptionError("wrapped key has the wrong format")
        key_id = wrapped[3:11]
        kek = self.key if key_id == self.key_id else self.readers.get(key_id)
        if kek is None:
            raise DecryptionError("data key was wrapped by another master key", key_id=key_id.hex())
        nonce, sealed = wrapped[11 : 11 + _NONCE], wrapped[11 + _NONCE :]
        try:
            return AESGCM(kek).decrypt(nonce, sealed, _aad("dek", context))
        except InvalidTag as exc:
            raise DecryptionError("wrapped key failed authentication") from exc

    def is_current(self, wrapped: bytes) -> bool:
        """Whether ``wrapped`` was wrapped by the current KEK."""
        return wrapped.startswith(_KEY_MAGIC) and wrapped[3:11] == self.key_id

    def rewrap(self, wrapped: bytes, *, context: str) -> bytes | None:
        """``wrapped`` wrapped again by the current KEK, or None if it already is."""
        if self.is_current(wrapped):
            return None
        return self.wrap(self.unwrap(wrapped, context=context), context=context)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(data_key: bytes, plaintext: bytes, *, context: str, name: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return _BLOB_MAGIC + nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(context, name))


def open_sealed(data_key: bytes, sealed: bytes, *, context: str, name: str) -> bytes:
    if len(sealed) < 3 + _NONCE + 16 or not sealed.startswith(_BLOB_MAGIC):
        raise DecryptionError("sealed blob has the wrong format")
    nonce, body = sealed[3 : 3 + _NONCE], sealed[3 + _NONCE :]
    try:
        return AESGCM(data_key).decrypt(nonce, body, _aad(context, name))
    except InvalidTag as exc:
        raise DecryptionError("sealed blob failed authentication") from exc


def _aad(context: str, name: str) -> bytes:
    return b"leveattest|" + context.encode() + b"|" + name.encode()
