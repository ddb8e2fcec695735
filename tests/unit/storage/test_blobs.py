from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leveattest.core.clock import FixedClock
from leveattest.storage.blobs import BlobNameError, BlobNotFoundError, LocalEncryptedBlobStore
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


def test_another_master_key_cannot_read(store, tmp_path):
    store.put("session-1", "selfie.jpg", SELFIE)
    other = LocalEncryptedBlobStore(
        tmp_path / "blobs",
        MasterKey.from_secret("t" * 40),
        FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )
    with pytest.raises(DecryptionError):
        other.get("session-1", "selfie.jpg")


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


def test_delete_owner_destroys_key_and_blobs_with_receipt(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-1", "DG2.bin", b"dg2")
    receipt = store.delete_owner("session-1")
    assert receipt.key_destroyed
    assert {name for name, _ in receipt.blobs} == {"selfie.jpg", "DG2.bin"}
    assert receipt.deleted_at.year == 2026
    with pytest.raises(BlobNotFoundError):
        store.get("session-1", "selfie.jpg")
    assert store.list("session-1") == []


@pytest.mark.parametrize("name", ["../etc/passwd", "", "a/b", ".hidden", "_datakey", "x" * 200])
def test_unsafe_names_are_refused(store, name):
    with pytest.raises(BlobNameError):
        store.put("session-1", name, b"x")
