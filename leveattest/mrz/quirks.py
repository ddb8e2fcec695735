"""National and ICAO-documented quirks, each a named, separately tested rule.

* ``GERMAN_D`` — Germany writes its issuing state and nationality as ``D<<``
  (ICAO 9303-3 §5: ``D`` is Germany's code); we keep ``D`` and show it as DEU.
* ``FILLER_CHECK_DIGIT`` — TD3 personal number all fillers: its check digit may be
  ``<`` instead of ``0`` (ICAO 9303-4 §4.2.2, note on positions 29-43).
* ``LONG_DOCUMENT_NUMBER`` — TD1/TD2 document number longer than 9 characters: ``<``
  in the check digit position, the rest of the number and its check digit at the start
  of the optional data, then a filler (ICAO 9303-5 §4.2.4 note j; 9303-6 likewise).
* ``NORWEGIAN_PERSONAL_NUMBER`` — Norwegian documents carry the fødselsnummer or
  D-nummer in the TD3 personal number field or the TD1 optional data; it is validated
  with ``national.norway`` and its date must agree with the MRZ birth date.
* ``FRENCH_ID_1988`` — the French identity card of 1988-2021 (``IDFRA``, 2 x 36) has
  its own layout (``national.france``): a 12-character number, no expiry date.
* ``DANISH_CPR`` — a CPR number (10 digits) in the optional data of a DNK document is
  validated with ``national.denmark`` and its date must agree with the MRZ birth date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from leveattest.core.reasons import Reason
from leveattest.mrz.model import Problem
from leveattest.mrz.national.denmark import DanishCprResult, validate_cpr
from leveattest.mrz.national.norway import NorwegianIdResult, validate_norwegian_id

NationalIdResult = NorwegianIdResult | DanishCprResult

GERMAN_D: Final = "german_d"
FILLER_CHECK_DIGIT: Final = "filler_check_digit"
LONG_DOCUMENT_NUMBER: Final = "long_document_number"
NORWEGIAN_PERSONAL_NUMBER: Final = "norwegian_personal_number"
DANISH_CPR: Final = "danish_cpr"
FRENCH_ID_1988: Final = "french_id_1988"

_ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
_TEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{10}(?![0-9])")
# a run of digits long enough to be a (mis-read) national number
_DIGIT_RUN = re.compile(r"[0-9]{6,}")


def state_code(raw: str) -> tuple[str, bool]:
    """A three-character state field without fillers; True when it is Germany's ``D<<``."""
    code = raw.rstrip("<")
    return code, code == "D" and raw == "D<<"


def filler_check_digit_allowed(field: str, found: str) -> bool:
    """ICAO 9303-4: an all-filler personal number may carry ``<`` as its check digit."""
    return found == "<" and set(field) <= {"<"}


@dataclass(frozen=True, slots=True)
class Overflow:
    number: str  # the whole document number, fillers stripped
    check_digit: str  # as printed
    optional_rest: str  # optional data after the overflow and its terminating filler


def split_long_document_number(number_field: str, check: str, optional: str) -> Overflow | None:
    """The long-number layout if the fields use it, else None.

    Used when the printed check digit is ``<`` and the optional data starts with a
    character: the characters up to the first filler are the rest of the number followed
    by its check digit.
    """
    if check != "<" or not optional or optional[0] == "<":
        return None
    extension, _, rest = optional.partition("<")
    if len(extension) < 2:
        return None
    return Overflow(
        number=number_field + extension[:-1],
        check_digit=extension[-1],
        optional_rest=rest,
    )


@dataclass(frozen=True, slots=True)
class NationalIdOutcome:
    result: NationalIdResult | None
    problems: tuple[Problem, ...] = ()
    birth_date: date | None = None  # a century-corrected birth date, when the number settles it


def _same_date_digits(mrz_birth_raw: str, nid_birth: date) -> bool:
    nid = f"{nid_birth.year % 100:02d}{nid_birth.month:02d}{nid_birth.day:02d}"
    if len(mrz_birth_raw) != 6:
        return False
    # unknown parts of the MRZ birth date (fillers) agree with anything
    return all(m in {"<", n} for m, n in zip(mrz_birth_raw, nid, strict=True))


def norwegian_personal_number(
    optional_fields: tuple[str, ...],
    mrz_birth_raw: str,
    mrz_birth: date | None,
    *,
    allow_2032_rules: bool,
) -> NationalIdOutcome:
    """Find and validate a Norwegian number in the optional data of a NOR document.

    No number found is not a problem (not every document carries one); digits that are
    not an 11-digit number are (a misread). The number's
    day, month and two-digit year must equal the MRZ birth date's; when they do and the
    number's individual series puts the birth in another century than the MRZ's
    two-digit year resolved to (a holder of 100 or more), the number's date wins.
    """
    candidates = [m.group(0) for text in optional_fields for m in _ELEVEN_DIGITS.finditer(text)]
    if not candidates:
        runs = [m.group(0) for text in optional_fields for m in _DIGIT_RUN.finditer(text)]
        if runs:
            # Norwegian documents print the 11-digit fødselsnummer or D-nummer there, or
            # nothing: a shorter or longer run of digits is a misread (a dropped or doubled
            # digit whose line was then padded back to length), never a valid read
            detail = f"{len(runs[0])} digits where 11 are printed"
            problem = Problem(Reason.NATIONAL_ID_INVALID, "personal_number", detail)
            return NationalIdOutcome(None, (problem,))
        return NationalIdOutcome(None)
    result = validate_norwegian_id(candidates[0], allow_2032_rules=allow_2032_rules)
    return _agreement(result, result.problems, mrz_birth_raw, mrz_birth)


def danish_cpr(
    optional_fields: tuple[str, ...], mrz_birth_raw: str, mrz_birth: date | None
) -> NationalIdOutcome:
    """Find and validate a Danish CPR number in the optional data of a DNK document."""
    candidates = [m.group(0) for text in optional_fields for m in _TEN_DIGITS.finditer(text)]
    if not candidates:
        return NationalIdOutcome(None)
    result = validate_cpr(candidates[0])
    return _agreement(result, result.problems, mrz_birth_raw, mrz_birth)


def _agreement(
    result: NationalIdResult,
    codes: tuple[str, ...],
    mrz_birth_raw: str,
    mrz_birth: date | None,
) -> NationalIdOutcome:
    if not result.valid or result.birth_date is None:
        problem = Problem(Reason.NATIONAL_ID_INVALID, "personal_number", ",".join(codes))
        return NationalIdOutcome(result, (problem,))
    if not _same_date_digits(mrz_birth_raw, result.birth_date):
        problem = Problem(Reason.MRZ_MISMATCH, "personal_number", "birth date differs from the MRZ")
        return NationalIdOutcome(result, (problem,))
    if mrz_birth is not None and mrz_birth != result.birth_date:
        return NationalIdOutcome(result, (), result.birth_date)
    return NationalIdOutcome(result)
