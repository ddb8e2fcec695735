"""The French national identity card of 1988-2021 and its own 2 x 36 MRZ.

France issued this card (the laminated *carte nationale d'identité*) from 1988 until the
ICAO TD1 card of August 2021; cards issued from 2014 to adults stay valid for 15 years,
so it is still carried. Its MRZ has two lines of 36 characters like ICAO TD2, but a
national layout (positions 1-based, as the public descriptions give them — e.g. the
English Wikipedia article "National identity card (France)", section *Machine-readable
zone*, and dcode.fr "French ID card"; see docs/mrz.md):

line 1: ``ID`` · ``FRA`` · surname (6-30, 25 characters) · department (31-33) and office
(34-36) of the issuing administration (some cards: fillers).

line 2: card number (1-12) = year and month of issue ``YYMM`` + department of issue (3)
+ sequential number (5); its check digit (13); given names (14-27, 14 characters, names
separated by ``<<``); birth date ``YYMMDD`` (28-33); its check digit (34); sex (35); a
check digit over line 1 (36 characters) and line 2 positions 1-35 (36).

Check digits are ICAO 9303-3 §4.9 (weights 7-3-1). The card prints no expiry date and
no nationality in the MRZ (only French nationals hold it). The positions are the layout
table's ``FRAID`` (``leveattest.mrz.layouts``); ``compose.compose_fra_id`` writes a card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

PREFIX: Final = "IDFRA"
WIDTH: Final = 36  # the field positions are in the layout table (``layouts``: FRAID)
FIRST_YEAR: Final = 1988  # the card (and its MRZ) exists since 1988


def looks_like_fra_id(lines: Sequence[str]) -> bool:
    """Two lines of 36 characters whose first starts with ``IDFRA``."""
    return (
        len(lines) == 2
        and all(len(line) == WIDTH for line in lines)
        and lines[0].upper().startswith(PREFIX)
    )


def issue_year(yy: int) -> int:
    """The year of issue from its two digits: 88-99 are 1988-1999, the rest 2000-2087."""
    return 1900 + yy if yy >= FIRST_YEAR % 100 else 2000 + yy
