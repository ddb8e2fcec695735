"""ECDSA verification on every curve ICAO allows (FIPS 186-4 §6.4, BSI TR-03111 §4.2.1.2).

An ``EcPublicKey`` is a point of a ``KnownCurve`` (decoded and checked on the curve when it
is loaded). ``verify_ecdsa`` uses ``cryptography`` where it has the curve and the pure-Python
``ecdsa`` package where it does not (brainpoolP160r1/192r1/224r1/320r1); ``backend="pure"``
forces the latter, so the tests can show both agree. Nothing here loops on untrusted input:
the curve is one of the fixed table, the point is checked on it, r and s must lie in
[1, n-1] before any arithmetic, and the message is hashed once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from ecdsa import curves as ecdsa_curves
from ecdsa import ecdsa as ecdsa_core
from ecdsa import ellipticcurve

from leveattest.core.errors import ChipUnsupportedAlgorithmError
from leveattest.emrtd.curves import KnownCurve

Backend = Literal["auto", "pure"]
HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True, slots=True)
class EcPublicKey:
    """An EC public key: its curve and the affine point (x, y)."""

    curve: KnownCurve
    x: int
    y: int

    @classmethod
    def from_encoded(cls, curve: KnownCurve, encoded: bytes) -> EcPublicKey:
        """From an X9.62 point; off-curve or malformed points raise ``ChipDataError``."""
        x, y = curve.decode_point(encoded)
        return cls(curve, x, y)

    @property
    def point(self) -> bytes:
        size = self.curve.size
        return b"\x04" + self.x.to_bytes(size, "big") + self.y.to_bytes(size, "big")


def backend_name(curve: KnownCurve) -> str:
    """Which implementation verifies on this curve by default (for evidence)."""
    return "cryptography" if _crypto_curve(curve) is not None else "ecdsa"


@cache
def _crypto_curve(curve: KnownCurve) -> ec.EllipticCurve | None:
    """cryptography's curve when it has one and the OpenSSL build supports it."""
    if curve.crypto is None:
        return None
    try:
        ec.EllipticCurvePublicNumbers(curve.gx, curve.gy, curve.crypto).public_key()
    except (UnsupportedAlgorithm, ValueError):  # an OpenSSL build without this curve
        return None
    return curve.crypto


@cache
def _ecdsa_curve(curve: KnownCurve) -> ecdsa_curves.Curve:
    """The ``ecdsa`` package's curve with this OID, checked equal in every parameter."""
    oid = tuple(int(part) for part in curve.oid.split("."))
    try:
        found = ecdsa_curves.find_curve(oid)
    except ecdsa_curves.UnknownCurveError as exc:
        raise ChipUnsupportedAlgorithmError(
            "no implementation for curve", curve=curve.name
        ) from exc
    fp, g = found.curve, found.generator
    same = (fp.p(), fp.a() % fp.p(), fp.b() % fp.p(), g.x(), g.y(), found.order, fp.cofactor()) == (
        curve.p, curve.a, curve.b, curve.gx, curve.gy, curve.n, curve.h,
    )  # fmt: skip
    if not same:
        raise ChipUnsupportedAlgorithmError("curve parameters differ", curve=curve.name)
    return found


def _truncated_hash(curve: KnownCurve, hash_name: str, data: bytes) -> int:
    """The leftmost bitlen(n) bits of H(m) as an integer (FIPS 186-4 §6.4, SEC 1 §4.1.4)."""
    digest = hashlib.new(hash_name, data).digest()
    value = int.from_bytes(digest, "big")
    excess = 8 * len(digest) - curve.n.bit_length()
    return value >> excess if excess > 0 else value


def verify_ecdsa(
    key: EcPublicKey, hash_name: str, r: int, s: int, data: bytes, *, backend: Backend = "auto"
) -> bool:
    """Whether (r, s) is an ECDSA signature by ``key`` over ``data`` with ``hash_name``."""
    curve = key.curve
    hash_class = HASH_CLASSES.get(hash_name)
    if hash_class is None:
        raise ChipUnsupportedAlgorithmError("unsupported hash algorithm", hash=hash_name)
    if not (1 <= r < curve.n and 1 <= s < curve.n) or not curve.contains(key.x, key.y):
        return False
    crypto_curve = _crypto_curve(curve) if backend == "auto" else None
    if crypto_curve is not None:
        public = ec.EllipticCurvePublicNumbers(key.x, key.y, crypto_curve).public_key()
        try:
            public.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hash_class()))
        except InvalidSignature:
            return False
        return True
    found = _ecdsa_curve(curve)
    point = ellipticcurve.PointJacobi(found.curve, key.x, key.y, 1, curve.n)
    public_key = ecdsa_core.Public_key(found.generator, point, verify=True)
    return bool(
        public_key.verifies(_truncated_hash(curve, hash_name, data), ecdsa_core.Signature(r, s))
    )
