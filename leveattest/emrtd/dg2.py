"""DG2: the encoded face (ICAO 9303-10 §4.7.2; ISO/IEC 7816-11 CBEFF; ISO/IEC 19794-5:2005).

Layout: 75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E biometric data block } ... } }.
The data block is an ISO 19794-5 facial record: "FAC\\0", version, record length,
number of faces, then per face a facial information block (gender, eye colour, ...),
feature points, image information (type, width, height, ...) and the image itself,
JPEG or JPEG 2000. Every length is checked against what is actually there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leveattest.core.errors import ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.tlv import Tlv, parse_tlv

MAX_DG2_BYTES = 2_000_000
_GENDER = {0: "unspecified", 1: "male", 2: "female", 0xFF: "unknown"}
_EYES = {0: "unspecified", 1: "black", 2: "blue", 3: "brown", 4: "gray", 5: "green",
         6: "multi_coloured", 7: "pink", 0xFF: "other"}  # fmt: skip
_HAIR = {0: "unspecified", 1: "bald", 2: "black", 3: "blonde", 4: "brown", 5: "gray",
         6: "white", 7: "red", 8: "green", 9: "blue", 0xFF: "unknown"}  # fmt: skip
_IMAGE_TYPE = {0: "basic", 1: "full_frontal", 2: "token_frontal"}
_DATA_TYPE = {0: "jpeg", 1: "jpeg2000"}
_SOURCE = {0: "unspecified", 1: "static_photo_unknown", 2: "static_photo_digital_camera",
           3: "static_photo_scanner", 4: "video_frame_unknown", 5: "video_frame_analog",
           6: "video_frame_digital"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FaceImage:
    image: bytes
    image_format: str  # "jpeg" | "jpeg2000"
    width: int
    height: int
    image_type: str
    gender: str
    eye_colour: str
    hair_colour: str
    expression: int
    source_type: str
    quality: int
    feature_points: int

    def metadata(self) -> dict[str, Any]:
        """Everything but the image bytes (safe for evidence: no biometric data)."""
        return {
            "image_format": self.image_format,
            "width": self.width,
            "height": self.height,
            "image_type": self.image_type,
            "source_type": self.source_type,
            "image_bytes": len(self.image),
            "feature_points": self.feature_points,
        }


def _u(block: bytes, offset: int, size: int) -> int:
    if offset + size > len(block):
        raise ChipStructureError("facial record truncated", offset=offset)
    return int.from_bytes(block[offset : offset + size], "big")


def _magic_matches(image: bytes, image_format: str) -> bool:
    if image_format == "jpeg":
        return image.startswith(b"\xff\xd8")
    # JP2 file signature box, or a raw J2K codestream
    return image.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51"))


def parse_facial_record(block: bytes) -> list[FaceImage]:
    """ISO/IEC 19794-5 §5.4-5.7 facial record data."""
    if block[:4] != b"FAC\x00":
        raise ChipUnexpectedContentError("biometric data block is not an ISO 19794-5 face record")
    if block[4:8] != b"010\x00":
        raise ChipUnexpectedContentError("unsupported ISO 19794-5 version")
    record_length = _u(block, 8, 4)
    if record_length != len(block):
        raise ChipStructureError("facial record length mismatch", stated=record_length)
    count = _u(block, 12, 2)
    if count == 0:
        raise ChipUnexpectedContentError("facial record holds no face")
    faces: list[FaceImage] = []
    pos = 14
    for _ in range(count):
        start = pos
        length = _u(block, pos, 4)
        if length < 32 or start + length > len(block):
            raise ChipStructureError("facial information block length invalid", offset=start)
        points = _u(block, pos + 4, 2)
        gender, eyes, hair = block[pos + 6], block[pos + 7], block[pos + 8]
        expression = _u(block, pos + 12, 2)
        pos += 20 + 8 * points  # facial information (20) + feature points (8 each)
        image_type = block[pos] if pos < len(block) else -1
        data_type = _u(block, pos + 1, 1)
        width, height = _u(block, pos + 2, 2), _u(block, pos + 4, 2)
        source = _u(block, pos + 7, 1)
        quality = _u(block, pos + 10, 2)
        pos += 12
        end = start + length
        if pos > end:
            raise ChipStructureError("facial record fields exceed its block", offset=start)
        image_format = _DATA_TYPE.get(data_type)
        if image_format is None:
            raise ChipUnexpectedContentError("unsupported face image data type", value=data_type)
        image = block[pos:end]
        if not image or not _magic_matches(image, image_format):
            raise ChipUnexpectedContentError("face image does not match its declared format")
        faces.append(
            FaceImage(
                image=image,
                image_format=image_format,
                width=width,
                height=height,
                image_type=_IMAGE_TYPE.get(image_type, f"other:{image_type}"),
                gender=_GENDER.get(gender, "unknown"),
                eye_colour=_EYES.get(eyes, "other"),
                hair_colour=_HAIR.get(hair, "unknown"),
                expression=expression,
                source_type=_SOURCE.get(source, "other"),
                quality=quality,
                feature_points=points,
            )
        )
        pos = end
    return faces


def _biometric_blocks(group: Tlv) -> list[bytes]:
    count_tlv = group.require(0x02)
    count = int.from_bytes(count_tlv.value, "big")
    templates = [c for c in group.children() if c.tag == 0x7F60]
    if count != len(templates) or count == 0:
        raise ChipUnexpectedContentError("biometric template count mismatch", stated=count)
    blocks: list[bytes] = []
    for template in templates:
        data_block = template.child(0x5F2E)
        if data_block is None:
            if template.child(0x7F2E) is not None:
                raise ChipUnexpectedContentError("protected (enciphered) biometric data block")
            raise ChipUnexpectedContentError("biometric template without data block")
        blocks.append(data_block.value)
    return blocks


def parse_dg2(data: bytes, *, max_bytes: int = MAX_DG2_BYTES) -> list[FaceImage]:
    """All face images in DG2, in order (the first is the portrait to compare against)."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=0x75)
    group = root.require(0x7F61)
    faces: list[FaceImage] = []
    for block in _biometric_blocks(group):
        faces.extend(parse_facial_record(block))
    return faces
