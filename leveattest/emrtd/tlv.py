"""A strict, bounded BER-TLV reader for chip data (ISO/IEC 7816-4 §5.2, X.690 §8.1).

Everything read from a chip passes through here *before* any ASN.1 library sees it:
the size is capped first, then the whole tree is walked once with a maximum nesting
depth, at most four length octets and no bytes after the outermost object (unless the
caller allows them as a named deviation). The walk is linear in the input size and keeps
one stack entry per open object, so time and memory are bounded by the size cap.

Definite lengths only, by default (the LDS data groups, CRLs). With ``ber=True`` the
reader also accepts what X.690 §8 allows and real EF.SOD files use in their CMS layers
(RFC 5652 permits BER there): indefinite lengths closed by end-of-contents (§8.1.3.6,
constructed objects only, at most ``MAX_INDEFINITE_DEPTH`` nested) and constructed OCTET
STRINGs (§8.7.3). ``to_definite`` turns such a tree into the definite-length,
primitive-string form an ASN.1 library parses, copying every part that already had that
form byte for byte; ``require_definite`` keeps the DER-only parts (signed attributes,
tbsCertificate) strict.
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
# nested indefinite lengths: real SODs use up to seven (0x77, ContentInfo, [0], SignedData,
# EncapsulatedContentInfo, [0], the eContent's segments); asn1crypto itself stops at 10
MAX_INDEFINITE_DEPTH = 8
OCTET_STRING = 0x04
CONSTRUCTED_OCTET_STRING = 0x24
END_OF_CONTENTS = b"\x00\x00"


@dataclass(frozen=True, slots=True)
class Tlv:
    """One tag-length-value object. ``raw`` is exactly the bytes as read."""

    tag: int
    constructed: bool
    offset: int
    header_length: int
    length: int  # of the contents, without the end-of-contents of an indefinite length
    raw: bytes  # header, contents and, for an indefinite length, the end-of-contents
    indefinite: bool = False
    ber: bool = False  # read in BER mode; its children are read in BER mode too
    # set on the object parse_tlv returns: BER features anywhere in its tree
    indefinite_count: int = 0
    constructed_string_count: int = 0

    @property
    def value(self) -> bytes:
        return self.raw[self.header_length : self.header_length + self.length]

    def children(self) -> list[Tlv]:
        """The objects inside a constructed value (already validated by ``parse_tlv``)."""
        if not self.constructed:
            raise ChipStructureError("primitive object has no children", tag=f"{self.tag:x}")
        return list(iter_tlvs(self.value, ber=self.ber))

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


def _read_header(
    data: bytes, offset: int, end: int, *, ber: bool = False
) -> tuple[int, bool, int, int | None]:
    """(tag, constructed, header length, value length) of the object at ``offset``; the
    length is None for an indefinite length, which only BER mode accepts. Every caller
    reads at ``offset < end`` (an empty input and a missing end-of-contents are refused
    before)."""
    pos = offset
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
        if not ber:
            raise ChipStructureError("indefinite length not allowed", offset=offset)
        if not constructed:  # X.690 §8.1.3.2 a
            raise ChipStructureError("indefinite length on a primitive object", offset=offset)
        return tag, constructed, pos - offset, None
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


def iter_tlvs(data: bytes, *, ber: bool = False) -> list[Tlv]:
    """Split a concatenation of TLV objects. Without ``ber`` their insides are not
    validated; with it each object's subtree is walked to find where it ends."""
    items: list[Tlv] = []
    pos = 0
    end = len(data)
    while pos < end:
        if ber:
            walked = _walk(data, pos, end, ber=True, max_depth=MAX_DEPTH)
            tag, constructed, header, length, stop = walked[:5]
        else:
            tag, constructed, header, definite = _read_header(data, pos, end)
            length = definite or 0
            stop = pos + header + length
        indefinite = stop - pos != header + length
        items.append(Tlv(tag, constructed, pos, header, length, data[pos:stop], indefinite, ber))
        pos = stop
    return items


def _walk(
    data: bytes, start: int, end: int, *, ber: bool, max_depth: int
) -> tuple[int, bool, int, int, int, int, int]:
    """Validate the object at ``start`` and its whole subtree (iterative, depth-bounded).

    Returns (tag, constructed, header length, contents length, end offset, indefinite
    lengths seen, constructed OCTET STRINGs seen). Each open constructed object is one
    stack entry ``(stop, limit)``: ``stop`` is where its contents end, or None for an
    indefinite length, which ends at its end-of-contents, found before ``limit``.
    """
    tag, constructed, header, length = _read_header(data, start, end, ber=ber)
    contents = start + header
    if not constructed:
        size = length or 0
        return tag, constructed, header, size, contents + size, 0, 0
    indefinite = open_indefinite = 0 if length is not None else 1
    strings = int(tag == CONSTRUCTED_OCTET_STRING)
    root_stop = None if length is None else contents + length
    stack: list[tuple[int | None, int]] = [(root_stop, end if root_stop is None else root_stop)]
    pos = contents
    while stack:
        if len(stack) > max_depth:
            raise ChipNestingError(max_depth=max_depth)
        stop, limit = stack[-1]
        if stop is not None and pos == stop:
            stack.pop()
            continue
        if stop is None:
            if pos + 2 <= limit and data[pos : pos + 2] == END_OF_CONTENTS:
                pos += 2
                stack.pop()
                open_indefinite -= 1
                continue
            if pos >= limit:
                raise ChipStructureError("indefinite length without end-of-contents", offset=pos)
        child_tag, child_constructed, child_header, child_length = _read_header(
            data, pos, limit, ber=ber
        )
        if ber and child_tag == 0:  # X.690 §8.1.5: only to end an indefinite length
            raise ChipStructureError("misplaced end-of-contents", offset=pos)
        strings += child_tag == CONSTRUCTED_OCTET_STRING
        if child_length is None:
            indefinite += 1
            open_indefinite += 1
            if open_indefinite > MAX_INDEFINITE_DEPTH:
                raise ChipNestingError(max_indefinite_depth=MAX_INDEFINITE_DEPTH)
            stack.append((None, limit))
            pos += child_header
        elif child_constructed and child_length:
            child_stop = pos + child_header + child_length
            stack.append((child_stop, child_stop))
            pos += child_header
        else:
            pos += child_header + child_length
    contents_length = pos - 2 - contents if length is None else length
    return tag, constructed, header, contents_length, pos, indefinite, strings


def parse_tlv(
    data: bytes,
    *,
    max_bytes: int,
    expected_tag: int | None = None,
    allow_trailing: bool = False,
    max_depth: int = MAX_DEPTH,
    ber: bool = False,
) -> Tlv:
    """Read exactly one TLV object from ``data`` after capping its size and validating it.

    Raises ``ChipDataTooLargeError`` before looking at the bytes when the input is over
    ``max_bytes``; ``ChipStructureError`` (or a subclass) for anything malformed.
    With ``allow_trailing`` the bytes after the object are ignored (a named deviation the
    caller records); otherwise they are an error. ``ber`` also accepts indefinite lengths
    and constructed strings (see the module docstring).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ChipStructureError("chip data must be bytes")
    if len(data) > max_bytes:
        raise ChipDataTooLargeError(size=len(data), limit=max_bytes)
    data = bytes(data)
    if not data:
        raise ChipStructureError("empty input")
    tag, _constructed, header, length = _read_header(data, 0, len(data), ber=ber)
    if expected_tag is not None and tag != expected_tag:
        raise ChipUnexpectedTagError(expected=f"{expected_tag:x}", found=f"{tag:x}")
    if length is not None and header + length != len(data) and not allow_trailing:
        raise ChipTrailingDataError(trailing=len(data) - header - length)
    tag, constructed, header, length, end, indefinite, strings = _walk(
        data, 0, len(data), ber=ber, max_depth=max_depth
    )
    if end != len(data) and not allow_trailing:
        raise ChipTrailingDataError(trailing=len(data) - end)
    return Tlv(
        tag,
        constructed,
        0,
        header,
        length,
        data[:end],
        indefinite=end != header + length,
        ber=ber,
        indefinite_count=indefinite,
        constructed_string_count=strings,
    )


def _octets(item: Tlv) -> bytes:
    """An OCTET STRING's contents; a constructed one's are its segments concatenated
    (X.690 §8.7.3.2: every segment an OCTET STRING, primitive or itself constructed)."""
    if not item.constructed:
        return item.value
    parts: list[bytes] = []
    for segment in item.children():
        if segment.tag not in (OCTET_STRING, CONSTRUCTED_OCTET_STRING):
            raise ChipStructureError("constructed OCTET STRING with a segment of another type")
        parts.append(_octets(segment))
    return b"".join(parts)


def to_definite(item: Tlv) -> bytes:
    """``item`` with every indefinite length made definite and every constructed OCTET
    STRING made primitive (the form asn1crypto parses). Every subtree that already had
    that form is copied byte for byte, so nothing hashed "as encoded" changes."""
    if item.tag == CONSTRUCTED_OCTET_STRING:
        return encode_tlv(OCTET_STRING, _octets(item))
    if not item.constructed:
        return item.raw
    body = b"".join(to_definite(child) for child in item.children())
    if not item.indefinite and body == item.value:
        return item.raw
    return encode_tlv(item.tag, body)


def require_definite(item: Tlv, what: str) -> None:
    """Refuse BER where only DER may be: these bytes are hashed exactly as they are."""
    if to_definite(item) != item.raw:
        raise ChipStructureError(f"{what} must be DER: no indefinite lengths or segments")


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
