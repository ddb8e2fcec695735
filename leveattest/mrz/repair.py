"""Position-aware correction of OCR'd MRZ lines (ICAO 9303 parts 4-7 layouts).

Three kinds of repair, each reported (field, line, position, from, to, why):

* ``length``: a line one or two characters off is fixed by lengthening or
  shortening its longest filler run (OCR merges or splits ``<<``);
* ``digits_only`` / ``letters_only``: where the layout allows only digits (dates,
  check digits) a letter look-alike becomes its digit, and where only letters may
  stand (document type, states, names) a digit becomes its letter; ``filler_run``:
  a lone ``K``/``C``/``E`` inside a run of fillers becomes ``<``;
* ``state_code``: an issuing state or nationality that is no known code becomes
  the one known code that differs from it by one look-alike letter, when there is
  exactly one;
* ``check_digit``: a field whose check digit fails is changed at one look-alike
  position, or its check digit is changed, **only when exactly one candidate**
  makes the check digit pass, and, where the composite check digit covers the
  field, makes the composite pass too (one digit alone accepts one wrong guess in
  ten). Without a composite (visas) only letter/digit look-alikes are tried. The
  composite digit is only repaired once every other check passes. Ambiguous
  fields are left alone (and stay invalid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final, Literal

from leveattest.mrz.checkdigit import MRZ_ALPHABET, char_value, safe_check_digit
from leveattest.mrz.countries import is_known_code

FormatName = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"]
# character classes: A letters or filler, N digits, X letters/digits/filler,
# C check digit (digit, or filler for an empty optional field), S sex
Kind = Literal["A", "N", "X", "C", "S"]

LINE_SHAPES: Final[dict[FormatName, tuple[int, int]]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
}

# fmt: off
TO_DIGIT: Final = {
    "O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8",
    "G": "6", "A": "4", "T": "7",
}
# fmt: on
TO_LETTER: Final = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
FILLER_LOOKALIKES: Final = frozenset("KCEXZL")
# look-alikes tried by the check-digit repair without OCR evidence (both directions):
# letter/digit and letter/letter shapes of OCR-B. Digit/digit confusions (3/8, 1/7, ...)
# are only tried when the OCR engine itself reported them as close alternatives.
_PAIRS: Final = ("O0", "D0", "I1", "L1", "Z2", "S5", "B8", "G6", "OD")
CONFUSABLE: Final[dict[str, frozenset[str]]] = {}
for _a, _b in _PAIRS:
    CONFUSABLE[_a] = CONFUSABLE.get(_a, frozenset()) | {_b}
    CONFUSABLE[_b] = CONFUSABLE.get(_b, frozenset()) | {_a}

# letters that OCR-B shares strokes with, for state codes only: a code is checked
# against the closed list of ICAO/ISO codes, so a wider set is safe there
_LETTER_GROUPS: Final = ("OQD", "IL", "MNH", "EF", "UV", "PR")
LETTER_TWINS: Final[dict[str, frozenset[str]]] = {
    c: frozenset(group) - {c} for group in _LETTER_GROUPS for c in group
}

# per line, per character: alternatives the OCR found nearly as likely
Alternatives = Sequence[Sequence[str]]


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


@dataclass(frozen=True)
class Repair:
    """One change made to the OCR text; positions are 0-based."""

    field: str
    line: int
    position: int
    from_: str
    to: str
    why: str

    def to_json_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["from"] = data.pop("from_")
        return data


def _two_line(
    fmt: FormatName, width: int, optional_end: int, *, td3: bool, composite: bool
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
    return Layout(fmt, tuple(spans), tuple(checked))


LAYOUTS: Final[dict[FormatName, Layout]] = {
    "TD3": _two_line("TD3", 44, 42, td3=True, composite=True),
    "TD2": _two_line("TD2", 36, 35, td3=False, composite=True),
    "MRVA": _two_line("MRVA", 44, 44, td3=False, composite=False),
    "MRVB": _two_line("MRVB", 36, 36, td3=False, composite=False),
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
    ),
}


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
        return "MRVB" if visa else "TD2"
    return None


def _fix_length(line: str, width: int, index: int, repairs: list[Repair]) -> str:
    if len(line) == width or abs(len(line) - width) > 2:
        return line
    # the longest filler run absorbs the difference
    best_start, best_len, i = -1, 0, 0
    while i < len(line):
        if line[i] == "<":
            j = i
            while j < len(line) and line[j] == "<":
                j += 1
            if j - i > best_len:
                best_start, best_len = i, j - i
            i = j
        else:
            i += 1
    delta = width - len(line)
    if best_len < 2 or best_len + delta < 1:
        return line
    fixed = line[:best_start] + "<" * (best_len + delta) + line[best_start + best_len :]
    repairs.append(
        Repair("line_length", index, best_start, "<" * best_len, "<" * (best_len + delta), "length")
    )
    return fixed


def _class_fixes(lines: list[list[str]], layout: Layout, repairs: list[Repair]) -> None:
    for span in layout.spans:
        chars = lines[span.line]
        if span.kind in ("A", "X"):
            _filler_runs(chars, span, repairs)
        for pos in range(span.start, min(span.end, len(chars))):
            c = chars[pos]
            new, why = c, ""
            if span.kind == "N" or (span.kind == "C" and c != "<"):
                if c.isalpha() and c in MRZ_ALPHABET:
                    new, why = _as_digit(lines, layout, span.line, pos), "digits_only"
            elif span.kind == "A" and c.isdigit() and c in TO_LETTER:
                new, why = TO_LETTER[c], "letters_only"
            if new != c:
                chars[pos] = new
                repairs.append(Repair(span.name, span.line, pos, c, new, why))


def _as_digit(lines: list[list[str]], layout: Layout, line: int, pos: int) -> str:
    """The digit for a letter where only digits may stand.

    When it is the field's only letter and the field's check digit passes with it in
    place, the digit with the same check-digit value (letter value mod 10, ICAO
    9303-3 §4.9) keeps it passing and is taken; otherwise the OCR-B look-alike
    (O→0, I→1, S→5, B→8, ...), if there is one.
    """
    c = lines[line][pos]
    for field in layout.checked:
        if field.name == "composite":
            continue
        cells = [(li, p) for li, a, b in field.parts for p in range(a, b)]
        if (line, pos) not in cells:
            continue
        letters = [1 for li, p in cells if lines[li][p].isalpha()]
        if len(letters) == 1 and check_passes(lines, field):
            return str(char_value(c) % 10)
    return TO_DIGIT.get(c, c)


def _filler_runs(chars: list[str], span: Span, repairs: list[Repair]) -> None:
    """Noise inside filler runs becomes ``<``.

    Names (ICAO 9303-3 §4.6) are left-aligned and separated by ``<`` or ``<<``, so one
    or two characters after three fillers cannot be a name: they are noise. In other
    fields a lone ``K``/``C``/``E``-like character between fillers is a misread ``<``.
    """
    end = min(span.end, len(chars))
    names = span.name == "names"
    pos = span.start
    while pos < end:
        if chars[pos] == "<":
            pos += 1
            continue
        run_end = pos
        while run_end < end and chars[run_end] != "<":
            run_end += 1
        run = run_end - pos
        fillers_before = 0
        while pos - fillers_before - 1 >= span.start and chars[pos - fillers_before - 1] == "<":
            fillers_before += 1
        if names:
            noise = fillers_before >= 3 and run <= 2
        else:
            noise = fillers_before >= 2 and run == 1 and chars[pos] in FILLER_LOOKALIKES
        if noise:
            for p in range(pos, run_end):
                repairs.append(Repair(span.name, span.line, p, chars[p], "<", "filler_run"))
                chars[p] = "<"
        pos = run_end


def _state_codes(lines: list[list[str]], layout: Layout, repairs: list[Repair]) -> None:
    for span in layout.spans:
        if span.name not in ("issuing_state", "nationality"):
            continue
        chars = lines[span.line]
        code = "".join(chars[span.start : span.end])
        if is_known_code(code.rstrip("<")):
            continue
        found: list[tuple[int, str]] = []
        for pos in range(span.start, span.end):
            for alt in sorted(LETTER_TWINS.get(chars[pos], frozenset())):
                variant = code[: pos - span.start] + alt + code[pos - span.start + 1 :]
                if is_known_code(variant.rstrip("<")):
                    found.append((pos, alt))
        if len(found) == 1:
            pos, alt = found[0]
            repairs.append(Repair(span.name, span.line, pos, chars[pos], alt, "state_code"))
            chars[pos] = alt


def check_passes(lines: Sequence[Sequence[str]], field: CheckedField) -> bool:
    """True when the field's check digit matches (an all-filler field with ``<``/``0`` passes)."""
    data = "".join("".join(lines[li][s:e]) for li, s, e in field.parts)
    digit = lines[field.digit[0]][field.digit[1]]
    if digit == "<" and set(data) <= {"<"}:
        return True
    return safe_check_digit(data) == digit


def _allowed(kind: Kind, c: str) -> bool:
    if kind in ("N", "C"):
        return c.isdigit()
    if kind == "A":
        return c.isalpha() or c == "<"
    return True


def _check_digit_fix(
    lines: list[list[str]],
    layout: Layout,
    field: CheckedField,
    *,
    repairs: list[Repair],
    frozen: set[tuple[int, int]],
    composite: CheckedField | None = None,
    alternatives: Alternatives | None = None,
) -> None:
    if check_passes(lines, field):
        # O/0 pairs at weights 7+3 (or 1+1+...) cancel out mod 10, so the check
        # cannot tell them apart: prefer 0, as document numbers do
        _round_glyph_fix(lines, layout, field, repairs=repairs, frozen=frozen, composite=composite)
        return
    dl, dp = field.digit
    if lines[dl][dp] == "<":  # TD1 long document number: the digit lives elsewhere
        return
    if _round_glyph_fix(lines, layout, field, repairs=repairs, frozen=frozen, composite=composite):
        return
    positions = [(li, p) for li, s, e in field.parts for p in range(s, e)] + [field.digit]
    passing: list[tuple[int, int, str]] = []
    for li, p in positions:
        if (li, p) in frozen:
            continue
        original = lines[li][p]
        kind = layout.kind_at(li, p)
        looks = CONFUSABLE.get(original, frozenset())
        if alternatives is None:
            options = set(looks)
        else:
            # with OCR evidence: what the engine itself found close, plus the
            # letter/digit twins of OCR-B (0/O, 1/I, 8/B, ...) it may not list
            options = {c for c in looks if c.isdigit() != original.isdigit()}
            if p < len(alternatives[li]):
                options.update(alternatives[li][p])
        options.discard(original)
        for alt in sorted(options):
            if not _allowed(kind, alt):
                continue
            lines[li][p] = alt
            if check_passes(lines, field):
                passing.append((li, p, alt))
            lines[li][p] = original
    why = f"check_digit:{field.name}"
    if composite is not None:
        # one digit alone is satisfied by one in ten wrong guesses: the composite
        # check digit, computed independently over the field, must agree as well
        passing = [c for c in passing if _passes_with(lines, composite, c)]
        why = f"check_digit:{field.name}+composite"
    else:
        # no second check (visas): only letter/digit look-alikes, never digit/digit
        passing = [c for c in passing if lines[c[0]][c[1]].isdigit() != c[2].isdigit()]
    if len(passing) == 1:
        li, p, alt = passing[0]
        repairs.append(Repair(layout.field_at(li, p), li, p, lines[li][p], alt, why))
        lines[li][p] = alt


def _round_glyph_fix(
    lines: list[list[str]],
    layout: Layout,
    field: CheckedField,
    *,
    repairs: list[Repair],
    frozen: set[tuple[int, int]],
    composite: CheckedField | None,
) -> bool:
    """Letters O where digits 0 were printed: one candidate, every O -> 0. Tried first.

    OCR-B's O and 0 differ by little, and document numbers use 0 far more than O.
    Only this single variant is tried (a search over every O/0 choice would let
    chance satisfy the check digit); it is applied when it passes the field's check
    digit and, where one covers the field, the composite. It goes before the
    one-character search because two O's at weights 3 and 7 cancel out mod 10: a
    lone O -> 0 could then pass while two more O's stay wrong.
    """
    cells = [
        (li, p)
        for li, a, b in field.parts
        for p in range(a, b)
        if (li, p) not in frozen and lines[li][p] == "O" and layout.kind_at(li, p) == "X"
    ]
    if not cells:
        return False
    for li, p in cells:
        lines[li][p] = "0"
    ok = check_passes(lines, field) and (composite is None or check_passes(lines, composite))
    for li, p in cells:
        lines[li][p] = "O"
    if not ok:
        return False
    why = f"check_digit:{field.name}" + ("+composite" if composite else "") + ":all_o_to_0"
    for li, p in cells:
        repairs.append(Repair(layout.field_at(li, p), li, p, "O", "0", why))
        lines[li][p] = "0"
    return True


def _passes_with(lines: list[list[str]], field: CheckedField, change: tuple[int, int, str]) -> bool:
    li, p, alt = change
    original = lines[li][p]
    lines[li][p] = alt
    try:
        return check_passes(lines, field)
    finally:
        lines[li][p] = original


def _covers(composite: CheckedField, field: CheckedField) -> bool:
    """True when every position of ``field`` (and its digit) is inside the composite."""
    cells = {(li, p) for li, a, b in composite.parts for p in range(a, b)}
    mine = {(li, p) for li, a, b in field.parts for p in range(a, b)} | {field.digit}
    return mine <= cells


def repair_lines(
    lines: Sequence[str],
    fmt: FormatName | None = None,
    alternatives: Alternatives | None = None,
) -> tuple[list[str], list[Repair]]:
    """Repaired lines and the list of repairs; lines of unknown shape come back unchanged.

    ``alternatives`` (from the OCR: per line, per character, the other characters it
    found nearly as likely) widen the check-digit repair beyond the fixed look-alikes.
    """
    fmt = fmt or detect_format(lines)
    repairs: list[Repair] = []
    if fmt is None:
        return list(lines), repairs
    count, width = LINE_SHAPES[fmt]
    if len(lines) != count:
        return list(lines), repairs
    fixed = [_fix_length(line, width, i, repairs) for i, line in enumerate(lines)]
    if any(len(line) != width for line in fixed):
        return fixed, repairs
    if alternatives is not None:
        # a line whose length was changed no longer lines up with its alternatives
        alternatives = [
            alt if len(alt) == width and len(line) == width else [""] * width
            for alt, line in zip(alternatives, lines, strict=False)
        ]
        if len(alternatives) != count:
            alternatives = None
    layout = LAYOUTS[fmt]
    grid = [list(line) for line in fixed]
    _class_fixes(grid, layout, repairs)
    _state_codes(grid, layout, repairs)
    composite = [f for f in layout.checked if f.name == "composite"]
    frozen: set[tuple[int, int]] = set()
    for field in layout.checked:
        if field.name == "composite":
            continue
        covered = composite[0] if composite and _covers(composite[0], field) else None
        _check_digit_fix(
            grid,
            layout,
            field,
            repairs=repairs,
            frozen=frozen,
            composite=covered,
            alternatives=alternatives,
        )
        if check_passes(grid, field):
            frozen.update((li, p) for li, s, e in field.parts for p in range(s, e))
            frozen.add(field.digit)
    others_pass = all(check_passes(grid, f) for f in layout.checked if f.name != "composite")
    for field in composite:
        if others_pass:  # else the failing field already explains the composite
            _check_digit_fix(
                grid, layout, field, repairs=repairs, frozen=frozen, alternatives=alternatives
            )
    return ["".join(chars) for chars in grid], repairs


def count_checks(lines: Sequence[str], fmt: FormatName | None = None) -> tuple[int, int]:
    """(passing, total) check digits of lines in a known layout; (0, 0) otherwise."""
    fmt = fmt or detect_format(lines)
    if fmt is None:
        return 0, 0
    count, width = LINE_SHAPES[fmt]
    if len(lines) != count or any(len(line) != width for line in lines):
        return 0, 0
    layout = LAYOUTS[fmt]
    passed = sum(check_passes(lines, f) for f in layout.checked)
    return passed, len(layout.checked)
