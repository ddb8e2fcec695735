"""Logical Data Structure files as a chip holds them (ICAO 9303-10), and EF.SOD (9303-10 §4.6).

Every file is BER-TLV with the tags of 9303-10 §4.7 (DG1 0x61, DG2 0x75, DG14 0x6E,
DG15 0x6F, EF.COM 0x60, EF.SOD 0x77). DG2 wraps an ISO/IEC 19794-5:2005 facial record
holding a JPEG 2000 portrait in the CBEFF biometric information template of ISO/IEC
7816-11. EF.SOD is a CMS SignedData (RFC 5652) over an LDSSecurityObject.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from asn1crypto import algos, cms, core
from PIL import Image

from leveattest.emrtd.asn1 import (
    ID_ICAO_LDS_SECURITY_OBJECT,
    ID_ICAO_MRTD_SECURITY_AA_PROTOCOL,
    LDSSecurityObject,
    SecurityInfo,
    SecurityInfos,
)
from leveattest.samples.pki import Authority
from leveattest.samples.signing import PublicKey, public_key_info

DG_TAGS: Final = {1: 0x61, 2: 0x75, 14: 0x6E, 15: 0x6F}
TAG_COM: Final = 0x60
TAG_SOD: Final = 0x77
ECDSA_PLAIN_SHA256: Final = "0.4.0.127.0.7.1.1.4.1.3"  # BSI TR-03111 ecdsa-plain-SHA256
ID_PACE_ECDH_GM_AES_CBC_CMAC_128: Final = "0.4.0.127.0.7.2.2.4.2.2"  # 9303-11 §9.2.1
ID_CA_ECDH_3DES_CBC_CBC: Final = "0.4.0.127.0.7.2.2.3.2.1"  # 9303-11 §9.2.5 ChipAuthenticationInfo
PACE_PARAM_BRAINPOOL_P256R1: Final = 13  # 9303-11 §9.5.1 standardized domain parameters
UNICODE_VERSION: Final = "040000"
LDS_VERSION: Final = {0: "0107", 1: "0108"}


def tlv(tag: int, value: bytes) -> bytes:
    """BER-TLV with a one- or two-byte tag and definite length (9303-10 §4.7)."""
    tag_bytes = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return tag_bytes + length + value


def ef_com(data_groups: list[int], lds_version: str) -> bytes:
    """EF.COM: LDS version (5F01), Unicode version (5F36), tag list (5C)."""
    tags = bytes(DG_TAGS[n] for n in sorted(data_groups))
    return tlv(
        TAG_COM,
        tlv(0x5F01, lds_version[:4].encode())
        + tlv(0x5F36, UNICODE_VERSION.encode())
        + tlv(0x5C, tags),
    )


def dg1(mrz_lines: list[str]) -> bytes:
    """DG1: the MRZ lines concatenated (no separators) under 5F1F."""
    return tlv(DG_TAGS[1], tlv(0x5F1F, "".join(mrz_lines).encode("ascii")))


def jpeg2000_portrait(portrait: Image.Image, size: tuple[int, int] = (240, 300)) -> bytes:
    """A chip-sized JPEG 2000 (JP2) portrait, about 10-15 kB as on real chips."""
    img = portrait.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[16])
    return buf.getvalue()


# ISO/IEC 19794-5 §5.7.2 image data type
IMAGE_DATA_TYPES: Final = {"jpeg": 0, "jpeg2000": 1}


def facial_record(
    image: bytes, width: int, height: int, *, gender: str, image_type: str = "jpeg2000"
) -> bytes:
    """ISO/IEC 19794-5:2005 facial record: general header, one face, no feature points;
    ``image_type`` is the encoding of ``image`` (``jpeg2000`` as chips store it, or ``jpeg``)."""
    record_header = (
        (20 + 12 + len(image)).to_bytes(4, "big")  # facial record data length
        + (0).to_bytes(2, "big")  # number of feature points
        + bytes([{"M": 1, "F": 2}.get(gender, 0)])  # gender
        + bytes([0, 0])  # eye colour, hair colour: unspecified
        + (0).to_bytes(3, "big")  # feature mask
        + (1).to_bytes(2, "big")  # expression: neutral
        + bytes(3)  # pose angles yaw/pitch/roll: unspecified
        + bytes(3)  # pose angle uncertainty
    )
    image_info = (
        bytes([1])  # face image type: full frontal
        + bytes([IMAGE_DATA_TYPES[image_type]])  # image data type
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1])  # colour space: 24-bit RGB
        + bytes([2])  # source type: static photo from a digital still camera
        + (0).to_bytes(2, "big")  # device type
        + (0).to_bytes(2, "big")  # quality: unspecified
    )
    body = record_header + image_info + image
    general = b"FAC\x00" + b"010\x00" + (14 + len(body)).to_bytes(4, "big") + (1).to_bytes(2, "big")
    return general + body


def dg2(face_record: bytes) -> bytes:
    """DG2: biometric information group template (7F61) with one BIT (7F60)."""
    header = (
        tlv(0x80, b"\x01\x01")  # ICAO header version
        + tlv(0x81, b"\x02")  # biometric type: facial features
        + tlv(0x82, b"\x00")  # biometric subtype: none
        + tlv(0x87, b"\x01\x01")  # format owner: ISO/IEC JTC 1/SC 37
        + tlv(0x88, b"\x00\x08")  # format type: face image (19794-5)
    )
    bit = tlv(0x7F60, tlv(0xA1, header) + tlv(0x5F2E, face_record))
    return tlv(DG_TAGS[2], tlv(0x7F61, tlv(0x02, b"\x01") + bit))


def dg14(aa_algorithm: str | None, *, chip_authentication: bool = False) -> bytes:
    """DG14 SecurityInfos (9303-11 §9.2): a PACEInfo, a ChipAuthenticationInfo when asked
    for, and an ActiveAuthenticationInfo naming ``aa_algorithm`` (an EC AA key needs one;
    an RSA key, signing ISO/IEC 9796-2, none)."""
    infos = [
        SecurityInfo(
            {
                "protocol": ID_PACE_ECDH_GM_AES_CBC_CMAC_128,
                "required_data": core.Integer(2),
                "optional_data": core.Integer(PACE_PARAM_BRAINPOOL_P256R1),
            }
        )
    ]
    if chip_authentication:
        infos.append(
            SecurityInfo({"protocol": ID_CA_ECDH_3DES_CBC_CBC, "required_data": core.Integer(1)})
        )
    if aa_algorithm is not None:
        infos.append(
            SecurityInfo(
                {
                    "protocol": ID_ICAO_MRTD_SECURITY_AA_PROTOCOL,
                    "required_data": core.Integer(1),  # version 1
                    "optional_data": core.ObjectIdentifier(aa_algorithm),
                }
            )
        )
    return tlv(DG_TAGS[14], bytes(SecurityInfos(infos).dump()))


def dg15(aa_public_key: PublicKey) -> bytes:
    """DG15: the Active Authentication public key as a SubjectPublicKeyInfo."""
    return tlv(DG_TAGS[15], bytes(public_key_info(aa_public_key).dump()))


@dataclass(frozen=True)
class SodSpec:
    """How to sign: LDSSecurityObject version (0 or 1), signing time, SignerIdentifier form."""

    version: int
    signing_time: datetime
    sid_by_key_id: bool = False


def ef_sod(data_groups: dict[int, bytes], dsc: Authority, spec: SodSpec) -> bytes:
    """EF.SOD: SignedData over the SHA-256 hashes of the data group files, signed by ``dsc``."""
    lso: dict[str, object] = {
        "version": spec.version,
        "hash_algorithm": {"algorithm": "sha256"},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": hashlib.sha256(raw).digest()}
            for n, raw in sorted(data_groups.items())
        ],
    }
    if spec.version == 1:
        lso["lds_version_info"] = {
            "lds_version": LDS_VERSION[1],
            "unicode_version": UNICODE_VERSION,
        }
    econtent = bytes(LDSSecurityObject(lso).dump())
    signed_attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [ID_ICAO_LDS_SECURITY_OBJECT]},
            {"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]},
            {
                "type": "signing_time",
                "values": [cms.Time(name="utc_time", value=spec.signing_time.astimezone(UTC))],
            },
        ]
    )
    # RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF (tag 0x31)
    signature = dsc.signer.sign(bytes(signed_attrs.dump()))
    tbs = dsc.certificate["tbs_certificate"]
    if spec.sid_by_key_id:
        sid = cms.SignerIdentifier(
            name="subject_key_identifier", value=dsc.certificate.key_identifier
        )
        signer_version = "v3"
    else:
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": tbs["issuer"], "serial_number": tbs["serial_number"]},
        )
        signer_version = "v1"
    signer_info = cms.SignerInfo(
        {
            "version": signer_version,
            "sid": sid,
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": dsc.signer.algorithm(),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": ID_ICAO_LDS_SECURITY_OBJECT,
                "content": core.ParsableOctetString(econtent),
            },
            "certificates": [dsc.certificate],
            "signer_infos": [signer_info],
        }
    )
    content_info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tlv(TAG_SOD, bytes(content_info.dump()))


def utc_datetime(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)
