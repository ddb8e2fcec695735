"""What the local store leaves on disk (its behaviour: test_blob_store_contract.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leveattest.core.clock import FixedClock
from leveattest.storage.blobs import LocalEncryptedBlobStore
from leveattest.storage.envelope import DecryptionError, MasterKey

SELFIE = b"\xff\xd8\xff\xe0 pretend selfie bytes " * 100


@pytest.fixture
def store(tmp_path):
    clock = FixedClock(datetime(2026, 11, 22, 12, tzinfo=UTC))
    return LocalEncryptedBlobStore(tmp_path / "blobs", MasterKey.from_secret("s" * 40), clock)


def test_round_trip_and_ciphertext_on_disk(store, tmp_path):
    store.put("session-1", "selfie.jpg", SELFIE)
    assert store.get("session-1", "selfie.jpg") == SELFIE
    on_disk = (tmp_path / "blobs" / "session-1" / "selfie.jpg").read_bytes()
    assert b"pretend selfie" not in on_disk
    assert store.list("session-1") == ["selfie.jpg"]


def test_blob_moved_between_names_or_sessions_fails_authentication(store, tmp_path):
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-1", "page.jpg", b"page")
    root = tmp_path / "blobs" / "session-1"
    (root / "page.jpg").write_bytes((root / "selfie.jpg").read_bytes())
    with pytest.raises(DecryptionError):
        store.get("session-1", "page.jpg")


def test_tampered_ciphertext_fails(store, tmp_path):
    store.put("session-1", "selfie.jpg", SELFIE)
    path = tmp_path / "blobs" / "session-1" / "selfie.jpg"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(DecryptionError):
        store.get("session-1", "selfie.jpg")
