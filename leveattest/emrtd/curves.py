"""Elliptic curves given by explicit parameters, mapped to the named curves we support.

ICAO 9303-12 §4.1.6 requires explicit domain parameters in CSCA/DSC/DG15 keys; many states
follow it (Brainpool and NIST curves spelled out as p, a, b, G, n). ``cryptography`` only
accepts named curves, so a key with explicit parameters is mapped by comparing all of
p, a, b, G and n with the standard curves (SEC 2, RFC 5639; constants generated with
``openssl ecparam -param_enc explicit``). Anything else is refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from leveattest.core.errors import ChipUnsupportedAlgorithmError


@dataclass(frozen=True, slots=True)
class KnownCurve:
    curve: ec.EllipticCurve
    p: int
    a: int
    b: int
    g: bytes  # uncompressed base point 04 || x || y
    n: int


def _curve(curve: ec.EllipticCurve, *, p: str, a: str, b: str, g: str, n: str) -> KnownCurve:
    return KnownCurve(curve, int(p, 16), int(a, 16), int(b, 16), bytes.fromhex(g), int(n, 16))


KNOWN_CURVES: tuple[KnownCurve, ...] = (
    _curve(
        ec.SECP256R1(),
        p=("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
        a=("ffffffff00000001000000000000000000000000fffffffffffffffffffffffc"),
        b=("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
        g=(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342"
            "e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
        ),
        n=("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
    ),
    _curve(
        ec.SECP384R1(),
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
        g=(
            "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f2"
            "5dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a14"
            "7ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"
        ),
        n=(
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db2"
            "48b0a77aecec196accc52973"
        ),
    ),
    _curve(
        ec.SECP521R1(),
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
        g=(
            "0400c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa1"
            "4b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66011839296a"
            "789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef426"
            "40c550b9013fad0761353c7086a272c24088be94769fd16650"
        ),
        n=(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868"
            "783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"
        ),
    ),
    _curve(
        ec.SECP224R1(),
        p=("ffffffffffffffffffffffffffffffff000000000000000000000001"),
        a=("fffffffffffffffffffffffffffffffefffffffffffffffffffffffe"),
        b=("b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4"),
        g=(
            "04b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21bd376388b5f723"
            "fb4c22dfe6cd4375a05a07476444d5819985007e34"
        ),
        n=("ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d"),
    ),
    _curve(
        ec.BrainpoolP256R1(),
        p=("a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377"),
        a=("7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9"),
        b=("26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6"),
        g=(
            "048bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262547ef8"
            "35c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997"
        ),
        n=("a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7"),
    ),
    _curve(
        ec.BrainpoolP384R1(),
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
        g=(
            "041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e0"
            "3436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec58"
            "64e19c054ff99129280e4646217791811142820341263c5315"
        ),
        n=(
            "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af"
            "6b7fc3103b883202e9046565"
        ),
    ),
    _curve(
        ec.BrainpoolP512R1(),
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
        g=(
            "0481aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f"
            "78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f8227dde385d566332"
            "ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4b"
            "d88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892"
        ),
        n=(
            "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c41"
            "4ca92619418661197fac10471db1d381085ddaddb58796829ca90069"
        ),
    ),
)

_BY_PRIME: dict[int, list[KnownCurve]] = {}
for _known in KNOWN_CURVES:
    _BY_PRIME.setdefault(_known.p, []).append(_known)


def _decompress_point(point: bytes, known: KnownCurve) -> bytes:
    """Uncompressed form of a compressed base point (SEC 1 §2.3.4), for comparison."""
    size = (known.p.bit_length() + 7) // 8
    if len(point) != size + 1 or point[0] not in (2, 3):
        return point
    x = int.from_bytes(point[1:], "big")
    rhs = (pow(x, 3, known.p) + known.a * x + known.b) % known.p
    if known.p % 4 != 3:
        return point  # all supported curves have p ≡ 3 (mod 4) except P-224 and P-521 (rare)
    y = pow(rhs, (known.p + 1) // 4, known.p)
    if (y & 1) != (point[0] & 1):
        y = known.p - y
    return b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")


def named_curve_for(specified: Any) -> ec.EllipticCurve:
    """The named curve equal to asn1crypto ``SpecifiedECDomain`` parameters, or an error."""
    try:
        field_type = specified["field_id"]["field_type"].native
        prime = specified["field_id"]["parameters"].native
        a = int.from_bytes(specified["curve"]["a"].native, "big")
        b = int.from_bytes(specified["curve"]["b"].native, "big")
        base = bytes(specified["base"].native)
        order = specified["order"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise ChipUnsupportedAlgorithmError("malformed explicit curve parameters") from exc
    if field_type != "prime_field" or not isinstance(prime, int):
        raise ChipUnsupportedAlgorithmError("only prime-field curves are supported")
    for known in _BY_PRIME.get(prime, []):
        if (
            known.a == a
            and known.b == b
            and known.n == order
            and _decompress_point(base, known) == known.g
        ):
            return known.curve
    raise ChipUnsupportedAlgorithmError(
        "explicit curve parameters match no supported named curve", field_bits=prime.bit_length()
    )
