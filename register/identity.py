"""Person identifiers: a Norwegian fødselsnummer/D-nummer, or a foreign id with its state.

The canonical reference (``no:<11 digits>`` or ``foreign:<STATE>:<id>``) is what the
register stores and signs. Norwegian numbers are validated with their control digits
(``leveattest.mrz.national``); nothing here ever logs the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from leveattest.mrz.national import NorwegianIdKind, validate_norwegian_id
from register.errors import NationalIdInvalidError

_FOREIGN_ID = re.compile(r"^[A-Z0-9][A-Z0-9<\-/]{0,39}$")
_STATE = re.compile(r"^[A-Z][A-Z<]{2}$")  # ICAO 9303 part 3 codes, e.g. SWE, D<<


class IdScheme(StrEnum):
    NORWEGIAN = "no"
    FOREIGN = "foreign"


@dataclass(frozen=True, slots=True)
class PersonId:
    scheme: IdScheme
    value: str
    state: str  # NOR for Norwegian numbers
    kind: str  # fodselsnummer, d_number, synthetic, foreign

    @property
    def ref(self) -> str:
        if self.scheme is IdScheme.NORWEGIAN:
            return f"no:{self.value}"
        return f"foreign:{self.state}:{self.value}"

    def to_json(self) -> dict[str, str]:
        if self.scheme is IdScheme.NORWEGIAN:
            return {"national_id": self.value}
        return {"foreign_id": self.value, "issuing_state": self.state}


_ACCEPTED_KINDS = frozenset({NorwegianIdKind.FODSELSNUMMER, NorwegianIdKind.D_NUMBER})
_WITH_SYNTHETIC = _ACCEPTED_KINDS | {NorwegianIdKind.SYNTHETIC}


def norwegian_id(value: str, *, accept_synthetic: bool = False) -> PersonId:
    """A validated Norwegian number, or NationalIdInvalidError (problems as codes)."""
    result = validate_norwegian_id(value)
    kinds = _WITH_SYNTHETIC if accept_synthetic else _ACCEPTED_KINDS
    if not result.valid:
        raise NationalIdInvalidError(problems=list(result.problems))
    if result.kind not in kinds:
        raise NationalIdInvalidError(problems=["kind_not_accepted"])
    return PersonId(IdScheme.NORWEGIAN, result.value, "NOR", result.kind.value)


def foreign_id(value: str, state: str) -> PersonId:
    text, country = value.strip().upper(), state.strip().upper()
    if not _FOREIGN_ID.match(text):
        raise NationalIdInvalidError(problems=["foreign_id_format"])
    if not _STATE.match(country) or country == "NOR":
        raise NationalIdInvalidError(problems=["issuing_state_format"])
    return PersonId(IdScheme.FOREIGN, text, country, "foreign")


def person_id_from_json(data: Any, *, accept_synthetic: bool = False) -> PersonId:
    """Parse ``{"national_id": ...}`` or ``{"foreign_id": ..., "issuing_state": ...}``."""
    if not isinstance(data, dict):
        raise NationalIdInvalidError(problems=["not_an_object"])
    return person_id_from_fields(
        data.get("national_id"),
        data.get("foreign_id"),
        data.get("issuing_state"),
        accept_synthetic=accept_synthetic,
    )


def person_id_from_fields(
    national: Any, foreign: Any, state: Any, *, accept_synthetic: bool = False
) -> PersonId:
    """A Norwegian number alone, or a foreign id with its state (as ``person_id_from_json``)."""
    if isinstance(national, str) and foreign is None:
        return norwegian_id(national, accept_synthetic=accept_synthetic)
    if isinstance(foreign, str) and isinstance(state, str) and national is None:
        return foreign_id(foreign, state)
    raise NationalIdInvalidError(problems=["national_id_or_foreign_id_required"])


def person_id_from_ref(ref: str) -> PersonId:
    """Inverse of ``PersonId.ref`` for stored references (trusted input)."""
    if ref.startswith("no:"):
        return norwegian_id(ref[3:], accept_synthetic=True)
    _, state, value = ref.split(":", 2)
    return foreign_id(value, state)
