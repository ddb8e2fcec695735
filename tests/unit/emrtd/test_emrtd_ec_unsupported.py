"""ECDSA on a curve or with a hash nothing here implements is refused as unsupported,
never guessed (house style: an unknown algorithm is never guessed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from leveattest.core.errors import ChipUnsupportedAlgorithmError
from leveattest.emrtd.curves import KNOWN_CURVES, KnownCurve
from leveattest.emrtd.ecverify import EcPublicKey, backend_name, verify_ecdsa

P256 = next(c for c in KNOWN_CURVES if c.name == "secp256r1")


def _generator_key(curve: KnownCurve) -> EcPublicKey:
    return EcPublicKey(curve, curve.gx, curve.gy)


def test_unknown_hash_is_unsupported() -> None:
    with pytest.raises(ChipUnsupportedAlgorithmError):
        verify_ecdsa(_generator_key(P256), "md5", 1, 1, b"data")


def test_curve_no_implementation_knows_is_unsupported() -> None:
    unknown = replace(P256, name="unknown", oid="1.3.6.1.4.1.99999.1", crypto=None)
    assert backend_name(unknown) == "ecdsa"
    with pytest.raises(ChipUnsupportedAlgorithmError, match="no implementation"):
        verify_ecdsa(_generator_key(unknown), "sha256", 1, 1, b"data")


def test_curve_whose_oid_names_other_parameters_is_unsupported() -> None:
    # the OID is P-256's but the base point differs: the pure-Python path must not
    # verify on a curve that is not the one the OID names
    other_point = replace(P256, gx=P256.gx, gy=P256.p - P256.gy, crypto=None)
    with pytest.raises(ChipUnsupportedAlgorithmError, match="parameters differ"):
        verify_ecdsa(_generator_key(other_point), "sha256", 1, 1, b"data")
