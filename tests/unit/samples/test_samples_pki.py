"""The synthetic test PKI: ICAO 9303-12 profile, explicit brainpool parameters, CRL, link."""

from __future__ import annotations

from datetime import date

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from leveattest.samples.pki import EXPIRED_DSC, REVOKED_DSC, build_test_pki
from leveattest.samples.signing import load_public_key

REFERENCE = date(2026, 1, 1)


@pytest.fixture(scope="module")
def pki():
    return build_test_pki(20260101, REFERENCE)


def _verify(issuer_spki, signed_bytes: bytes, signature: bytes, algorithm) -> None:
    """Verify with cryptography, mapping explicit brainpool parameters to the named curve."""
    key = load_public_key(issuer_spki)
    name = algorithm["algorithm"].native
    if isinstance(key, ec.EllipticCurvePublicKey):
        assert name == "sha256_ecdsa"
        key.verify(signature, signed_bytes, ec.ECDSA(hashes.SHA256()))
    elif name == "rsassa_pss":
        assert isinstance(key, rsa.RSAPublicKey)
        salt = algorithm["parameters"]["salt_length"].native
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)
        key.verify(signature, signed_bytes, pss, hashes.SHA256())
    else:
        assert name == "sha256_rsa"
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, signed_bytes, padding.PKCS1v15(), hashes.SHA256())


def _spki(cert: asn1_x509.Certificate):
    return cert["tbs_certificate"]["subject_public_key_info"]


def test_every_dsc_verifies_under_its_csca(pki):
    for dsc in pki.dscs.values():
        csca = pki.cscas[dsc.issuer_name]
        cert = dsc.certificate
        _verify(
            _spki(csca.certificate),
            cert["tbs_certificate"].dump(),
            cert["signature_value"].native,
            cert["signature_algorithm"],
        )


def test_named_curve_and_rsa_chains_verify_with_cryptography_directly(pki):
    for dsc in pki.dscs.values():
        if dsc.country == "SWE":
            continue  # explicit parameters: cryptography cannot load that key itself
        csca = x509.load_der_x509_certificate(pki.cscas[dsc.issuer_name].der)
        x509.load_der_x509_certificate(dsc.der).verify_directly_issued_by(csca)


def test_brainpool_certificates_carry_explicit_curve_parameters(pki):
    # ICAO 9303-12 §7.1.2: ECParameters as specifiedCurve, never a named curve OID
    for cert in (pki.cscas["csca-swe-1"].certificate, pki.dscs["dsc-swe-01"].certificate):
        params = _spki(cert)["algorithm"]["parameters"]
        assert params.name == "specified"
        assert params.chosen["field_id"]["field_type"].native == "prime_field"
        key = load_public_key(_spki(cert))
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert isinstance(key.curve, ec.BrainpoolP256R1)


def test_icao_profile_extensions(pki):
    for csca in pki.cscas.values():
        cert = x509.load_der_x509_certificate(csca.der)
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert ku.key_cert_sign
        assert ku.crl_sign
        assert not ku.digital_signature
        cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    for dsc in pki.dscs.values():
        cert = x509.load_der_x509_certificate(dsc.der)
        issuer = x509.load_der_x509_certificate(pki.cscas[dsc.issuer_name].der)
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert ku.digital_signature
        assert not ku.key_cert_sign
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        assert aki.key_identifier == ski.digest
        assert cert.issuer == issuer.subject


def test_link_certificate_binds_new_csca_key_under_old_csca(pki):
    link = pki.link_certificates["link-nor-1-to-2"]
    old, new = pki.cscas["csca-nor-1"], pki.cscas["csca-nor-2"]
    assert link.subject == new.certificate.subject
    assert link.issuer == old.certificate.subject
    assert _spki(link).dump() == _spki(new.certificate).dump()
    _verify(
        _spki(old.certificate),
        link["tbs_certificate"].dump(),
        link["signature_value"].native,
        link["signature_algorithm"],
    )


def test_crl_revokes_exactly_the_revoked_dsc_and_verifies(pki):
    crl = pki.crls["csca-nor-1"]
    revoked = crl["tbs_cert_list"]["revoked_certificates"].native
    assert [r["user_certificate"] for r in revoked] == [
        pki.dscs[REVOKED_DSC].certificate.serial_number
    ]
    _verify(
        _spki(pki.cscas["csca-nor-1"].certificate),
        crl["tbs_cert_list"].dump(),
        crl["signature"].native,
        crl["signature_algorithm"],
    )
    for name, other in pki.crls.items():
        if name != "csca-nor-1":
            assert not other["tbs_cert_list"]["revoked_certificates"].native


def test_expired_dsc_has_expired_and_untrusted_chain_is_flagged(pki):
    not_after = pki.dscs[EXPIRED_DSC].certificate["tbs_certificate"]["validity"]["not_after"]
    assert not_after.native.date() < REFERENCE
    assert not pki.cscas["csca-uto-1"].trusted
    assert all(c.trusted for n, c in pki.cscas.items() if n != "csca-uto-1")


def test_pki_is_deterministic(pki):
    again = build_test_pki(20260101, REFERENCE)
    assert [d.der for d in again.dscs.values()] == [d.der for d in pki.dscs.values()]
    assert [c.dump() for c in again.crls.values()] == [c.dump() for c in pki.crls.values()]
