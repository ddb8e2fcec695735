"""A Merkle tree over the disclosure log's entry hashes (RFC 9162 §2.1, as Certificate
Transparency does it), so that a person's entries can be shown to belong to the log with a
few hashes each instead of the whole chain.

The log itself stays a hash chain (``register.disclosure``); the tree is computed over its
``entry_hash`` values in ``seq`` order (leaf *i* is the entry with seq *i + 1*). A leaf is
``sha256(0x00 || entry_hash)``, an inner node ``sha256(0x01 || left || right)``, and a
tree of *n* leaves splits at the largest power of two below *n*. Pure functions: no
database, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

_LEAF, _NODE = b"\x00", b"\x01"


def leaf_hash(entry_hash_hex: str) -> bytes:
    return hashlib.sha256(_LEAF + bytes.fromhex(entry_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Every level of the tree over ``leaves`` (already leaf-hashed), built once: the root
    and any number of audit paths then cost no more hashing (a report with many entries
    used to rebuild the tree for each path)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._levels: list[list[bytes]] = [list(leaves)]
        level = self._levels[0]
        # bottom-up: pairing neighbours and carrying an odd last node up gives exactly the
        # RFC 9162 tree (the split at the largest power of two), without recursion
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            self._levels.append(paired)
            level = paired

    @property
    def root(self) -> bytes:
        """The Merkle tree hash; sha256(b"") when empty."""
        if not self.size:
            return hashlib.sha256(b"").digest()
        return self._levels[-1][0]

    def path(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index``: the sibling hashes from the leaf up (RFC 9162
        §2.1.3.1)."""
        if not 0 <= index < self.size:
            raise ValueError("leaf index outside the tree")
        path: list[bytes] = []
        position = index
        for level in self._levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            position //= 2
        return path


# -- trees too large to hold: subtrees from a store ------------------------------------
#
# ``NodeSource(lo, hi)`` gives the hash of the subtree over leaves ``lo .. hi - 1`` when it
# knows it directly (a leaf; a cached perfect subtree), else None and the subtree is
# split as the tree splits it. Every perfect subtree whose size is a power of two and
# whose start is a multiple of it is a node of the RFC 9162 tree, so a store of such
# "tiles" (as Certificate Transparency logs keep them) gives the root and any audit path
# with O(log n) tiles and the leaves of one tile instead of every leaf.

NodeSource = Callable[[int, int], "bytes | None"]


def subtree_hash(lo: int, hi: int, node: NodeSource) -> bytes:
    """The hash of the subtree over leaves ``lo .. hi - 1`` (hi > lo)."""
    known = node(lo, hi)
    if known is not None:
        return known
    if hi - lo == 1:
        raise ValueError("a leaf the node source does not know")
    k = _split(hi - lo)
    return node_hash(subtree_hash(lo, lo + k, node), subtree_hash(lo + k, hi, node))


def root_from(size: int, node: NodeSource) -> bytes:
    """The Merkle tree hash of a tree of ``size`` leaves; sha256(b"") when empty."""
    if size == 0:
        return hashlib.sha256(b"").digest()
    return subtree_hash(0, size, node)


def path_from(index: int, size: int, node: NodeSource) -> list[bytes]:
    """The audit path of leaf ``index`` in a tree of ``size`` leaves, from the leaf up
    (RFC 9162 §2.1.3.1, PATH(m, D[n]))."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    siblings: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            siblings.append(subtree_hash(lo + k, hi, node))
            hi = lo + k
        else:
            siblings.append(subtree_hash(lo, lo + k, node))
            lo = lo + k
    return siblings[::-1]


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of the leaves (already leaf-hashed); sha256(b"") when empty."""
    return MerkleTree(leaves).root


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` (one path; build a :class:`MerkleTree` for many)."""
    return MerkleTree(leaves).path(index)


def verify_inclusion(
    index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``path`` proves leaf ``index`` of a tree of ``tree_size`` leaves has
    ``root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(sibling, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
