"""Deterministic key material for the synthetic PKI: a seeded byte stream, RSA and EC keys.

Everything here is for *synthetic test material only*. The byte stream is SHA-256 in
counter mode over (seed, label), so every key is a pure function of the seed and its
label; RSA primes come from our own Miller–Rabin search over that stream. Raw RSA
(``rsa_private_op``) is a plain ``pow`` and not constant-time: fine for test keys, never
for production keys.
"""

from __future__ import annotations

import hashlib
import math
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec, rsa

_SIEVE_LIMIT: Final = 8000
_SMALL_PRIMES: Final = tuple(
    p for p in range(3, _SIEVE_LIMIT) if all(p % q for q in range(2, int(p**0.5) + 1))
)
_SMALL_PRIMES_PRODUCT: Final = math.prod(_SMALL_PRIMES)
# FIPS 186-5 appendix B.3 / table B.1: for random (not adversarial) candidates of 512 bits
# or more, 8 Miller-Rabin rounds bring the error probability far below 2^-100
_MR_ROUNDS: Final = 8
PUBLIC_EXPONENT: Final = 65537


class SeededStream:
    """An endless deterministic byte stream: SHA-256(seed ‖ label ‖ counter) blocks."""

    def __init__(self, seed: int, label: str) -> None:
        self._prefix = f"leveattest-samples/{seed}/{label}/".encode()
        self._counter = 0
        self._buffer = b""

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._buffer += block
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def int_bits(self, bits: int) -> int:
        """A uniformly random integer of at most ``bits`` bits."""
        raw = int.from_bytes(self.read((bits + 7) // 8), "big")
        return raw >> (8 * ((bits + 7) // 8) - bits)

    def below(self, upper: int) -> int:
        """A uniformly random integer in [0, upper) (rejection sampling)."""
        bits = upper.bit_length()
        while True:
            value = self.int_bits(bits)
            if value < upper:
                return value


def is_probable_prime(n: int, stream: SeededStream, rounds: int = _MR_ROUNDS) -> bool:
    """Miller–Rabin with witnesses drawn from ``stream`` (after trial division)."""
    if n < 2:
        return False
    if n < _SIEVE_LIMIT:
        return n == 2 or (n % 2 == 1 and n in _SMALL_PRIMES)
    if n % 2 == 0 or math.gcd(n, _SMALL_PRIMES_PRODUCT) != 1:
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + stream.below(n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, stream: SeededStream) -> int:
    while True:
        # top two bits set so that p*q has exactly 2*bits bits; odd
        candidate = stream.int_bits(bits) | (0b11 << (bits - 2)) | 1
        if candidate % PUBLIC_EXPONENT == 1:
            continue  # gcd(e, p-1) must be 1
        if is_probable_prime(candidate, stream):
            return candidate


def generate_rsa_key(seed: int, label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key that is a pure function of (seed, label, bits)."""
    stream = SeededStream(seed, f"rsa{bits}/{label}")
    e = PUBLIC_EXPONENT
    while True:
        p = _prime(bits // 2, stream)
        q = _prime(bits - bits // 2, stream)
        if p == q:
            continue
        p, q = max(p, q), min(p, q)
        n = p * q
        if n.bit_length() != bits:
            continue
        phi = (p - 1) * (q - 1)
        d = pow(e, -1, phi)
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=d % (p - 1),
            dmq1=d % (q - 1),
            iqmp=pow(q, -1, p),
            public_numbers=rsa.RSAPublicNumbers(e, n),
        )
        return numbers.private_key()


def derive_ec_key(
    seed: int, label: str, curve: ec.EllipticCurve, order: int
) -> ec.EllipticCurvePrivateKey:
    """An EC key whose scalar is a pure function of (seed, label): 1 <= d < order."""
    stream = SeededStream(seed, f"ec/{curve.name}/{label}")
    scalar = 1 + stream.below(order - 1)
    return ec.derive_private_key(scalar, curve)


def rsa_private_op(key: rsa.RSAPrivateKey, value: int) -> int:
    """Raw RSA signature primitive (RSASP1, RFC 8017 §5.2.1) with CRT. Not constant-time."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    if not 0 <= value < n:
        raise ValueError("message representative out of range")
    m1 = pow(value, numbers.dmp1, numbers.p)
    m2 = pow(value, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    return m2 + h * numbers.q


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def sign_pss_sha256(key: rsa.RSAPrivateKey, message: bytes, salt: bytes) -> bytes:
    """RSASSA-PSS (RFC 8017 §8.1) with SHA-256, MGF1-SHA-256 and a caller-chosen salt.

    The sample generator derives the salt from the seed so that PSS signatures are
    reproducible; they verify with any PSS verifier (salt length = len(salt)).
    """
    n = key.public_key().public_numbers().n
    mod_bits = n.bit_length()
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha256(message).digest()
    h_len, s_len = len(m_hash), len(salt)
    if em_len < h_len + s_len + 2:
        raise ValueError("key too small for this salt length")
    h = hashlib.sha256(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - s_len - h_len - 2) + b"\x01" + salt
    mask = _mgf1(h, em_len - h_len - 1)
    masked = bytearray(x ^ y for x, y in zip(db, mask, strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    em = bytes(masked) + h + b"\xbc"
    signature = rsa_private_op(key, int.from_bytes(em, "big"))
    return signature.to_bytes((mod_bits + 7) // 8, "big")
