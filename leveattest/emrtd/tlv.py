"""A strict, bounded BER-TLV reader for chip data (ISO/IEC 7816-4 §5.2, X.690 §8.1).

Everything read from a chip passes through here *before* any ASN.1 library sees it:
the size is capped first, then the whole tree is walked once with definite lengths
only, a maximum nesting depth, at most four length octets and no bytes after the
outermost object (unless the caller allows them as a named deviation). The walk is
linear in the input size, so time and memory are bounded by the size cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from leveattest.core.errors import (
    ChipDataTooLargeError,
    ChipNestingError,
    ChipStructureError,
    ChipTrailingDataError,
    ChipUnexpectedTagError,
)

MAX_DEPTH = 24
MAX_TAG_BYTES = 4
MAX_LENGTH_BYTES = 4


@dataclass(frozen=True, slots=True)
class Tlv:
    """One tag-length-value object. ``raw`` is exactly the bytes as read."""

    tag: int
    constructed: bool
    offset: int
    header_length: int
    length: int
    raw: bytes

    @property
    def value(self) -> bytes:
        return self.raw[self.header_length :]

    def children(self) -> list[Tlv]:
        """The objects inside a constructed value (already validated by ``parse_tlv``)."""
        if not self.constructed:
            raise ChipStructureError("primitive object has no children", tag=f"{self.tag:x}")
        return list(iter_tlvs(self.value))

    def child(self, tag: int) -> Tlv | None:
        """The first direct child with this tag."""
        for item in self.children():
            if item.tag == tag:
                return item
        return None

    def require(self, tag: int) -> Tlv:
        found = self.child(tag)
        if found is None:
            raise ChipUnexpectedTagError("required object missing", tag=f"{tag:x}")
        return found


def _read_header(data: bytes, offset: int, end: int) -> tuple[int, bool, int, int]:
    """(tag, constructed, header length, value length) of the object at ``offset``."""
    pos = offset
    if pos >= end:
        raise ChipStructureError("truncated: no tag", offset=offset)
    first = data[pos]
    constructed = bool(first & 0x20)
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # high tag number form, X.690 §8.1.2.4
        while True:
            if pos >= end:
                raise ChipStructureError("truncated tag", offset=offset)
            if pos - offset >= MAX_TAG_BYTES:
                raise ChipStructureError("tag too long", offset=offset)
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
    if pos >= end:
        raise ChipStructureError("truncated: no length", offset=offset)
    first_len = data[pos]
    pos += 1
    if first_len < 0x80:
        length = first_len
    elif first_len == 0x80:
        raise ChipStructureError("indefinite length not allowed", offset=offset)
    else:
        count = first_len & 0x7F
        if count > MAX_LENGTH_BYTES:
            raise ChipStructureError("absurd length field", offset=offset, octets=count)
        if pos + count > end:
            raise ChipStructureError("truncated length", offset=offset)
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if length > end - pos:
        raise ChipStructureError(
            "length exceeds available data", offset=offset, length=length, available=end - pos
        )
    return tag, constructed, pos - offset, length


def iter_tlvs(data: bytes) -> list[Tlv]:
    """Split a concatenation of TLV objects (no validation of their insides)."""
    items: list[Tlv] = []
    pos = 0
    end = len(data)
    while pos < end:
        tag, constructed, header, length = _read_header(data, pos, end)
        stop = pos + header + length
        items.append(Tlv(tag, constructed, pos, header, length, data[pos:stop]))
        pos = stop
    return items


def _validate_tree(data: bytes, start: int, end: int, max_depth: int) -> None:
    """Walk every constructed object between start and end (iterative, depth-bounded)."""
    stack: list[tuple[int, int, int]] = [(start, end, 1)]
    while stack:
        pos, stop, depth = stack.pop()
        if depth > max_depth:
            raise ChipNestingError(max_depth=max_depth)
        while pos < stop:
            _tag, constructed, header, length = _read_header(data, pos, stop)
            value_start = pos + header
            if constructed and length:
                stack.append((value_start, value_start + length, depth + 1))
            pos = value_start + length


def parse_tlv(
    data: bytes,
    *,
    max_bytes: int,
    expected_tag: int | None = None,
    allow_trailing: bool = False,
    max_depth: int = MAX_DEPTH,
) -> Tlv:
    """Read exactly one TLV object from ``data`` after capping its size and validating it.

    Raises ``ChipDataTooLargeError`` before looking at the bytes when the input is over
    ``max_bytes``; ``ChipStructureError`` (or a subclass) for anything malformed.
    With ``allow_trailing`` the bytes after the object are ignored (a named deviation the
    caller records); otherwise they are an error.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ChipStructureError("chip data must be bytes")
    if len(data) > max_bytes:
        raise ChipDataTooLargeError(size=len(data), limit=max_bytes)
    data = bytes(data)
    if not data:
        raise ChipStructureError("empty input")
    tag, constructed, header, length = _read_header(data, 0, len(data))
    if expected_tag is not None and tag != expected_tag:
        raise ChipUnexpectedTagError(expected=f"{expected_tag:x}", found=f"{tag:x}")
    end = header + length
    if end != len(data) and not allow_trailing:
        raise ChipTrailingDataError(trailing=len(data) - end)
    if constructed:
        _validate_tree(data, header, end, max_depth)
    return Tlv(tag, constructed, 0, header, length, data[:end])


def encode_length(length: int) -> bytes:
    """DER length octets (X.690 §8.1.3)."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, value: bytes) -> bytes:
    """DER-encode one object (used for re-tagging signed attributes and in tests)."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + value
