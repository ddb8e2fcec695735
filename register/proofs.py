"""Verify the disclosure proof of a person's access report offline (no database).

For each disclosure shown: the entry's hash is recomputed from its content and previous
hash exactly as the log computes it (``register.disclosure``), and its audit path must
lead to the Merkle root of the signed tree head; the chain head the tree head names must
be the tree's last leaf; the tree head must carry a valid register signature (ES256,
``typ: disclosure-head+jws``) from the given JWKS. Any change to an entry, a path hash,
the root, the size or the signature makes it fail, with a stable reason.

What it does not show: that no entry about the person was left out (the register finds
them by a keyed lookup only it can compute), nor that the log was not rewritten whole
with its head before the head was signed (docs/register.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from register.keys import SIGNING_ALG, canonical_json
from register.merkle import leaf_hash, verify_inclusion

TREE_HEAD_TYP = "disclosure-head+jws"
_HEX64 = frozenset("0123456789abcdef")
_ENTRY_FIELDS = (
    "seq",
    "created_at",
    "client_id",
    "relationship_id",
    "action",
    "statement_sha256",
    "subject_commitment",
)


@dataclass(frozen=True, slots=True)
class ProofVerification:
    ok: bool
    entries: int  # disclosures checked
    reason: str | None = None  # malformed | signature_invalid | entry_hash_mismatch | ...
    seq: int | None = None  # the entry that failed
    tree_size: int | None = None
    kid: str | None = None


def _hex(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or not set(value) <= _HEX64:
        raise ValueError("not a sha256 hex value")
    return bytes.fromhex(value)


def _tree_head(token: Any, jwks: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if not isinstance(token, str):
        raise TypeError("tree head missing")
    key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    obj = jws.deserialize_compact(token, key_set, algorithms=[SIGNING_ALG])
    if obj.protected.get("typ") != TREE_HEAD_TYP:
        raise JoseError("wrong typ")
    claims = json.loads(obj.payload)
    if not isinstance(claims, dict):
        raise TypeError("tree head is not an object")
    return claims, str(obj.protected.get("kid"))


def verify_access_proof(
    report: dict[str, Any], jwks: dict[str, Any] | None = None
) -> ProofVerification:
    """Check the report's ``disclosures`` against its ``proof``; ``jwks`` is the
    register's published key set (without it, the one the report carries — which shows
    only that the report is consistent, not that the register signed it)."""
    try:
        proof = report["proof"]
        keys = jwks if jwks is not None else proof["jwks"]
        try:
            head, kid = _tree_head(proof["tree_head"], keys)
        except JoseError:
            return ProofVerification(False, 0, "signature_invalid")
        size, root = int(head["tree_size"]), _hex(head["root_hash"])
        chain_seq, chain_hash = int(head["chain_head_seq"]), _hex(head["chain_head_hash"])
        chain_path = _path(proof["chain_head_path"])
        disclosures = list(report["disclosures"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return ProofVerification(False, 0, "malformed")
    if size > 0 and (
        chain_seq != size
        or not verify_inclusion(size - 1, size, leaf_hash(chain_hash.hex()), chain_path, root)
    ):
        return ProofVerification(False, 0, "chain_head_not_in_tree", tree_size=size, kid=kid)
    for count, item in enumerate(disclosures, start=1):
        try:
            entry = item["entry"]
            seq = int(entry["seq"])
            content = {name: entry[name] for name in _ENTRY_FIELDS}
            prev, claimed = _hex(entry["prev_hash"]), _hex(entry["entry_hash"])
            path = _path(item["inclusion_path"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return ProofVerification(False, count, "malformed", tree_size=size, kid=kid)
        computed = hashlib.sha256(prev.hex().encode() + canonical_json(content)).digest()
        if computed != claimed:
            return ProofVerification(False, count, "entry_hash_mismatch", seq, size, kid)
        if item.get("at") != entry["created_at"] or item.get("action") != entry["action"]:
            return ProofVerification(False, count, "summary_differs", seq, size, kid)
        if not verify_inclusion(seq - 1, size, leaf_hash(claimed.hex()), path, root):
            return ProofVerification(False, count, "not_in_tree", seq, size, kid)
    return ProofVerification(True, len(disclosures), tree_size=size, kid=kid)


def _path(values: Any) -> list[bytes]:
    if not isinstance(values, list) or len(values) > 64:
        raise ValueError("not an audit path")
    return [_hex(value) for value in values]
