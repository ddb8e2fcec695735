"""Typed results of MRZ parsing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from leveattest.core.reasons import Reason
from leveattest.mrz.countries import display_alpha3
from leveattest.mrz.national.denmark import DanishCprResult
from leveattest.mrz.national.norway import NorwegianIdResult

if TYPE_CHECKING:
    from leveattest.core.checks import CheckResult


class MRZFormat(StrEnum):
    """ICAO 9303 MRZ formats, told apart by line count, line length and document code."""

    TD1 = "TD1"  # 3 x 30, ID cards (part 5)
    TD2 = "TD2"  # 2 x 36 (part 6)
    TD3 = "TD3"  # 2 x 44, passports (part 4)
    MRV_A = "MRV-A"  # 2 x 44 visa (part 7)
    MRV_B = "MRV-B"  # 2 x 36 visa (part 7)
    # French national identity card 1988-2021: 2 x 36 with a national layout (see docs/mrz.md)
    FRA_ID = "FRA-ID"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DigitCheck:
    """One check digit: the name of the field it protects, what we computed, what was printed."""

    name: str
    passed: bool
    expected: str  # "" when the field holds characters outside the MRZ alphabet
    found: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong or noteworthy about one field. Non-fatal problems keep ``valid``."""

    reason: Reason
    field: str
    detail: str = ""
    fatal: bool = True

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason.value,
            "field": self.field,
            "detail": self.detail,
            "fatal": self.fatal,
        }


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date with unknown parts written as ``<<`` (ICAO 9303-3 §4.10 allows it for birth)."""

    year: int | None
    month: int | None
    day: int | None
    raw: str

    def isoformat(self) -> str:
        """ISO-like text with ``XX`` for unknown parts, e.g. ``1974-XX-XX``."""
        y = f"{self.year:04d}" if self.year is not None else "XXXX"
        m = f"{self.month:02d}" if self.month is not None else "XX"
        d = f"{self.day:02d}" if self.day is not None else "XX"
        return f"{y}-{m}-{d}"


@dataclass(frozen=True, slots=True)
class MRZResult:
    """A parsed MRZ. ``valid`` ⇔ a known format, every check digit passes and no fatal problem.

    Text fields have fillers read as spaces (names) or stripped (codes, numbers);
    ``lines`` are the lines as parsed (stripped, upper-cased).
    """

    format: MRZFormat
    lines: tuple[str, ...] = ()
    document_type: str = ""
    issuing_state: str = ""
    surname: str = ""
    given_names: str = ""
    name_raw: str = ""
    name_truncated: bool = False
    document_number: str = ""
    nationality: str = ""
    birth_date: date | None = None
    birth_date_partial: PartialDate | None = None
    sex: str = ""  # "M", "F" or "X" (unspecified; "<" in the MRZ reads as "X")
    expiry_date: date | None = None
    issue_date: date | None = None  # first of the month; only layouts that print it (FRA-ID)
    optional_data: str = ""
    optional_data_2: str = ""  # TD1 line 2 optional data
    personal_number: str = ""
    checks: tuple[DigitCheck, ...] = ()
    problems: tuple[Problem, ...] = ()
    national_id: NorwegianIdResult | DanishCprResult | None = None
    quirks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return (
            self.format is not MRZFormat.UNKNOWN
            and all(check.passed for check in self.checks)
            and not any(problem.fatal for problem in self.problems)
        )

    @property
    def issuing_state_alpha3(self) -> str:
        return display_alpha3(self.issuing_state)

    @property
    def nationality_alpha3(self) -> str:
        return display_alpha3(self.nationality)

    def check(self, name: str) -> DigitCheck | None:
        return next((c for c in self.checks if c.name == name), None)

    def reasons(self) -> set[Reason]:
        """Every reason among the problems (handy for tests and policy)."""
        return {problem.reason for problem in self.problems}

    def to_json_dict(self, repairs: Sequence[Any] | None = None) -> dict[str, Any]:
        """The stable JSON shape of ``leveattest mrz parse --json`` and the reader.

        TD1 has two optional data fields; ``optional_data`` then holds both, separated by
        one space (a character an MRZ never contains).
        """
        optional = self.optional_data
        if self.optional_data_2:
            optional = f"{optional} {self.optional_data_2}"
        birth: str | None = None
        if self.birth_date is not None:
            birth = self.birth_date.isoformat()
        return {
            "format": self.format.value,
            "document_type": self.document_type,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date": birth,
            "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "optional_data": optional,
            "personal_number": self.personal_number,
            "lines": list(self.lines),
            "checks": {c.name: "passed" if c.passed else "failed" for c in self.checks},
            "repairs": list(repairs) if repairs else [],
            "valid": self.valid,
            "problems": [problem.to_json_dict() for problem in self.problems],
            "national_id": self.national_id.to_json_dict() if self.national_id else None,
        }


_DATE_FIELDS = frozenset({"birth_date", "expiry_date", "issue_date"})


def mrz_check_results(result: MRZResult) -> list[CheckResult]:
    """The parse outcome as pipeline checks: ``mrz_format``, ``mrz_check_digits``,
    ``mrz_dates``, ``mrz_fields`` and ``mrz_national_id``.

    Evidence holds check names, field names and reason codes only — never MRZ content.
    """
    # CheckResult is a pydantic model (0.2 s to import): parsing alone (``mrz parse``) skips it
    from leveattest.core.checks import CheckResult  # noqa: PLC0415

    if result.format is MRZFormat.UNKNOWN:
        first = result.problems[0] if result.problems else None
        reason = first.reason if first else Reason.MRZ_UNKNOWN_FORMAT
        return [
            CheckResult.failed("mrz_format", reason, first.detail if first else ""),
            CheckResult.not_checked("mrz_check_digits"),
            CheckResult.not_checked("mrz_dates"),
            CheckResult.not_checked("mrz_fields"),
            CheckResult.not_checked("mrz_national_id"),
        ]
    out = [CheckResult.passed("mrz_format", format=result.format.value)]
    digits = {c.name: "passed" if c.passed else "failed" for c in result.checks}
    failed_digits = [name for name, state in digits.items() if state == "failed"]
    if failed_digits:
        out.append(
            CheckResult.failed(
                "mrz_check_digits",
                Reason.MRZ_CHECK_DIGIT_MISMATCH,
                f"check digit mismatch: {', '.join(failed_digits)}",
                checks=digits,
            )
        )
    else:
        out.append(CheckResult.passed("mrz_check_digits", checks=digits))
    date_problems = [p for p in result.problems if p.field in _DATE_FIELDS]
    date_problems = [p for p in date_problems if p.reason is not Reason.MRZ_CHECK_DIGIT_MISMATCH]
    out.append(_from_problems("mrz_dates", date_problems))
    other = [
        p
        for p in result.problems
        if p.field not in _DATE_FIELDS | {"personal_number"}
        and p.reason is not Reason.MRZ_CHECK_DIGIT_MISMATCH
    ]
    out.append(_from_problems("mrz_fields", other, quirks=list(result.quirks)))
    if result.national_id is None:
        out.append(CheckResult.not_present("mrz_national_id"))
    else:
        national = [
            p
            for p in result.problems
            if p.field == "personal_number" and p.reason is not Reason.MRZ_CHECK_DIGIT_MISMATCH
        ]
        out.append(_from_problems("mrz_national_id", national, kind=result.national_id.kind.value))
    return out


def _from_problems(check: str, problems: Sequence[Problem], **evidence: Any) -> CheckResult:
    from leveattest.core.checks import CheckResult  # noqa: PLC0415 - see mrz_check_results

    fatal = [p for p in problems if p.fatal]
    notes = [p.reason.value for p in problems if not p.fatal]
    if notes:
        evidence["notes"] = notes
    if fatal:
        fields = sorted({p.field for p in fatal})
        detail = "; ".join(f"{p.field}: {p.detail}" for p in fatal)
        return CheckResult.failed(check, fatal[0].reason, detail, fields=fields, **evidence)
    return CheckResult.passed(check, **evidence)
