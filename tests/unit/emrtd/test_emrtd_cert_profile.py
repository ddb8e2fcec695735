"""Certificate profile checks (ICAO 9303-12 §7.1, RFC 5280 §4.1.1.2 and §4.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asn1crypto import algos, pem
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from emrtd_builder import T0, Pki

from leveattest.core.errors import ChipStructureError
from leveattest.emrtd.certs import extension_problems, load_certificate, signed_by

KEY = ec.generate_private_key(ec.SECP256R1())


def _cert(*extensions: tuple[x509.ExtensionType, bool]) -> bytes:
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Profile Test")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(KEY.public_key())
        .serial_number(77)
        .not_valid_before(T0)
        .not_valid_after(T0 + timedelta(days=365))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature, False, False, False, False, cert_sign, False, False,
                         False)  # fmt: skip


def test_csca_without_ca_constraint_or_cert_sign_usage_has_both_problems() -> None:
    record = load_certificate(_cert((_usage(digital_signature=True, cert_sign=False), True)))
    assert extension_problems(record, "csca") == [
        "csca_not_ca",
        "csca_key_usage_without_key_cert_sign",
    ]


def test_dsc_that_is_a_ca_has_a_problem() -> None:
    record = load_certificate(
        _cert(
            (_usage(digital_signature=True, cert_sign=False), True),
            (x509.BasicConstraints(ca=True, path_length=0), True),
        )
    )
    assert extension_problems(record, "dsc") == ["dsc_is_ca"]


def test_unknown_critical_extension_is_refused_and_a_non_critical_one_ignored() -> None:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00")
    usage = (_usage(digital_signature=True, cert_sign=False), True)
    assert extension_problems(load_certificate(_cert(usage, (odd, True))), "dsc") == [
        "unknown_critical_extension:1.2.3.4.5"
    ]
    assert extension_problems(load_certificate(_cert(usage, (odd, False))), "dsc") == []


def test_certificate_with_broken_pem_armour_is_malformed() -> None:
    with pytest.raises(ChipStructureError, match="malformed PEM"):
        load_certificate(
            b"-----BEGIN CERTIFICATE-----\nnot base64 !!!\n-----END CERTIFICATE-----\n"
        )


def test_pem_armoured_certificate_loads_as_its_der() -> None:
    der = _cert()
    assert load_certificate(pem.armor("CERTIFICATE", der)).fingerprint == (
        load_certificate(der).fingerprint
    )


def test_signature_algorithms_that_differ_inside_and_outside_are_not_a_signature() -> None:
    pki = Pki()
    dsc = a_x509.Certificate.load(pki.dsc.public_bytes(serialization.Encoding.DER))
    csca_key = load_certificate(pki.csca_pem()).public_key()
    assert signed_by(dsc, csca_key)
    dsc["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "sha384_rsa"})
    altered = a_x509.Certificate.load(dsc.dump(force=True))
    assert not signed_by(altered, csca_key)


def test_a_key_usage_that_is_no_bit_string_is_a_malformed_extension() -> None:
    garbage = x509.UnrecognizedExtension(x509.ExtensionOID.KEY_USAGE, b"\x05\x00")
    record = load_certificate(_cert((garbage, True)))
    assert extension_problems(record, "dsc") == ["extensions_malformed"]


def test_an_indefinite_length_certificate_without_contents_is_refused() -> None:
    with pytest.raises(ChipStructureError, match="empty"):
        load_certificate(b"\x30\x80\x00\x00")


def test_a_signature_that_cannot_be_read_does_not_verify() -> None:
    der = bytearray(_cert())
    record = load_certificate(bytes(der))
    signature = bytes(record.cert["signature_value"].native)
    header = b"\x03" + bytes([len(signature) + 1]) + b"\x00"
    at = der.rfind(header)
    der[at + 2] = 9  # "nine unused bits": no BIT STRING has that
    broken = a_x509.Certificate.load(bytes(der))
    assert signed_by(broken, record.public_key()) is False
