"""EF.SOD: the Document Security Object (ICAO 9303-10 §4.6.2, RFC 5652 SignedData).

``parse_sod`` is strict: tag 0x77, ContentInfo of type signedData, SignedData version 3,
one SignerInfo with signed attributes, eContentType id-icao-ldsSecurityObject and an
LDSSecurityObject of version 0 (LDS 1.7) or 1 (LDS 1.8, with LDSVersionInfo). Known
real-world departures are accepted only when the caller allow-lists them by name
(``Deviation``) and every deviation used is recorded on the result.

BER is not a deviation: ICAO 9303-10 and RFC 5652 allow it, and issuing states write the
0x77 wrapper and the CMS layers with indefinite lengths and the eContent as a constructed
OCTET STRING. It is accepted there (bounded, see ``tlv``) and counted in the evidence;
the signed attributes and the certificates' tbsCertificate must still be DER.

Nothing is re-serialised before hashing: ``econtent`` is the eContent octets as read (a
constructed OCTET STRING's segments concatenated) and ``signed_attrs_der`` is the
signed-attribute bytes as encoded with the [0] IMPLICIT tag replaced by SET (0x31), as
RFC 5652 §5.4 prescribes — length octets included, exactly as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from asn1crypto import cms

from leveattest.core.errors import (
    ChipDataError,
    ChipStructureError,
    ChipTrailingDataError,
    ChipUnexpectedContentError,
)
from leveattest.emrtd.asn1 import ID_ICAO_LDS_SECURITY_OBJECT, LDSSecurityObject
from leveattest.emrtd.certs import CertRecord, record_from_asn1
from leveattest.emrtd.cmssig import SignerMatch, definite_content_info, find_signer
from leveattest.emrtd.crypto import hash_name
from leveattest.emrtd.names import name_key
from leveattest.emrtd.tlv import Tlv, parse_tlv, to_definite

SOD_TAG = 0x77
MAX_SOD_BYTES = 64_000
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_DATA = "1.2.840.113549.1.7.1"
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


class Deviation(StrEnum):
    """Named departures from ICAO 9303 that a deployment may choose to accept."""

    ECONTENT_TYPE_ID_DATA = "econtent_type_id_data"  # eContentType id-data, not ldsSecurityObject
    TRAILING_BYTES = "trailing_bytes"  # bytes after the 0x77 object (padding from some readers)


@dataclass(frozen=True, slots=True)
class Sod:
    raw: bytes
    signed_data: cms.SignedData
    econtent_type: str
    econtent: bytes
    lds_version: int
    hash_algorithm: str
    dg_hashes: dict[int, bytes]
    lds_version_info: dict[str, str] | None
    signer_info: cms.SignerInfo
    digest_algorithm_oid: str
    signed_attrs_der: bytes
    content_type_attr: str | None
    message_digest_attr: bytes | None
    signing_time: datetime | None
    certificates: tuple[CertRecord, ...]
    deviations: tuple[str, ...]
    indefinite_lengths: int = 0
    constructed_octet_strings: int = 0

    def signer_match(self) -> SignerMatch | None:
        """The certificate the SignerInfo's sid names and how it matched (``find_signer``)."""
        return find_signer(self.signer_info["sid"], self.certificates)

    def signer_certificate(self) -> CertRecord | None:
        """The certificate the SignerInfo's sid names (issuerAndSerialNumber or SKI)."""
        match = self.signer_match()
        return match.certificate if match is not None else None

    def evidence(self) -> dict[str, Any]:
        return {
            "lds_security_object_version": self.lds_version,
            "lds_version_info": self.lds_version_info,
            "hash_algorithm": self.hash_algorithm,
            "data_groups": sorted(self.dg_hashes),
            "econtent_type": self.econtent_type,
            "deviations": list(self.deviations),
            "asn1_encoding": {
                "indefinite_lengths": self.indefinite_lengths,
                "constructed_octet_strings": self.constructed_octet_strings,
            },
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
        }


def _unexpected(message: str, **context: Any) -> ChipUnexpectedContentError:
    return ChipUnexpectedContentError(message, **context)


def _parse_lds(econtent: bytes) -> tuple[int, str, dict[int, bytes], dict[str, str] | None]:
    tree = parse_tlv(econtent, max_bytes=MAX_SOD_BYTES, expected_tag=0x30, ber=True)
    lso = LDSSecurityObject.load(to_definite(tree))
    version = lso["version"].native
    has_info = lso["lds_version_info"].native is not None
    if version == 0 and has_info:
        raise _unexpected("LDSSecurityObject v0 with ldsVersionInfo")
    if version == 1 and not has_info:
        raise _unexpected("LDSSecurityObject v1 without ldsVersionInfo")
    if version not in (0, 1):
        raise _unexpected("unsupported LDSSecurityObject version", version=version)
    algorithm = hash_name(lso["hash_algorithm"]["algorithm"].dotted)
    hashes: dict[int, bytes] = {}
    for item in lso["data_group_hash_values"]:
        number = item["data_group_number"].native
        value = item["data_group_hash_value"].native
        if not 1 <= number <= 16 or number in hashes:
            raise _unexpected("invalid or repeated data group number", number=number)
        hashes[number] = bytes(value)
    if not hashes:
        raise _unexpected("LDSSecurityObject lists no data groups")
    info = lso["lds_version_info"].native if has_info else None
    return version, algorithm, hashes, info


def read_signed_attributes(
    signer: cms.SignerInfo,
) -> tuple[bytes, str | None, bytes | None, datetime | None]:
    attrs = signer["signed_attrs"]
    if attrs.contents is None or len(attrs) == 0:
        raise _unexpected("SignerInfo without signed attributes (9303-10 requires them)")
    content_type = digest = None
    signing_time = None
    seen: set[str] = set()
    for attr in attrs:
        kind = attr["type"].dotted
        if kind in seen:
            raise _unexpected("repeated signed attribute", oid=kind)
        seen.add(kind)
        values = attr["values"]
        if len(values) != 1:
            raise _unexpected("signed attribute must have exactly one value", oid=kind)
        if kind == "1.2.840.113549.1.9.3":
            content_type = values[0].dotted
        elif kind == "1.2.840.113549.1.9.4":
            digest = bytes(values[0].native)
        elif kind == "1.2.840.113549.1.9.5":
            signing_time = values[0].native
    # RFC 5652 §5.4: the signature covers the DER SET OF, i.e. the [0] bytes re-tagged 0x31;
    # as encoded, never re-serialised (parse_sod refused BER inside them)
    encoded = attrs.dump()
    if encoded[:1] != b"\xa0" or encoded[1:2] == b"\x80":  # refused before: kept as a guard
        raise ChipStructureError("signed attributes are not a definite-length [0]")
    return b"\x31" + encoded[1:], content_type, digest, signing_time


def parse_sod(data: bytes, *, allow: Iterable[Deviation | str] = ()) -> Sod:
    """Parse EF.SOD strictly; ``allow`` names the deviations this caller accepts."""
    allowed = {Deviation(item) for item in allow}
    used: list[str] = []

    def read(*, allow_trailing: bool) -> Tlv:
        return parse_tlv(data, max_bytes=MAX_SOD_BYTES, expected_tag=SOD_TAG, ber=True,
                         allow_trailing=allow_trailing)  # fmt: skip

    try:
        outer = read(allow_trailing=False)
    except ChipTrailingDataError:
        if Deviation.TRAILING_BYTES not in allowed:
            raise
        used.append(Deviation.TRAILING_BYTES.value)
        outer = read(allow_trailing=True)
    inner = parse_tlv(outer.value, max_bytes=MAX_SOD_BYTES, expected_tag=0x30, ber=True)
    try:
        return _parse_signed_data(outer, inner, allowed, used)
    except ChipDataError:
        raise
    except _PARSE_ERRORS as exc:
        raise ChipStructureError("malformed SOD") from exc


def _parse_signed_data(outer: Tlv, inner: Tlv, allowed: set[Deviation], used: list[str]) -> Sod:
    info = cms.ContentInfo.load(definite_content_info(inner))
    root_type = info["content_type"].dotted
    if root_type != ID_SIGNED_DATA:
        raise _unexpected("SOD is not CMS SignedData", content_type=root_type)
    signed = info["content"]
    if signed["version"].native != "v3":  # 9303-10 §4.6.2.2: version 3
        raise _unexpected("SignedData version must be 3", version=signed["version"].native)
    encap = signed["encap_content_info"]
    econtent_type = encap["content_type"].dotted
    if econtent_type == ID_DATA and Deviation.ECONTENT_TYPE_ID_DATA in allowed:
        used.append(Deviation.ECONTENT_TYPE_ID_DATA.value)
    elif econtent_type != ID_ICAO_LDS_SECURITY_OBJECT:
        raise _unexpected("eContentType is not id-icao-ldsSecurityObject", oid=econtent_type)
    content = encap["content"]
    if content.contents is None or content.method != 0:
        raise _unexpected("eContent missing or not a primitive OCTET STRING")
    econtent = bytes(content.contents)
    lds_version, hash_algorithm, dg_hashes, version_info = _parse_lds(econtent)
    signers = signed["signer_infos"]
    if len(signers) != 1:
        raise _unexpected("SOD must have exactly one SignerInfo", count=len(signers))
    signer = signers[0]
    digest_oid = signer["digest_algorithm"]["algorithm"].dotted
    attrs_der, content_type, message_digest, signing_time = read_signed_attributes(signer)
    certificates: list[CertRecord] = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            certificates.append(record_from_asn1(choice.chosen, {"kind": "sod"}))
    # force lazy parsing now, inside our error mapping: a malformed signature or signer
    # identifier (e.g. a mangled issuer name) is a malformed SOD, found by fuzzing
    signer["signature"].native  # noqa: B018
    sid = signer["sid"]
    if sid.name == "issuer_and_serial_number":
        name_key(sid.chosen["issuer"])
        sid.chosen["serial_number"].native  # noqa: B018
    else:
        sid.chosen.native  # noqa: B018
    return Sod(
        raw=outer.raw,
        signed_data=signed,
        econtent_type=econtent_type,
        econtent=econtent,
        lds_version=lds_version,
        hash_algorithm=hash_algorithm,
        dg_hashes=dg_hashes,
        lds_version_info=version_info,
        signer_info=signer,
        digest_algorithm_oid=digest_oid,
        signed_attrs_der=attrs_der,
        content_type_attr=content_type,
        message_digest_attr=message_digest,
        signing_time=signing_time,
        certificates=tuple(certificates),
        deviations=tuple(used),
        indefinite_lengths=outer.indefinite_count,
        constructed_octet_strings=outer.constructed_string_count,
    )
