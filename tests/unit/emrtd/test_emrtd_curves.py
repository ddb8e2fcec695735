"""ECDSA on every curve ICAO allows (9303-11 §9.4, 9303-12 §4.1.6, BSI TR-03111 §4.1):
Brainpool r1 P160-P512 (RFC 5639) and NIST P-192-P-521 (FIPS 186-4 D.1.2), named or with
explicit domain parameters, plain or DER signatures; verified by ``cryptography`` where it
has the curve and by the pure-Python ``ecdsa`` package where it has not — and by both,
agreeing, where both apply. Every key and signature is generated here.
"""

from __future__ import annotations

import contextlib

import pytest
from asn1crypto import keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from dsc_builder import (
    PurePythonEcKey,
    ecdsa_curve,
    explicit_spki,
    known_curve,
    make_dg12,
    named_spki,
    pki_with_pure_python_dsc,
)
from emrtd_builder import AT, build_sod, make_dg1, make_dg2, make_dg14
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leveattest.core.checks import Reason, Verdict
from leveattest.core.errors import ChipDataError, ChipUnsupportedAlgorithmError, LeveattestError
from leveattest.emrtd.crypto import (
    SignatureScheme,
    key_description,
    load_public_key,
    verify_signature,
)
from leveattest.emrtd.curves import KNOWN_CURVES, KnownCurve, curve_for_oid
from leveattest.emrtd.ecverify import EcPublicKey, verify_ecdsa
from leveattest.emrtd.lds import parse_dg15
from leveattest.emrtd.tlv import encode_tlv
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipResult, verify_chip

ALL = [c.name for c in KNOWN_CURVES]
WITH_CRYPTOGRAPHY = [c.name for c in KNOWN_CURVES if c.crypto is not None]
PURE_ONLY = [c.name for c in KNOWN_CURVES if c.crypto is None]
MESSAGE = b"signed attributes of an EF.SOD"
BOTH = ("auto", "pure")


def test_the_table_holds_every_curve_icao_allows():
    assert set(ALL) == {
        "brainpoolP160r1", "brainpoolP192r1", "brainpoolP224r1", "brainpoolP256r1",
        "brainpoolP320r1", "brainpoolP384r1", "brainpoolP512r1",
        "secp192r1", "secp224r1", "secp256r1", "secp384r1", "secp521r1",
    }  # fmt: skip
    assert set(PURE_ONLY) == {
        "brainpoolP160r1",
        "brainpoolP192r1",
        "brainpoolP224r1",
        "brainpoolP320r1",
    }


@pytest.mark.parametrize("name", ALL)
def test_curve_constants_equal_the_ecdsa_package_in_every_parameter(name):
    curve = known_curve(name)
    other = ecdsa_curve(curve)
    fp, g = other.curve, other.generator
    assert (fp.p(), fp.a() % fp.p(), fp.b() % fp.p(), g.x(), g.y(), other.order, fp.cofactor()) == (
        curve.p, curve.a, curve.b, curve.gx, curve.gy, curve.n, curve.h,
    )  # fmt: skip
    assert curve.contains(curve.gx, curve.gy)


@pytest.mark.parametrize("name", WITH_CRYPTOGRAPHY)
def test_curve_constants_equal_cryptography_base_point_and_order(name):
    curve = known_curve(name)
    assert curve.crypto is not None
    g = ec.derive_private_key(1, curve.crypto).public_key().public_numbers()
    assert (g.x, g.y) == (curve.gx, curve.gy)
    minus_g = ec.derive_private_key(curve.n - 1, curve.crypto).public_key().public_numbers()
    assert (minus_g.x, minus_g.y) == (curve.gx, curve.p - curve.gy)  # (n-1)·G = -G: order n


# ---- helpers -----------------------------------------------------------------------------
def _plain(r: int, s: int, curve: KnownCurve) -> bytes:
    return r.to_bytes(curve.order_size, "big") + s.to_bytes(curve.order_size, "big")


def _load(spki: bytes):
    return load_public_key(keys.PublicKeyInfo.load(spki))


def _scheme(hash_name: str, plain: bool) -> SignatureScheme:
    return SignatureScheme("ecdsa", hash_name, plain_ecdsa=plain)


def _verify_both(key, scheme, signature, data=MESSAGE) -> tuple[bool, bool]:
    auto, _ = verify_signature(key, scheme, signature, data)
    pure, _ = verify_signature(key, scheme, signature, data, ecdsa_backend="pure")
    return auto, pure


@pytest.fixture(scope="module", params=ALL)
def pure_signer(request) -> PurePythonEcKey:
    return PurePythonEcKey(known_curve(request.param))


# ---- vectors from the ecdsa package, on every curve, named and explicit ----------------------
@pytest.mark.parametrize("spki_form", ["named", "explicit", "explicit_without_cofactor"])
@pytest.mark.parametrize("plain", [True, False])
def test_ecdsa_package_signature_verifies_on_every_curve_by_both_paths(
    pure_signer, spki_form, plain
):
    curve = pure_signer.known
    if spki_form == "named":
        spki = named_spki(curve, pure_signer.point)
    else:
        cofactor = None if spki_form == "explicit_without_cofactor" else 1
        spki = explicit_spki(curve, pure_signer.point, cofactor=cofactor)
    key = _load(spki)
    assert key.curve is curve
    r, s = pure_signer.sign_rs(MESSAGE, "sha256")
    signature = _plain(r, s, curve) if plain else utils.encode_dss_signature(r, s)
    valid, encoding = verify_signature(key, _scheme("sha256", plain), signature, MESSAGE)
    assert (valid, encoding) == (True, "plain" if plain else "der")
    assert _verify_both(key, _scheme("sha256", plain), signature) == (True, True)


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha384", "sha512"])
def test_every_hash_is_truncated_to_the_order_as_the_standard_says(pure_signer, hash_name):
    # FIPS 186-4 §6.4: the leftmost bitlen(n) bits of the hash (sha512 on a 160-bit curve)
    key = _load(named_spki(pure_signer.known, pure_signer.point))
    r, s = pure_signer.sign_rs(MESSAGE, hash_name)
    signature = utils.encode_dss_signature(r, s)
    assert _verify_both(key, _scheme(hash_name, False), signature) == (True, True)


# ---- vectors from cryptography, where it has the curve ---------------------------------------
@pytest.mark.parametrize("name", WITH_CRYPTOGRAPHY)
@pytest.mark.parametrize("hash_name", ["sha256", "sha512"])
def test_cryptography_signature_verifies_by_both_paths_and_they_agree(name, hash_name):
    curve = known_curve(name)
    private = ec.generate_private_key(curve.crypto)
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    hash_class = {"sha256": hashes.SHA256, "sha512": hashes.SHA512}[hash_name]
    der = private.sign(MESSAGE, ec.ECDSA(hash_class()))
    for spki in (explicit_spki(curve, point), named_spki(curve, point)):
        key = _load(spki)
        assert _verify_both(key, _scheme(hash_name, False), der) == (True, True)
        flipped = der[:-1] + bytes([der[-1] ^ 0x01])
        assert _verify_both(key, _scheme(hash_name, False), flipped) == (False, False)
        assert _verify_both(key, _scheme(hash_name, False), der, MESSAGE + b"!") == (False, False)


def test_pure_only_curves_say_so_in_the_evidence():
    key = _load(named_spki(known_curve("brainpoolP224r1"), PurePythonEcKey(
        known_curve("brainpoolP224r1")).point))  # fmt: skip
    assert key_description(key) == {
        "key_type": "ec", "curve": "brainpoolP224r1", "key_bits": 224, "ecdsa_backend": "ecdsa"
    }  # fmt: skip
    p256 = _load(named_spki(known_curve("secp256r1"), known_curve("secp256r1").g))
    assert key_description(p256)["ecdsa_backend"] == "cryptography"


# ---- negatives ---------------------------------------------------------------------------
@pytest.mark.parametrize("plain", [True, False])
def test_flipped_bit_anywhere_in_the_signature_is_invalid(pure_signer, plain):
    curve = pure_signer.known
    key = _load(explicit_spki(curve, pure_signer.point))
    r, s = pure_signer.sign_rs(MESSAGE, "sha256")
    signature = _plain(r, s, curve) if plain else utils.encode_dss_signature(r, s)
    for index in (len(signature) // 4, len(signature) // 2 + 3, len(signature) - 1):
        flipped = bytearray(signature)
        flipped[index] ^= 0x10
        assert _verify_both(key, _scheme("sha256", plain), bytes(flipped)) == (False, False)
    assert _verify_both(key, _scheme("sha256", plain), signature, MESSAGE[:-1]) == (False, False)


def test_r_or_s_out_of_range_is_invalid(pure_signer):
    curve = pure_signer.known
    key = _load(named_spki(curve, pure_signer.point))
    r, s = pure_signer.sign_rs(MESSAGE, "sha256")
    # s and n - s are both valid signatures; r + n, s + n, 0 and n are not (FIPS 186-4 §6.4.2)
    assert verify_ecdsa(key, "sha256", r, curve.n - s, MESSAGE)
    for bad_r, bad_s in ((0, s), (r, 0), (curve.n, s), (r, curve.n), (r + curve.n, s)):
        for backend in BOTH:
            assert not verify_ecdsa(key, "sha256", bad_r, bad_s, MESSAGE, backend=backend)
    if (r + curve.n).bit_length() <= 8 * curve.order_size:  # fits the plain encoding
        plain = _plain(r + curve.n, s, curve)
        assert _verify_both(key, _scheme("sha256", True), plain) == (False, False)


def test_point_not_on_the_curve_is_refused_on_loading_and_invalid_when_verified(pure_signer):
    curve = pure_signer.known
    point = bytearray(pure_signer.point)
    point[-1] ^= 0x01
    with pytest.raises(ChipDataError):
        _load(explicit_spki(curve, bytes(point)))
    with pytest.raises(ChipDataError):
        parse_dg15(encode_tlv(0x6F, named_spki(curve, bytes(point))))
    good = _load(named_spki(curve, pure_signer.point))
    off_curve = EcPublicKey(curve, good.x, (good.y + 1) % curve.p)
    r, s = pure_signer.sign_rs(MESSAGE, "sha256")
    for backend in BOTH:
        assert not verify_ecdsa(off_curve, "sha256", r, s, MESSAGE, backend=backend)


@pytest.mark.parametrize("name", ALL)
def test_compressed_points_are_decompressed_to_the_same_key(name):
    curve = known_curve(name)
    key = PurePythonEcKey(curve)
    compressed = key.signing_key.get_verifying_key().to_string("compressed")
    loaded = _load(explicit_spki(curve, compressed, change="g_compressed"))
    assert loaded.point == key.point
    with pytest.raises(ChipDataError):  # the point at infinity and a hybrid encoding
        _load(named_spki(curve, b"\x00"))
    with pytest.raises(ChipDataError):
        _load(named_spki(curve, b"\x06" + key.point[1:]))


@pytest.mark.parametrize("change", ["p", "a", "b", "g", "n", "h"])
@pytest.mark.parametrize("name", ["brainpoolP160r1", "brainpoolP224r1", "secp192r1", "secp521r1"])
def test_explicit_parameters_differing_in_any_one_domain_parameter_are_unsupported(name, change):
    curve = known_curve(name)
    with pytest.raises(ChipUnsupportedAlgorithmError):
        _load(explicit_spki(curve, curve.g, change=change))


def test_a_key_is_never_verified_on_another_curve_of_the_same_size():
    bp = PurePythonEcKey(known_curve("brainpoolP224r1"))
    nist = known_curve("secp224r1")
    with pytest.raises(ChipDataError):  # bp224's point is not on P-224
        _load(named_spki(nist, bp.point))


def test_unknown_named_curve_and_oversized_signature_are_refused():
    with pytest.raises(ChipUnsupportedAlgorithmError):
        curve_for_oid("1.3.36.3.3.2.8.1.1.6")  # brainpoolP224t1: not allowed by ICAO
    key = PurePythonEcKey(known_curve("brainpoolP512r1"))
    loaded = _load(named_spki(key.known, key.point))
    # checked by length before anything is parsed
    assert verify_signature(loaded, _scheme("sha256", False), b"\x30" * 100_000, MESSAGE) == (
        False,
        None,
    )


def test_huge_explicit_prime_is_unsupported_without_arithmetic():
    curve = known_curve("brainpoolP512r1")
    specified = keys.SpecifiedECDomain(
        {
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": (1 << 40_000) + 1},
            "curve": {"a": b"\x01" * 5000, "b": b"\x02"},
            "base": curve.g,
            "order": curve.n,
            "cofactor": 1,
        }
    )
    spki = keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters({"specified": specified}),
            },
            "public_key": curve.g,
        }
    ).dump()
    with pytest.raises(ChipUnsupportedAlgorithmError):
        _load(spki)


# ---- fuzz: explicit parameters from random bytes -------------------------------------------
_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_BP224 = known_curve("brainpoolP224r1")
_EXPLICIT = explicit_spki(_BP224, _BP224.g)
_PARAMS = keys.PublicKeyInfo.load(_EXPLICIT)["algorithm"]["parameters"].dump()


def _dg15_parse_raises_only_our_errors(spki: bytes) -> None:
    with contextlib.suppress(LeveattestError):
        parse_dg15(encode_tlv(0x6F, spki))


@_FUZZ
@given(params=st.binary(max_size=400))
def test_random_bytes_as_explicit_parameters_raise_only_our_errors(params):
    _dg15_parse_raises_only_our_errors(_EXPLICIT.replace(_PARAMS, params))


@_FUZZ
@given(st.data())
def test_mutated_explicit_parameters_raise_only_our_errors(data):
    params = bytearray(_PARAMS)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(params) - 1))
        params[index] ^= data.draw(st.integers(1, 255))
    _dg15_parse_raises_only_our_errors(_EXPLICIT.replace(_PARAMS, bytes(params)))


# ---- a whole document: a brainpoolP224r1 DSC (explicit parameters) and AA key ----------------
@pytest.fixture(scope="module")
def bp224_document(tmp_path_factory):
    pki = pki_with_pure_python_dsc("brainpoolP224r1", kind="brainpool", csca_cn="BP224 CSCA")
    store = FileTrustStore([pki.write_store(tmp_path_factory.mktemp("bp224"), crl=pki.crl())])
    aa = PurePythonEcKey(known_curve("brainpoolP224r1"))
    groups = {
        1: make_dg1(),
        2: make_dg2(),
        12: make_dg12(),
        14: make_dg14("0.4.0.127.0.7.1.1.4.1.2"),  # ecdsa-plain-SHA224
        15: encode_tlv(0x6F, explicit_spki(aa.known, aa.point)),
    }
    return pki, store, aa, groups


@pytest.mark.parametrize(("scheme", "hash_name"), [("ecdsa_plain", "sha224"), ("ecdsa", "sha256")])
def test_document_signed_by_an_explicit_brainpool_p224_dsc_passes_passive_authentication(
    bp224_document, scheme, hash_name
):
    pki, store, aa, groups = bp224_document
    sod = build_sod(pki, groups, scheme=scheme, hash_name=hash_name)
    challenge = bytes(range(8))
    r, s = aa.sign_rs(challenge, "sha224")
    result = verify_chip(
        sod, groups, store, at=AT, aa_challenge=challenge, aa_signature=_plain(r, s, aa.known)
    )
    for check in result.checks:
        assert check.verdict is Verdict.PASSED, check
    signature = result.check("sod_signature").evidence
    assert (signature.curve, signature.ecdsa_backend) == ("brainpoolP224r1", "ecdsa")
    assert signature.ecdsa_encoding == ("plain" if scheme == "ecdsa_plain" else "der")
    assert result.result is ChipResult.ACCEPTED


def test_document_with_a_flipped_brainpool_p224_sod_signature_is_rejected(bp224_document):
    pki, store, _aa, groups = bp224_document
    sod = build_sod(
        pki, groups, scheme="ecdsa_plain", hash_name="sha224", mutation="signature_flip"
    )
    result = verify_chip(sod, groups, store, at=AT)
    assert result.check("sod_signature").reason is Reason.SIGNATURE_INVALID
    assert result.result is ChipResult.REJECTED


def test_a_signature_over_another_hash_is_invalid(pure_signer):
    key = _load(named_spki(pure_signer.known, pure_signer.point))
    r, s = pure_signer.sign_rs(MESSAGE, "sha384")
    for backend in BOTH:
        assert verify_ecdsa(key, "sha384", r, s, MESSAGE, backend=backend)
        assert not verify_ecdsa(key, "sha256", r, s, MESSAGE, backend=backend)
