"""Blob store port and the local-directory implementation.

Blobs are grouped by an owner (a verification session). Everything written is sealed
with the owner's data key (see ``envelope``); the wrapped data key lives beside the
blobs. ``delete_owner`` removes the blobs and the wrapped key and returns a receipt
that names what was deleted (names and sizes only, never content).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from leveattest.core.clock import Clock
from leveattest.core.errors import InputError, LeveattestError
from leveattest.storage.envelope import MasterKey, new_data_key, open_sealed, seal

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_KEY_FILE = "_datakey"


class BlobNotFoundError(LeveattestError):
    """The requested stored file does not exist (or was deleted)."""

    code = "blob_not_found"
    http_status = 404


class BlobNameError(InputError):
    """A stored file name or owner id is not allowed."""

    code = "blob_name_invalid"


@dataclass(frozen=True)
class DeletionReceipt:
    owner: str
    deleted_at: datetime
    blobs: tuple[tuple[str, int], ...]
    key_destroyed: bool
    digest: str = field(default="")


class BlobStore(Protocol):
    def put(self, owner: str, name: str, data: bytes) -> None: ...

    def get(self, owner: str, name: str) -> bytes: ...

    def exists(self, owner: str, name: str) -> bool: ...

    def list(self, owner: str) -> list[str]: ...

    def delete_owner(self, owner: str) -> DeletionReceipt: ...


def _check(value: str, what: str) -> str:
    if not _SAFE.match(value) or value == _KEY_FILE:
        raise BlobNameError(f"{what} is not an allowed name", what=what)
    return value


class LocalEncryptedBlobStore:
    """Encrypted blobs in a local directory: ``root/<owner>/<name>``, written atomically."""

    def __init__(self, root: Path, master_key: MasterKey, clock: Clock) -> None:
        self._root = root
        self._master = master_key
        self._clock = clock
        root.mkdir(parents=True, exist_ok=True)

    def _dir(self, owner: str) -> Path:
        return self._root / _check(owner, "owner")

    def _data_key(self, owner: str, *, create: bool) -> bytes:
        key_path = self._dir(owner) / _KEY_FILE
        if key_path.exists():
            return self._master.unwrap(key_path.read_bytes(), context=owner)
        if not create:
            raise BlobNotFoundError(owner_fp=_fp(owner))
        data_key = new_data_key()
        _atomic_write(key_path, self._master.wrap(data_key, context=owner))
        return data_key

    def put(self, owner: str, name: str, data: bytes) -> None:
        _check(name, "name")
        self._dir(owner).mkdir(parents=True, exist_ok=True)
        data_key = self._data_key(owner, create=True)
        _atomic_write(self._dir(owner) / name, seal(data_key, data, context=owner, name=name))

    def get(self, owner: str, name: str) -> bytes:
        path = self._dir(owner) / _check(name, "name")
        if not path.exists():
            raise BlobNotFoundError(owner_fp=_fp(owner))
        data_key = self._data_key(owner, create=False)
        return open_sealed(data_key, path.read_bytes(), context=owner, name=name)

    def exists(self, owner: str, name: str) -> bool:
        return (self._dir(owner) / _check(name, "name")).exists()

    def list(self, owner: str) -> list[str]:
        directory = self._dir(owner)
        if not directory.exists():
            return []
        return sorted(p.name for p in directory.iterdir() if p.name != _KEY_FILE and p.is_file())

    def delete_owner(self, owner: str) -> DeletionReceipt:
        directory = self._dir(owner)
        blobs: list[tuple[str, int]] = []
        key_destroyed = False
        if directory.exists():
            key_path = directory / _KEY_FILE
            if key_path.exists():
                # destroy the data key first: from here on nothing of this owner is readable
                key_path.unlink()
                key_destroyed = True
            for path in sorted(directory.iterdir()):
                if path.is_file():
                    blobs.append((path.name, path.stat().st_size))
            shutil.rmtree(directory)
        digest = hashlib.sha256(repr((owner, blobs)).encode()).hexdigest()
        return DeletionReceipt(
            owner=owner,
            deleted_at=self._clock.now(),
            blobs=tuple(blobs),
            key_destroyed=key_destroyed,
            digest=digest,
        )


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fp(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]
