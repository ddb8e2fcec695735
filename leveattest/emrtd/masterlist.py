"""CSCA master lists (ICAO 9303-12 §9): CMS SignedData around a CscaMasterList.

The list is only as good as its signature: the SignerInfo must verify with the master
list signer certificate, and that certificate must be issued by a CSCA in the list
itself or by an anchor already trusted. Provenance (file, signer, how it chained,
verified yes/no) is recorded so the trust store can report it per anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms

from leveattest.core.errors import ChipDataError, ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.asn1 import ID_ICAO_CSCA_MASTER_LIST, CscaMasterList
from leveattest.emrtd.certs import CertRecord, record_from_asn1, signed_by
from leveattest.emrtd.cmssig import check_signer, definite_content_info, find_signer
from leveattest.emrtd.sod import ID_SIGNED_DATA, read_signed_attributes
from leveattest.emrtd.tlv import parse_tlv

MAX_MASTER_LIST_BYTES = 50_000_000
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


@dataclass(slots=True)
class MasterList:
    file: str
    certificates: list[CertRecord]
    signer: CertRecord | None
    verified: bool
    chained_to: str | None  # "in_list" | "trusted_anchor" | None
    problems: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "certificates": len(self.certificates),
            "signer": self.signer.cert.subject.human_friendly if self.signer else None,
            "verified": self.verified,
            "chained_to": self.chained_to,
            "problems": self.problems,
        }


def _find_signer(signed: Any, signer_info: Any) -> CertRecord | None:
    records = [
        record_from_asn1(choice.chosen, {"kind": "master_list_signer"})
        for choice in signed["certificates"] or []
        if choice.name == "certificate"
    ]
    match = find_signer(signer_info["sid"], records)
    return match.certificate if match is not None else None


def _issued_by_any(child: CertRecord, candidates: Sequence[CertRecord]) -> CertRecord | None:
    for issuer in candidates:
        if not child.issued_by_name(issuer):
            continue
        if child.aki is not None and issuer.ski is not None and child.aki != issuer.ski:
            continue
        try:
            if signed_by(child.cert, issuer.public_key()):
                return issuer
        except ChipDataError:
            continue
    return None


def load_master_list(
    data: bytes,
    *,
    file: str,
    trusted_issuers: Callable[[CertRecord], Sequence[CertRecord]],
) -> MasterList:
    """Parse and verify a master list. ``trusted_issuers`` finds already-trusted anchors."""
    tree = parse_tlv(data, max_bytes=MAX_MASTER_LIST_BYTES, expected_tag=0x30, ber=True)
    try:
        info = cms.ContentInfo.load(definite_content_info(tree))
        if info["content_type"].dotted != ID_SIGNED_DATA:
            raise ChipUnexpectedContentError("master list is not CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != ID_ICAO_CSCA_MASTER_LIST:
            raise ChipUnexpectedContentError("eContentType is not id-icao-cscaMasterList")
        econtent = bytes(encap["content"].contents)
        listing = CscaMasterList.load(econtent)
        source = {"kind": "master_list", "file": file}
        certificates = [record_from_asn1(cert, dict(source)) for cert in listing["cert_list"]]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise ChipUnexpectedContentError("master list must have exactly one SignerInfo")
        signer_info = signers[0]
        signer = _find_signer(signed, signer_info)
        result = MasterList(file, certificates, signer, verified=False, chained_to=None)
        if signer is None:
            result.problems.append("signer_certificate_missing")
            return result
        attrs_der, content_type, message_digest, _ = read_signed_attributes(signer_info)
        check = check_signer(
            signer_info,
            signer.public_key(),
            signed_attrs_der=attrs_der,
            econtent_type=encap["content_type"].dotted,
            econtent=econtent,
            content_type_attr=content_type,
            message_digest_attr=message_digest,
        )
        result.evidence = check.evidence()
        if not check.ok:
            result.problems.append("signature_invalid")
            return result
        issuer = _issued_by_any(signer, certificates)
        if issuer is not None:
            result.chained_to = "in_list"
        else:
            issuer = _issued_by_any(signer, trusted_issuers(signer))
            result.chained_to = "trusted_anchor" if issuer is not None else None
        if issuer is None:
            result.problems.append("signer_not_issued_by_a_csca")
            return result
        result.evidence["signer_issuer_fingerprint"] = issuer.fingerprint
        result.verified = True
    except ChipDataError:
        raise
    except _PARSE_ERRORS as exc:
        raise ChipStructureError("malformed master list") from exc
    signer_name = signer.cert.subject.human_friendly
    for record in result.certificates:
        record.source.update({"master_list_signer": signer_name, "verified": result.verified})
    return result
