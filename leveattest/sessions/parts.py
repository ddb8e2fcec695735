"""What may be uploaded: part names, content types, magic bytes, size and truncation checks.

Checks are shallow and cheap (the pipeline parses everything): a chip file must start
with the ICAO 9303 tag of its elementary file and its BER-TLV length must cover the
body exactly; a JPEG must start with SOI and end with EOI, a PNG must start with the
signature and end with the IEND chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from leveattest.contracts.sessions import CHIP_PARTS
from leveattest.sessions.errors import (
    UploadPartUnknownError,
    UploadTooLargeError,
    UploadTruncatedError,
    UploadTypeError,
)
from leveattest.sessions.settings import SessionSettings

# ICAO 9303-10 §4.6/4.7: the first tag of each elementary file
CHIP_TAGS = {
    "EF_COM": 0x60,
    "DG1": 0x61,
    "DG2": 0x75,
    "DG11": 0x6B,
    "DG12": 0x6C,
    "DG14": 0x6E,
    "DG15": 0x6F,
    "EF_SOD": 0x77,
}
OCTETS = "application/octet-stream"
IMAGE_TYPES = ("image/jpeg", "image/png")
_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class PartSpec:
    slot: str
    category: str  # chip | page | selfie | liveness
    content_types: tuple[str, ...]
    max_bytes: int


def part_spec(part: str, settings: SessionSettings) -> PartSpec:
    """The spec for a named part (``FRAME`` for liveness frames)."""
    if part == "AA_SIGNATURE":
        return PartSpec(part, "chip", (OCTETS,), settings.max_aa_signature_bytes)
    if part in CHIP_PARTS:
        return PartSpec(part, "chip", (OCTETS,), settings.max_chip_file_bytes)
    if part == "PAGE":
        return PartSpec(part, "page", IMAGE_TYPES, settings.max_image_bytes)
    if part == "SELFIE":
        return PartSpec(part, "selfie", IMAGE_TYPES, settings.max_image_bytes)
    if part == "FRAME":
        return PartSpec(part, "liveness", IMAGE_TYPES, settings.max_frame_bytes)
    raise UploadPartUnknownError(part=part[:20])


def frame_slot(index: int) -> str:
    return f"FRAME-{index:03d}"


def check_declared(spec: PartSpec, content_type: str | None, length: int | None) -> str:
    """Checks before reading the body: declared type and declared length."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in spec.content_types:
        raise UploadTypeError(
            "this part needs another content type", expected=list(spec.content_types)
        )
    if length is not None and length > spec.max_bytes:
        raise UploadTooLargeError(max=spec.max_bytes)
    return media


def check_content(spec: PartSpec, media: str, data: bytes) -> None:
    """Magic bytes and completeness of the received body."""
    if not data:
        raise UploadTruncatedError("the upload is empty")
    if len(data) > spec.max_bytes:
        raise UploadTooLargeError(max=spec.max_bytes)
    if spec.category == "chip":
        if spec.slot != "AA_SIGNATURE":
            _check_tlv(spec.slot, data)
        return
    if media == "image/jpeg":
        if not data.startswith(b"\xff\xd8\xff"):
            raise UploadTypeError("the content is not a JPEG image")
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise UploadTruncatedError("the JPEG image is incomplete")
    else:
        if not data.startswith(_PNG):
            raise UploadTypeError("the content is not a PNG image")
        if not data.endswith(_PNG_END):
            raise UploadTruncatedError("the PNG image is incomplete")


def _check_tlv(slot: str, data: bytes) -> None:
    if data[0] != CHIP_TAGS[slot]:
        raise UploadTypeError("the chip file does not start with its tag", part=slot)
    if len(data) < 2:
        raise UploadTruncatedError("the chip file is incomplete", part=slot)
    first = data[1]
    if first < 0x80:
        header, length = 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            raise UploadTruncatedError("the chip file is incomplete", part=slot)
        header, length = 2 + count, int.from_bytes(data[2 : 2 + count], "big")
    if header + length > len(data):
        raise UploadTruncatedError("the chip file is incomplete", part=slot)
    if header + length < len(data):
        raise UploadTypeError("the chip file has bytes after its end", part=slot)
