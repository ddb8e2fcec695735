"""CMS SignedData reading and SignerInfo verification shared by EF.SOD and CSCA master
lists (RFC 5652 §5).

``definite_content_info`` accepts BER in the CMS layers (indefinite lengths, a constructed
eContent) and gives asn1crypto the definite-length form, refusing BER inside the parts
that are hashed as encoded (signed attributes, RFC 5652 §5.3; tbsCertificate, RFC 5280
§4.1). ``find_signer`` finds the certificate a SignerInfo names: by issuer name (X.500
rules, ``names``) and serial number, or by subject key identifier.

The three facts of a signature are kept apart so a caller can report each one and so
that matching hashes can never rescue a bad signature: the signature over the DER SET
of signed attributes, the contentType attribute equal to eContentType, and the
messageDigest attribute equal to the hash of the eContent octets as read.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from leveattest.core.errors import ChipStructureError
from leveattest.emrtd.certs import CertRecord
from leveattest.emrtd.crypto import (
    PublicKey,
    SignatureScheme,
    digest,
    hash_name,
    key_description,
    resolve_scheme,
    verify_signature,
)
from leveattest.emrtd.names import NameMatch, match_names
from leveattest.emrtd.tlv import Tlv, require_definite, to_definite

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)

SKI_MATCH = "subject_key_identifier"
_MATCH_ORDER = (NameMatch.EXACT, NameMatch.NORMALISED, NameMatch.NAME_ORDER_REVERSED)


def definite_content_info(content_info: Tlv) -> bytes:
    """A ContentInfo read with ``parse_tlv(..., ber=True)`` in the form asn1crypto parses.

    DER input is returned as it is. For BER, the signed attributes of every SignerInfo
    and the tbsCertificate of every certificate must already be DER: they are hashed as
    encoded, and the conversion must not change them.
    """
    if not (content_info.indefinite_count or content_info.constructed_string_count):
        return content_info.raw
    try:
        content = content_info.children()[1]
        signed = content.children()[0]
        parts = signed.children()
    except IndexError as exc:
        raise ChipStructureError("malformed ContentInfo") from exc
    for part in parts[3:]:
        if part.tag == 0xA0:  # certificates [0] IMPLICIT CertificateSet
            for cert in part.children():
                if cert.tag == 0x30 and cert.constructed and cert.length:
                    require_definite(cert.children()[0], "tbsCertificate")
        elif part.tag == 0x31:  # signerInfos
            for signer in part.children():
                attrs = signer.child(0xA0) if signer.constructed else None
                if attrs is not None:
                    require_definite(attrs, "signed attributes")
    return to_definite(content_info)


@dataclass(frozen=True, slots=True)
class SignerMatch:
    certificate: CertRecord
    how: str  # a NameMatch value or "subject_key_identifier"


def find_signer(sid: Any, certificates: Iterable[CertRecord]) -> SignerMatch | None:
    """The certificate a SignerIdentifier names (RFC 5652 §5.3): serial number and issuer
    name by X.500 rules (exact, then normalised, then reversed RDN order), or the [0]
    subjectKeyIdentifier."""
    if sid.name != "issuer_and_serial_number":
        wanted_ski = bytes(sid.chosen.native)
        for record in certificates:
            if record.ski is not None and record.ski == wanted_ski:
                return SignerMatch(record, SKI_MATCH)
        return None
    issuer = sid.chosen["issuer"]
    serial = sid.chosen["serial_number"].native
    best: tuple[int, CertRecord, NameMatch] | None = None
    for record in certificates:
        if record.cert.serial_number != serial:
            continue
        how = match_names(issuer, record.cert.issuer)
        if how is not None and (best is None or _MATCH_ORDER.index(how) < best[0]):
            best = (_MATCH_ORDER.index(how), record, how)
    return SignerMatch(best[1], best[2].value) if best is not None else None


@dataclass(frozen=True, slots=True)
class SignerCheck:
    signature_valid: bool
    content_type_matches: bool
    message_digest_matches: bool
    scheme: SignatureScheme
    ecdsa_encoding: str | None
    computed_digest: bytes
    stored_digest: bytes | None
    key: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.content_type_matches and self.message_digest_matches

    def evidence(self) -> dict[str, Any]:
        return {
            **self.scheme.describe(),
            **self.key,
            "ecdsa_encoding": self.ecdsa_encoding,
            "signature_valid": self.signature_valid,
            "content_type_matches": self.content_type_matches,
            "message_digest_matches": self.message_digest_matches,
            "message_digest_stored": self.stored_digest.hex() if self.stored_digest else None,
            "message_digest_computed": self.computed_digest.hex(),
        }


def check_signer(
    signer_info: Any,
    key: PublicKey,
    *,
    signed_attrs_der: bytes,
    econtent_type: str,
    econtent: bytes,
    content_type_attr: str | None,
    message_digest_attr: bytes | None,
) -> SignerCheck:
    """Verify one SignerInfo; raises ChipUnsupportedAlgorithmError for unknown algorithms."""
    try:  # asn1crypto parses these fields only when they are read
        digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
        scheme = resolve_scheme(signer_info["signature_algorithm"], digest_oid)
        signature = bytes(signer_info["signature"].native)
    except _PARSE_ERRORS as exc:
        raise ChipStructureError("malformed SignerInfo") from exc
    computed = digest(hash_name(digest_oid), econtent)
    valid, encoding = verify_signature(key, scheme, signature, signed_attrs_der)
    return SignerCheck(
        signature_valid=valid,
        content_type_matches=content_type_attr == econtent_type,
        message_digest_matches=message_digest_attr is not None
        and hmac.compare_digest(message_digest_attr, computed),
        scheme=scheme,
        ecdsa_encoding=encoding,
        computed_digest=computed,
        stored_digest=message_digest_attr,
        key=key_description(key),
    )
