"""Parse MRZ text into an ``MRZResult`` (ICAO 9303 parts 3-7). Never raises.

Input handling (decided here, tested):

* Lines are separated by any whitespace; blank lines and surrounding spaces are
  ignored. A single run of 90, 72 or 88 characters is split into TD1, 36- or 44-char lines.
* Lower-case letters are *not* MRZ characters (ICAO 9303-3 §4.3: A-Z, 0-9, ``<``).
  They are upper-cased so the fields can still be read and shown, but the result gets
  a fatal ``mrz_invalid_characters`` problem: a lower-case MRZ was typed or mangled,
  never printed. Any other foreign character is also reported, and makes the check
  digit over its field fail.
* The format comes from the line count and length plus the first letter of the
  document code: 3 x 30 TD1; 2 x 36 TD2, or MRV-B when it starts with ``V``; 2 x 44
  TD3, or MRV-A when it starts with ``V``. Anything else is format ``unknown``.
  Two lines of 36 starting ``IDFRA`` are the French identity card of 1988-2021, parsed
  by its own layout (``national.france``), never as TD2.
* A document number of one repeated character (also after folding look-alikes:
  ``OOOOOOO0O``) is a fatal ``mrz_implausible_field``: no state issues it, and it is
  what a misread line of fillers or a check-digit "repair" of noise looks like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from leveattest.core.clock import Clock, SystemClock
from leveattest.core.reasons import Reason
from leveattest.mrz import quirks
from leveattest.mrz.checkdigit import MRZ_ALPHABET, safe_check_digit
from leveattest.mrz.countries import is_known_code
from leveattest.mrz.dates import resolve_birth_date, resolve_expiry_date
from leveattest.mrz.layouts import LAYOUT_OF, LAYOUTS, Layout, check_data
from leveattest.mrz.model import DigitCheck, MRZFormat, MRZResult, Problem
from leveattest.mrz.names import split_name
from leveattest.mrz.national import france
from leveattest.mrz.numbering import implausible_number

_SEX = {"M": "M", "F": "F", "X": "X", "<": "X"}  # ICAO 9303-4: F, M, or X/< for unspecified
_JOINED_LENGTHS = {90: 30, 72: 36, 88: 44}


@dataclass(frozen=True, slots=True)
class _Raw:
    """Field texts cut from the lines, per format (positions from ICAO 9303 parts 4-7)."""

    name: str
    number: str
    number_cd: str
    nationality: str
    birth: str
    birth_cd: str
    sex: str
    expiry: str
    expiry_cd: str
    optional: str
    optional_2: str = ""
    personal_cd: str | None = None
    composite: str | None = None
    composite_input: str = ""
    overflow_allowed: bool = False


def split_lines(text_or_lines: str | Sequence[str]) -> list[str]:
    """MRZ lines from text or a sequence of lines: whitespace-separated, blanks dropped."""
    text = text_or_lines if isinstance(text_or_lines, str) else "\n".join(map(str, text_or_lines))
    lines = text.split()
    if len(lines) == 1 and len(lines[0]) in _JOINED_LENGTHS:
        width = _JOINED_LENGTHS[len(lines[0])]
        lines = [lines[0][i : i + width] for i in range(0, len(lines[0]), width)]
    return lines


def detect_format(lines: Sequence[str]) -> MRZFormat:
    """The MRZ format from line count, lengths and document code; UNKNOWN if none fits."""
    lengths = [len(line) for line in lines]
    visa = bool(lines) and lines[0][:1].upper() == "V"
    if lengths == [30, 30, 30]:
        return MRZFormat.TD1
    if lengths == [36, 36]:
        if france.looks_like_fra_id(lines):
            return MRZFormat.FRA_ID
        return MRZFormat.MRV_B if visa else MRZFormat.TD2
    if lengths == [44, 44]:
        return MRZFormat.MRV_A if visa else MRZFormat.TD3
    return MRZFormat.UNKNOWN


def _cut(layout: Layout, lines: list[str]) -> _Raw:
    """The fields of an ICAO layout, cut by the layout table (ICAO 9303 parts 4-7 §4.2.2)."""
    td3 = layout.has("personal_number")  # its optional field is the personal number
    composite = layout.check("composite")  # visas have none (9303-7)
    return _Raw(
        name=layout.text(lines, "names"),
        number=layout.text(lines, "document_number"),
        number_cd=layout.text(lines, "document_number_check"),
        nationality=layout.text(lines, "nationality"),
        birth=layout.text(lines, "birth_date"),
        birth_cd=layout.text(lines, "birth_date_check"),
        sex=layout.text(lines, "sex"),
        expiry=layout.text(lines, "expiry_date"),
        expiry_cd=layout.text(lines, "expiry_date_check"),
        optional=layout.text(lines, "personal_number" if td3 else "optional_data"),
        optional_2=layout.text(lines, "optional_data_2"),
        personal_cd=layout.text(lines, "personal_number_check") if td3 else None,
        composite=layout.text(lines, "composite_check") if composite else None,
        composite_input=check_data(lines, composite) if composite else "",
        overflow_allowed=layout.long_number,
    )


def _digit_check(name: str, field_text: str, found: str) -> DigitCheck:
    expected = safe_check_digit(field_text)
    return DigitCheck(name=name, passed=expected == found, expected=expected or "", found=found)


def _character_problems(lines: list[str]) -> list[Problem]:
    problems = []
    if any(c.islower() for line in lines for c in line):
        problems.append(Problem(Reason.MRZ_INVALID_CHARACTERS, "lines", "lower-case letters"))
    foreign = {c for line in lines for c in line.upper() if c not in MRZ_ALPHABET}
    if foreign:
        problems.append(
            Problem(Reason.MRZ_INVALID_CHARACTERS, "lines", "characters outside A-Z 0-9 <")
        )
    return problems


def _code_problem(code: str, field_name: str) -> Problem | None:
    if is_known_code(code):
        return None
    return Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, field_name, "not an ISO 3166-1 or ICAO code")


def parse_mrz(
    text_or_lines: str | Sequence[str],
    *,
    today: date | None = None,
    clock: Clock | None = None,
    allow_2032_rules: bool | None = None,
) -> MRZResult:
    """Parse an MRZ; never raises. Bad input gives ``valid=False`` and ``problems``.

    ``today`` (else ``clock``, else the system clock) resolves two-digit years.
    ``allow_2032_rules`` accepts Norwegian numbers under the control rule in force from
    2032; by default it is on from 1 January 2032.
    """
    try:
        return _parse(text_or_lines, today, clock, allow_2032_rules)
    except Exception as exc:  # noqa: BLE001 - contract: never raises; a bug shows as a problem
        problem = Problem(Reason.INTERNAL_ERROR, "lines", f"internal error: {type(exc).__name__}")
        return MRZResult(format=MRZFormat.UNKNOWN, problems=(problem,))


def _parse(
    text_or_lines: str | Sequence[str],
    today: date | None,
    clock: Clock | None,
    allow_2032_rules: bool | None,
) -> MRZResult:
    day = today or (clock or SystemClock()).today()
    lines = split_lines(text_or_lines)
    fmt = detect_format(lines)
    if fmt is MRZFormat.UNKNOWN:
        # near misses (2 or 3 lines of about MRZ width) are a length problem, the rest no MRZ
        near = len(lines) in {2, 3} and all(26 <= len(line) <= 48 for line in lines)
        reason = Reason.MRZ_INVALID_LENGTH if near else Reason.MRZ_UNKNOWN_FORMAT
        detail = f"{len(lines)} lines of lengths {[len(line) for line in lines][:5]}"
        return MRZResult(
            format=fmt, lines=tuple(lines), problems=(Problem(reason, "lines", detail),)
        )
    problems = _character_problems(lines)
    lines = [line.upper() for line in lines]
    layout = LAYOUTS[LAYOUT_OF[fmt]]
    if fmt is MRZFormat.FRA_ID:
        return _parse_fra_id(layout, lines, problems, day)
    raw = _cut(layout, lines)
    applied: list[str] = []

    document_type = layout.text(lines, "document_type").rstrip("<")
    if not document_type[:1].isalpha():
        problems.append(
            Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "document_type", "must start with a letter")
        )
    elif document_type[0] not in layout.document_codes:
        problems.append(
            Problem(
                Reason.MRZ_IMPLAUSIBLE_FIELD,
                "document_type",
                "unusual code for the format",
                fatal=False,
            )
        )
    issuing_state, german = quirks.state_code(layout.text(lines, "issuing_state"))
    nationality, german_nat = quirks.state_code(raw.nationality)
    if german or german_nat:
        applied.append(quirks.GERMAN_D)
    for code, name in ((issuing_state, "issuing_state"), (nationality, "nationality")):
        if (problem := _code_problem(code, name)) is not None:
            problems.append(problem)

    # document number, with the long-number layout of TD1/TD2
    checks: list[DigitCheck] = []
    number, number_cd, optional = raw.number, raw.number_cd, raw.optional
    overflow = None
    if raw.overflow_allowed:
        overflow = quirks.split_long_document_number(number, number_cd, optional)
    if overflow is not None:
        applied.append(quirks.LONG_DOCUMENT_NUMBER)
        number, number_cd, optional = overflow.number, overflow.check_digit, overflow.optional_rest
    checks.append(_digit_check("document_number", number, number_cd))
    document_number = number.rstrip("<")
    if (problem := _number_problem(document_number)) is not None:
        problems.append(problem)

    # dates (ICAO 9303-3 §4.10), check digits over the printed digits
    checks.append(_digit_check("birth_date", raw.birth, raw.birth_cd))
    birth = resolve_birth_date(raw.birth, day)
    if birth.error:
        problems.append(Problem(Reason.MRZ_INVALID_DATE, "birth_date", birth.error))
    elif birth.partial is not None:
        problems.append(
            Problem(Reason.MRZ_PARTIAL_DATE, "birth_date", birth.partial.isoformat(), fatal=False)
        )
    checks.append(_digit_check("expiry_date", raw.expiry, raw.expiry_cd))
    expiry = resolve_expiry_date(raw.expiry, day)
    if expiry.error:
        problems.append(Problem(Reason.MRZ_INVALID_DATE, "expiry_date", expiry.error))
    birth_date = birth.value

    sex = _SEX.get(raw.sex, "")
    if not sex:
        problems.append(Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "sex", "not M, F, X or <"))

    personal_number = ""
    if raw.personal_cd is not None:  # TD3 personal number (ICAO 9303-4 positions 29-43)
        personal_number = raw.optional.rstrip("<")
        if quirks.filler_check_digit_allowed(raw.optional, raw.personal_cd):
            applied.append(quirks.FILLER_CHECK_DIGIT)
            checks.append(DigitCheck("personal_number", True, "<", "<"))
        else:
            checks.append(_digit_check("personal_number", raw.optional, raw.personal_cd))
    if raw.composite is not None:
        checks.append(_digit_check("composite", raw.composite_input, raw.composite))
    problems.extend(_mismatches(checks))

    names = split_name(raw.name)
    if names.truncated:
        problems.append(
            Problem(Reason.MRZ_NAME_TRUNCATED, "names", "name fills the field", fatal=False)
        )
    if not names.surname and not names.given_names:
        problems.append(Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "names", "no name"))

    national = None
    outcome = quirks.NationalIdOutcome(None)
    if issuing_state == "DNK":
        outcome = quirks.danish_cpr((raw.optional, raw.optional_2), raw.birth, birth_date)
        if outcome.result is not None:
            applied.append(quirks.DANISH_CPR)
    if issuing_state == "NOR":
        outcome = quirks.norwegian_personal_number(
            (raw.optional, raw.optional_2),
            raw.birth,
            birth_date,
            allow_2032_rules=(
                day >= date(2032, 1, 1) if allow_2032_rules is None else allow_2032_rules
            ),
        )
        if outcome.result is not None:
            applied.append(quirks.NORWEGIAN_PERSONAL_NUMBER)
    problems.extend(outcome.problems)
    if outcome.result is not None:
        national = outcome.result
        birth_date = outcome.birth_date or birth_date
        if not personal_number:
            personal_number = outcome.result.value

    if birth_date is not None and expiry.value is not None and expiry.value < birth_date:
        problems.append(
            Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "expiry_date", "expires before birth")
        )

    return MRZResult(
        format=fmt,
        lines=tuple(lines),
        document_type=document_type,
        issuing_state=issuing_state,
        surname=names.surname,
        given_names=names.given_names,
        name_raw=names.raw,
        name_truncated=names.truncated,
        document_number=document_number,
        nationality=nationality,
        birth_date=birth_date,
        birth_date_partial=birth.partial,
        sex=sex,
        expiry_date=expiry.value,
        optional_data=optional.rstrip("<"),
        optional_data_2=raw.optional_2.rstrip("<"),
        personal_number=personal_number,
        checks=tuple(checks),
        problems=tuple(problems),
        national_id=national,
        quirks=tuple(applied),
    )


def _mismatches(checks: Sequence[DigitCheck]) -> list[Problem]:
    return [
        Problem(
            Reason.MRZ_CHECK_DIGIT_MISMATCH,
            c.name,
            f"expected {c.expected or '?'}, found {c.found}",
        )
        for c in checks
        if not c.passed
    ]


def _number_problem(number: str) -> Problem | None:
    if not implausible_number(number):
        return None
    return Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "document_number", "one character repeated")


def _parse_fra_id(
    layout: Layout, lines: list[str], problems: list[Problem], day: date
) -> MRZResult:
    """The French identity card of 1988-2021 (``national.france``; layout ``FRAID``)."""
    number, birth_raw = layout.text(lines, "document_number"), layout.text(lines, "birth_date")
    checks = [
        _digit_check(field.name, check_data(lines, field), lines[field.digit[0]][field.digit[1]])
        for field in layout.checked
    ]
    if (problem := _number_problem(number)) is not None:
        problems.append(problem)
    issued = _fra_issue_date(number[0:4], day)
    if issued is None:
        problems.append(Problem(Reason.MRZ_INVALID_DATE, "issue_date", "not a plausible YYMM"))
    birth = resolve_birth_date(birth_raw, day)
    if birth.error:
        problems.append(Problem(Reason.MRZ_INVALID_DATE, "birth_date", birth.error))
    elif birth.partial is not None:
        problems.append(
            Problem(Reason.MRZ_PARTIAL_DATE, "birth_date", birth.partial.isoformat(), fatal=False)
        )
    birth_date = birth.value
    if birth_date is not None and issued is not None and issued <= birth_date.replace(day=1):
        # a two-digit year after the issue, or in its very month: the holder was born a
        # century earlier (the month of issue is all the card says; a card made within
        # days of its holder's birth is unlikely, a 100-year-old's card is our pensioner's)
        birth_date = _century_earlier(birth_date)
        if birth_date is None:
            problems.append(Problem(Reason.MRZ_INVALID_DATE, "birth_date", "no such date"))
    sex = _SEX.get(layout.text(lines, "sex"), "")
    if sex not in {"M", "F"}:  # the card prints M or F
        problems.append(Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "sex", "not M or F"))
    problems.extend(_mismatches(checks))
    surname_field = layout.text(lines, "names")
    surname = surname_field.rstrip("<").replace("<", " ")
    given_field = layout.text(lines, "given_names")
    given = " ".join(part.replace("<", " ") for part in given_field.rstrip("<").split("<<") if part)
    if not surname:
        problems.append(Problem(Reason.MRZ_IMPLAUSIBLE_FIELD, "names", "no surname"))
    truncated = not given_field.endswith("<") or not surname_field.endswith("<")
    if truncated:
        problems.append(
            Problem(Reason.MRZ_NAME_TRUNCATED, "names", "name fills the field", fatal=False)
        )
    return MRZResult(
        format=MRZFormat.FRA_ID,
        lines=tuple(lines),
        document_type="ID",
        issuing_state="FRA",
        surname=surname,
        given_names=given,
        name_raw=surname_field + "<<" + given_field,
        name_truncated=truncated,
        document_number=number.rstrip("<"),
        nationality="FRA",
        birth_date=birth_date,
        birth_date_partial=birth.partial,
        sex=sex,
        issue_date=issued,
        optional_data=layout.text(lines, "optional_data").rstrip("<"),
        checks=tuple(checks),
        problems=tuple(problems),
        quirks=(quirks.FRENCH_ID_1988,),
    )


def _fra_issue_date(yymm: str, day: date) -> date | None:
    """The first day of the month of issue; None unless a month from 1988 up to ``day``."""
    if not yymm.isdigit() or not 1 <= int(yymm[2:]) <= 12:
        return None
    issued = date(france.issue_year(int(yymm[:2])), int(yymm[2:]), 1)
    return issued if issued <= day else None


def _century_earlier(day: date) -> date | None:
    try:
        return day.replace(year=day.year - 100)
    except ValueError:  # 29 February of a year whose century year is no leap year
        return None
