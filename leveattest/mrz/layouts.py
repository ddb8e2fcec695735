"""The one MRZ layout table: field spans, character classes, check-digit groups.

ICAO 9303 parts 4-7 (TD1, TD2, TD3, MRV-A, MRV-B) and the French identity card of
1988-2021 (``FRAID``, ``national.france``), which has the TD2 shape but its own fields.
Parsing (``parse``), composing (``compose``), repair (``repair``) and reading
(``reader``, ``match``) all cut, write and check fields through this table: a position
is written down once, here.

Each :class:`Span` is a field's name, line, start, end and character class; each
:class:`CheckedField` is a check-digit group (the spans it covers, in order, and the
position of its digit), listed in the order the digits must be computed (the composite,
which covers the other digits, last).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from leveattest.mrz.checkdigit import safe_check_digit
from leveattest.mrz.model import MRZFormat
from leveattest.mrz.national import france

FormatName = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB", "FRAID"]
# character classes: A letters or filler, N digits, X letters/digits/filler,
# C check digit (digit, or filler for an empty optional field), S sex
Kind = Literal["A", "N", "X", "C", "S"]

LINE_SHAPES: Final[dict[FormatName, tuple[int, int]]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
    "FRAID": (2, 36),
}


@dataclass(frozen=True)
class Span:
    name: str
    line: int
    start: int
    end: int
    kind: Kind


@dataclass(frozen=True)
class CheckedField:
    """A field protected by a check digit: data spans and the check digit position."""

    name: str
    parts: tuple[tuple[int, int, int], ...]  # (line, start, end) concatenated
    digit: tuple[int, int]  # (line, position)


@dataclass(frozen=True)
class Layout:
    format: FormatName
    spans: tuple[Span, ...]
    checked: tuple[CheckedField, ...]
    # document codes whose first letter the format expects (others are unusual)
    document_codes: str = ""
    # a document number longer than 9 continues in the optional data (ICAO 9303-5
    # §4.2.4 note j for TD1; 9303-6 likewise for TD2)
    long_number: bool = False

    def has(self, name: str) -> bool:
        return any(span.name == name for span in self.spans)

    def width(self, name: str) -> int:
        """Characters of the field ``name`` (0 when the layout has no such field)."""
        return sum(span.end - span.start for span in self.spans if span.name == name)

    def text(self, lines: Sequence[Sequence[str]], name: str) -> str:
        """The field ``name`` cut from ``lines`` ("" when the layout has no such field)."""
        return "".join(
            "".join(lines[span.line][span.start : span.end])
            for span in self.spans
            if span.name == name
        )

    def check(self, name: str) -> CheckedField | None:
        return next((field for field in self.checked if field.name == name), None)

    def kind_at(self, line: int, pos: int) -> Kind:
        for span in self.spans:
            if span.line == line and span.start <= pos < span.end:
                return span.kind
        return "X"

    def field_at(self, line: int, pos: int) -> str:
        for span in self.spans:
            if span.line == line and span.start <= pos < span.end:
                return span.name
        return "unknown"


def _two_line(
    fmt: FormatName,
    width: int,
    optional_end: int,
    *,
    td3: bool,
    composite: bool,
    document_codes: str,
    long_number: bool = False,
) -> Layout:
    spans = [
        Span("document_type", 0, 0, 2, "A"),
        Span("issuing_state", 0, 2, 5, "A"),
        Span("names", 0, 5, width, "A"),
        Span("document_number", 1, 0, 9, "X"),
        Span("document_number_check", 1, 9, 10, "C"),
        Span("nationality", 1, 10, 13, "A"),
        Span("birth_date", 1, 13, 19, "N"),
        Span("birth_date_check", 1, 19, 20, "C"),
        Span("sex", 1, 20, 21, "S"),
        Span("expiry_date", 1, 21, 27, "N"),
        Span("expiry_date_check", 1, 27, 28, "C"),
    ]
    checked = [
        CheckedField("document_number", ((1, 0, 9),), (1, 9)),
        CheckedField("birth_date", ((1, 13, 19),), (1, 19)),
        CheckedField("expiry_date", ((1, 21, 27),), (1, 27)),
    ]
    if td3:
        spans += [
            Span("personal_number", 1, 28, 42, "X"),
            Span("personal_number_check", 1, 42, 43, "C"),
        ]
        checked.append(CheckedField("personal_number", ((1, 28, 42),), (1, 42)))
    else:
        spans.append(Span("optional_data", 1, 28, optional_end, "X"))
    if composite:
        spans.append(Span("composite_check", 1, width - 1, width, "C"))
        checked.append(
            CheckedField("composite", ((1, 0, 10), (1, 13, 20), (1, 21, width - 1)), (1, width - 1))
        )
    return Layout(fmt, tuple(spans), tuple(checked), document_codes, long_number)


# document codes: ICAO 9303-4 §4.2.2 P for passports; 9303-5/-6 A, C or I; 9303-7 V for visas
LAYOUTS: Final[dict[FormatName, Layout]] = {
    "TD3": _two_line("TD3", 44, 42, td3=True, composite=True, document_codes="P"),
    "TD2": _two_line(
        "TD2", 36, 35, td3=False, composite=True, document_codes="ACI", long_number=True
    ),
    "MRVA": _two_line("MRVA", 44, 44, td3=False, composite=False, document_codes="V"),
    "MRVB": _two_line("MRVB", 36, 36, td3=False, composite=False, document_codes="V"),
    "TD1": Layout(
        "TD1",
        (
            Span("document_type", 0, 0, 2, "A"),
            Span("issuing_state", 0, 2, 5, "A"),
            Span("document_number", 0, 5, 14, "X"),
            Span("document_number_check", 0, 14, 15, "C"),
            Span("optional_data", 0, 15, 30, "X"),
            Span("birth_date", 1, 0, 6, "N"),
            Span("birth_date_check", 1, 6, 7, "C"),
            Span("sex", 1, 7, 8, "S"),
            Span("expiry_date", 1, 8, 14, "N"),
            Span("expiry_date_check", 1, 14, 15, "C"),
            Span("nationality", 1, 15, 18, "A"),
            Span("optional_data_2", 1, 18, 29, "X"),
            Span("composite_check", 1, 29, 30, "C"),
            Span("names", 2, 0, 30, "A"),
        ),
        (
            CheckedField("document_number", ((0, 5, 14),), (0, 14)),
            CheckedField("birth_date", ((1, 0, 6),), (1, 6)),
            CheckedField("expiry_date", ((1, 8, 14),), (1, 14)),
            CheckedField("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
        ),
        document_codes="ACI",
        long_number=True,
    ),
}


# the French identity card of 1988-2021 (``national.france``)
LAYOUTS["FRAID"] = Layout(
    "FRAID",
    (
        Span("document_type", 0, 0, 2, "A"),
        Span("issuing_state", 0, 2, 5, "A"),
        Span("names", 0, 5, 30, "A"),
        Span("optional_data", 0, 30, 36, "X"),  # department and office of issue
        Span("document_number", 1, 0, 12, "X"),
        Span("document_number_check", 1, 12, 13, "C"),
        Span("given_names", 1, 13, 27, "A"),
        Span("birth_date", 1, 27, 33, "N"),
        Span("birth_date_check", 1, 33, 34, "C"),
        Span("sex", 1, 34, 35, "S"),
        Span("composite_check", 1, 35, 36, "C"),
    ),
    (
        CheckedField("document_number", ((1, 0, 12),), (1, 12)),
        CheckedField("birth_date", ((1, 27, 33),), (1, 33)),
        CheckedField("composite", ((0, 0, 36), (1, 0, 35)), (1, 35)),
    ),
    document_codes="I",
)
# the parser's format names for the table's
LAYOUT_OF: Final[dict[MRZFormat, FormatName]] = {
    MRZFormat.TD1: "TD1",
    MRZFormat.TD2: "TD2",
    MRZFormat.TD3: "TD3",
    MRZFormat.MRV_A: "MRVA",
    MRZFormat.MRV_B: "MRVB",
    MRZFormat.FRA_ID: "FRAID",
}
_AS_LETTER: Final = str.maketrans("0125468", "OIZSAGB")


def field_lengths(layout: Layout) -> dict[str, int]:
    """Characters per field name (a field may have several spans)."""
    return {span.name: layout.width(span.name) for span in layout.spans}


def detect_format(lines: Sequence[str]) -> FormatName | None:
    """The layout whose shape the lines have (lengths may be off by two)."""
    count = len(lines)
    if count == 3:
        return "TD1"
    if count != 2:
        return None
    mean = (len(lines[0]) + len(lines[1])) / 2
    visa = lines[0][:1] == "V"
    if abs(mean - 44) <= 3:
        return "MRVA" if visa else "TD3"
    if abs(mean - 36) <= 3:
        # ``IDFRA`` also when the OCR read a look-alike digit in it (``1DFRA``)
        if lines[0][:5].upper().translate(_AS_LETTER) == france.PREFIX:
            return "FRAID"
        return "MRVB" if visa else "TD2"
    return None


def check_data(lines: Sequence[Sequence[str]], field: CheckedField) -> str:
    """The characters the field's check digit is computed over."""
    return "".join("".join(lines[li][s:e]) for li, s, e in field.parts)


def check_passes(lines: Sequence[Sequence[str]], field: CheckedField) -> bool:
    """True when the field's check digit matches (an all-filler field with ``<``/``0`` passes)."""
    data = check_data(lines, field)
    digit = lines[field.digit[0]][field.digit[1]]
    if digit == "<" and set(data) <= {"<"}:
        return True
    return safe_check_digit(data) == digit
