"""The disclosure log's tree read through tiles (``register.log_tree``) is the tree over
every entry (``register.merkle.MerkleTree``): the same root and the same audit paths for
every size across the tiles' edges, with the tiles made once and read after.

Tiles here are 4 and 16 entries high (the register's are 1,024 and 1,048,576), so that
a few dozen entries cross both kinds of edge.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from register.db.models import DisclosureEntry, DisclosureTreeTile
from register.errors import DisclosureLogUnavailableError
from register.log_tree import LogTree
from register.merkle import MerkleTree, leaf_hash

LOW, HIGH = 2, 4
ENTRIES = 70
AT = datetime(2026, 12, 2, 12, tzinfo=UTC)


def _hash(seq: int) -> str:
    return hashlib.sha256(f"entry {seq}".encode()).hexdigest()


@pytest.fixture
def log(engine: Engine) -> Engine:
    """A log of ``ENTRIES`` entries (the tree reads only their hashes)."""
    rows = [
        {
            "seq": seq,
            "created_at": AT,
            "client_id": "bench-pension",
            "action": "status",
            "statement_sha256": "0" * 64,
            "subject_commitment": "0" * 64,
            "prev_hash": _hash(seq - 1),
            "entry_hash": _hash(seq),
        }
        for seq in range(1, ENTRIES + 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(DisclosureEntry), rows)
    return engine


def _tree(session: Session, size: int) -> LogTree:
    return LogTree(session, size, _hash(size) if size else "", low=LOW, high=HIGH)


def _tiles(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DisclosureTreeTile)).scalar_one())


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 48, 64, 65, 70])
def test_the_tiled_tree_is_the_whole_tree(log: Engine, size: int):
    every = MerkleTree([leaf_hash(_hash(seq)) for seq in range(1, size + 1)])
    with Session(log) as session, session.begin():
        tree = _tree(session, size)
        assert tree.root() == every.root
        for index in range(size):
            assert tree.path(index) == every.path(index), index
        made = tree.save()
    assert made == _tiles(log) == size // 4 + size // 16  # every complete tile, once
    with Session(log) as session, session.begin():  # read from the tiles, made no more
        again = _tree(session, size)
        assert again.root() == every.root
        assert [again.path(i) for i in range(size)] == [every.path(i) for i in range(size)]
        assert again.save() == 0


def test_stored_tiles_are_read_not_recomputed(log: Engine):
    with Session(log) as session, session.begin():
        first = _tree(session, ENTRIES)
        root = first.root()
        first.save()
    with log.begin() as conn:  # a tile changed behind the tree's back
        conn.execute(
            update(DisclosureTreeTile)
            .where(DisclosureTreeTile.height == HIGH, DisclosureTreeTile.index == 0)
            .values(hash=b"\x00" * 32)
        )
    with Session(log) as session, session.begin():
        assert _tree(session, ENTRIES).root() != root  # so the tile was what it used


def test_a_log_that_does_not_end_in_its_head_proves_nothing(log: Engine):
    with Session(log) as session, session.begin():
        with pytest.raises(DisclosureLogUnavailableError):
            LogTree(session, ENTRIES, _hash(ENTRIES - 1), low=LOW, high=HIGH)
        with pytest.raises(DisclosureLogUnavailableError):  # entries missing under the head
            LogTree(session, ENTRIES + 3, _hash(ENTRIES + 3), low=LOW, high=HIGH)


@pytest.mark.parametrize(("low", "high"), [(0, 4), (4, 4), (5, 3)])
def test_tile_heights_must_nest(log: Engine, low: int, high: int):
    with Session(log) as session, pytest.raises(ValueError, match="tile heights"):
        LogTree(session, 1, _hash(1), low=low, high=high)
