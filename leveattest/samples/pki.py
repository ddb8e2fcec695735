"""A deterministic test PKI in the ICAO 9303-12 profile: CSCAs, DSCs, a link certificate, CRLs.

Chains (all signatures with SHA-256):

============  =====================  ==========================================
CSCA          key / scheme           DSCs
============  =====================  ==========================================
csca-nor-1    RSA 2048, RSASSA-PSS   dsc-nor-pss-00 (signed 2015 documents),
                                     dsc-nor-pss-01, dsc-nor-pss-02 (revoked)
csca-nor-2    ECDSA P-256            dsc-nor-ec-01; csca-nor-2 is also linked
                                     from csca-nor-1 (link certificate)
csca-dnk-1    RSA 2048, PKCS#1 v1.5  dsc-dnk-01, dsc-dnk-02 (expired)
csca-swe-1    brainpoolP256r1        dsc-swe-01 (both with explicit parameters)
csca-uto-1    ECDSA P-256            dsc-uto-01 — UNTRUSTED (not in trust/)
============  =====================  ==========================================

Certificates are assembled with asn1crypto and signed by ``Signer`` (so explicit curve
parameters and PSS parameters are written exactly), every date is derived from the
reference date, and every key from the seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final

from asn1crypto import core, crl, keys, x509
from cryptography.hazmat.primitives.asymmetric import ec

from leveattest.samples.rsa_seeded import derive_ec_key, generate_rsa_key
from leveattest.samples.signing import (
    BRAINPOOL_P256R1,
    P256_ORDER,
    PrivateKey,
    Scheme,
    Signer,
    public_key_info,
)

ID_ICAO_DOCUMENT_TYPE_LIST: Final = "2.23.136.1.1.6.2"  # 9303-12 §7.1.1.3
RSA_BITS: Final = 2048  # CSCAs in the field use 3072-4096; 2048 keeps generation fast


@dataclass(frozen=True)
class Authority:
    """A CSCA or DSC: its key, the scheme it signs with, and its certificate (DER)."""

    name: str
    country: str  # ICAO alpha-3 issuing state
    signer: Signer
    certificate: x509.Certificate
    issuer_name: str  # name of the issuing CSCA (itself for a CSCA)
    trusted: bool = True

    @property
    def der(self) -> bytes:
        return bytes(self.certificate.dump())

    @property
    def key(self) -> PrivateKey:
        return self.signer.key


@dataclass
class TestPKI:
    """Everything the generator writes under ``pki/``."""

    reference: date
    cscas: dict[str, Authority] = field(default_factory=dict)
    dscs: dict[str, Authority] = field(default_factory=dict)
    link_certificates: dict[str, x509.Certificate] = field(default_factory=dict)
    crls: dict[str, crl.CertificateList] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _time(d: date) -> x509.Time:
    # RFC 5280 §4.1.2.5: UTCTime through 2049
    return x509.Time(name="utc_time", value=_utc(d))


def _name(country2: str, organization: str, common_name: str, serial: str) -> x509.Name:
    return x509.Name.build(
        {
            "country_name": country2,
            "organization_name": organization,
            "common_name": common_name,
            "serial_number": serial,
        },
        use_printable=True,
    )


def _key_id(spki: keys.PublicKeyInfo) -> bytes:
    # RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value
    return hashlib.sha1(bytes(spki["public_key"]), usedforsecurity=False).digest()


def _serial(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"serial/{seed}/{label}".encode()).digest()
    return int.from_bytes(digest[:9], "big") | (1 << 70)


def _ext(extn_id: str, value: object, *, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": extn_id, "critical": critical, "extn_value": value})


class _DocumentTypes(core.SetOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = core.PrintableString


class DocumentTypeListSyntax(core.Sequence):  # type: ignore[misc]
    """9303-12 §7.1.1.3: SEQUENCE { version INTEGER (0), docTypeList SET OF DocumentType }."""

    _fields = [  # noqa: RUF012 - asn1crypto declares fields as class attributes
        ("version", core.Integer),
        ("doc_type_list", _DocumentTypes),
    ]


def issue_certificate(
    *,
    subject: x509.Name,
    subject_spki: keys.PublicKeyInfo,
    issuer: x509.Name,
    issuer_spki: keys.PublicKeyInfo,
    signer: Signer,
    serial: int,
    not_before: date,
    not_after: date,
    ca: bool,
    document_types: list[str] | None = None,
) -> x509.Certificate:
    """Assemble a TBSCertificate in the ICAO 9303-12 §7.1.1 profile and sign it."""
    extensions = [
        _ext("key_identifier", _key_id(subject_spki)),
        _ext("authority_key_identifier", {"key_identifier": _key_id(issuer_spki)}),
    ]
    if ca:
        extensions += [
            _ext("basic_constraints", {"ca": True, "path_len_constraint": 0}, critical=True),
            _ext("key_usage", {"key_cert_sign", "crl_sign"}, critical=True),
        ]
    else:
        extensions += [
            _ext("key_usage", {"digital_signature"}, critical=True),
            _ext(
                "private_key_usage_period",
                {
                    "not_before": _utc(not_before),
                    "not_after": _utc(not_before + timedelta(days=92)),
                },
            ),
        ]
        if document_types:
            extensions.append(
                _ext(
                    ID_ICAO_DOCUMENT_TYPE_LIST,
                    DocumentTypeListSyntax({"version": 0, "doc_type_list": document_types}).dump(),
                )
            )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": signer.algorithm(),
            "issuer": issuer,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": subject_spki,
            "extensions": extensions,
        }
    )
    signature = signer.sign(tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": signer.algorithm(),
            "signature_value": signature,
        }
    )


def issue_crl(
    issuer: Authority,
    revoked: list[tuple[int, date]],
    this_update: date,
    next_update: date,
    number: int,
) -> crl.CertificateList:
    """A CSCA CRL (9303-12 §7.1.4): v2, AKI and cRLNumber, reason keyCompromise."""
    entries = [
        {
            "user_certificate": serial,
            "revocation_date": _time(when),
            "crl_entry_extensions": [
                {"extn_id": "crl_reason", "critical": False, "extn_value": "key_compromise"}
            ],
        }
        for serial, when in revoked
    ]
    spki = issuer.certificate["tbs_certificate"]["subject_public_key_info"]
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": issuer.signer.algorithm(),
            "issuer": issuer.certificate.subject,
            "this_update": _time(this_update),
            "next_update": _time(next_update),
            "revoked_certificates": entries or None,
            "crl_extensions": [
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": _key_id(spki)},
                },
                {"extn_id": "crl_number", "critical": False, "extn_value": number},
            ],
        }
    )
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": issuer.signer.algorithm(),
            "signature": issuer.signer.sign(tbs.dump()),
        }
    )


def _key(seed: int, label: str, kind: str) -> tuple[PrivateKey, Scheme, bool]:
    """(key, scheme, explicit SPKI) for a key kind: rsa_pss, rsa_pkcs1, p256, brainpool."""
    if kind == "p256":
        return derive_ec_key(seed, label, ec.SECP256R1(), P256_ORDER), Scheme.ECDSA, False
    if kind == "brainpool":
        key = derive_ec_key(seed, label, ec.BrainpoolP256R1(), BRAINPOOL_P256R1["n"])
        return key, Scheme.ECDSA, True
    scheme = Scheme.RSA_PSS if kind == "rsa_pss" else Scheme.RSA_PKCS1
    return generate_rsa_key(seed, label, RSA_BITS), scheme, False


_COUNTRIES: Final = {
    "NOR": ("NO", "Kingdom of Norway (SYNTHETIC TEST)"),
    "DNK": ("DK", "Kingdom of Denmark (SYNTHETIC TEST)"),
    "SWE": ("SE", "Kingdom of Sweden (SYNTHETIC TEST)"),
    "UTO": ("UT", "Utopia (SYNTHETIC TEST, UNTRUSTED)"),
}

# name, country, key kind, valid from (years before reference), years valid, trusted
_CSCAS: Final = [
    ("csca-nor-1", "NOR", "rsa_pss", 12, 20, True),
    ("csca-nor-2", "NOR", "p256", 3, 15, True),
    ("csca-dnk-1", "DNK", "rsa_pkcs1", 6, 15, True),
    ("csca-swe-1", "SWE", "brainpool", 5, 15, True),
    ("csca-uto-1", "UTO", "p256", 4, 15, False),
]
# name, issuing CSCA, document types, valid from (days before reference), valid to (days after)
_DSCS: Final = [
    ("dsc-nor-pss-00", "csca-nor-1", ["P"], 3900, 400),
    ("dsc-nor-pss-01", "csca-nor-1", ["P"], 1500, 2400),
    ("dsc-nor-pss-02", "csca-nor-1", ["P"], 1200, 2700),
    ("dsc-nor-ec-01", "csca-nor-2", ["P", "ID"], 700, 3200),
    ("dsc-dnk-01", "csca-dnk-1", ["P"], 900, 3000),
    ("dsc-dnk-02", "csca-dnk-1", ["P"], 1100, -365),
    ("dsc-swe-01", "csca-swe-1", ["P", "ID"], 800, 3100),
    ("dsc-uto-01", "csca-uto-1", ["P"], 600, 3300),
]
REVOKED_DSC: Final = "dsc-nor-pss-02"
EXPIRED_DSC: Final = "dsc-dnk-02"


def dsc_not_before(dsc: Authority) -> date:
    value: datetime = dsc.certificate["tbs_certificate"]["validity"]["not_before"].native
    return value.date()


def _years_before(d: date, years: int) -> date:
    return d.replace(year=d.year - years)


def build_test_pki(seed: int, reference: date) -> TestPKI:
    """Build every CSCA, DSC, link certificate and CRL for ``seed`` and ``reference``."""
    pki = TestPKI(reference=reference)
    for name, country, kind, before, years, trusted in _CSCAS:
        key, scheme, explicit = _key(seed, name, kind)
        signer = Signer(key, scheme, seed)
        c2, org = _COUNTRIES[country]
        subject = _name(c2, org, f"CSCA {country} {name[-1]}", name[-1].zfill(3))
        spki = public_key_info(key.public_key(), explicit=explicit)
        start = _years_before(reference, before)
        cert = issue_certificate(
            subject=subject,
            subject_spki=spki,
            issuer=subject,
            issuer_spki=spki,
            signer=signer,
            serial=_serial(seed, name),
            not_before=start,
            not_after=start.replace(year=start.year + years),
            ca=True,
        )
        pki.cscas[name] = Authority(name, country, signer, cert, name, trusted)

    # link certificate: the old NOR CSCA key certifies the new NOR CSCA key (9303-12 §5.5.1)
    old, new = pki.cscas["csca-nor-1"], pki.cscas["csca-nor-2"]
    new_tbs = new.certificate["tbs_certificate"]
    pki.link_certificates["link-nor-1-to-2"] = issue_certificate(
        subject=new.certificate.subject,
        subject_spki=new_tbs["subject_public_key_info"],
        issuer=old.certificate.subject,
        issuer_spki=old.certificate["tbs_certificate"]["subject_public_key_info"],
        signer=old.signer,
        serial=_serial(seed, "link-nor-1-to-2"),
        not_before=new_tbs["validity"]["not_before"].native.date(),
        not_after=old.certificate["tbs_certificate"]["validity"]["not_after"].native.date(),
        ca=True,
    )

    csca_kinds = {name: kind for name, _, kind, *_ in _CSCAS}
    for name, issuer_name, doc_types, days_before, days_after in _DSCS:
        issuer = pki.cscas[issuer_name]
        key, scheme, explicit = _key(seed, name, csca_kinds[issuer_name])
        c2, org = _COUNTRIES[issuer.country]
        subject = _name(c2, org, f"DS {issuer.country} {name[-2:]}", name[-2:].zfill(3))
        cert = issue_certificate(
            subject=subject,
            subject_spki=public_key_info(key.public_key(), explicit=explicit),
            issuer=issuer.certificate.subject,
            issuer_spki=issuer.certificate["tbs_certificate"]["subject_public_key_info"],
            signer=issuer.signer,
            serial=_serial(seed, name),
            not_before=reference - timedelta(days=days_before),
            not_after=reference + timedelta(days=days_after),
            ca=False,
            document_types=doc_types,
        )
        pki.dscs[name] = Authority(
            name, issuer.country, Signer(key, scheme, seed), cert, issuer_name, issuer.trusted
        )
    pki.revoked.add(REVOKED_DSC)
    pki.expired.add(EXPIRED_DSC)

    for number, (name, csca) in enumerate(pki.cscas.items(), start=1):
        revoked = [
            (pki.dscs[d].certificate.serial_number, reference - timedelta(days=60))
            for d in sorted(pki.revoked)
            if pki.dscs[d].issuer_name == name
        ]
        pki.crls[name] = issue_crl(
            csca, revoked, reference - timedelta(days=30), reference + timedelta(days=365), number
        )
    return pki
