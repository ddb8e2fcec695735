"""ISO/IEC 19794-5 facial records inside DG2 (ICAO 9303-10 §4.7.2): what is refused, and why."""

from __future__ import annotations

import pytest

from leveattest.core.errors import ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.dg2 import parse_facial_record

JPEG = b"\xff\xd8\xff\xe0" + bytes(40)
J2K = b"\xff\x4f\xff\x51" + bytes(40)


def _record(
    *,
    image: bytes = JPEG,
    data_type: int = 0,
    count: int = 1,
    points: int = 0,
    block_length: int | None = None,
    magic: bytes = b"FAC\x00",
    version: bytes = b"010\x00",
    stated_length: int | None = None,
) -> bytes:
    """A facial record with one face: facial information (20 bytes, §5.5), feature points
    (8 bytes each, §5.6), image information (12 bytes, §5.7) and the image."""
    info = points.to_bytes(2, "big") + b"\x02\x01\x01" + bytes(3) + b"\x00\x01" + bytes(6)
    features = bytes(8 * points)
    image_info = bytes([1, data_type]) + (480).to_bytes(2, "big") + (640).to_bytes(2, "big")
    image_info += b"\x01\x02" + bytes(2) + (80).to_bytes(2, "big")
    body = info + features + image_info + image
    length = 4 + len(body) if block_length is None else block_length
    face = length.to_bytes(4, "big") + body
    faces = face * count
    total = 14 + len(faces) if stated_length is None else stated_length
    return magic + version + total.to_bytes(4, "big") + count.to_bytes(2, "big") + faces


@pytest.mark.parametrize(("data_type", "image", "fmt"), [(0, JPEG, "jpeg"), (1, J2K, "jpeg2000")])
def test_well_formed_record_yields_its_face(data_type: int, image: bytes, fmt: str) -> None:
    (face,) = parse_facial_record(_record(data_type=data_type, image=image))
    assert (face.image_format, face.width, face.height, face.image) == (fmt, 480, 640, image)
    # facial information bytes 2, 1, 1 (§5.5.3-5.5.5): female, black eyes, bald
    assert (face.gender, face.eye_colour) == ("female", "black")


def test_record_with_two_faces_yields_both() -> None:
    assert len(parse_facial_record(_record(count=2))) == 2


@pytest.mark.parametrize(
    "record",
    [
        _record(magic=b"FIR\x00"),
        _record(version=b"020\x00"),
        _record(count=0),
        _record(data_type=7),
        _record(image=b"GIF89a" + bytes(20)),
        _record(data_type=1, image=JPEG),
        _record(image=b""),
    ],
    ids=["not-a-face-record", "other-version", "no-face", "unknown-data-type", "wrong-magic",
         "jpeg-declared-jpeg2000", "no-image"],
)  # fmt: skip
def test_record_of_unexpected_content_is_refused(record: bytes) -> None:
    with pytest.raises(ChipUnexpectedContentError):
        parse_facial_record(record)


@pytest.mark.parametrize(
    "record",
    [
        _record(stated_length=999),
        _record()[:12],
        b"FAC\x00010\x00" + (12).to_bytes(4, "big"),
        _record(block_length=31),
        _record(block_length=10_000),
        _record(points=3, block_length=40),
    ],
    ids=["stated-length-differs", "truncated-header", "truncated-before-the-count",
         "block-too-short", "block-past-the-end", "fields-exceed-the-block"],
)  # fmt: skip
def test_malformed_record_is_refused_as_structure_error(record: bytes) -> None:
    with pytest.raises(ChipStructureError):
        parse_facial_record(record)
