"""Compose MRZ lines from fields (ICAO 9303 parts 4, 5, 6 and 7).

Used to build synthetic sample documents and, in tests, for compose → parse round
trips. Raises ``ValueError`` for fields that cannot be written (too long, characters
outside the MRZ alphabet after transliteration, bad sex code). Positions and check-digit
groups come from the layout table (``layouts``): each format here only says what goes
in its fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from leveattest.mrz.checkdigit import check_digit, is_mrz_text
from leveattest.mrz.layouts import LAYOUTS, LINE_SHAPES, FormatName, Layout, check_data
from leveattest.mrz.names import name_field, transliterate_name
from leveattest.mrz.national import france

__all__ = [
    "MRZFields",
    "compose_fra_id",
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


def _fits(text: str, width: int, what: str) -> str:
    """``text`` filled to ``width`` with ``<``; ValueError when it does not fit."""
    if len(text) > width or not is_mrz_text(text):
        raise ValueError(f"{what} does not fit the MRZ field of {width} characters")
    return text.ljust(width, "<")


def _code(value: str, width: int, what: str) -> str:
    """Upper-case, fill to ``width`` with ``<``; ValueError when it does not fit."""
    return _fits(value.upper().replace(" ", "<"), width, what)


def _render(layout: Layout, values: Mapping[str, str]) -> list[str]:
    """The lines of ``layout`` with ``values`` (MRZ text by field name) in their spans,
    fillers elsewhere, and every check digit the values do not set computed in the
    table's order (the composite, over the other digits, last)."""
    count, width = LINE_SHAPES[layout.format]
    grid = [["<"] * width for _ in range(count)]
    for name, value in values.items():
        text = _fits(value, layout.width(name), name.replace("_", " "))
        offset = 0
        for span in (span for span in layout.spans if span.name == name):
            grid[span.line][span.start : span.end] = text[offset : offset + span.end - span.start]
            offset += span.end - span.start
    for field in layout.checked:
        line, position = field.digit
        if f"{field.name}_check" not in values:
            grid[line][position] = check_digit(check_data(grid, field))
    return ["".join(chars) for chars in grid]


def _sex(f: MRZFields) -> str:
    # ICAO 9303-4 §4.2.2 note: F, M, or X (or < for unspecified)
    sex = f.sex.upper() or "<"
    if sex not in {"M", "F", "X", "<"}:
        raise ValueError("sex must be M, F, X or <")
    return sex


def _icao_values(fmt: FormatName, f: MRZFields) -> dict[str, str]:
    """The fields every ICAO format writes the same way (ICAO 9303-3 §4.2.2)."""
    layout = LAYOUTS[fmt]
    if f.optional_data_2 and not layout.has("optional_data_2"):
        raise ValueError("only TD1 has a second optional data field")
    values = {
        # two characters, the first a letter; a single letter is filled
        "document_type": _code(f.document_type, 2, "document type"),
        "issuing_state": _code(f.issuing_state, 3, "issuing state"),
        "names": name_field(f.surname, f.given_names, layout.width("names")),
        "nationality": _code(f.nationality, 3, "nationality"),
        "birth_date": _yymmdd(f.birth_date),
        "sex": _sex(f),
        "expiry_date": _yymmdd(f.expiry_date),
    }
    if f.optional_data_2:
        values["optional_data_2"] = _code(f.optional_data_2, 11, "optional data 2")
    return values


def _number(layout: Layout, number: str, optional: str) -> dict[str, str]:
    """Document number and optional data, with the long-number rule where it applies.

    ICAO 9303-5 §4.2.4 note j (TD1) and 9303-6 (TD2): a number longer than 9 characters
    puts its 9 most significant characters in the number field, ``<`` in the check digit
    position, then the remaining characters followed by the check digit over the whole
    number at the start of the optional data field, then a filler.
    """
    width = layout.width("document_number")
    optional_width = layout.width("optional_data")
    if not layout.long_number:
        return {
            "document_number": _code(number, width, "document number"),
            "optional_data": _code(optional, optional_width, "optional data"),
        }
    number = _code(number, len(number), "document number").rstrip("<") if number else ""
    if len(number) <= width:
        return {
            "document_number": number,
            "optional_data": _code(optional, optional_width, "optional data"),
        }
    head, tail = number[:width], number[width:]
    prefix = f"{tail}{check_digit(number)}<"
    return {
        "document_number": head,
        "document_number_check": "<",
        "optional_data": _code(prefix + optional.upper(), optional_width, "optional data"),
    }


def _icao(fmt: FormatName, f: MRZFields) -> list[str]:
    layout = LAYOUTS[fmt]
    values = _icao_values(fmt, f)
    if layout.has("personal_number"):
        # ICAO 9303-4 §4.2.2.2 note: when the personal number field is all fillers its
        # check digit may be ``<`` or ``0``; we write ``<``
        values["document_number"] = _code(f.document_number, 9, "document number")
        personal = _code(f.optional_data, layout.width("personal_number"), "personal number")
        values["personal_number"] = personal
        if set(personal) == {"<"}:
            values["personal_number_check"] = "<"
    else:
        values.update(_number(layout, f.document_number, f.optional_data))
    return _render(layout, values)


def compose_td1(f: MRZFields) -> list[str]:
    """Three lines of 30 (ICAO 9303-5 §4.2.2)."""
    return _icao("TD1", f)


def compose_td2(f: MRZFields) -> list[str]:
    """Two lines of 36 (ICAO 9303-6 §4.2.2); composite over 1-10, 14-20, 22-35."""
    return _icao("TD2", f)


def compose_td3(f: MRZFields) -> list[str]:
    """Two lines of 44 (ICAO 9303-4 §4.2.2); personal number with its own check digit."""
    return _icao("TD3", f)


def compose_mrva(f: MRZFields) -> list[str]:
    """Machine-readable visa A: two lines of 44, no composite (ICAO 9303-7 §4.2.2)."""
    return _icao("MRVA", f)


def compose_mrvb(f: MRZFields) -> list[str]:
    """Machine-readable visa B: two lines of 36, no composite (ICAO 9303-7 §4.2.2)."""
    return _icao("MRVB", f)


def compose_fra_id(
    *,
    surname: str,
    given_names: Sequence[str],
    issued: date,
    department: str,
    office: str,
    sequence: str,
    birth_date: date,
    sex: str,
) -> list[str]:
    """The two MRZ lines of a French identity card of 1988-2021 (``national.france``);
    names already in the MRZ alphabet, e.g. ``DUPONT``.

    The surname is cut at 25 characters; given names are joined with ``<<`` and cut at
    14 characters, as the card does.
    """
    if len(department) != 3 or len(office) != 3 or len(sequence) != 5:
        raise ValueError("department and office take 3 characters, the sequence 5")
    layout = LAYOUTS["FRAID"]
    given = "<<".join(given_names)
    return _render(
        layout,
        {
            "document_type": france.PREFIX[:2],
            "issuing_state": france.PREFIX[2:],
            "names": surname[: layout.width("names")],
            "optional_data": department + office,
            "document_number": f"{issued.year % 100:02d}{issued.month:02d}{department}{sequence}",
            "given_names": given[: layout.width("given_names")],
            "birth_date": _yymmdd(birth_date),
            "sex": sex,
        },
    )
