"""Seeded key generation, deterministic PSS and the chip-side Active Authentication signer."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from leveattest.samples.aa import sign_aa_challenge
from leveattest.samples.rsa_seeded import (
    SeededStream,
    derive_ec_key,
    generate_rsa_key,
    is_probable_prime,
    sign_pss_sha256,
)
from leveattest.samples.signing import BRAINPOOL_P256R1, P256_ORDER

CHALLENGE = bytes.fromhex("0123456789abcdef")


@pytest.fixture(scope="module")
def rsa1024():
    return generate_rsa_key(11, "test-aa", 1024)


def test_rsa_key_is_a_pure_function_of_seed_and_label(rsa1024):
    again = generate_rsa_key(11, "test-aa", 1024)
    other = generate_rsa_key(12, "test-aa", 1024)
    assert again.private_numbers() == rsa1024.private_numbers()
    assert other.private_numbers() != rsa1024.private_numbers()
    assert rsa1024.key_size == 1024


def test_miller_rabin_on_known_numbers():
    stream = SeededStream(1, "mr")
    assert is_probable_prime(2**127 - 1, stream)  # Mersenne prime
    assert not is_probable_prime(2**128 + 1, stream)  # Fermat F7, composite
    assert not is_probable_prime(561, stream)  # Carmichael number
    assert is_probable_prime(7919, stream)


def test_deterministic_pss_verifies_with_cryptography(rsa1024):
    salt = b"\x42" * 32
    sig = sign_pss_sha256(rsa1024, b"message", salt)
    assert sig == sign_pss_sha256(rsa1024, b"message", salt)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    rsa1024.public_key().verify(sig, b"message", pss, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        rsa1024.public_key().verify(sig, b"messagf", pss, hashes.SHA256())


def test_brainpool_constants_match_the_curve_in_cryptography():
    c = BRAINPOOL_P256R1
    g = ec.derive_private_key(1, ec.BrainpoolP256R1()).public_key().public_numbers()
    assert (g.x, g.y) == (c["x"], c["y"])
    assert (g.y**2 - g.x**3 - c["a"] * g.x - c["b"]) % c["p"] == 0
    minus_g = ec.derive_private_key(c["n"] - 1, ec.BrainpoolP256R1()).public_key()
    assert minus_g.public_numbers().y == c["p"] - c["y"]  # (n-1)G = -G: n is the order


def test_ec_key_derivation_is_deterministic():
    a = derive_ec_key(3, "x", ec.SECP256R1(), P256_ORDER)
    b = derive_ec_key(3, "x", ec.SECP256R1(), P256_ORDER)
    assert a.private_numbers().private_value == b.private_numbers().private_value


def _recover(public_key, signature: bytes) -> bytes:
    numbers = public_key.public_numbers()
    value = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n)
    return value.to_bytes(public_key.key_size // 8, "big")


@pytest.mark.parametrize(("hash_name", "trailer"), [("sha1", b"\xbc"), ("sha256", b"\x34\xcc")])
def test_rsa_aa_signature_has_iso9796_2_partial_recovery_structure(rsa1024, hash_name, trailer):
    # ISO/IEC 9796-2 scheme 1: F = 6A || M1 || H(M1 || M2) || trailer, M2 = the challenge
    sig = sign_aa_challenge(rsa1024, CHALLENGE, hash_name=hash_name)
    f = _recover(rsa1024.public_key(), sig)
    h_len = hashlib.new(hash_name).digest_size
    assert f[0] == 0x6A
    assert f.endswith(trailer)
    m1 = f[1 : -h_len - len(trailer)]
    digest = f[-h_len - len(trailer) : -len(trailer)]
    assert digest == hashlib.new(hash_name, m1 + CHALLENGE).digest()
    assert hashlib.new(hash_name, m1 + b"\x00" * 8).digest() != digest


def test_rsa_aa_signature_with_another_key_does_not_recover(rsa1024):
    other = generate_rsa_key(11, "other", 1024)
    f = _recover(rsa1024.public_key(), sign_aa_challenge(other, CHALLENGE))
    assert not (f[0] == 0x6A and f.endswith(b"\xbc"))


def test_ec_aa_signature_is_plain_r_s_and_verifies_after_der_conversion():
    key = derive_ec_key(5, "aa", ec.SECP256R1(), P256_ORDER)
    sig = sign_aa_challenge(key, CHALLENGE)
    assert len(sig) == 64
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    key.public_key().verify(der, CHALLENGE, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.public_key().verify(der, CHALLENGE[::-1], ec.ECDSA(hashes.SHA256()))
