"""X.509 certificates of the eMRTD PKI (CSCA, link, DSC, master-list signer; ICAO 9303-12).

Certificates are parsed with asn1crypto (it accepts the negative serial numbers and
explicit EC parameters found in real CSCAs, where ``cryptography`` warns or refuses);
signatures are checked over the *original* TBS bytes with ``crypto.verify_signature``.
The outer Certificate SEQUENCE may use BER (an indefinite length, as inside some SODs);
the tbsCertificate must be DER, since it is hashed exactly as encoded (RFC 5280 §4.1).
Subject and issuer are kept as ``names.name_key`` keys (RFC 4518 prepared, RDNs in order).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import pem, x509

from leveattest.core.errors import ChipDataError, ChipStructureError
from leveattest.emrtd.crypto import PublicKey, load_public_key, resolve_scheme, verify_signature
from leveattest.emrtd.names import name_key, reversed_name_key
from leveattest.emrtd.tlv import parse_tlv, require_definite, to_definite

MAX_CERT_BYTES = 64_000
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


def _key_identifiers(cert: x509.Certificate) -> tuple[bytes | None, bytes | None]:
    """(subjectKeyIdentifier, authorityKeyIdentifier.keyIdentifier), parsing only those two."""
    ski = aki = None
    for ext in cert["tbs_certificate"]["extensions"] or []:
        oid = ext["extn_id"].dotted
        if oid == "2.5.29.14":
            ski = bytes(ext["extn_value"].parsed.native)
        elif oid == "2.5.29.35":
            value = ext["extn_value"].parsed["key_identifier"].native
            aki = bytes(value) if value is not None else None
    return ski, aki


@dataclass(eq=False, slots=True)
class CertRecord:
    """A parsed certificate with the lookups chain building needs, computed once."""

    cert: x509.Certificate
    der: bytes
    fingerprint: str
    subject: str
    issuer: str
    issuer_reversed: str  # the issuer's key with its RDNs reversed (a quirk of some DSCs)
    ski: bytes | None
    aki: bytes | None
    not_before: datetime
    not_after: datetime
    country: str | None
    source: dict[str, Any] = field(default_factory=dict)
    _key: PublicKey | None = None

    @property
    def self_issued(self) -> bool:
        return self.subject == self.issuer

    def issued_by_name(self, candidate: CertRecord) -> bool:
        """Whether ``candidate``'s subject names this certificate's issuer (in either RDN
        order, see ``names``)."""
        return candidate.subject in (self.issuer, self.issuer_reversed)

    def public_key(self) -> PublicKey:
        if self._key is None:
            self._key = load_public_key(self.cert["tbs_certificate"]["subject_public_key_info"])
        return self._key

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after

    def summary(self) -> dict[str, Any]:
        return {
            "fingerprint_sha256": self.fingerprint,
            "subject": self.cert.subject.human_friendly,
            "serial": format(self.cert.serial_number, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


def record_from_asn1(cert: x509.Certificate, source: dict[str, Any] | None = None) -> CertRecord:
    """Index data for an already-parsed certificate; malformed ones raise ChipDataError."""
    try:
        der = cert.dump()
        tbs = cert["tbs_certificate"]
        validity = tbs["validity"]
        country = None
        for rdn in cert.subject.chosen:
            for attr in rdn:
                if attr["type"].native == "country_name":
                    country = str(attr["value"].native).upper()
        ski, aki = _key_identifiers(cert)
        return CertRecord(
            cert=cert,
            der=der,
            fingerprint=hashlib.sha256(der).hexdigest(),
            subject=name_key(cert.subject),
            issuer=name_key(cert.issuer),
            issuer_reversed=reversed_name_key(cert.issuer),
            ski=ski,
            aki=aki,
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            country=country,
            source=source or {},
        )
    except _PARSE_ERRORS as exc:
        raise ChipDataError("malformed certificate") from exc


def load_certificate(data: bytes, source: dict[str, Any] | None = None) -> CertRecord:
    """Parse one certificate, PEM or DER (or BER around a DER tbsCertificate)."""
    if pem.detect(data):
        try:
            _type, _headers, data = pem.unarmor(data)
        except _PARSE_ERRORS as exc:
            raise ChipStructureError("malformed PEM") from exc
    tree = parse_tlv(data, max_bytes=MAX_CERT_BYTES, expected_tag=0x30, ber=True)
    if tree.indefinite_count or tree.constructed_string_count:
        parts = tree.children()
        if not parts:
            raise ChipStructureError("empty certificate")
        require_definite(parts[0], "tbsCertificate")
        data = to_definite(tree)
    # asn1crypto parses lazily: ``load`` reads only the header parse_tlv has checked, and
    # record_from_asn1 maps every error of the parse that follows to ChipDataError
    return record_from_asn1(x509.Certificate.load(data), source)


def signed_by(child: x509.Certificate, issuer_key: PublicKey) -> bool:
    """Whether ``issuer_key`` verifies the signature over the child's original TBS bytes."""
    try:
        inner = child["tbs_certificate"]["signature"]
        outer = child["signature_algorithm"]
        if inner.dump() != outer.dump():  # RFC 5280 §4.1.1.2
            return False
        scheme = resolve_scheme(outer)
        ok, _ = verify_signature(
            issuer_key, scheme, child["signature_value"].native, child["tbs_certificate"].dump()
        )
    except _PARSE_ERRORS:
        return False
    return ok


def key_usage(cert: x509.Certificate) -> set[str]:
    value = cert.key_usage_value
    return set(value.native) if value is not None else set()


def extension_problems(record: CertRecord, role: str) -> list[str]:
    """ICAO 9303-12 §7.1 certificate profile checks that matter for trust decisions.

    DSC: keyUsage present with digitalSignature, not a CA. CSCA / link: basicConstraints
    cA=TRUE, keyUsage keyCertSign. Unknown critical extensions are refused (RFC 5280 §4.2).
    """
    problems: list[str] = []
    cert = record.cert
    try:
        usage = key_usage(cert)
        constraints = cert.basic_constraints_value
        is_ca = bool(constraints["ca"].native) if constraints is not None else False
        if role == "dsc":
            if "digital_signature" not in usage:
                problems.append("dsc_key_usage_without_digital_signature")
            if is_ca:
                problems.append("dsc_is_ca")
        else:
            if not is_ca:
                problems.append(f"{role}_not_ca")
            if "key_cert_sign" not in usage:
                problems.append(f"{role}_key_usage_without_key_cert_sign")
        known = {
            "key_usage",
            "basic_constraints",
            "private_key_usage_period",
            "key_identifier",
            "authority_key_identifier",
            "certificate_policies",
            "subject_alt_name",
            "issuer_alt_name",
            "crl_distribution_points",
            "extended_key_usage",
            "name_constraints",
            "2.23.136.1.1.6.2",  # ICAO document type list (9303-12 §7.1.1.3)
        }
        for ext in cert["tbs_certificate"]["extensions"] or []:
            if ext["critical"].native and ext["extn_id"].native not in known:
                problems.append(f"unknown_critical_extension:{ext['extn_id'].dotted}")
    except _PARSE_ERRORS:
        problems.append("extensions_malformed")
    return problems
