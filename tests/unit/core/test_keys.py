"""``derive_key``, the key ring and the version-0 readers.

The version-0 constructions are written out here as they were in the code before
``leveattest.core.keys`` (test vectors for the readers that keep old data readable).
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leveattest.core.errors import ConfigurationError
from leveattest.core.keys import (
    CURRENT_VERSION,
    LEGACY_VERSION,
    KeyPurpose,
    KeyRing,
    derive_key,
    key_id,
    keyring_from,
    matches_any,
)
from leveattest.core.settings import Settings
from leveattest.sessions.tokens import person_fingerprint, person_fingerprint_matches
from leveattest.storage.envelope import DecryptionError, MasterKey, new_data_key
from register.cursor import _b64, decode_cursor, encode_cursor
from register.disclosure import subject_key, subject_keys
from register.errors import CursorInvalidError

A, B, C = "a" * 40, "b" * 40, "c" * 40
IDENTITY = {"scheme": "no", "value": "17055000107"}


def _legacy_person_fp(master: str, identity: dict[str, str]) -> str:
    canonical = '{"scheme":"no","value":"17055000107"}'
    assert identity == IDENTITY
    key = ("person-fp|" + master).encode()
    return hmac.new(key, b"person|" + canonical.encode(), hashlib.sha256).hexdigest()


def test_every_purpose_has_its_own_key_and_its_own_info():
    assert len({p.value for p in KeyPurpose}) == len(KeyPurpose)
    keys = {derive_key(A, purpose) for purpose in KeyPurpose}
    assert len(keys) == len(KeyPurpose)
    assert A.encode() not in keys


def test_derive_key_is_hkdf_sha256_of_the_master_with_the_purpose_as_info():
    expected = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"leveattest/derive-key/v1",
        info=b"leveattest/upload-mac",
    ).derive(A.encode())
    assert derive_key(A, KeyPurpose.UPLOAD_MAC) == expected
    assert derive_key(A.encode(), KeyPurpose.UPLOAD_MAC) == expected
    assert len(derive_key(A, KeyPurpose.UPLOAD_MAC, length=16)) == 16
    assert derive_key(B, KeyPurpose.UPLOAD_MAC) != expected


def test_unknown_versions_empty_masters_and_writer_only_purposes_are_refused():
    with pytest.raises(ConfigurationError):
        derive_key("", KeyPurpose.UPLOAD_MAC)
    with pytest.raises(ConfigurationError):
        derive_key(A, KeyPurpose.UPLOAD_MAC, version=2)
    # the image-URL key and the document-number fingerprint never needed an old reader
    with pytest.raises(ConfigurationError):
        derive_key(A, KeyPurpose.OPS_IMAGE_URL, version=LEGACY_VERSION)
    with pytest.raises(ConfigurationError):
        KeyRing.from_secrets(A, [""])


def test_key_ids_name_masters_without_revealing_them():
    assert key_id(A) == key_id(A)
    assert key_id(A) != key_id(B)
    assert len(key_id(A)) == 16
    assert key_id(A) != derive_key(A, KeyPurpose.ENVELOPE_KEK)[:8].hex()


def test_ring_readers_start_with_the_current_key_and_skip_repeated_masters():
    ring = KeyRing.from_secrets(B, [A, B, A, C])
    assert ring.previous == (A.encode(), C.encode())
    assert ring.previous_ids == (key_id(A), key_id(C))
    readers = ring.readers(KeyPurpose.PERSON_FINGERPRINT)
    assert readers[0].key == ring.key(KeyPurpose.PERSON_FINGERPRINT)
    assert readers[0].current
    assert readers[0].key_id == key_id(B)
    assert [(r.key_id, r.version) for r in readers] == [
        (key_id(B), CURRENT_VERSION),
        (key_id(A), CURRENT_VERSION),
        (key_id(C), CURRENT_VERSION),
        (key_id(B), LEGACY_VERSION),
        (key_id(A), LEGACY_VERSION),
        (key_id(C), LEGACY_VERSION),
    ]
    assert ring.stale_readers(KeyPurpose.PERSON_FINGERPRINT) == readers[1:]
    # a purpose without a version-0 reader has one key per master
    assert len(ring.readers(KeyPurpose.OPS_IMAGE_URL)) == 3


def test_the_ring_comes_from_the_security_settings():
    settings = Settings(security={"master_key": B, "previous_master_keys": [A]})
    ring = keyring_from(settings.security)
    assert (ring.current, ring.previous) == (B.encode(), (A.encode(),))
    assert keyring_from(Settings(security={"master_key": B}).security).previous == ()


def test_a_person_fingerprint_made_before_key_derivation_or_a_rotation_still_matches():
    legacy = _legacy_person_fp(A, IDENTITY)
    assert person_fingerprint(KeyRing.from_secrets(A), IDENTITY) != legacy
    assert person_fingerprint_matches(KeyRing.from_secrets(A), IDENTITY, legacy)
    under_a = person_fingerprint(KeyRing.from_secrets(A), IDENTITY)
    rotated = KeyRing.from_secrets(B, [A])
    assert person_fingerprint_matches(rotated, IDENTITY, under_a)
    assert person_fingerprint_matches(rotated, IDENTITY, legacy)
    # without the previous master, neither is found (the key ring is what keeps them)
    assert not person_fingerprint_matches(KeyRing.from_secrets(B), IDENTITY, under_a)
    assert not person_fingerprint_matches(KeyRing.from_secrets(B), IDENTITY, legacy)
    # and another person never matches
    other = {"scheme": "no", "value": "17055000115"}
    assert not person_fingerprint_matches(rotated, other, under_a)


def test_matches_any_names_the_key_a_value_was_made_with():
    ring = KeyRing.from_secrets(B, [A])
    legacy_mac = hmac.new(b"upload-mac|" + A.encode(), b"ab" * 32, hashlib.sha256).hexdigest()
    found = matches_any(ring, KeyPurpose.UPLOAD_MAC, b"ab" * 32, legacy_mac)
    assert found is not None
    assert (found.key_id, found.version) == (key_id(A), LEGACY_VERSION)
    assert matches_any(ring, KeyPurpose.UPLOAD_MAC, b"cd" * 32, legacy_mac) is None


def test_data_keys_wrapped_by_the_version_0_kek_or_a_previous_master_stay_readable():
    legacy_kek = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"leveattest-kek-v1", info=b"kek"
    ).derive(A.encode())
    legacy = MasterKey(key=legacy_kek, key_id=hashlib.sha256(legacy_kek).digest()[:8])
    data_key = new_data_key()
    wrapped_v0 = legacy.wrap(data_key, context="owner-1")
    wrapped_a = MasterKey.from_secret(A).wrap(data_key, context="owner-1")

    ring = MasterKey.from_ring(KeyRing.from_secrets(B, [A]))
    for wrapped in (wrapped_v0, wrapped_a):
        assert ring.unwrap(wrapped, context="owner-1") == data_key
        assert not ring.is_current(wrapped)
        moved = ring.rewrap(wrapped, context="owner-1")
        assert moved is not None
        assert ring.is_current(moved)
        assert ring.rewrap(moved, context="owner-1") is None
        # once moved, the new master alone reads it; the previous one no longer does
        assert MasterKey.from_secret(B).unwrap(moved, context="owner-1") == data_key
        with pytest.raises(DecryptionError):
            MasterKey.from_secret(A).unwrap(moved, context="owner-1")
        with pytest.raises(DecryptionError):
            ring.rewrap(wrapped, context="owner-2")  # the context still binds
    with pytest.raises(DecryptionError):
        MasterKey.from_secret(B).unwrap(wrapped_a, context="owner-1")
    with pytest.raises(DecryptionError):
        MasterKey.from_secret("")


def test_cursors_from_before_a_rotation_or_key_derivation_are_still_accepted():
    body = _b64(b'{"c":7,"e":42}')
    legacy_mac = hmac.new(A.encode(), f"cursor|{body}".encode(), hashlib.sha256).digest()
    legacy_cursor = f"v1.{body}.{_b64(legacy_mac)}"
    under_a = encode_cursor(A, 7, 42)
    ring = KeyRing.from_secrets(B, [A])
    assert decode_cursor(ring, 7, legacy_cursor) == 42
    assert decode_cursor(ring, 7, under_a) == 42
    assert decode_cursor(ring, 7, encode_cursor(ring, 7, 43)) == 43
    for cursor in (legacy_cursor, under_a):
        with pytest.raises(CursorInvalidError):
            decode_cursor(B, 7, cursor)


def test_subject_keys_list_the_current_lookup_first_then_the_old_ones():
    legacy = hmac.new(b"disclosure|" + A.encode(), b"no:17055000107", hashlib.sha256).hexdigest()
    keys = subject_keys(KeyRing.from_secrets(B, [A]), "no:17055000107")
    assert keys[0] == subject_key(B, "no:17055000107")
    assert subject_key(A, "no:17055000107") in keys
    assert legacy in keys
    assert legacy not in subject_keys(B, "no:17055000107")
