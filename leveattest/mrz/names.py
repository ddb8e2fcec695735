"""Names in the MRZ: transliteration, the name field, and splitting it back.

ICAO 9303-3 §4.6 (name conventions) and §6 (transliteration of Latin characters).
The primary identifier (surname) and the secondary identifier (given names) are
separated by ``<<``; name components inside either are separated by a single ``<``.
Apostrophes are omitted, hyphens and spaces become a filler.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# ICAO 9303-3 §6, table "Transliteration of multinational Latin-based characters".
# Where the table offers alternatives (Ä: AE or A; Ö: OE or O; Ü: UE, UXX or U; Å: AA or A)
# we use the first, the form Nordic and German issuers print.
_TRANSLITERATION: Final[dict[str, str]] = {
    "Æ": "AE",
    "Ø": "OE",
    "Å": "AA",
    "Ä": "AE",
    "Ö": "OE",
    "Ü": "UE",
    "ß": "SS",
    "ẞ": "SS",
    "Þ": "TH",
    "Ð": "D",
    "Đ": "D",
    "Ĳ": "IJ",
    "Œ": "OE",
    "Ł": "L",
    "Ħ": "H",
    "Ŀ": "L",
    "Ŋ": "N",
    "Ŧ": "T",
    "ı": "I",
    "ĸ": "K",
}
_DROPPED: Final = frozenset("'’‘`´ʼ.,")  # §4.6: apostrophes (and punctuation) are omitted
_SEPARATORS: Final = frozenset(" -‐‑–\t")  # §4.6: hyphens and spaces become a filler
_FILLER_RUN = re.compile(r"<+")


def transliterate_name(s: str) -> str:
    """A name (component list) in the MRZ alphabet: ``Østby-Brænde`` → ``OESTBY<BRAENDE``.

    Characters with no Latin transliteration are omitted; the result holds only A-Z and
    single ``<`` between components (never leading or trailing).
    """
    out: list[str] = []
    for ch in s:
        upper = ch if ch in _TRANSLITERATION else ch.upper()
        if upper in _TRANSLITERATION:
            out.append(_TRANSLITERATION[upper])
            continue
        if ch in _DROPPED:
            continue
        if ch in _SEPARATORS or ch == "<":
            out.append("<")
            continue
        # accents stripped: decompose and keep the base letter
        for base in unicodedata.normalize("NFKD", upper):
            if base in _TRANSLITERATION:
                out.append(_TRANSLITERATION[base])
            elif "A" <= base <= "Z":
                out.append(base)
    return _FILLER_RUN.sub("<", "".join(out)).strip("<")


def name_field(surname: str, given_names: str, width: int) -> str:
    """The MRZ name field of ``width`` characters, truncated per ICAO 9303-3 §4.6.1.

    When the full name does not fit, the secondary identifier is cut at the end of the
    field (the last character is then a letter, which is how a reader sees truncation);
    when the primary identifier alone does not leave room for ``<<`` and one character of
    the secondary identifier, it is cut too so that the first initial survives.
    """
    primary = transliterate_name(surname)
    secondary = transliterate_name(given_names)
    full = f"{primary}<<{secondary}" if secondary else primary
    if len(full) > width and secondary and len(primary) + 3 > width:
        full = f"{primary[: width - 3]}<<{secondary[0]}"
    return full[:width].ljust(width, "<")


@dataclass(frozen=True, slots=True)
class SplitName:
    surname: str
    given_names: str
    raw: str
    truncated: bool


def split_name(field: str) -> SplitName:
    """Primary and secondary identifiers of a name field, fillers read as spaces.

    ``truncated`` is True when the field is filled to its last character (§4.6.1): the
    name may have been cut.
    """
    truncated = bool(field) and field[-1] != "<"
    primary, sep, secondary = field.partition("<<")
    surname = " ".join(part for part in primary.split("<") if part)
    given = " ".join(part for part in secondary.split("<") if part) if sep else ""
    return SplitName(surname=surname, given_names=given, raw=field, truncated=truncated)
