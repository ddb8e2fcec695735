"""Trust chains beyond one CSCA: a DSC under a new CSCA key reached through a link
certificate (ICAO 9303-12 §5.1, key roll-over), and a CSCA not yet valid when its DSC was
issued (the chain model of 9303-11 §5.1.1)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from emrtd_builder import AT, T0, Pki, _usage, build_master_list, build_sod, full_document

from leveattest.core.checks import Reason, Verdict
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipResult, verify_chip


def _link(old: Pki, new: Pki) -> bytes:
    """The new CSCA key certified under the old one: same name, another key."""
    new_key = new.csca_key.public_key()  # type: ignore[attr-defined]
    builder = (
        x509.CertificateBuilder()
        .subject_name(new.csca.subject)
        .issuer_name(old.csca.subject)
        .public_key(new_key)
        .serial_number(2000)
        .not_valid_before(T0)
        .not_valid_after(T0 + timedelta(days=365 * 15))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(new_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                old.csca_key.public_key()  # type: ignore[attr-defined]
            ),
            critical=False,
        )
    )
    certificate = builder.sign(old.csca_key, hashes.SHA256())  # type: ignore[arg-type]
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_a_dsc_under_a_rolled_over_key_chains_through_the_link_certificate(
    tmp_path: Path,
) -> None:
    old = Pki(kind="ec", csca_cn="Roll-over CSCA")
    new = Pki(kind="brainpool", csca_cn="Roll-over CSCA")
    old.write_store(tmp_path)  # only the old CSCA and the link are trusted files
    (tmp_path / "link.pem").write_bytes(_link(old, new))
    store = FileTrustStore([tmp_path])
    dgs = full_document()
    result = verify_chip(build_sod(new, dgs, scheme="ecdsa"), dgs, store, at=AT)
    chain = result.check("trust_chain")
    assert chain.verdict is Verdict.PASSED, chain
    assert [step["role"] for step in chain.evidence.path] == ["link", "csca"]


def test_a_csca_not_yet_valid_when_its_dsc_was_issued_breaks_the_chain(tmp_path: Path) -> None:
    pki = Pki(kind="ec", csca_cn="Late CSCA", csca_not_before=T0 + timedelta(days=60))
    store = FileTrustStore([pki.write_store(tmp_path)])
    dgs = full_document()
    result = verify_chip(build_sod(pki, dgs, scheme="ecdsa"), dgs, store, at=AT)
    validity = result.check("dsc_validity")
    assert (validity.verdict, validity.reason) == (
        Verdict.FAILED,
        Reason.CERTIFICATE_NOT_YET_VALID,
    )
    assert result.result is not ChipResult.ACCEPTED


def test_a_link_certificate_is_verified_by_its_anchor_among_same_named_ones(
    tmp_path: Path,
) -> None:
    old = Pki(kind="ec", csca_cn="Twin roll-over CSCA")
    new = Pki(kind="brainpool", csca_cn="Twin roll-over CSCA")
    # same name and no key identifier; the link's authority key identifier finds the old
    # CSCA all the same
    twin = Pki(kind="rsa", csca_cn="Twin roll-over CSCA", csca_ski=False)
    (tmp_path / "a_twin.pem").write_bytes(twin.csca_pem())
    old.write_store(tmp_path)
    (tmp_path / "link.pem").write_bytes(_link(old, new))
    store = FileTrustStore([tmp_path])
    links = [c for c in store.trusted_certificates() if "verified_by" in c.source]
    assert [link.source["verified_by"] for link in links] == [
        load_certificate(old.csca_pem()).fingerprint
    ]


def test_a_link_certificate_in_a_verified_master_list_is_trusted_as_a_link(
    tmp_path: Path,
) -> None:
    old = Pki(kind="ec", csca_cn="Listed roll-over CSCA")
    new = Pki(kind="brainpool", csca_cn="Listed roll-over CSCA")
    link = x509.load_pem_x509_certificate(_link(old, new))
    old.write_store(tmp_path)
    (tmp_path / "list.ml").write_bytes(build_master_list(old, [old.csca, link]))
    store = FileTrustStore([tmp_path])
    (summary,) = store.summary(AT, 30)["master_lists"]
    assert summary["verified"] is True
    links = [c for c in store.trusted_certificates() if "verified_by" in c.source]
    assert len(links) == 1


def test_a_link_certificate_whose_anchors_have_no_key_identifier_is_tried_against_each(
    tmp_path: Path,
) -> None:
    # neither anchor has a key identifier to match the link's authority key identifier:
    # both same-named ones are tried, the RSA one cannot check the EC signature
    old = Pki(kind="ec", csca_cn="Plain roll-over CSCA", csca_ski=False)
    new = Pki(kind="brainpool", csca_cn="Plain roll-over CSCA")
    twin = Pki(kind="rsa", csca_cn="Plain roll-over CSCA", csca_ski=False)
    (tmp_path / "a_twin.pem").write_bytes(twin.csca_pem())
    old.write_store(tmp_path)
    (tmp_path / "link.pem").write_bytes(_link(old, new))
    store = FileTrustStore([tmp_path])
    links = [c for c in store.trusted_certificates() if "verified_by" in c.source]
    assert [link.source["verified_by"] for link in links] == [
        load_certificate(old.csca_pem()).fingerprint
    ]
