"""Algorithms and keys the chip verifier refuses rather than guesses (house style: an
unknown algorithm is never guessed; RFC 4055 for RSASSA-PSS)."""

from __future__ import annotations

import pytest
from asn1crypto import algos, keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa

from leveattest.core.errors import ChipUnsupportedAlgorithmError
from leveattest.emrtd.crypto import digest, load_public_key, resolve_scheme


def _pss(**params: object) -> algos.SignedDigestAlgorithm:
    return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params or None})


def test_unknown_hash_name_is_unsupported() -> None:
    with pytest.raises(ChipUnsupportedAlgorithmError):
        digest("md5", b"data")


def test_pss_without_parameters_takes_the_rfc_4055_defaults() -> None:
    scheme = resolve_scheme(_pss())
    assert (scheme.kind, scheme.hash, scheme.mgf_hash, scheme.salt_length) == (
        "rsassa_pss", "sha1", "sha1", 20,
    )  # fmt: skip


def test_pss_with_a_mask_generation_function_other_than_mgf1_is_unsupported() -> None:
    params = {
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {
            "algorithm": "1.2.3.4",
            "parameters": algos.DigestAlgorithm({"algorithm": "sha256"}),
        },
        "salt_length": 32,
    }
    with pytest.raises(ChipUnsupportedAlgorithmError, match="mask generation"):
        resolve_scheme(_pss(**params))


def test_pss_with_a_trailer_field_other_than_bc_is_unsupported() -> None:
    params = {
        "hash_algorithm": {"algorithm": "sha256"},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
        "salt_length": 32,
        "trailer_field": 2,
    }
    with pytest.raises(ChipUnsupportedAlgorithmError, match="trailer"):
        resolve_scheme(_pss(**params))


def test_dsa_key_is_an_unsupported_public_key_algorithm() -> None:
    der = (
        dsa.generate_private_key(key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ChipUnsupportedAlgorithmError, match="public key algorithm"):
        load_public_key(keys.PublicKeyInfo.load(der))


def test_ec_key_with_implicitly_ca_parameters_is_unsupported() -> None:
    info = keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "ec", "parameters": ("implicit_ca", None)},
            "public_key": b"\x04" + bytes(64),
        }
    )
    with pytest.raises(ChipUnsupportedAlgorithmError, match="implicitly-CA"):
        load_public_key(keys.PublicKeyInfo.load(info.dump()))
