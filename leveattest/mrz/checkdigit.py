"""ICAO 9303-3 §4.9: check digits over MRZ fields.

The check digit is the sum of the character values weighted 7, 3, 1, 7, 3, 1, ...
modulo 10. Character values: digits 0-9 are their own value, A-Z are 10-35 and the
filler ``<`` is 0.
"""

from __future__ import annotations

from typing import Final

WEIGHTS: Final = (7, 3, 1)
FILLER: Final = "<"
MRZ_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def char_value(c: str) -> int:
    """The numeric value of one MRZ character (ICAO 9303-3 §4.9); ValueError otherwise."""
    if len(c) != 1 or c not in MRZ_ALPHABET:
        raise ValueError(f"not an MRZ character: {c!r}")
    if c == FILLER:
        return 0
    if c.isdigit():
        return ord(c) - ord("0")
    return ord(c) - ord("A") + 10


def check_digit(field: str) -> str:
    """The check digit (``0``-``9``) of an MRZ field; ValueError on non-MRZ characters."""
    total = sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(field))
    return str(total % 10)


def safe_check_digit(field: str) -> str | None:
    """Like ``check_digit`` but None when the field holds characters outside the MRZ alphabet."""
    try:
        return check_digit(field)
    except ValueError:
        return None


def is_mrz_text(text: str) -> bool:
    """True when every character is in the MRZ alphabet (A-Z, 0-9, ``<``)."""
    return all(c in MRZ_ALPHABET for c in text)
