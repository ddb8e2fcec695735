"""What the local store leaves on disk (its behaviour: test_blob_store_contract.py)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

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


class _Syncs:
    """Which files and folders were fsynced, in order (by their path)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[Path] = []
        real = os.fsync

        def fsync(fd: int) -> None:
            self.paths.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
def test_every_new_name_is_made_durable_by_syncing_its_folder(store, tmp_path, monkeypatch):
    root = tmp_path / "blobs"
    syncs = _Syncs(monkeypatch)
    store.put("session-1", "selfie.jpg", SELFIE)
    # the owner's folder in the root, its data key, then the blob: each name after its data
    assert syncs.paths[0] == root
    assert syncs.paths[-1] == root / "session-1"
    assert syncs.paths.count(root / "session-1") == 2  # the key's name and the blob's
    staged_syncs = len(syncs.paths)
    staged = store.stage("session-1", "page.jpg", b"page")
    assert len(syncs.paths) == staged_syncs + 1  # the bytes only; no name yet
    staged.publish()
    assert syncs.paths[-1] == root / "session-1"
    assert store.get("session-1", "page.jpg") == b"page"
