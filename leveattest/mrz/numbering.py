"""How issuing states number their documents, as far as it is publicly described.

The OCR confuses letters and digits that OCR-B draws alike (O/0, I/1, B/8, S/5, Z/2,
G/6). A document number may hold both, so its check digit alone cannot say which was
printed (a letter and the digit with the same value modulo 10 weigh the same). Where a
state's numbering fixes the class of a position — digits only, letters only, or an
alphabet without some letters — a misread character there has exactly one reading;
elsewhere the reader may only make a single substitution that the check digit
justifies (``repair``). The table is deliberately short: a wrong entry would rewrite
genuine numbers, so only states and document types with a public description are in it
(docs/mrz.md lists the sources). States not in it get no class-based rewrite.

``implausible_number`` is the parser's rule for numbers no state issues: one character
repeated (``PPPPPPPPP``, ``000000000``), also after folding look-alikes (``OOOOOOO0O``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DIGITS: Final = frozenset("0123456789")
LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALNUM: Final = DIGITS | LETTERS
# Germany: serial numbers use the digits and C F G H J K L M N P R T V W X Y Z only
GERMAN: Final = DIGITS | frozenset("CFGHJKLMNPRTVWXYZ")
# the Netherlands: letters and digits, but never the letter O
DUTCH: Final = ALNUM - {"O"}
FILLER: Final = frozenset("<")

# OCR-B look-alikes between a letter and a digit (both directions)
LOOKALIKE_PAIRS: Final = (("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6"))
LOOKALIKE: Final[dict[str, str]] = dict(LOOKALIKE_PAIRS) | {b: a for a, b in LOOKALIKE_PAIRS}
# folding for the plausibility rule: every look-alike to one representative
_FOLD: Final = dict(LOOKALIKE_PAIRS) | {"D": "0", "Q": "0", "L": "1"}


@dataclass(frozen=True, slots=True)
class Numbering:
    """The alphabet of each position of one state's document numbers (fillers after)."""

    state: str
    document_codes: str  # first letters of the document code it applies to
    positions: tuple[frozenset[str], ...]
    source: str

    def fits(self, number: str) -> bool:
        """True when ``number`` (fillers stripped) fits the pattern exactly."""
        text = number.rstrip("<")
        return len(text) == len(self.positions) and all(
            c in allowed for c, allowed in zip(text, self.positions, strict=True)
        )

    def conform(self, field: str) -> str | None:
        """The field with every character outside its position's alphabet replaced by its
        look-alike inside it; None when that is impossible or the length differs."""
        text = field.rstrip("<")
        if len(text) != len(self.positions):
            return None
        out = []
        for c, allowed in zip(text, self.positions, strict=True):
            if c in allowed:
                out.append(c)
            elif LOOKALIKE.get(c, "") in allowed:
                out.append(LOOKALIKE[c])
            else:
                return None
        return "".join(out) + field[len(text) :]


def _p(spec: str) -> tuple[frozenset[str], ...]:
    classes = {"N": DIGITS, "A": LETTERS, "X": ALNUM, "G": GERMAN, "H": DUTCH}
    return tuple(classes[c] for c in spec)


NUMBERINGS: Final[tuple[Numbering, ...]] = (
    Numbering("DNK", "P", _p("NNNNNNNNN"), "nine digits (Microsoft Purview: Denmark passport)"),
    Numbering("SWE", "P", _p("NNNNNNNN"), "eight digits (Microsoft Purview: Sweden passport)"),
    Numbering("FIN", "P", _p("AANNNNNNN"), "two letters, seven digits (Purview: Finland)"),
    Numbering("D", "PI", _p("GGGGGGGGG"), "nine of 0-9 CFGHJKLMNPRTVWXYZ (Purview: Germany)"),
    Numbering("NLD", "PI", _p("HHHHHHHHH"), "nine letters or digits, never the letter O"),
    Numbering("FRA", "P", _p("NNAANNNNN"), "two digits, two letters, five digits (Purview)"),
    Numbering("FRA", "I", _p("NNNNXXXXXXXX"), "1988-2021 card: YYMM, department, sequence"),
    Numbering("GBR", "P", _p("XNNNNNNNN"), "a letter or digit, eight digits (Purview)"),
    Numbering("USA", "P", _p("XNNNNNNNN"), "a letter or digit, eight digits (Purview)"),
)


def numbering_for(state: str, document_code: str, length: int | None = None) -> Numbering | None:
    """The numbering of ``state``'s documents of this code (and number length), if known."""
    for numbering in NUMBERINGS:
        if numbering.state != state or document_code[:1] not in numbering.document_codes:
            continue
        if length is None or length == len(numbering.positions):
            return numbering
    return None


def implausible_number(number: str) -> bool:
    """True for a number of three or more characters that is one character repeated,
    also after folding look-alikes (O/0/D/Q, I/1/L, B/8, S/5, Z/2, G/6)."""
    text = number.rstrip("<")
    if len(text) < 3:
        return False
    return len({_FOLD.get(c, c) for c in text}) == 1
