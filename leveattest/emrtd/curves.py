"""The elliptic curves ICAO allows, named or given by explicit domain parameters.

ICAO 9303-11 §9.4 / 9303-12 §4.1.6 and BSI TR-03111 §4.1 allow the Brainpool r1 curves
(RFC 5639 §3) P160 … P512 and the NIST curves (FIPS 186-4 D.1.2) P-192 … P-521.
9303-12 §4.1.6.2 asks for *explicit* domain parameters in CSCA, DSC and DG15 keys, so a key
names its curve either by OID or by spelling out p, a, b, G, n and h. An explicit curve is
mapped to an entry of ``KNOWN_CURVES`` only when **all** of them are equal (h, OPTIONAL in
X9.62, is compared when present; it follows from the others); any other curve is refused,
never guessed — a key on a curve we do not know is never treated as one we do.

Constants from ``openssl ecparam -name <curve> -param_enc explicit``, cross-checked in the
tests against the ``ecdsa`` package and ``cryptography``. ``crypto`` names the
``cryptography`` curve where it has one; the others are verified in pure Python
(``ecverify``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from ecdsa import numbertheory

from leveattest.core.errors import ChipDataError, ChipUnsupportedAlgorithmError

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)
# the largest field element (P-521: 66 bytes); longer explicit parameters match nothing
MAX_FIELD_BYTES = 66


@dataclass(frozen=True, slots=True)
class KnownCurve:
    """A prime-field curve y² = x³ + ax + b (mod p) with base point G of order n."""

    name: str  # the OpenSSL / cryptography name
    oid: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int
    crypto: ec.EllipticCurve | None  # cryptography's curve, where it has one

    @property
    def bits(self) -> int:
        return self.p.bit_length()

    @property
    def size(self) -> int:
        """Bytes of a field element (SEC 1 §2.3.5)."""
        return (self.bits + 7) // 8

    @property
    def order_size(self) -> int:
        """Bytes of r and s in a plain signature (BSI TR-03111 §5.2.1)."""
        return (self.n.bit_length() + 7) // 8

    @property
    def g(self) -> bytes:
        """The base point, uncompressed (04 || x || y)."""
        return b"\x04" + self.gx.to_bytes(self.size, "big") + self.gy.to_bytes(self.size, "big")

    @property
    def g_compressed(self) -> bytes:
        return bytes([2 | (self.gy & 1)]) + self.gx.to_bytes(self.size, "big")

    def contains(self, x: int, y: int) -> bool:
        """Whether (x, y) is an affine point of the curve (not the point at infinity)."""
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def decode_point(self, encoded: bytes) -> tuple[int, int]:
        """(x, y) of an X9.62 / SEC 1 §2.3.4 point, compressed or not; off-curve, infinity,
        hybrid or wrong-length encodings raise ``ChipDataError``."""
        size = self.size
        if len(encoded) == 1 + 2 * size and encoded[0] == 4:
            x = int.from_bytes(encoded[1 : 1 + size], "big")
            y = int.from_bytes(encoded[1 + size :], "big")
        elif len(encoded) == 1 + size and encoded[0] in (2, 3):
            x = int.from_bytes(encoded[1:], "big")
            y = self._y_for(x, encoded[0] & 1)
        else:
            raise ChipDataError("malformed EC point encoding", curve=self.name)
        if not self.contains(x, y):
            raise ChipDataError("EC point is not on its curve", curve=self.name)
        return x, y

    def _y_for(self, x: int, parity: int) -> int:
        if not 0 <= x < self.p:
            raise ChipDataError("EC point is not on its curve", curve=self.name)
        rhs = (x * x * x + self.a * x + self.b) % self.p
        try:  # bounded: p is one of the fixed primes below, never taken from the input
            y = numbertheory.square_root_mod_prime(rhs, self.p)
        except numbertheory.Error as exc:
            raise ChipDataError("EC point is not on its curve", curve=self.name) from exc
        y = int(y)
        return y if (y & 1) == parity else (self.p - y) % self.p


def _curve(
    name: str,
    oid: str,
    *,
    p: str,
    a: str,
    b: str,
    gx: str,
    gy: str,
    n: str,
    h: int,
    crypto: ec.EllipticCurve | None,
) -> KnownCurve:
    return KnownCurve(
        name, oid, int(p, 16), int(a, 16), int(b, 16), int(gx, 16), int(gy, 16), int(n, 16), h,
        crypto,
    )  # fmt: skip


KNOWN_CURVES: tuple[KnownCurve, ...] = (
    _curve(
        "brainpoolP160r1",
        "1.3.36.3.3.2.8.1.1.1",
        p="e95e4a5f737059dc60dfc7ad95b3d8139515620f",
        a="340e7be2a280eb74e2be61bada745d97e8f7c300",
        b="1e589a8595423412134faa2dbdec95c8d8675e58",
        gx="bed5af16ea3f6a4f62938c4631eb5af7bdbcdbc3",
        gy="1667cb477a1a8ec338f94741669c976316da6321",
        n="e95e4a5f737059dc60df5991d45029409e60fc09",
        h=1,
        crypto=None,
    ),
    _curve(
        "brainpoolP192r1",
        "1.3.36.3.3.2.8.1.1.3",
        p="c302f41d932a36cda7a3463093d18db78fce476de1a86297",
        a="6a91174076b1e0e19c39c031fe8685c1cae040e5c69a28ef",
        b="469a28ef7c28cca3dc721d044f4496bcca7ef4146fbf25c9",
        gx="c0a0647eaab6a48753b033c56cb0f0900a2f5c4853375fd6",
        gy="14b690866abd5bb88b5f4828c1490002e6773fa2fa299b8f",
        n="c302f41d932a36cda7a3462f9e9e916b5be8f1029ac4acc1",
        h=1,
        crypto=None,
    ),
    _curve(
        "brainpoolP224r1",
        "1.3.36.3.3.2.8.1.1.5",
        p="d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
        a="68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
        b="2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
        gx="0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
        gy="58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
        n="d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f",
        h=1,
        crypto=None,
    ),
    _curve(
        "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.7",
        p="a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        a="7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
        b="26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
        gx="8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
        gy="547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
        n="a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
        h=1,
        crypto=ec.BrainpoolP256R1(),
    ),
    _curve(
        "brainpoolP320r1",
        "1.3.36.3.3.2.8.1.1.9",
        p=("d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27"),
        a=("3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4"),
        b=("520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6"),
        gx=("43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611"),
        gy=("14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1"),
        n=("d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311"),
        h=1,
        crypto=None,
    ),
    _curve(
        "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.11",
        p=(
            "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729"
            "901d1a71874700133107ec53"
        ),
        a=(
            "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a"
            "503ad4eb04a8c7dd22ce2826"
        ),
        b=(
            "4a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb439029"
            "5dbc9943ab78696fa504c11"
        ),
        gx=(
            "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e034"
            "36d646aaef87b2e247d4af1e"
        ),
        gy=(
            "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e464621"
            "7791811142820341263c5315"
        ),
        n=(
            "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af"
            "6b7fc3103b883202e9046565"
        ),
        h=1,
        crypto=ec.BrainpoolP384R1(),
    ),
    _curve(
        "brainpoolP512r1",
        "1.3.36.3.3.2.8.1.1.13",
        p=(
            "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b00"
            "9bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3"
        ),
        a=(
            "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5a"
            "a8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca"
        ),
        b=(
            "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9"
            "e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723"
        ),
        gx=(
            "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78"
            "e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822"
        ),
        gy=(
            "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde49"
            "4a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892"
        ),
        n=(
            "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c41"
            "4ca92619418661197fac10471db1d381085ddaddb58796829ca90069"
        ),
        h=1,
        crypto=ec.BrainpoolP512R1(),
    ),
    _curve(
        "secp192r1",
        "1.2.840.10045.3.1.1",
        p="fffffffffffffffffffffffffffffffeffffffffffffffff",
        a="fffffffffffffffffffffffffffffffefffffffffffffffc",
        b="64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1",
        gx="188da80eb03090f67cbf20eb43a18800f4ff0afd82ff1012",
        gy="07192b95ffc8da78631011ed6b24cdd573f977a11e794811",
        n="ffffffffffffffffffffffff99def836146bc9b1b4d22831",
        h=1,
        crypto=ec.SECP192R1(),
    ),
    _curve(
        "secp224r1",
        "1.3.132.0.33",
        p="ffffffffffffffffffffffffffffffff000000000000000000000001",
        a="fffffffffffffffffffffffffffffffefffffffffffffffffffffffe",
        b="b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4",
        gx="b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21",
        gy="bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
        n="ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d",
        h=1,
        crypto=ec.SECP224R1(),
    ),
    _curve(
        "secp256r1",
        "1.2.840.10045.3.1.7",
        p="ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        a="ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
        b="5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        gx="6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        gy="4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        n="ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        h=1,
        crypto=ec.SECP256R1(),
    ),
    _curve(
        "secp384r1",
        "1.3.132.0.34",
        p=(
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff"
            "0000000000000000ffffffff"
        ),
        a=(
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff"
            "0000000000000000fffffffc"
        ),
        b=(
            "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d"
            "8a2ed19d2a85c8edd3ec2aef"
        ),
        gx=(
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25d"
            "bf55296c3a545e3872760ab7"
        ),
        gy=(
            "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce"
            "1d7e819d7a431d7c90ea0e5f"
        ),
        n=(
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db2"
            "48b0a77aecec196accc52973"
        ),
        h=1,
        crypto=ec.SECP384R1(),
    ),
    _curve(
        "secp521r1",
        "1.3.132.0.35",
        p=(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        ),
        a=(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc"
        ),
        b=(
            "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e1561939"
            "51ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00"
        ),
        gx=(
            "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b"
            "5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66"
        ),
        gy=(
            "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee"
            "72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650"
        ),
        n=(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868"
            "783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"
        ),
        h=1,
        crypto=ec.SECP521R1(),
    ),
)

_BY_OID = {known.oid: known for known in KNOWN_CURVES}
_BY_PRIME: dict[int, list[KnownCurve]] = {}
for _known in KNOWN_CURVES:
    _BY_PRIME.setdefault(_known.p, []).append(_known)


def curve_for_oid(oid: str) -> KnownCurve:
    """The curve a namedCurve OID names, or ``ChipUnsupportedAlgorithmError``."""
    known = _BY_OID.get(oid)
    if known is None:
        raise ChipUnsupportedAlgorithmError("unsupported named curve", oid=oid)
    return known


def _field_element(value: Any) -> int:
    if not isinstance(value, bytes) or len(value) > MAX_FIELD_BYTES:
        raise ChipUnsupportedAlgorithmError("explicit curve parameters match no supported curve")
    return int.from_bytes(value, "big")


def curve_for_parameters(specified: Any) -> KnownCurve:
    """The known curve equal to asn1crypto ``SpecifiedECDomain`` parameters in p, a, b, G,
    n and h (when present), or ``ChipUnsupportedAlgorithmError``."""
    try:
        field_type = specified["field_id"]["field_type"].native
        prime = specified["field_id"]["parameters"].native
        a = _field_element(specified["curve"]["a"].native)
        b = _field_element(specified["curve"]["b"].native)
        base = specified["base"].native
        order = specified["order"].native
        cofactor = specified["cofactor"].native
    except ChipUnsupportedAlgorithmError:
        raise
    except _PARSE_ERRORS as exc:
        raise ChipUnsupportedAlgorithmError("malformed explicit curve parameters") from exc
    if field_type != "prime_field" or not isinstance(prime, int):
        raise ChipUnsupportedAlgorithmError("only prime-field curves are supported")
    for known in _BY_PRIME.get(prime, []):
        if (
            known.a == a
            and known.b == b
            and known.n == order
            and (cofactor is None or known.h == cofactor)
            and isinstance(base, bytes)
            and base in (known.g, known.g_compressed)
        ):
            return known
    raise ChipUnsupportedAlgorithmError(
        "explicit curve parameters match no supported curve",
        field_bits=min(prime.bit_length(), 8 * MAX_FIELD_BYTES + 1),
    )
