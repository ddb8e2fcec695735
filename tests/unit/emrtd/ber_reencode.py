"""Re-encode DER chip data as BER, the way real issuing states write EF.SOD (test helper).

A mutation that must not change any verdict: selected constructed objects get an indefinite
length (X.690 §8.1.3.6, closed by end-of-contents) and the eContent OCTET STRING becomes a
constructed string of segments (X.690 §8.7.3). Everything not selected keeps its exact
bytes, so a certificate's tbsCertificate and the signed attributes are untouched.

This is an independent, deliberately simple DER reader (not ``leveattest.emrtd.tlv``), so a
bug in the production reader cannot hide itself in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# path of a node: (tag, index among its siblings) from the root down to the node itself
Path = tuple[tuple[int, int], ...]
# what to do with a node: None (keep), "indefinite", or ("segments", size, indefinite)
Action = str | tuple[str, int, bool] | None
Rule = Callable[[Path], Action]


@dataclass(frozen=True)
class _Node:
    tag: int
    tag_bytes: bytes
    constructed: bool
    value: bytes
    raw: bytes


def _read(data: bytes, pos: int) -> tuple[_Node, int]:
    start = pos
    first = data[pos]
    pos += 1
    tag = first
    if first & 0x1F == 0x1F:
        while True:
            tag = (tag << 8) | data[pos]
            pos += 1
            if not data[pos - 1] & 0x80:
                break
    tag_bytes = data[start:pos]
    length = data[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        assert count, "the input must be DER (definite lengths)"
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    value = data[pos : pos + length]
    assert len(value) == length, "truncated input"
    end = pos + length
    return _Node(tag, tag_bytes, bool(first & 0x20), value, data[start:end]), end


def _children(value: bytes) -> list[_Node]:
    nodes, pos = [], 0
    while pos < len(value):
        node, pos = _read(value, pos)
        nodes.append(node)
    return nodes


def der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _wrap(tag_bytes: bytes, value: bytes, *, indefinite: bool) -> bytes:
    if indefinite:
        return tag_bytes + b"\x80" + value + b"\x00\x00"
    return tag_bytes + der_length(len(value)) + value


def _segments(node: _Node, size: int, *, indefinite: bool) -> bytes:
    """A primitive string as a constructed one (tag | 0x20) of primitive segments."""
    pieces = [node.value[i : i + size] for i in range(0, len(node.value), size)] or [b""]
    body = b"".join(node.tag_bytes + der_length(len(p)) + p for p in pieces)
    tag_bytes = bytes([node.tag_bytes[0] | 0x20]) + node.tag_bytes[1:]
    return _wrap(tag_bytes, body, indefinite=indefinite)


def _rewrite(node: _Node, path: Path, rule: Rule) -> bytes:
    action = rule(path)
    if isinstance(action, tuple):
        assert not node.constructed, "only primitive strings are segmented"
        _kind, size, indefinite = action
        return _segments(node, size, indefinite=indefinite)
    if not node.constructed:
        return node.raw
    parts = [_rewrite(child, (*path, (child.tag, i)), rule)
             for i, child in enumerate(_children(node.value))]  # fmt: skip
    body = b"".join(parts)
    if action == "indefinite":
        return _wrap(node.tag_bytes, body, indefinite=True)
    if body == node.value:
        return node.raw  # untouched subtree: exactly the original bytes
    return _wrap(node.tag_bytes, body, indefinite=False)


def reencode(data: bytes, rule: Rule) -> bytes:
    """``data`` (one DER object) with ``rule`` applied to every node."""
    node, end = _read(data, 0)
    assert end == len(data), "one object expected"
    return _rewrite(node, ((node.tag, 0),), rule)


# ---- the CMS layers of EF.SOD (ICAO 9303-10 §4.6.2, RFC 5652 §3, §5) ---------------------
_SOD = (0x77, 0)
_CONTENT_INFO = (_SOD, (0x30, 0))
_CONTENT = (*_CONTENT_INFO, (0xA0, 1))
_SIGNED_DATA = (*_CONTENT, (0x30, 0))
_ENCAP = (*_SIGNED_DATA, (0x30, 2))
_ECONTENT_EXPLICIT = (*_ENCAP, (0xA0, 1))
_ECONTENT = (*_ECONTENT_EXPLICIT, (0x04, 0))


def _is_signer_infos(path: Path) -> bool:
    # SignedData: version(0) digestAlgorithms(1) encapContentInfo(2) [certificates] [crls]
    # signerInfos — the only SET after index 1
    return path[:-1] == _SIGNED_DATA and path[-1][0] == 0x31 and path[-1][1] >= 3


def _layer(name: str) -> Callable[[Path], bool]:
    tests: dict[str, Callable[[Path], bool]] = {
        "ef_sod_wrapper": lambda p: p == (_SOD,),
        "content_info": lambda p: p == _CONTENT_INFO,
        "content_explicit": lambda p: p == _CONTENT,
        "signed_data": lambda p: p == _SIGNED_DATA,
        "digest_algorithms": lambda p: p == (*_SIGNED_DATA, (0x31, 1)),
        "encap_content_info": lambda p: p == _ENCAP,
        "econtent_explicit": lambda p: p == _ECONTENT_EXPLICIT,
        "certificates": lambda p: p[:-1] == _SIGNED_DATA and p[-1] == (0xA0, 3),
        "certificate": lambda p: p[:-2] == _SIGNED_DATA and p[-2] == (0xA0, 3),
        "signer_infos": _is_signer_infos,
        "signer_info": lambda p: len(p) > 1 and _is_signer_infos(p[:-1]),
    }
    return tests[name]


CMS_LAYERS = (
    "ef_sod_wrapper",
    "content_info",
    "content_explicit",
    "signed_data",
    "digest_algorithms",
    "encap_content_info",
    "econtent_explicit",
    "certificates",
    "certificate",
    "signer_infos",
    "signer_info",
)


def sod_as_ber(
    sod: bytes,
    layers: tuple[str, ...] = CMS_LAYERS,
    *,
    segment: int | None = None,
    segments_indefinite: bool = True,
) -> bytes:
    """EF.SOD with indefinite lengths at ``layers`` and, with ``segment``, the eContent as a
    constructed OCTET STRING of ``segment``-byte pieces."""
    selected = [_layer(name) for name in layers]

    def rule(path: Path) -> Action:
        if segment is not None and path == _ECONTENT:
            return ("segments", segment, segments_indefinite)
        return "indefinite" if any(test(path) for test in selected) else None

    return reencode(sod, rule)
