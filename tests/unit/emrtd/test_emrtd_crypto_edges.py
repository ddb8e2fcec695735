"""Signature schemes and keys at the edges: SODs that name only the key type, malformed
algorithm identifiers, non-canonical ECDSA encodings, key and scheme mismatches, and the
ECDSA hash that goes with each curve size (BSI TR-03111 §4.1.1)."""

from __future__ import annotations

import pytest
from asn1crypto import algos, core, keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from leveattest.core.errors import ChipUnsupportedAlgorithmError
from leveattest.emrtd.crypto import (
    SignatureScheme,
    default_ecdsa_hash,
    ecdsa_scheme_for_oid,
    key_description,
    load_public_key,
    resolve_scheme,
    verify_signature,
)
from leveattest.emrtd.curves import curve_for_oid
from leveattest.emrtd.ecverify import EcPublicKey

SHA256 = "2.16.840.1.101.3.4.2.1"


def _ec_key(curve: ec.EllipticCurve) -> tuple[ec.EllipticCurvePrivateKey, object]:
    private = ec.generate_private_key(curve)
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, load_public_key(keys.PublicKeyInfo.load(spki))


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("1.2.840.113549.1.1.1", "rsa_pkcs1v15"), ("1.2.840.10045.2.1", "ecdsa")],
)
def test_a_key_type_with_the_signer_info_digest_names_the_scheme(algorithm: str, kind: str) -> None:
    identifier = algos.SignedDigestAlgorithm({"algorithm": algorithm})
    assert resolve_scheme(identifier, SHA256) == SignatureScheme(kind, "sha256")


def test_a_key_type_with_an_unknown_digest_is_unsupported() -> None:
    identifier = algos.SignedDigestAlgorithm({"algorithm": "1.2.840.113549.1.1.1"})
    with pytest.raises(ChipUnsupportedAlgorithmError, match="hash"):
        resolve_scheme(identifier, "1.2.3.4")


def test_an_algorithm_identifier_that_is_no_structure_is_malformed() -> None:
    with pytest.raises(ChipUnsupportedAlgorithmError, match="malformed"):
        resolve_scheme(core.Null())


def test_a_ber_but_not_der_ecdsa_signature_is_not_accepted() -> None:
    private, key = _ec_key(ec.SECP256R1())
    der = private.sign(b"data", ec.ECDSA(hashes.SHA256()))
    # the same INTEGERs with a long-form length: BER, not DER
    body = der[2:]
    padded = b"\x30\x81" + bytes([len(body)]) + body
    scheme = SignatureScheme("ecdsa", "sha256")
    assert verify_signature(key, scheme, der, b"data") == (True, "der")
    assert verify_signature(key, scheme, padded, b"data") == (False, None)


def test_an_unknown_scheme_kind_is_refused() -> None:
    rsa_key = rsa.generate_private_key(65537, 1024).public_key()
    with pytest.raises(ChipUnsupportedAlgorithmError, match="scheme"):
        verify_signature(rsa_key, SignatureScheme("dsa", "sha256"), b"x", b"data")


def test_an_rsa_scheme_with_an_ec_key_is_refused() -> None:
    _, key = _ec_key(ec.SECP256R1())
    with pytest.raises(ChipUnsupportedAlgorithmError, match="non-RSA"):
        verify_signature(key, SignatureScheme("rsa_pkcs1v15", "sha256"), b"x", b"data")


def test_a_pss_signature_verifies() -> None:
    private = rsa.generate_private_key(65537, 1024)
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    signature = private.sign(b"data", pss, hashes.SHA256())
    scheme = SignatureScheme("rsassa_pss", "sha256", "sha256", 32)
    assert verify_signature(private.public_key(), scheme, signature, b"data") == (True, None)


def test_key_descriptions_name_type_size_and_curve_without_key_material() -> None:
    rsa_key = rsa.generate_private_key(65537, 1024).public_key()
    assert key_description(rsa_key) == {"key_type": "rsa", "key_bits": 1024}
    _, key = _ec_key(ec.SECP256R1())
    described = key_description(key)
    assert described["key_type"] == "ec"
    assert described["key_bits"] == 256


@pytest.mark.parametrize(
    ("oid", "plain", "hash_name"),
    [
        ("0.4.0.127.0.7.1.1.4.1.3", True, "sha256"),
        ("1.2.840.10045.4.3.2", False, "sha256"),
    ],
)
def test_active_authentication_names_plain_or_der_ecdsa(
    oid: str, plain: bool, hash_name: str
) -> None:
    scheme = ecdsa_scheme_for_oid(oid)
    assert (scheme.plain_ecdsa, scheme.hash) == (plain, hash_name)


def test_active_authentication_with_another_algorithm_is_unsupported() -> None:
    with pytest.raises(ChipUnsupportedAlgorithmError):
        ecdsa_scheme_for_oid("1.2.840.113549.1.1.11")


@pytest.mark.parametrize(
    ("oid", "hash_name"),
    [
        ("1.3.36.3.3.2.8.1.1.1", "sha1"),  # brainpoolP160r1
        ("1.3.36.3.3.2.8.1.1.5", "sha224"),  # brainpoolP224r1
        ("1.2.840.10045.3.1.7", "sha256"),  # P-256
        ("1.3.36.3.3.2.8.1.1.9", "sha384"),  # brainpoolP320r1
        ("1.3.132.0.34", "sha384"),  # P-384
        ("1.3.132.0.35", "sha512"),  # P-521
    ],
)
def test_the_default_ecdsa_hash_follows_the_curve_size(oid: str, hash_name: str) -> None:
    curve = curve_for_oid(oid)
    key = EcPublicKey(curve, curve.gx, curve.gy)
    assert default_ecdsa_hash(key) == hash_name
