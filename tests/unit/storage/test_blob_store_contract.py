"""One behavioural suite for every blob store: the local folder and the database (on
SQLite and on PostgreSQL). Store-specific checks (what lies on disk or in the tables)
follow at the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from leveattest_databases import emptied, migrated
from sqlalchemy import Engine, select, text, update

from leveattest.core.clock import FixedClock
from leveattest.core.keys import KeyRing
from leveattest.sessions.blob_store import (
    CHUNK_BYTES,
    DatabaseBlobStore,
    blob_chunks,
    blob_owners,
)
from leveattest.storage.blobs import (
    BlobNameError,
    BlobNotFoundError,
    BlobStore,
    LocalEncryptedBlobStore,
)
from leveattest.storage.envelope import DecryptionError, MasterKey

SELFIE = b"\xff\xd8\xff\xe0 pretend selfie bytes " * 100
MASTER = MasterKey.from_secret("s" * 40)
OTHER_MASTER = MasterKey.from_secret("t" * 40)
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
KINDS = ["local", "sqlite", "postgresql"]


@pytest.fixture(scope="module")
def database_engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    with migrated("sqlite", tmp_path_factory.mktemp("blobs-sqlite"), "blobs") as sqlite:
        engines["sqlite"] = sqlite
        try:
            with migrated("postgresql", tmp_path_factory.mktemp("blobs-pg"), "blobs") as postgresql:
                engines["postgresql"] = postgresql
                yield engines
        except pytest.skip.Exception:
            yield engines


class Stores:
    """Builds stores of one kind over the same storage (so two master keys can meet)."""

    def __init__(self, kind: str, root: Path, engine: Engine | None) -> None:
        self.kind, self.root, self.engine = kind, root, engine

    def make(self, master: MasterKey = MASTER) -> BlobStore:
        clock = FixedClock(NOW)
        if self.engine is None:
            return LocalEncryptedBlobStore(self.root, master, clock)
        return DatabaseBlobStore(self.engine, master, clock)


@pytest.fixture(params=KINDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path, database_engines) -> Stores:
    kind = request.param
    if kind == "local":
        return Stores(kind, tmp_path / "blobs", None)
    if kind not in database_engines:
        pytest.skip("PostgreSQL unreachable")
    return Stores(kind, tmp_path, emptied(database_engines[kind]))


@pytest.fixture
def store(stores: Stores) -> BlobStore:
    return stores.make()


def test_round_trip(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    assert store.get("session-1", "selfie.jpg") == SELFIE
    assert store.exists("session-1", "selfie.jpg")
    assert not store.exists("session-1", "page.jpg")
    assert store.list("session-1") == ["selfie.jpg"]


def test_put_replaces_a_blob_of_the_same_name(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-1", "selfie.jpg", b"second")
    assert store.get("session-1", "selfie.jpg") == b"second"
    assert store.list("session-1") == ["selfie.jpg"]


def test_owners_are_separate(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-2", "selfie.jpg", b"other")
    assert store.get("session-2", "selfie.jpg") == b"other"
    store.delete_owner("session-2")
    assert store.get("session-1", "selfie.jpg") == SELFIE


def test_unknown_owner_or_blob_is_not_found(store):
    with pytest.raises(BlobNotFoundError):
        store.get("nobody", "selfie.jpg")
    store.put("session-1", "selfie.jpg", SELFIE)
    with pytest.raises(BlobNotFoundError):
        store.get("session-1", "page.jpg")
    assert store.list("nobody") == []


def test_a_large_blob_round_trips(store):
    big = bytes(range(256)) * ((2 * CHUNK_BYTES) // 256 + 7)
    store.put("session-1", "DG2.bin", big)
    assert store.get("session-1", "DG2.bin") == big


def test_another_master_key_cannot_read(stores):
    stores.make().put("session-1", "selfie.jpg", SELFIE)
    with pytest.raises(DecryptionError):
        stores.make(OTHER_MASTER).get("session-1", "selfie.jpg")


def test_staged_blob_is_invisible_until_published(store):
    store.put("session-1", "page.jpg", b"page")
    staged = store.stage("session-1", "selfie.jpg", SELFIE)
    assert store.list("session-1") == ["page.jpg"]
    assert not store.exists("session-1", "selfie.jpg")
    staged.publish()
    assert store.list("session-1") == ["page.jpg", "selfie.jpg"]
    assert store.get("session-1", "selfie.jpg") == SELFIE


def test_publish_replaces_and_discard_forgets(store):
    store.put("session-1", "selfie.jpg", b"first")
    store.stage("session-1", "selfie.jpg", b"second").publish()
    assert store.get("session-1", "selfie.jpg") == b"second"
    staged = store.stage("session-1", "selfie.jpg", b"third")
    staged.discard()
    staged.discard()
    assert store.get("session-1", "selfie.jpg") == b"second"
    assert store.list("session-1") == ["selfie.jpg"]


def test_stage_needs_an_existing_owner(store):
    with pytest.raises(BlobNotFoundError):
        store.stage("session-9", "selfie.jpg", SELFIE)


def test_delete_owner_destroys_key_and_blobs_with_receipt(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-1", "DG2.bin", b"dg2")
    receipt = store.delete_owner("session-1")
    assert receipt.key_destroyed
    assert {name for name, _ in receipt.blobs} == {"selfie.jpg", "DG2.bin"}
    assert all(size > len(b"dg2") for _, size in receipt.blobs)  # sealed sizes
    assert receipt.deleted_at == NOW
    assert len(receipt.digest) == 64
    with pytest.raises(BlobNotFoundError):
        store.get("session-1", "selfie.jpg")
    assert store.list("session-1") == []
    again = store.delete_owner("session-1")
    assert not again.key_destroyed
    assert again.blobs == ()


def test_a_shredded_owner_is_not_brought_back_by_a_stage(store):
    store.put("session-1", "selfie.jpg", SELFIE)
    staged = store.stage("session-1", "page.jpg", b"page")
    store.delete_owner("session-1")
    with pytest.raises((BlobNotFoundError, FileNotFoundError)):
        staged.publish()
    staged.discard()
    assert store.list("session-1") == []
    with pytest.raises(BlobNotFoundError):
        store.stage("session-1", "page.jpg", b"page")


def test_concurrent_first_writes_share_one_data_key(stores):
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(index: int) -> None:
        try:
            barrier.wait()
            stores.make().put("session-1", f"frame-{index}.jpg", bytes([index]) * 100)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = stores.make()
    for index in range(4):
        assert store.get("session-1", f"frame-{index}.jpg") == bytes([index]) * 100


@pytest.mark.parametrize("name", ["../etc/passwd", "", "a/b", ".hidden", "_datakey", "x" * 200])
def test_unsafe_names_are_refused(store, name):
    with pytest.raises(BlobNameError):
        store.put("session-1", name, b"x")
    with pytest.raises(BlobNameError):
        store.get(name, "selfie.jpg")


# -- what the database holds -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, database_engines) -> Engine:
    if request.param not in database_engines:
        pytest.skip("PostgreSQL unreachable")
    return emptied(database_engines[request.param])


def test_the_database_holds_only_ciphertext_in_chunks(database):
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))
    big = SELFIE * (CHUNK_BYTES // len(SELFIE) + 2)
    store.put("session-1", "selfie.jpg", big)
    with database.connect() as conn:
        chunks = conn.execute(
            select(blob_chunks.c.seq, blob_chunks.c.data).order_by(blob_chunks.c.seq)
        ).all()
        wrapped = conn.execute(select(blob_owners.c.wrapped_key)).scalar_one()
    assert [seq for seq, _ in chunks] == [0, 1]
    assert all(b"pretend selfie" not in bytes(data) for _, data in chunks)
    assert len(bytes(chunks[0][1])) == CHUNK_BYTES
    assert bytes(wrapped).startswith(b"LK1")


def test_tampered_or_moved_chunks_fail_authentication(database):
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))
    store.put("session-1", "selfie.jpg", SELFIE)
    store.put("session-1", "page.jpg", b"page")
    with database.begin() as conn:
        sealed = conn.execute(
            select(blob_chunks.c.data).where(blob_chunks.c.name == "selfie.jpg")
        ).scalar_one()
        conn.execute(
            update(blob_chunks).where(blob_chunks.c.name == "page.jpg").values(data=sealed)
        )
    with pytest.raises(DecryptionError):
        store.get("session-1", "page.jpg")
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    with database.begin() as conn:
        conn.execute(
            update(blob_chunks)
            .where(blob_chunks.c.name == "selfie.jpg")
            .values(data=bytes(flipped))
        )
    with pytest.raises(DecryptionError):
        store.get("session-1", "selfie.jpg")


def test_abandoned_stages_are_purged_and_space_vacuumed(database):
    earlier = DatabaseBlobStore(database, MASTER, FixedClock(NOW - timedelta(hours=2)))
    earlier.put("session-1", "selfie.jpg", SELFIE)
    earlier.stage("session-1", "page.jpg", b"page")  # its writer "died"
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))
    fresh = store.stage("session-1", "DG1.bin", b"dg1")
    assert store.purge_abandoned(timedelta(hours=1)) == 1
    fresh.publish()  # a stage younger than the cut-off survives
    assert store.list("session-1") == ["DG1.bin", "selfie.jpg"]
    store.delete_owner("session-1")
    store.vacuum()
    with database.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM blob_chunks")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM blob_owners")).scalar_one() == 0


def test_a_blob_published_in_the_callers_transaction_appears_with_its_commit(database):
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))
    store.put("session-1", "selfie.jpg", b"first")
    staged = store.stage("session-1", "selfie.jpg", b"second")
    with database.begin() as conn:
        staged.publish(within=conn)
        names = conn.execute(select(blob_chunks.c.name)).scalars().all()
        assert names == ["selfie.jpg"]  # the caller's transaction sees it at once
        if database.dialect.name == "postgresql":  # SQLite: one writer, readers wait
            assert store.get("session-1", "selfie.jpg") == b"first"  # others: not yet
    staged.discard()
    assert store.get("session-1", "selfie.jpg") == b"second"


def test_a_rolled_back_transaction_publishes_nothing(database):
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))
    store.put("session-1", "selfie.jpg", b"first")
    staged = store.stage("session-1", "selfie.jpg", b"second")

    def upload_refused_after_the_publish() -> None:
        with database.begin() as conn:
            staged.publish(within=conn)
            raise RuntimeError("the upload's checks failed after the publish")

    with pytest.raises(RuntimeError):
        upload_refused_after_the_publish()
    staged.discard()
    assert store.get("session-1", "selfie.jpg") == b"first"
    assert store.list("session-1") == ["selfie.jpg"]
    later = DatabaseBlobStore(database, MASTER, FixedClock(NOW + timedelta(hours=2)))
    assert later.purge_abandoned(timedelta(hours=1)) == 1  # the stage, left as after a crash


def test_a_first_blob_put_in_the_callers_transaction_commits_or_vanishes_with_it(database):
    store = DatabaseBlobStore(database, MASTER, FixedClock(NOW))

    def put_then(fail: bool) -> None:
        with database.begin() as conn:
            store.put("session-1", "selfie.jpg", SELFIE, within=conn)
            if fail:
                raise RuntimeError("the upload's transaction rolls back")

    with pytest.raises(RuntimeError):
        put_then(fail=True)
    assert store.list("session-1") == []
    with pytest.raises(BlobNotFoundError):  # no owner, no data key: nothing half-written
        store.stage("session-1", "page.jpg", b"page")
    put_then(fail=False)
    assert store.get("session-1", "selfie.jpg") == SELFIE
    with database.begin() as conn:  # a second blob of that owner, on the same key
        store.put("session-1", "page.jpg", b"page", within=conn)
    assert store.list("session-1") == ["page.jpg", "selfie.jpg"]
    with database.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM blob_owners")).scalar_one() == 1


def test_rotation_rewraps_data_keys_and_the_old_master_can_go(stores):
    a, b = "a" * 40, "b" * 40
    under_a = stores.make(MasterKey.from_ring(KeyRing.from_secrets(a)))
    under_a.put("session-1", "selfie.jpg", SELFIE)
    under_a.put("session-2", "page.jpg", b"page")
    rotating = stores.make(MasterKey.from_ring(KeyRing.from_secrets(b, [a])))
    assert rotating.get("session-1", "selfie.jpg") == SELFIE  # readable while both are held
    assert list(rotating.owners()) == ["session-1", "session-2"]
    assert [rotating.rewrap_owner_key(o) for o in rotating.owners()] == [True, True]
    assert rotating.rewrap_owner_key("session-1") is False  # already moved: idempotent
    only_b = stores.make(MasterKey.from_ring(KeyRing.from_secrets(b)))
    assert only_b.get("session-1", "selfie.jpg") == SELFIE
    assert only_b.get("session-2", "page.jpg") == b"page"
    with pytest.raises(DecryptionError):
        under_a.get("session-1", "selfie.jpg")
    rotating.delete_owner("session-2")
    with pytest.raises(BlobNotFoundError):
        rotating.rewrap_owner_key("session-2")  # shredded: never brought back
