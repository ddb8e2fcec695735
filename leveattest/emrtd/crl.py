"""CSCA certificate revocation lists (ICAO 9303-12 §7.2, RFC 5280 §5).

A CRL counts only once its signature verifies with the key of a CSCA in the trust
store; freshness (nextUpdate) is judged by the caller at verification time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import crl, pem

from leveattest.core.errors import ChipDataError, ChipStructureError
from leveattest.emrtd.certs import CertRecord
from leveattest.emrtd.crypto import resolve_scheme, verify_signature
from leveattest.emrtd.names import name_key
from leveattest.emrtd.tlv import parse_tlv

MAX_CRL_BYTES = 20_000_000
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


@dataclass(slots=True)
class CrlRecord:
    file: str
    issuer: str
    issuer_name: str
    aki: bytes | None
    this_update: datetime
    next_update: datetime | None
    revoked: dict[int, datetime | None]
    crl: crl.CertificateList
    verified_by: str | None = None  # fingerprint of the CSCA whose key verified it
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "issuer": self.issuer_name,
            "this_update": self.this_update.isoformat(),
            "next_update": self.next_update.isoformat() if self.next_update else None,
            "revoked": len(self.revoked),
            "verified_by": self.verified_by,
            "problems": self.problems,
        }


def load_crl(data: bytes, *, file: str) -> CrlRecord:
    """Parse a CRL (PEM or DER); its signature is checked by ``verify_crl``."""
    if pem.detect(data):
        try:
            _type, _headers, data = pem.unarmor(data)
        except _PARSE_ERRORS as exc:
            raise ChipStructureError("malformed PEM") from exc
    parse_tlv(data, max_bytes=MAX_CRL_BYTES, expected_tag=0x30)
    try:
        parsed = crl.CertificateList.load(data)
        tbs = parsed["tbs_cert_list"]
        revoked: dict[int, datetime | None] = {}
        for entry in tbs["revoked_certificates"] or []:
            revoked[entry["user_certificate"].native] = entry["revocation_date"].native
        return CrlRecord(
            file=file,
            issuer=name_key(parsed.issuer),
            issuer_name=parsed.issuer.human_friendly,
            aki=parsed.authority_key_identifier,
            this_update=tbs["this_update"].native,
            next_update=tbs["next_update"].native,
            revoked=revoked,
            crl=parsed,
        )
    except _PARSE_ERRORS as exc:
        raise ChipStructureError("malformed CRL") from exc


def verify_crl(record: CrlRecord, candidates: Sequence[CertRecord]) -> CertRecord | None:
    """The CSCA among ``candidates`` whose key verifies the CRL signature (recorded)."""
    try:
        scheme = resolve_scheme(record.crl["signature_algorithm"])
        tbs = record.crl["tbs_cert_list"].dump()
        signature = bytes(record.crl["signature"].native)
    except ChipDataError:
        record.problems.append("unsupported_signature_algorithm")
        return None
    except _PARSE_ERRORS:
        record.problems.append("malformed")
        return None
    for issuer in candidates:
        if issuer.subject != record.issuer:
            continue
        if record.aki is not None and issuer.ski is not None and record.aki != issuer.ski:
            continue
        try:
            ok, _ = verify_signature(issuer.public_key(), scheme, signature, tbs)
        except ChipDataError:
            continue
        if ok:
            record.verified_by = issuer.fingerprint
            return issuer
    record.problems.append("no_csca_verifies_signature")
    return None
