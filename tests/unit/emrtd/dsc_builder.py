"""Test material for every ICAO curve and for the DSC validity reference time (test keys only).

``PurePythonEcKey`` is a DSC key from the ``ecdsa`` package with the slice of
``cryptography``'s key interface that ``emrtd_builder.build_sod`` uses, so an SOD can be
signed on curves ``cryptography`` has not got (brainpoolP160r1/192r1/224r1/320r1).
``reissue_dsc`` gives a ``Pki`` a DSC with another public key (explicit parameters written
with asn1crypto) and/or a private key usage period, signed again by the CSCA.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from types import SimpleNamespace

import ecdsa
from asn1crypto import keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from emrtd_builder import Pki

from leveattest.emrtd.curves import KNOWN_CURVES, KnownCurve
from leveattest.emrtd.tlv import encode_tlv


def known_curve(name: str) -> KnownCurve:
    return next(k for k in KNOWN_CURVES if k.name == name)


def ecdsa_curve(curve: KnownCurve) -> ecdsa.curves.Curve:
    return ecdsa.curves.find_curve(tuple(int(part) for part in curve.oid.split(".")))


class PurePythonEcKey:
    """An EC private key generated and used by the ``ecdsa`` package."""

    def __init__(self, curve: KnownCurve) -> None:
        self.known = curve
        self.signing_key = ecdsa.SigningKey.generate(curve=ecdsa_curve(curve))
        self.curve = SimpleNamespace(key_size=curve.bits, name=curve.name)

    @property
    def point(self) -> bytes:
        return self.signing_key.get_verifying_key().to_string("uncompressed")

    def sign(self, data: bytes, algorithm: ec.ECDSA) -> bytes:
        """A DER signature, as ``cryptography``'s ``EllipticCurvePrivateKey.sign`` gives."""
        hash_function = getattr(hashlib, algorithm.algorithm.name)
        return self.signing_key.sign_deterministic(
            data, hashfunc=hash_function, sigencode=ecdsa.util.sigencode_der
        )

    def sign_rs(self, data: bytes, hash_name: str) -> tuple[int, int]:
        return self.signing_key.sign_deterministic(
            data, hashfunc=getattr(hashlib, hash_name), sigencode=lambda r, s, _order: (r, s)
        )


def explicit_spki(
    curve: KnownCurve, point: bytes, *, change: str | None = None, cofactor: int | None = 1
) -> bytes:
    """SubjectPublicKeyInfo with explicit domain parameters (as ICAO 9303-12 §4.1.6.2 asks);
    ``change`` names one domain parameter to get wrong (p, a, b, g, n, h) or
    ``g_compressed`` to write the base point compressed."""
    size = curve.size
    p, a, b, n, base = curve.p, curve.a, curve.b, curve.n, curve.g
    if change == "p":
        p += 2
    elif change == "a":
        a ^= 1
    elif change == "b":
        b ^= 1
    elif change == "n":
        n -= 2
    elif change == "g":
        base = base[:-1] + bytes([base[-1] ^ 1])
    elif change == "h":
        cofactor = 2
    elif change == "g_compressed":
        base = curve.g_compressed
    fields: dict[str, object] = {
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": p},
        "curve": {"a": a.to_bytes(size, "big"), "b": b.to_bytes(size, "big")},
        "base": base,
        "order": n,
    }
    if cofactor is not None:
        fields["cofactor"] = cofactor
    parameters = keys.ECDomainParameters({"specified": keys.SpecifiedECDomain(fields)})
    return _spki(parameters, point)


def named_spki(curve: KnownCurve, point: bytes) -> bytes:
    """SubjectPublicKeyInfo naming the curve by its OID."""
    return _spki(keys.ECDomainParameters({"named": curve.oid}), point)


def _spki(parameters: keys.ECDomainParameters, point: bytes) -> bytes:
    info = keys.PublicKeyInfo(
        {"algorithm": {"algorithm": "ec", "parameters": parameters}, "public_key": point}
    )
    return info.dump()


def reissue_dsc(
    pki: Pki,
    *,
    spki_der: bytes | None = None,
    pkup: tuple[datetime | None, datetime | None] | None = None,
) -> x509.Certificate:
    """The Pki's DSC with another SubjectPublicKeyInfo and/or a private key usage period
    (2.5.29.16), signed again by the CSCA with the same algorithm."""
    cert = a_x509.Certificate.load(pki.dsc.public_bytes(serialization.Encoding.DER))
    tbs = cert["tbs_certificate"]
    if spki_der is not None:
        tbs["subject_public_key_info"] = keys.PublicKeyInfo.load(spki_der)
    if pkup is not None:
        period = {
            name: value
            for name, value in zip(("not_before", "not_after"), pkup, strict=True)
            if value is not None
        }
        extensions = list(tbs["extensions"])
        extensions.append(
            {"extn_id": "private_key_usage_period", "critical": False, "extn_value": period}
        )
        tbs["extensions"] = extensions
    data = tbs.dump(force=True)
    key = pki.csca_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        raise TypeError("unsupported CSCA key")
    der = a_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": cert["signature_algorithm"],
            "signature_value": signature,
        }
    ).dump()
    return x509.load_der_x509_certificate(der)


def pki_with_pure_python_dsc(curve_name: str, **pki_options: object) -> Pki:
    """A Pki whose DSC key lives on ``curve_name`` (explicit parameters), made by ``ecdsa``."""
    pki = Pki(**pki_options)  # type: ignore[arg-type]
    key = PurePythonEcKey(known_curve(curve_name))
    pki.dsc = reissue_dsc(pki, spki_der=explicit_spki(key.known, key.point))
    pki.dsc_key = key
    return pki


def make_dg12(date_of_issue: bytes | None = b"20240115") -> bytes:
    """DG12 (9303-10 §4.7.12): issuing authority and, optionally, date of issue (5F26)."""
    body = encode_tlv(0x5F19, b"Test Authority")
    tags = b"\x5f\x19"
    if date_of_issue is not None:
        body += encode_tlv(0x5F26, date_of_issue)
        tags += b"\x5f\x26"
    return encode_tlv(0x6C, encode_tlv(0x5C, tags) + body)
