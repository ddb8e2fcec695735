"""The blob store on the service's own database (PostgreSQL in production).

API nodes and workers on different machines share nothing but PostgreSQL (issue 15), so
the captured images and chip files must live there too. The sealing is the local store's
(``leveattest.storage.envelope``: a data key per owner, wrapped by the master key;
AES-GCM bound to owner and name): the database holds only ciphertext and wrapped keys.

Tables (migration 0008): ``blob_owners`` (owner, wrapped data key) and ``blob_chunks``
(owner, name, seq, ciphertext slice). A blob is stored in chunks of ``CHUNK_BYTES`` so no
single value grows past what PostgreSQL's TOAST handles well and a large upload never
needs one huge parameter.

Writes behave like the local store's: ``stage`` writes the chunks under a temporary name
(``.tmp-…``, never a blob name) in a transaction of its own; ``publish`` renames them in
one short transaction, replacing an earlier blob of that name; ``discard`` deletes them.
Given the caller's transaction (``within``: an upload's unit of work), ``publish`` and
``put`` run in it instead: the blob commits with the upload's row, and a request thread
never holds one pooled connection while it waits for a second.
``delete_owner`` deletes the wrapped key and every chunk in one transaction: from its
commit on, nothing of the owner is readable, and PostgreSQL's autovacuum returns the
space (``vacuum`` does it at once, for the retention job). Chunks of a stage that never
published (its process died) are removed by ``purge_abandoned``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from leveattest.core.clock import Clock
from leveattest.core.keys import keyring_from
from leveattest.core.settings import Settings
from leveattest.sessions.db import Base, UTCDateTime
from leveattest.storage.blobs import (
    BlobNotFoundError,
    DeletionReceipt,
    LocalEncryptedBlobStore,
    RotatableBlobStore,
    check_blob_name,
    owner_fingerprint,
)
from leveattest.storage.envelope import MasterKey, new_data_key, open_sealed, seal

CHUNK_BYTES = 1 << 20
_TMP_PREFIX = ".tmp-"

blob_owners = Table(
    "blob_owners",
    Base.metadata,
    Column("owner", String(128), nullable=False),
    Column("wrapped_key", LargeBinary(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("owner"),
)

blob_chunks = Table(
    "blob_chunks",
    Base.metadata,
    Column("owner", String(128), nullable=False),
    # a blob name (≤ 128) or a staging name (".tmp-" + 32 hex)
    Column("name", String(160), nullable=False),
    Column("seq", Integer(), nullable=False),
    Column("data", LargeBinary(), nullable=False),
    Column("written_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("owner", "name", "seq"),
    ForeignKeyConstraint(["owner"], ["blob_owners.owner"], ondelete="CASCADE"),
)


class DatabaseBlobStore:
    """Encrypted blobs in the ``blob_owners``/``blob_chunks`` tables of ``engine``."""

    def __init__(self, engine: Engine, master_key: MasterKey, clock: Clock) -> None:
        self._engine = engine
        self._master = master_key
        self._clock = clock

    # -- keys ---------------------------------------------------------------------------

    def _data_key(self, owner: str, *, create: bool) -> bytes:
        check_blob_name(owner, "owner")
        wrapped = self._wrapped_key(owner)
        if wrapped is not None:
            return self._master.unwrap(wrapped, context=owner)
        if not create:
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
        data_key = new_data_key()
        try:
            with self._engine.begin() as conn:
                self._insert_owner(conn, owner, data_key)
        except IntegrityError:
            # another writer created the owner's key first: seal with that one
            wrapped = self._wrapped_key(owner)
            if wrapped is None:  # and it was deleted meanwhile
                raise BlobNotFoundError(owner_fp=owner_fingerprint(owner)) from None
            return self._master.unwrap(wrapped, context=owner)
        return data_key

    def _insert_owner(self, conn: Connection, owner: str, data_key: bytes) -> None:
        conn.execute(
            insert(blob_owners).values(
                owner=owner,
                wrapped_key=self._master.wrap(data_key, context=owner),
                created_at=self._clock.now(),
            )
        )

    def _wrapped_key(self, owner: str, conn: Connection | None = None) -> bytes | None:
        query = select(blob_owners.c.wrapped_key).where(blob_owners.c.owner == owner)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self._engine.connect() as own:
                row = own.execute(query).first()
        return None if row is None else bytes(row[0])

    # -- the BlobStore port ---------------------------------------------------------------

    def put(self, owner: str, name: str, data: bytes, within: Connection | None = None) -> None:
        check_blob_name(name, "name")
        if within is None or within.engine is not self._engine:
            self._stage(owner, name, data, self._data_key(owner, create=True)).publish()
            return
        # all on the caller's transaction, whose lock orders this owner's writers
        check_blob_name(owner, "owner")
        wrapped = self._wrapped_key(owner, within)
        if wrapped is None:
            data_key = new_data_key()
            self._insert_owner(within, owner, data_key)
        else:
            data_key = self._master.unwrap(wrapped, context=owner)
        self._stage(owner, name, data, data_key, within).publish(within)

    def stage(self, owner: str, name: str, data: bytes) -> DatabaseStagedBlob:
        """Stage a blob of an owner that already has a data key (else ``BlobNotFoundError``)."""
        check_blob_name(name, "name")
        return self._stage(owner, name, data, self._data_key(owner, create=False))

    def _stage(
        self,
        owner: str,
        name: str,
        data: bytes,
        data_key: bytes,
        within: Connection | None = None,
    ) -> DatabaseStagedBlob:
        sealed = seal(data_key, data, context=owner, name=name)
        temporary = _TMP_PREFIX + secrets.token_hex(16)
        now = self._clock.now()
        rows = [
            {"owner": owner, "name": temporary, "seq": seq, "data": chunk, "written_at": now}
            for seq, chunk in enumerate(_chunks(sealed))
        ]
        if within is not None:
            within.execute(insert(blob_chunks), rows)
            return DatabaseStagedBlob(self._engine, owner, name, temporary)
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(blob_chunks), rows)
        except IntegrityError:  # the owner was deleted since its key was read
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner)) from None
        return DatabaseStagedBlob(self._engine, owner, name, temporary)

    def get(self, owner: str, name: str) -> bytes:
        check_blob_name(owner, "owner")
        check_blob_name(name, "name")
        with self._engine.connect() as conn:
            chunks = conn.execute(
                select(blob_chunks.c.data)
                .where(blob_chunks.c.owner == owner, blob_chunks.c.name == name)
                .order_by(blob_chunks.c.seq)
            ).all()
        if not chunks:
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
        data_key = self._data_key(owner, create=False)
        sealed = b"".join(bytes(row[0]) for row in chunks)
        return open_sealed(data_key, sealed, context=owner, name=name)

    def exists(self, owner: str, name: str) -> bool:
        check_blob_name(owner, "owner")
        check_blob_name(name, "name")
        with self._engine.connect() as conn:
            row = conn.execute(
                select(blob_chunks.c.seq)
                .where(blob_chunks.c.owner == owner, blob_chunks.c.name == name)
                .limit(1)
            ).first()
        return row is not None

    def list(self, owner: str) -> list[str]:
        check_blob_name(owner, "owner")
        with self._engine.connect() as conn:
            names: list[str] = list(
                conn.execute(
                    select(blob_chunks.c.name)
                    .where(blob_chunks.c.owner == owner, blob_chunks.c.seq == 0)
                    .order_by(blob_chunks.c.name)
                ).scalars()
            )
        return [n for n in names if not n.startswith(_TMP_PREFIX)]

    def delete_owner(self, owner: str) -> DeletionReceipt:
        check_blob_name(owner, "owner")
        with self._engine.begin() as conn:
            sizes = conn.execute(
                select(blob_chunks.c.name, func.sum(func.length(blob_chunks.c.data)))
                .where(blob_chunks.c.owner == owner)
                .group_by(blob_chunks.c.name)
                .order_by(blob_chunks.c.name)
            ).all()
            conn.execute(delete(blob_chunks).where(blob_chunks.c.owner == owner))
            destroyed = conn.execute(delete(blob_owners).where(blob_owners.c.owner == owner))
        blobs = [
            (str(n), int(cast(int, size)))
            for n, size in sizes
            if not str(n).startswith(_TMP_PREFIX)
        ]
        digest = hashlib.sha256(repr((owner, blobs)).encode()).hexdigest()
        return DeletionReceipt(
            owner=owner,
            deleted_at=self._clock.now(),
            blobs=tuple(blobs),
            key_destroyed=destroyed.rowcount > 0,
            digest=digest,
        )

    # -- key rotation (``leveattest keys rotate``) --------------------------------------------

    def owners(self) -> Iterator[str]:
        """Every owner that holds a data key, in name order."""
        with self._engine.connect() as conn:
            owners: list[str] = list(
                conn.execute(select(blob_owners.c.owner).order_by(blob_owners.c.owner)).scalars()
            )
        yield from owners

    def rewrap_owner_key(self, owner: str) -> bool:
        """Wrap the owner's data key by the current master key if a previous one wrapped
        it (False: it already was). One row update, conditional on the old value: a
        shredding meanwhile leaves nothing to update (``BlobNotFoundError``), and the
        blobs themselves are not touched."""
        wrapped = self._wrapped_key(check_blob_name(owner, "owner"))
        if wrapped is None:
            raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
        moved = self._master.rewrap(wrapped, context=owner)
        if moved is None:
            return False
        with self._engine.begin() as conn:
            updated = conn.execute(
                update(blob_owners)
                .where(blob_owners.c.owner == owner, blob_owners.c.wrapped_key == wrapped)
                .values(wrapped_key=moved)
            )
        if updated.rowcount == 0:
            if self._wrapped_key(owner) is None:
                raise BlobNotFoundError(owner_fp=owner_fingerprint(owner))
            return False  # another rotation moved it first
        return True

    # -- maintenance ------------------------------------------------------------------------

    def purge_abandoned(self, older_than: timedelta = timedelta(hours=1)) -> int:
        """Delete staged chunks that were never published (their writer died); returns how
        many chunks went. A stage younger than ``older_than`` may still be published."""
        cutoff: datetime = self._clock.now() - older_than
        with self._engine.begin() as conn:
            result = conn.execute(
                delete(blob_chunks).where(
                    and_(
                        blob_chunks.c.name.startswith(_TMP_PREFIX, autoescape=True),
                        blob_chunks.c.written_at < cutoff,
                    )
                )
            )
        return int(result.rowcount)

    def vacuum(self) -> None:
        """Return the space of deleted chunks now (PostgreSQL ``VACUUM``; autovacuum does
        it too, later). SQLite keeps its free pages for reuse: nothing to do there."""
        if self._engine.dialect.name != "postgresql":
            return
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) blob_chunks"))
            conn.execute(text("VACUUM (ANALYZE) blob_owners"))


@dataclass
class DatabaseStagedBlob:
    """Sealed chunks in the database under a temporary name."""

    engine: Engine
    owner: str
    name: str
    temporary: str
    published: bool = False

    def publish(self, within: Connection | None = None) -> None:
        if within is not None and within.engine is self.engine:
            # the caller's transaction: the blob and the caller's rows commit together,
            # on one connection (no second one from the pool while the first holds locks)
            self._rename(within)
        else:
            with self.engine.begin() as conn:
                self._rename(conn)
        self.published = True

    def _rename(self, conn: Connection) -> None:
        conn.execute(
            delete(blob_chunks).where(
                blob_chunks.c.owner == self.owner, blob_chunks.c.name == self.name
            )
        )
        moved = conn.execute(
            update(blob_chunks)
            .where(blob_chunks.c.owner == self.owner, blob_chunks.c.name == self.temporary)
            .values(name=self.name)
        )
        if moved.rowcount == 0:  # the owner was deleted after the stage
            raise BlobNotFoundError(owner_fp=owner_fingerprint(self.owner))

    def discard(self) -> None:
        if self.published:
            # published in the caller's transaction, which rolled back: the chunks are
            # back under the temporary name; the owner's deletion or the purge of
            # abandoned stages removes them (as after a crash between stage and publish)
            return
        with self.engine.begin() as conn:
            conn.execute(
                delete(blob_chunks).where(
                    blob_chunks.c.owner == self.owner, blob_chunks.c.name == self.temporary
                )
            )


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]


def blob_store_for(settings: Settings, engine: Engine, clock: Clock) -> RotatableBlobStore:
    """The blob store ``settings.storage.backend`` names, sealing with the settings' key
    ring (the local folder is ``data.var_dir/blobs``; the database is ``engine``'s)."""
    master = MasterKey.from_ring(keyring_from(settings.security))
    if settings.storage.backend == "database":
        return DatabaseBlobStore(engine, master, clock)
    return LocalEncryptedBlobStore(settings.data.var_dir / "blobs", master, clock)
