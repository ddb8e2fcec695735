"""Chip-side Active Authentication (ICAO 9303-11 §6.1), as the simulated phone's chip does it.

* RSA: ISO/IEC 9796-2 digital signature scheme 1, partial message recovery, SHA-1 with
  trailer 0xBC: ``F = 0x6A ‖ M1 ‖ SHA1(M1 ‖ nonce) ‖ 0xBC`` as long as the modulus,
  signed with the raw RSA private operation ``F^d mod n``.
* EC: ECDSA with SHA-256 over the nonce, returned as plain ``r ‖ s`` (BSI TR-03111).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_private_key

ChipKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def load_aa_key(path: Path) -> ChipKey:
    """The sample's AA private key (PEM; text before the PEM block is ignored)."""
    data = path.read_bytes()
    start = data.find(b"-----BEGIN")
    key = load_pem_private_key(data[start if start >= 0 else 0 :], None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("Active Authentication keys are RSA or EC")
    return key


def sign_nonce(key: ChipKey, nonce: bytes) -> bytes:
    """The chip's answer to INTERNAL AUTHENTICATE with ``nonce``."""
    if isinstance(key, rsa.RSAPrivateKey):
        return _sign_rsa_9796(key, nonce)
    der = key.sign(nonce, ec.ECDSA(SHA256()))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _sign_rsa_9796(key: rsa.RSAPrivateKey, nonce: bytes) -> bytes:
    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    k = n.bit_length()
    if k % 8:
        raise ValueError("AA RSA moduli are whole bytes")
    f_len = k // 8
    m1 = secrets.token_bytes(f_len - 20 - 1 - 1)  # header, SHA-1 digest, trailer
    f = b"\x6a" + m1 + hashlib.sha1(m1 + nonce).digest() + b"\xbc"  # noqa: S324 - 9796-2 AA
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(f_len, "big")
