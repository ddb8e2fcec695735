"""Blob store port and the local-directory implementation.

Blobs are grouped by an owner (a verification session). Everything written is sealed
with the owner's data key (see ``envelope``); the wrapped data key lives beside the
blobs. ``delete_owner`` removes the blobs and the wrapped key and returns a receipt
that names what was deleted (names and sizes only, never content).

``put`` writes a blob (creating the owner and its data key on the first one). ``stage``
does the expensive part of a write for an existing owner — encrypting and writing the
sealed bytes under a temporary name, fsync included — and ``publish`` then makes it
visible with one atomic rename (the folder synced after it, so the name is durable
too). A caller that must not let a blob appear before its
database transaction has decided (an upload) stages outside the transaction and
publishes inside it, so the database's write lock is never held across encryption and
disk syncs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from leveattest.core.clock import Clock
from leveattest.core.errors import InputError, LeveattestError
from leveattest.storage.envelope import MasterKey, new_data_key, open_sealed, seal

if TYPE_CHECKING:
    from sqlalchemy import Connection

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_KEY_FILE = "_datakey"
_TMP_PREFIX = ".tmp-"  # files being written (never a blob: a blob name cannot start with ".")


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


class StagedBlob(Protocol):
    """A blob written but not yet visible under its name."""

    owner: str
    name: str

    def publish(self, within: Connection | None = None) -> None:
        """Make the blob visible under its name (replacing an earlier one), atomically.

        ``within``: the caller's open database transaction. A store on that same database
        joins it, so the blob appears exactly when that transaction commits (and not at
        all if it rolls back; the staged bytes then wait for the owner's deletion or the
        purge of abandoned stages, ``discard`` no longer sees them); any other store
        publishes now."""
        ...

    def discard(self) -> None:
        """Forget the staged bytes if they were not published (safe to call twice)."""
        ...


class BlobStore(Protocol):
    def put(self, owner: str, name: str, data: bytes, within: Connection | None = None) -> None:
        """Write a blob, creating its owner (and data key) on the first one. ``within``:
        the caller's open database transaction, joined by a store on that database (as
        ``StagedBlob.publish``); the caller must hold what orders the owner's writers
        (the session's row lock)."""
        ...

    def stage(self, owner: str, name: str, data: bytes) -> StagedBlob: ...

    def get(self, owner: str, name: str) -> bytes: ...

    def exists(self, owner: str, name: str) -> bool: ...

    def list(self, owner: str) -> list[str]: ...

    def delete_owner(self, owner: str) -> DeletionReceipt: ...


class RotatableBlobStore(BlobStore, Protocol):
    """A store whose wrapped data keys ``keys rotate`` can move to a new master key."""

    def owners(self) -> Iterator[str]: ...

    def rewrap_owner_key(self, owner: str) -> bool: ...


def check_blob_name(value: str, what: str) -> str:
    """``value`` if it may name an owner or a blob in every store (else ``BlobNameError``)."""
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
        return self._root / check_blob_name(owner, "owner")

    def _data_key(self, owner: str, *, create: bool) -> bytes:
        key_path = self._dir(owner) / _KEY_FILE
        if key_path.exists():
            return self._master.unwrap(key_path.read_bytes(), context=owner)
        if not create:
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
        data_key = new_data_key()
        if not _create_exclusive(key_path, self._master.wrap(data_key, context=owner)):
            # another writer created the owner's key first: seal with that one
            return self._master.unwrap(key_path.read_bytes(), context=owner)
        return data_key

    def put(self, owner: str, name: str, data: bytes, within: Connection | None = None) -> None:
        check_blob_name(name, "name")
        directory = self._dir(owner)
        if not directory.is_dir():
            directory.mkdir(parents=True, exist_ok=True)
            _sync_directory(self._root)  # the owner's folder is a name in the root
        self._stage(owner, name, data, self._data_key(owner, create=True)).publish()

    def stage(self, owner: str, name: str, data: bytes) -> LocalStagedBlob:
        """Stage a blob of an owner that already has a data key (else ``BlobNotFoundError``:
        only ``put`` creates owners, so a shredded owner is never brought back)."""
        check_blob_name(name, "name")
        return self._stage(owner, name, data, self._data_key(owner, create=False))

    def _stage(self, owner: str, name: str, data: bytes, data_key: bytes) -> LocalStagedBlob:
        target = self._dir(owner) / name
        temporary = _write_synced(target.parent, seal(data_key, data, context=owner, name=name))
        return LocalStagedBlob(owner, name, temporary, target)

    def owners(self) -> Iterator[str]:
        """Every owner that holds a data key, in name order (for ``keys rotate``)."""
        for directory in sorted(self._root.iterdir()):
            if _SAFE.match(directory.name) and (directory / _KEY_FILE).exists():
                yield directory.name

    def rewrap_owner_key(self, owner: str) -> bool:
        """Wrap the owner's data key by the current master key if a previous one wrapped
        it (False: it already was). The blobs are untouched; the new wrapped key replaces
        the old one atomically, so a reader sees one or the other, both readable while
        the previous master is in the key ring."""
        key_path = self._dir(owner) / _KEY_FILE
        try:
            wrapped = key_path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner)) from exc
        moved = self._master.rewrap(wrapped, context=owner)
        if moved is None:
            return False
        try:
            temporary = _write_synced(key_path.parent, moved)
            if not key_path.exists():
                # shredded meanwhile: never bring the key back
                temporary.unlink()
                raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
            # a shredding that unlinks the key right now still removes the whole folder
            # after it (``delete_owner``), this key included
            os.replace(temporary, key_path)
            _sync_directory(key_path.parent)
        except FileNotFoundError as exc:  # the folder went with its owner
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner)) from exc
        return True

    def get(self, owner: str, name: str) -> bytes:
        path = self._dir(owner) / check_blob_name(name, "name")
        if not path.exists():
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
        data_key = self._data_key(owner, create=False)
        return open_sealed(data_key, path.read_bytes(), context=owner, name=name)

    def exists(self, owner: str, name: str) -> bool:
        return (self._dir(owner) / check_blob_name(name, "name")).exists()

    def list(self, owner: str) -> list[str]:
        directory = self._dir(owner)
        if not directory.exists():
            return []
        return sorted(p.name for p in directory.iterdir() if _is_blob(p))

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
                if _is_blob(path):
                    blobs.append((path.name, path.stat().st_size))
            _remove_tree(directory)
        digest = hashlib.sha256(repr((owner, blobs)).encode()).hexdigest()
        return DeletionReceipt(
            owner=owner,
            deleted_at=self._clock.now(),
            blobs=tuple(blobs),
            key_destroyed=key_destroyed,
            digest=digest,
        )


@dataclass
class LocalStagedBlob:
    """Sealed bytes on disk under a temporary name in the owner's folder."""

    owner: str
    name: str
    temporary: Path
    target: Path
    published: bool = False

    def publish(self, within: Connection | None = None) -> None:
        # a folder joins no database transaction: the name is there from now on
        os.replace(self.temporary, self.target)
        _sync_directory(self.target.parent)
        self.published = True

    def discard(self) -> None:
        if not self.published:
            self.temporary.unlink(missing_ok=True)


def _is_blob(path: Path) -> bool:
    return path.name != _KEY_FILE and not path.name.startswith(_TMP_PREFIX) and path.is_file()


def _remove_tree(directory: Path) -> None:
    """``rmtree`` that tolerates a blob being staged into the folder meanwhile (its data
    key is already gone, so what was staged is unreadable; it is removed with the rest)."""
    for _ in range(5):
        try:
            shutil.rmtree(directory)
        except FileNotFoundError:
            return
        except OSError:
            if not directory.exists():
                return
            continue
        return
    shutil.rmtree(directory)


def _write_synced(directory: Path, data: bytes) -> Path:
    """``data`` in a new temporary file in ``directory``, on disk (fsync) when this returns."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=_TMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _create_exclusive(path: Path, data: bytes) -> bool:
    """Write ``path`` atomically unless it exists (then False: the file there is kept)."""
    tmp = _write_synced(path.parent, data)
    try:
        os.link(tmp, path)  # fails when the name exists, unlike a rename
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    _sync_directory(path.parent)
    return True


def _sync_directory(directory: Path) -> None:
    """Put ``directory``'s entries on disk: a rename or a new name is a change of the
    folder, which only the folder's own fsync makes durable (POSIX; without it a power cut
    could lose the name of a blob whose upload was acknowledged, data and all)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def owner_fingerprint(value: str) -> str:
    """What a log line or an error may say of an owner (never the owner id itself)."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]
