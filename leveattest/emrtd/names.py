"""X.500 name comparison for signer and chain matching (RFC 5280 §7.1, RFC 4518).

Issuing states name the same CSCA in more than one way: the SignerInfo's
issuerAndSerialNumber or a DSC's issuer field may use PrintableString where the
certificate uses UTF8String, other case, extra spaces, and some put the RDNs in reverse
order. Names are compared RDN by RDN in order, each RDN as a set of attribute type and
prepared value (RFC 4518 §2: map, case fold, NFKC, insignificant space handling); a
match only in reverse RDN order is accepted as a named quirk (``name_order_reversed``)
that callers record. Values of types that are not character strings compare by their
DER bytes. The prohibit and bidi steps of RFC 4518 are left out: we only compare names,
we never issue them, and a prohibited character cannot make two different names equal.
"""

from __future__ import annotations

import json
import unicodedata
from enum import StrEnum
from functools import lru_cache

from asn1crypto import x509

# RFC 4518 §2.2 (RFC 3454 table B.1 and the controls): mapped to nothing
_TO_NOTHING = dict.fromkeys(
    [
        0x00AD,
        0x034F,
        0x1806,
        0x180B,
        0x180C,
        0x180D,
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        0xFFFC,
        *range(0xFE00, 0xFE10),
        *range(0x00, 0x09),
        *range(0x0E, 0x20),
        *range(0x7F, 0x85),
        *range(0x86, 0xA0),
    ],
)
# RFC 4518 §2.2: these and every other space separator (Zs) map to SPACE
_TO_SPACE = dict.fromkeys([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029], " ")


class NameMatch(StrEnum):
    """How a presented name matched the certificate's (recorded as evidence)."""

    EXACT = "exact"  # the same DER bytes
    NORMALISED = "normalised"  # equal after string preparation
    NAME_ORDER_REVERSED = "name_order_reversed"  # equal with the RDN order reversed (quirk)


def prepare_string(text: str) -> str:
    """RFC 4518 §2 string preparation for caseIgnoreMatch: map, fold case, NFKC, then
    drop leading/trailing spaces and compress inner runs of spaces to one."""
    mapped = text.translate(_TO_NOTHING).translate(_TO_SPACE)
    mapped = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in mapped)
    # NFKC both sides of the fold: a compatibility form can fold to a new composable one
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", mapped).casefold())
    return " ".join(part for part in folded.split(" ") if part)


@lru_cache(maxsize=8192)
def _rdns(der: bytes) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The name as RDNs in order, each a sorted tuple of (attribute OID, prepared value)."""
    rdns = []
    for rdn in x509.Name.load(der).chosen:
        values = []
        for attr in rdn:
            value = attr["value"].native
            if isinstance(value, str):
                prepared = "s:" + prepare_string(value)
            else:
                prepared = "der:" + attr["value"].dump().hex()
            values.append((attr["type"].dotted, prepared))
        rdns.append(tuple(sorted(values)))
    return tuple(rdns)


def name_key(name: x509.Name) -> str:
    """A dictionary key for a DN: equal keys ⇔ the names match (RDNs in order)."""
    return json.dumps(_rdns(name.dump()))


def reversed_name_key(name: x509.Name) -> str:
    """The key the same name would have with its RDNs in reverse order."""
    return json.dumps(_rdns(name.dump())[::-1])


def match_names(presented: x509.Name, reference: x509.Name) -> NameMatch | None:
    """How ``presented`` names ``reference``, or None when it names something else."""
    presented_der, reference_der = presented.dump(), reference.dump()
    if presented_der == reference_der:
        return NameMatch.EXACT
    mine, theirs = _rdns(presented_der), _rdns(reference_der)
    if mine == theirs:
        return NameMatch.NORMALISED
    if mine[::-1] == theirs:
        return NameMatch.NAME_ORDER_REVERSED
    return None
