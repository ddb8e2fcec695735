"""Active Authentication's RSA answer, ISO/IEC 9796-2 scheme 1 (ICAO 9303-11 §6.1): each
reason a signature is refused, on representatives crafted with the AA key itself."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from emrtd_builder import aa_key, sign_iso9796_2

from leveattest.emrtd.active import verify_iso9796_2

CHALLENGE = b"\x01\x02\x03\x04\x05\x06\x07\x08"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    private = aa_key("rsa1024")
    assert isinstance(private, rsa.RSAPrivateKey)
    return private


def _sign_raw(key: rsa.RSAPrivateKey, representative: bytes) -> bytes:
    numbers = key.private_numbers()
    value = pow(int.from_bytes(representative, "big"), numbers.d, numbers.public_numbers.n)
    return value.to_bytes(key.key_size // 8, "big")


def _representative(key: rsa.RSAPrivateKey, *, header: int = 0x6A, trailer: bytes = b"\xbc",
                    digest: bytes | None = None) -> bytes:  # fmt: skip
    size = key.key_size // 8
    m1 = bytes(range(size - 1 - 20 - len(trailer)))
    digest = hashlib.sha1(m1 + CHALLENGE).digest() if digest is None else digest
    return bytes([header]) + m1 + digest + trailer


@pytest.mark.parametrize("hash_name", ["sha1", "sha256", "sha384", "sha512", "sha224"])
def test_signature_over_the_challenge_verifies_with_its_hash(
    key: rsa.RSAPrivateKey, hash_name: str
) -> None:
    ok, evidence = verify_iso9796_2(
        key.public_key(), CHALLENGE, sign_iso9796_2(key, CHALLENGE, hash_name)
    )
    assert ok
    assert evidence["hash"] == hash_name


def test_crafted_representative_verifies(key: rsa.RSAPrivateKey) -> None:
    # the helper below builds what a chip builds: the refusals that follow differ in one part
    assert verify_iso9796_2(key.public_key(), CHALLENGE, _sign_raw(key, _representative(key)))[0]


def test_signature_over_another_challenge_is_refused(key: rsa.RSAPrivateKey) -> None:
    ok, evidence = verify_iso9796_2(key.public_key(), b"\x09" * 8, sign_iso9796_2(key, CHALLENGE))
    assert not ok
    assert "problem" not in evidence


@pytest.mark.parametrize("length", [127, 129])
def test_signature_of_the_wrong_length_is_refused(key: rsa.RSAPrivateKey, length: int) -> None:
    ok, evidence = verify_iso9796_2(key.public_key(), CHALLENGE, b"\x01" * length)
    assert (ok, evidence["problem"]) == (False, "signature_length")


def test_signature_not_below_the_modulus_is_refused(key: rsa.RSAPrivateKey) -> None:
    n = key.public_key().public_numbers().n
    ok, evidence = verify_iso9796_2(key.public_key(), CHALLENGE, n.to_bytes(128, "big"))
    assert (ok, evidence["problem"]) == (False, "signature_length")


@pytest.mark.parametrize("trailer", [b"\x0c", b"\x99\xcc"], ids=["no-trailer", "unknown-hash-id"])
def test_representative_without_a_known_trailer_is_refused(
    key: rsa.RSAPrivateKey, trailer: bytes
) -> None:
    signature = _sign_raw(key, _representative(key, trailer=trailer))
    ok, evidence = verify_iso9796_2(key.public_key(), CHALLENGE, signature)
    assert (ok, evidence["problem"]) == (False, "trailer")


def test_representative_without_the_partial_recovery_header_is_refused(
    key: rsa.RSAPrivateKey,
) -> None:
    signature = _sign_raw(key, _representative(key, header=0x4A))
    ok, evidence = verify_iso9796_2(key.public_key(), CHALLENGE, signature)
    assert (ok, evidence["problem"]) == (False, "header")


def test_representative_with_another_digest_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = _sign_raw(key, _representative(key, digest=bytes(20)))
    ok, evidence = verify_iso9796_2(key.public_key(), CHALLENGE, signature)
    assert not ok
    assert evidence["hash"] == "sha1"


def test_signature_sent_as_n_minus_s_verifies(key: rsa.RSAPrivateKey) -> None:
    # ISO 9796-2 lets the signer send min(s, n - s); the verifier then recovers n - m
    n = key.public_key().public_numbers().n
    s = int.from_bytes(sign_iso9796_2(key, CHALLENGE), "big")
    other = (n - s).to_bytes(128, "big")
    assert verify_iso9796_2(key.public_key(), CHALLENGE, other)[0]
