"""Identity linking through the invitation: is the verified document's holder the person
the invitation names? A small pure engine (no database), tested row by row like the
verification policy; the decision table is docs/identity.md.

The invited register person is the subject. The holder links to them when

* the chip carries the same Norwegian national number (a different one never links), or
* the document is already an alias of that person, or
* the register's full name and birth date match DG1 under ICAO 9303-3 transliteration
  and MRZ truncation (§4.6, §6): Æ/AE, Ø/OE, Å/AA (or A), Ä/AE (or A), Ö/OE (or O),
  Ü/UE (or U), ß/SS, other diacritics dropped, components in any order, hyphens and
  spaces alike, a truncated secondary identifier as a prefix.

Everything else goes to a reviewer with the reasons: ``partial`` when the name changed
(surname), a given name is missing, a compound surname is only partly there, or the birth
date has a transposition or unknown parts — otherwise the holder differs. The engine
never raises on any name or date text: the worst input is a review.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from leveattest.mrz.names import transliterate_name

# ICAO 9303-3 §6 alternatives to the first transliteration (names.py uses the first)
_ALTERNATIVES = str.maketrans({"Ä": "A", "ä": "a", "Ö": "O", "ö": "o", "Ü": "U", "ü": "u",
                               "Å": "A", "å": "a"})  # fmt: skip
MAX_NAME = 400  # characters of a name considered; longer text is cut (and cannot link)


class LinkOutcome(StrEnum):
    LINK = "link"
    REVIEW = "review"


class LinkReason(StrEnum):
    # why it links
    NATIONAL_ID_MATCHES = "national_id_matches"
    DOCUMENT_KNOWN = "document_known"
    NAME_AND_BIRTH_DATE_MATCH = "name_and_birth_date_match"
    # why a person must look
    DOCUMENT_OF_OTHER_PERSON = "document_of_other_person"
    NATIONAL_ID_DIFFERS = "national_id_differs"
    REGISTER_NAME_MISSING = "register_name_missing"
    REGISTER_BIRTH_DATE_MISSING = "register_birth_date_missing"
    NAME_UNREADABLE = "name_unreadable"
    SURNAME_DIFFERS = "surname_differs"
    COMPOUND_SURNAME_PARTIAL = "compound_surname_partial"
    ONE_NAME_MISSING = "one_name_missing"
    NAME_DIFFERS = "name_differs"
    BIRTH_DATE_UNKNOWN_PARTS = "birth_date_unknown_parts"
    BIRTH_DATE_TRANSPOSED = "birth_date_transposed"
    BIRTH_DATE_DIFFERS = "birth_date_differs"


class DocumentOwner(StrEnum):
    """Whom the register already knows the verified document as an alias of."""

    NOBODY = "nobody"
    SUBJECT = "subject"
    OTHER = "other"


class NameMatch(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class DateMatch(StrEnum):
    EXACT = "exact"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RegisterSubject:
    """The invited person as the register holds them."""

    national_id: str | None
    full_name: str | None
    birth_date: date | str | None


@dataclass(frozen=True, slots=True)
class DocumentHolder:
    """The holder as the verified chip (DG1) states them."""

    national_id: str | None  # a Norwegian number from the optional data, else None
    surname: str
    given_names: str
    birth_date: date | str | None  # a date, or YYMMDD / YYYY-MM-DD with unknown parts
    name_truncated: bool = False
    document_owner: DocumentOwner = DocumentOwner.NOBODY


@dataclass(frozen=True, slots=True)
class LinkDecision:
    outcome: LinkOutcome
    reasons: tuple[LinkReason, ...]
    partial: bool = False  # a review of a near match (name change, missing given name, ...)
    differences: tuple[str, ...] = field(default=())  # "surname", "given_names", "birth_date"

    @property
    def session_reason(self) -> str | None:
        """The reason a verification session records (None when it links)."""
        if self.outcome is LinkOutcome.LINK:
            return None
        return "identity_partial_match" if self.partial else "person_differs_from_invitation"


def decide_link(subject: RegisterSubject, holder: DocumentHolder) -> LinkDecision:
    """The decision table of docs/identity.md, first matching row wins (fail closed)."""
    if holder.document_owner is DocumentOwner.OTHER:
        return _review(LinkReason.DOCUMENT_OF_OTHER_PERSON)
    if subject.national_id and holder.national_id:
        if subject.national_id.strip() == holder.national_id.strip():
            return LinkDecision(LinkOutcome.LINK, (LinkReason.NATIONAL_ID_MATCHES,))
        return _review(LinkReason.NATIONAL_ID_DIFFERS, differences=("national_id",))
    if holder.document_owner is DocumentOwner.SUBJECT:
        return LinkDecision(LinkOutcome.LINK, (LinkReason.DOCUMENT_KNOWN,))
    missing = [
        reason
        for reason, value in (
            (LinkReason.REGISTER_NAME_MISSING, subject.full_name),
            (LinkReason.REGISTER_BIRTH_DATE_MISSING, subject.birth_date),
        )
        if not value
    ]
    if missing:
        return _review(*missing, partial=True)
    assert subject.full_name is not None
    name, name_reason = match_names(
        subject.full_name, holder.surname, holder.given_names, truncated=holder.name_truncated
    )
    birth, birth_reason = match_birth_dates(subject.birth_date, holder.birth_date)
    if name is NameMatch.FULL and birth is DateMatch.EXACT:
        return LinkDecision(LinkOutcome.LINK, (LinkReason.NAME_AND_BIRTH_DATE_MATCH,))
    reasons = tuple(r for r in (name_reason, birth_reason) if r is not None)
    differences = _differences(name_reason, birth)
    # one side near and the other exact: a person decides on a likely match
    partial = (name is NameMatch.FULL and birth is DateMatch.PARTIAL) or (
        name is NameMatch.PARTIAL and birth is DateMatch.EXACT
    )
    return _review(*reasons, partial=partial, differences=differences)


def _review(
    *reasons: LinkReason, partial: bool = False, differences: tuple[str, ...] = ()
) -> LinkDecision:
    return LinkDecision(LinkOutcome.REVIEW, tuple(reasons), partial, differences)


def _differences(name_reason: LinkReason | None, birth: DateMatch) -> tuple[str, ...]:
    out: list[str] = []
    if name_reason in {LinkReason.SURNAME_DIFFERS, LinkReason.COMPOUND_SURNAME_PARTIAL}:
        out.append("surname")
    elif name_reason in {LinkReason.ONE_NAME_MISSING}:
        out.append("given_names")
    elif name_reason is not None:
        out.extend(("surname", "given_names"))
    if birth is not DateMatch.EXACT:
        out.append("birth_date")
    return tuple(out)


# -- names -------------------------------------------------------------------------------


def name_tokens(text: str) -> list[str]:
    """Name components in the MRZ alphabet (``Berg-Løvås`` → ``BERG``, ``LOEVAAS``)."""
    normal = unicodedata.normalize("NFC", text[:MAX_NAME])
    return [part for part in transliterate_name(normal).split("<") if part]


def _variants(token_source: str) -> frozenset[str]:
    """A register name component in every transliteration ICAO allows."""
    normal = unicodedata.normalize("NFC", token_source)
    return frozenset(
        "".join(name_tokens(form)) for form in (normal, normal.translate(_ALTERNATIVES))
    ) - {""}


def _register_components(full_name: str) -> list[frozenset[str]]:
    """Each component of the register's full name with its allowed spellings."""
    normal = unicodedata.normalize("NFC", full_name[:MAX_NAME])
    words = transliterate_words(normal)
    return [v for v in (_variants(word) for word in words) if v]


def transliterate_words(text: str) -> list[str]:
    """The components of ``text`` before transliteration (split like ``name_tokens``)."""
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in " -‐‑–\t<,":
            if current:
                out.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def _take(pool: list[frozenset[str]], token: str) -> bool:
    for index, spellings in enumerate(pool):
        if token in spellings:
            del pool[index]
            return True
    return False


def _covered(pool: list[frozenset[str]], tokens: Sequence[str]) -> list[frozenset[str]] | None:
    """``pool`` without one component per token, or None when a token has none."""
    rest = list(pool)
    for token in tokens:
        if not _take(rest, token):
            return None
    return rest


def match_names(
    full_name: str, surname: str, given_names: str, *, truncated: bool = False
) -> tuple[NameMatch, LinkReason | None]:
    """How the register's full name compares with DG1's surname and given names."""
    register = _register_components(full_name)
    primary, secondary = name_tokens(surname), name_tokens(given_names)
    if not register or not primary:
        return NameMatch.NONE, LinkReason.NAME_UNREADABLE
    after_surname = _covered(register, primary)
    if after_surname is not None:
        after_given = _covered(after_surname, secondary)
        if after_given == []:
            return NameMatch.FULL, None
        if truncated and _truncated_match(after_surname, secondary):
            return NameMatch.FULL, None
    if truncated and _truncated_surname(register, primary, secondary):
        return NameMatch.FULL, None
    return _partial(register, primary, secondary, after_surname)


def _truncated_match(rest: list[frozenset[str]], secondary: list[str]) -> bool:
    """ICAO 9303-3 §4.6.1: the secondary identifier is cut at the end of the field, so
    the DG1 given names are a prefix of the register's (in the register's order)."""
    if not secondary:
        return False
    for index, token in enumerate(secondary):
        if index >= len(rest):
            return False
        last = index == len(secondary) - 1
        if not any((s.startswith(token) if last else s == token) for s in rest[index]):
            return False
    return True


def _truncated_surname(
    register: list[frozenset[str]], primary: list[str], secondary: list[str]
) -> bool:
    """§4.6.1: a primary identifier too long for the field is cut to leave ``<<`` and the
    first initial: DG1 holds a prefix of the surname and one letter."""
    if len(secondary) != 1 or len(secondary[0]) != 1 or len(register) < 2:
        return False
    cut = "".join(primary)
    for start in range(len(register)):
        for end in range(start + 1, len(register) + 1):
            rest = register[:start] + register[end:]
            if (
                rest
                and any(_joined(register[start:end], cut))
                and any(s.startswith(secondary[0]) for s in rest[0])
            ):
                return True
    return False


def _joined(parts: list[frozenset[str]], cut: str) -> list[bool]:
    """Whether a spelling of ``parts`` joined starts with ``cut`` (first spelling each)."""
    spellings = [""]
    for options in parts:
        spellings = [done + option for done in spellings for option in sorted(options)][:16]
    return [spelling.startswith(cut) and len(cut) < len(spelling) for spelling in spellings]


def _partial(
    register: list[frozenset[str]],
    primary: list[str],
    secondary: list[str],
    after_surname: list[frozenset[str]] | None,
) -> tuple[NameMatch, LinkReason]:
    if after_surname is not None:  # the surname is there: compare the given names
        rest = list(after_surname)
        unmatched = [token for token in secondary if not _take(rest, token)]
        if len(unmatched) + len(rest) == 1:  # exactly one given name on one side only
            return NameMatch.PARTIAL, LinkReason.ONE_NAME_MISSING
        return NameMatch.NONE, LinkReason.NAME_DIFFERS
    after_given = _covered(register, secondary) if secondary else None
    if after_given is None:
        return NameMatch.NONE, LinkReason.NAME_DIFFERS
    shared = [token for token in primary if _covered(after_given, [token]) is not None]
    if shared and after_given:
        return NameMatch.PARTIAL, LinkReason.COMPOUND_SURNAME_PARTIAL
    if after_given:  # all given names, another surname: a change by marriage, say
        return NameMatch.PARTIAL, LinkReason.SURNAME_DIFFERS
    return NameMatch.NONE, LinkReason.NAME_DIFFERS


# -- birth dates -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BirthDate:
    """Year (two digits: DG1 has no century), month, day; None where unknown."""

    yy: int | None
    month: int | None
    day: int | None

    @property
    def complete(self) -> bool:
        return None not in (self.yy, self.month, self.day)


def parse_birth_date(value: date | str | None) -> BirthDate | None:
    """A date, ``YYMMDD`` or ``YYYY-MM-DD`` with ``<`` or ``X`` for unknown digits; None
    for anything else (never raises)."""
    if isinstance(value, date):
        return BirthDate(value.year % 100, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        parts = (text[2:4], text[5:7], text[8:10])
    elif len(text) == 6:
        parts = (text[0:2], text[2:4], text[4:6])
    else:
        return None
    numbers: list[int | None] = []
    for part in parts:
        if set(part) <= {"<", "X"}:
            numbers.append(None)
        elif part.isascii() and part.isdigit():
            numbers.append(int(part))
        else:
            return None
    yy, month, day = numbers
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return BirthDate(yy, month, day)


def match_birth_dates(
    register: date | str | None, holder: date | str | None
) -> tuple[DateMatch, LinkReason | None]:
    """Compared on DG1's precision (two-digit year): exact, near (unknown parts that agree
    where known, or one transposition), or different."""
    ours, theirs = parse_birth_date(register), parse_birth_date(holder)
    if ours is None or theirs is None:
        return DateMatch.PARTIAL, LinkReason.BIRTH_DATE_UNKNOWN_PARTS
    pairs = ((ours.yy, theirs.yy), (ours.month, theirs.month), (ours.day, theirs.day))
    if ours.complete and theirs.complete:
        if ours == theirs:
            return DateMatch.EXACT, None
        if _transposed(ours, theirs):
            return DateMatch.PARTIAL, LinkReason.BIRTH_DATE_TRANSPOSED
        return DateMatch.NONE, LinkReason.BIRTH_DATE_DIFFERS
    if all(a == b for a, b in pairs if a is not None and b is not None):
        return DateMatch.PARTIAL, LinkReason.BIRTH_DATE_UNKNOWN_PARTS
    return DateMatch.NONE, LinkReason.BIRTH_DATE_DIFFERS


def _digits(d: BirthDate) -> str:
    return f"{d.yy:02d}{d.month:02d}{d.day:02d}"


def _transposed(a: BirthDate, b: BirthDate) -> bool:
    """Day and month swapped, or two adjacent digits of YYMMDD swapped."""
    if (a.day, a.month) == (b.month, b.day) and a.yy == b.yy:
        return True
    x, y = _digits(a), _digits(b)
    diff = [i for i in range(6) if x[i] != y[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and x[diff[0]] == y[diff[1]]
        and (x[diff[1]] == y[diff[0]])
    )
