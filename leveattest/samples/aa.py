"""Chip-side Active Authentication (ICAO 9303-11 §6.1): what the chip does with a challenge.

Used by the phone simulator and by tests of the verifier; never by the service itself.

* RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery. The
  chip picks a nonce M1, builds ``F = 0x6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer`` (trailer
  0xBC for SHA-1, 0x34CC for SHA-256, 9796-2 §8.1) as long as the modulus, and returns
  ``F^d mod n`` (raw RSA). The verifier recovers F with the public key, checks header and
  trailer, and recomputes the hash with the challenge it sent.
* EC: ECDSA over the challenge with SHA-256 (or the hash named), returned in the plain
  ``r ‖ s`` encoding of BSI TR-03111 §5.2.1, as 9303-11 §6.1 specifies.

The nonce M1 and the ECDSA nonce are derived deterministically from the key and the
challenge, so the same challenge always gives the same signature (test material).
"""

from __future__ import annotations

import hashlib
from typing import Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from leveattest.samples.rsa_seeded import rsa_private_op

HashName = Literal["sha1", "sha256"]
HEADER_PARTIAL_RECOVERY: Final = 0x6A
TRAILER: Final[dict[str, bytes]] = {"sha1": b"\xbc", "sha256": b"\x34\xcc"}
_EC_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
}


def sign_aa_challenge(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    challenge: bytes,
    *,
    hash_name: HashName | None = None,
) -> bytes:
    """The chip's response to INTERNAL AUTHENTICATE with ``challenge`` (usually 8 bytes).

    ``hash_name`` defaults to SHA-1 for RSA (the 9796-2 trailer 0xBC most chips use) and
    SHA-256 for EC.
    """
    if isinstance(private_key, rsa.RSAPrivateKey):
        return _sign_iso9796_2(private_key, challenge, hash_name or "sha1")
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return _sign_ecdsa_plain(private_key, challenge, hash_name or "sha256")
    raise TypeError("Active Authentication keys are RSA or EC")


def _sign_iso9796_2(key: rsa.RSAPrivateKey, challenge: bytes, hash_name: HashName) -> bytes:
    n = key.public_key().public_numbers().n
    k = n.bit_length()
    if k % 8:
        raise ValueError("AA RSA moduli are whole bytes (1024, 1536, 2048 bits)")
    f_len = k // 8  # F starts with 0x6A, below the modulus' top byte (>= 0x80)
    trailer = TRAILER[hash_name]
    h_len = hashlib.new(hash_name).digest_size
    m1_len = f_len - h_len - len(trailer) - 1
    if m1_len < 1:
        raise ValueError("RSA modulus too small for ISO/IEC 9796-2 with this hash")
    secret = key.private_numbers().d.to_bytes(f_len, "big")
    m1 = _expand(b"aa-nonce" + challenge + secret, m1_len)
    digest = hashlib.new(hash_name, m1 + challenge).digest()
    f = bytes([HEADER_PARTIAL_RECOVERY]) + m1 + digest + trailer
    signature = rsa_private_op(key, int.from_bytes(f, "big"))
    return signature.to_bytes((k + 7) // 8, "big")


def _sign_ecdsa_plain(
    key: ec.EllipticCurvePrivateKey, challenge: bytes, hash_name: HashName
) -> bytes:
    der = key.sign(challenge, ec.ECDSA(_EC_HASHES[hash_name](), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _expand(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]
