"""The disclosure log's Merkle tree, read through tiles (``disclosure_tree_tiles``).

A person's access report proves each of their disclosures into a tree over every entry of
the log (``register.merkle``). Reading every entry's hash for that costs O(n): at tens of
millions of entries, minutes and gigabytes per report. Here the tree is read as
Certificate Transparency logs keep theirs: the hashes of perfect subtrees of 2**10 and
2**20 leaves ("tiles", aligned to their size, so each is a node of the tree) are stored
once their leaves exist — the log is append-only, so a tile never changes — and a root or
an audit path needs O(log n) tiles plus the entries of the one or two tiles it descends
into. Tiles missing when a report asks (the log grew since the last report) are made
then, from their entries, and stored for the next.

The tiles are a cache of what the entries say: ``leveattest register verify-log`` checks
the chain itself, and the signed tree head binds the root to the chain's head, which the
report checks against the last entry read here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from register.db.models import DisclosureEntry, DisclosureTreeTile
from register.errors import DisclosureLogUnavailableError
from register.merkle import MerkleTree, leaf_hash, path_from, root_from, subtree_hash

LOW = 10  # a tile of 1,024 entries
HIGH = 20  # a tile of 1,024 low tiles (1,048,576 entries)


class LogTree:
    """The tree over the first ``size`` entries of the log (seq 1 .. size), whose last
    entry must have ``head_hash``; tiles read and made within ``session``'s transaction."""

    def __init__(
        self, session: Session, size: int, head_hash: str, *, low: int = LOW, high: int = HIGH
    ) -> None:
        if not 0 < low < high:
            raise ValueError("tile heights: 0 < low < high")
        self._session = session
        self._lo_h, self._hi_h = low, high
        self.size = size
        self._blocks: dict[int, list[bytes]] = {}  # low-tile index → its leaves
        self._low: dict[int, dict[int, bytes]] = {}  # high-tile index → its low tiles
        self._high = self._stored(self._hi_h, 0, size >> self._hi_h)
        self._made: list[dict[str, object]] = []
        self._last_entry_hash = ""
        if size:
            # the last tile's entries, the head's among them
            self._leaves_of((size - 1) >> self._lo_h)
            if self._last_entry_hash != head_hash:
                # an altered log: no proof is signed over it (verify-log tells where)
                raise DisclosureLogUnavailableError()

    # -- the tree ---------------------------------------------------------------------------

    def root(self) -> bytes:
        return root_from(self.size, self._node)

    def path(self, index: int) -> list[bytes]:
        return path_from(index, self.size, self._node)

    def save(self) -> int:
        """Store the tiles made while answering (once; a concurrent report may have stored
        the same tile: it has the same hash). Returns how many were new here."""
        made, self._made = self._made, []
        if not made:
            return 0
        dialect = self._session.get_bind().dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = insert(DisclosureTreeTile).on_conflict_do_nothing(
            index_elements=["height", "index"]
        )
        self._session.execute(statement, made)
        return len(made)

    def _node(self, lo: int, hi: int) -> bytes | None:
        width = hi - lo
        if width == 1:
            return self._leaves_of(lo >> self._lo_h)[lo & ((1 << self._lo_h) - 1)]
        if width == 1 << self._hi_h and lo % width == 0:
            return self._high_tile(lo >> self._hi_h)
        if width == 1 << self._lo_h and lo % width == 0:
            return self._low_tile(lo >> self._lo_h)
        if (lo >> self._lo_h) != ((hi - 1) >> self._lo_h):
            return None  # across tiles: split, the tiles below it answer
        block = lo >> self._lo_h
        base = block << self._lo_h  # inside one tile: from its leaves, held in memory
        return MerkleTree(self._leaves_of(block)[lo - base : hi - base]).root

    # -- tiles --------------------------------------------------------------------------------

    def _high_tile(self, index: int) -> bytes:
        found = self._high.get(index)
        if found is None:
            lo = index << self._hi_h
            found = subtree_hash(lo, lo + (1 << self._hi_h), self._node_below_high)
            self._remember(self._hi_h, index, found, self._high)
        return found

    def _node_below_high(self, lo: int, hi: int) -> bytes | None:
        # making a high tile: from its low tiles, never from itself
        if hi - lo == 1 << self._hi_h:
            return None
        return self._node(lo, hi)

    def _low_tile(self, index: int) -> bytes:
        tiles = self._low_tiles(index >> (self._hi_h - self._lo_h))
        found = tiles.get(index)
        if found is None:
            found = MerkleTree(self._leaves_of(index)).root
            self._remember(self._lo_h, index, found, tiles)
        return found

    def _low_tiles(self, high: int) -> dict[int, bytes]:
        if high not in self._low:
            first = high << (self._hi_h - self._lo_h)
            last = min(first + (1 << (self._hi_h - self._lo_h)), self.size >> self._lo_h)
            self._low[high] = self._stored(self._lo_h, first, last)
        return self._low[high]

    def _remember(self, height: int, index: int, value: bytes, into: dict[int, bytes]) -> None:
        into[index] = value
        self._made.append({"height": height, "index": index, "hash": value})

    def _stored(self, height: int, first: int, last: int) -> dict[int, bytes]:
        """The stored tiles of ``height`` with ``first <= index < last``."""
        if last <= first:
            return {}
        rows = self._session.execute(
            select(DisclosureTreeTile.index, DisclosureTreeTile.hash).where(
                DisclosureTreeTile.height == height,
                DisclosureTreeTile.index >= first,
                DisclosureTreeTile.index < last,
            )
        ).all()
        return {int(index): bytes(value) for index, value in rows}

    # -- entries ------------------------------------------------------------------------------

    def _leaves_of(self, block: int) -> list[bytes]:
        """The leaves of low tile ``block`` (fewer for the log's last, unfinished one)."""
        if block not in self._blocks:
            lo = block << self._lo_h
            hi = min(lo + (1 << self._lo_h), self.size)
            hashes = self._session.scalars(
                select(DisclosureEntry.entry_hash)
                .where(DisclosureEntry.seq > lo, DisclosureEntry.seq <= hi)
                .order_by(DisclosureEntry.seq)
            ).all()
            if len(hashes) != hi - lo:
                raise DisclosureLogUnavailableError()  # a cut log
            if hi == self.size:
                self._last_entry_hash = hashes[-1]
            self._blocks[block] = [leaf_hash(h) for h in hashes]
        return self._blocks[block]
