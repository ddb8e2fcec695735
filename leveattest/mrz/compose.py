"""Compose MRZ lines from fields (ICAO 9303 parts 4, 5, 6 and 7).

Used to build synthetic sample documents and, in tests, for compose → parse round
trips. Raises ``ValueError`` for fields that cannot be written (too long, characters
outside the MRZ alphabet after transliteration, bad sex code).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from leveattest.mrz.checkdigit import check_digit, is_mrz_text
from leveattest.mrz.names import name_field, transliterate_name

__all__ = [
    "MRZFields",
    "compose_mrva",
    "compose_mrvb",
    "compose_td1",
    "compose_td2",
    "compose_td3",
    "transliterate_name",
]


@dataclass(frozen=True, slots=True)
class MRZFields:
    """The printed fields an MRZ encodes. Names may hold national characters."""

    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date
    sex: str
    expiry_date: date
    optional_data: str = ""
    optional_data_2: str = ""


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d") if d.year >= 1000 else f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"


def _code(value: str, width: int, what: str) -> str:
    """Upper-case, fill to ``width`` with ``<``; ValueError when it does not fit."""
    text = value.upper().replace(" ", "<")
    if len(text) > width or not is_mrz_text(text):
        raise ValueError(f"{what} does not fit the MRZ field of {width} characters")
    return text.ljust(width, "<")


def _doc_type(f: MRZFields) -> str:
    # ICAO 9303-3 §4.2.2: two characters, the first a letter; a single letter is filled
    return _code(f.document_type, 2, "document type")


def _sex(f: MRZFields) -> str:
    # ICAO 9303-4 §4.2.2 note: F, M, or X (or < for unspecified)
    sex = f.sex.upper() or "<"
    if sex not in {"M", "F", "X", "<"}:
        raise ValueError("sex must be M, F, X or <")
    return sex


def _dates_block(f: MRZFields) -> str:
    """birth date, check digit, sex, expiry date, check digit (15 characters)."""
    birth = _yymmdd(f.birth_date)
    expiry = _yymmdd(f.expiry_date)
    return f"{birth}{check_digit(birth)}{_sex(f)}{expiry}{check_digit(expiry)}"


def _number_with_overflow(number: str, optional: str, width: int) -> tuple[str, str]:
    """Document number field (9 + check digit) and optional field for long numbers.

    ICAO 9303-5 §4.2.4 note j (TD1) and 9303-6 (TD2): a number longer than 9 characters
    puts its 9 most significant characters in the number field, ``<`` in the check digit
    position, then the remaining characters followed by the check digit over the whole
    number at the start of the optional data field, then a filler.
    """
    number = _code(number, len(number), "document number").rstrip("<") if number else ""
    if len(number) <= 9:
        field = number.ljust(9, "<")
        return f"{field}{check_digit(field)}", _code(optional, width, "optional data")
    head, tail = number[:9], number[9:]
    prefix = f"{tail}{check_digit(number)}<"
    return f"{head}<", _code(prefix + optional.upper(), width, "optional data")


def compose_td1(f: MRZFields) -> list[str]:
    """Three lines of 30 (ICAO 9303-5 §4.2.2)."""
    state = _code(f.issuing_state, 3, "issuing state")
    number, opt1 = _number_with_overflow(f.document_number, f.optional_data, 15)
    line1 = f"{_doc_type(f)}{state}{number}{opt1}"
    nationality = _code(f.nationality, 3, "nationality")
    opt2 = _code(f.optional_data_2, 11, "optional data 2")
    block = _dates_block(f)
    # composite: line 1 positions 6-30, line 2 positions 1-7, 9-15, 19-29
    composite = check_digit(line1[5:30] + block[0:7] + block[8:15] + opt2)
    line2 = f"{block}{nationality}{opt2}{composite}"
    line3 = name_field(f.surname, f.given_names, 30)
    return [line1, line2, line3]


def _two_line_second(f: MRZFields, optional_width: int, *, composite: bool, overflow: bool) -> str:
    if f.optional_data_2:
        raise ValueError("only TD1 has a second optional data field")
    nationality = _code(f.nationality, 3, "nationality")
    if overflow:
        number, optional = _number_with_overflow(f.document_number, f.optional_data, optional_width)
    else:
        field = _code(f.document_number, 9, "document number")
        number = f"{field}{check_digit(field)}"
        optional = _code(f.optional_data, optional_width, "optional data")
    block = _dates_block(f)
    line = f"{number}{nationality}{block}{optional}"
    if composite:
        line += check_digit(line[0:10] + line[13:20] + line[21:])
    return line


def _first_line(f: MRZFields, name_width: int) -> str:
    state = _code(f.issuing_state, 3, "issuing state")
    return f"{_doc_type(f)}{state}{name_field(f.surname, f.given_names, name_width)}"


def compose_td2(f: MRZFields) -> list[str]:
    """Two lines of 36 (ICAO 9303-6 §4.2.2); composite over 1-10, 14-20, 22-35."""
    line1 = _first_line(f, 31)
    return [line1, _two_line_second(f, 7, composite=True, overflow=True)]


def compose_td3(f: MRZFields) -> list[str]:
    """Two lines of 44 (ICAO 9303-4 §4.2.2); personal number with its own check digit.

    §4.2.2.2 note: when the personal number field is all fillers its check digit may be
    ``<`` or ``0``; we write ``<``.
    """
    line1 = _first_line(f, 39)
    personal = _code(f.optional_data, 14, "personal number")
    personal_cd = "<" if personal == "<" * 14 else check_digit(personal)
    base = _two_line_second(
        replace(f, optional_data=personal + personal_cd),
        15,
        composite=True,
        overflow=False,
    )
    return [line1, base]


def compose_mrva(f: MRZFields) -> list[str]:
    """Machine-readable visa A: two lines of 44, no composite (ICAO 9303-7 §4.2.2)."""
    line1 = _first_line(f, 39)
    return [line1, _two_line_second(f, 16, composite=False, overflow=False)]


def compose_mrvb(f: MRZFields) -> list[str]:
    """Machine-readable visa B: two lines of 36, no composite (ICAO 9303-7 §4.2.2)."""
    line1 = _first_line(f, 31)
    return [line1, _two_line_second(f, 8, composite=False, overflow=False)]
