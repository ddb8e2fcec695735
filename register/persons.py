"""Persons by identifier (their own, or a document alias), and the change events the
changes feed pages through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.errors import LeveattestError
from register.db.models import ChangeEvent, Invitation, Person, PersonAlias
from register.heads import CHANGE_EVENTS, lock_head
from register.identity import IdScheme, PersonId, foreign_id

T = TypeVar("T", Person, PersonAlias)


def _by_identifier(session: Session, model: type[T], pid: PersonId) -> T | None:
    """The ``Person`` whose own identifier, or the ``PersonAlias`` which, is ``pid``."""
    table: Any = model
    return session.scalars(
        select(model).where(
            table.id_scheme == pid.scheme.value,
            table.id_state == pid.state,
            table.id_value == pid.value,
        )
    ).one_or_none()


def _own(session: Session, pid: PersonId) -> Person | None:
    return _by_identifier(session, Person, pid)


def find_alias(session: Session, pid: PersonId) -> PersonAlias | None:
    return _by_identifier(session, PersonAlias, pid)


def find_identity(session: Session, pid: PersonId) -> tuple[Person, PersonAlias | None] | None:
    """The person ``pid`` names, and the alias it names them by (None: their own id)."""
    person = _own(session, pid)
    if person is not None:
        return person, None
    alias = find_alias(session, pid)
    if alias is None:
        return None
    return session.get_one(Person, alias.person_id), alias


def find_person(session: Session, pid: PersonId) -> Person | None:
    found = find_identity(session, pid)
    return None if found is None else found[0]


def aliases_of(session: Session, person_id: int) -> list[PersonAlias]:
    return list(
        session.scalars(
            select(PersonAlias).where(PersonAlias.person_id == person_id).order_by(PersonAlias.id)
        )
    )


def identifiers_of(session: Session, person: Person) -> list[PersonId]:
    """The person's own identifier first, then every document alias."""
    own = PersonId(IdScheme(person.id_scheme), person.id_value, person.id_state, person.id_kind)
    return [own, *(alias_id(alias) for alias in aliases_of(session, person.id))]


def alias_id(alias: PersonAlias) -> PersonId:
    return PersonId(IdScheme(alias.id_scheme), alias.id_value, alias.id_state, alias.id_kind)


def document_alias(number: str, issuing_state: str, document_type: str) -> PersonId | None:
    """The alias a verified document gives, or None: Norwegian documents are not aliased
    (companies know those holders by their national number) and a number that is no
    valid foreign id is not one either."""
    try:
        pid = foreign_id(number, issuing_state)
    except LeveattestError:
        return None
    return PersonId(pid.scheme, pid.value, pid.state, document_type[:20] or "document")


def find_persons(session: Session, pids: Iterable[PersonId]) -> dict[str, Person]:
    """Persons by ``PersonId.ref`` (chunked ``IN`` queries grouped by scheme and state)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for pid in pids:
        groups.setdefault((pid.scheme.value, pid.state), []).append(pid.value)
    found: dict[str, Person] = {}
    for (scheme, state), values in groups.items():
        for start in range(0, len(values), 1_000):
            chunk = values[start : start + 1_000]
            rows = session.scalars(
                select(Person).where(
                    Person.id_scheme == scheme, Person.id_state == state, Person.id_value.in_(chunk)
                )
            )
            for person in rows:
                found[person_ref(person)] = person
    return found


def person_of_letter(session: Session, reference: str) -> Person | None:
    """The person the letter ``reference`` was sent to (None for an unknown reference)."""
    return session.scalars(
        select(Person)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.reference == reference)
    ).one_or_none()


def person_ref(person: Person) -> str:
    if person.id_scheme == IdScheme.NORWEGIAN.value:
        return f"no:{person.id_value}"
    return f"foreign:{person.id_state}:{person.id_value}"


def person_json(person: Person) -> dict[str, str]:
    if person.id_scheme == IdScheme.NORWEGIAN.value:
        return {"national_id": person.id_value}
    return {"foreign_id": person.id_value, "issuing_state": person.id_state}


def get_or_create_identity(
    session: Session, clock: Clock, pid: PersonId
) -> tuple[Person, PersonAlias | None]:
    """The person ``pid`` names (through an alias too), created with ``pid`` as their own
    identifier when nobody has it."""
    found = find_identity(session, pid)
    if found is not None:
        return found
    return get_or_create_person(session, clock, pid), None


def get_or_create_person(session: Session, clock: Clock, pid: PersonId) -> Person:
    person = find_person(session, pid)
    if person is not None:
        return person
    now = clock.now()
    try:
        with session.begin_nested():
            person = Person(
                id_scheme=pid.scheme.value,
                id_state=pid.state,
                id_value=pid.value,
                id_kind=pid.kind,
                created_at=now,
                updated_at=now,
            )
            session.add(person)
    except IntegrityError:
        person = find_person(session, pid)  # created concurrently by another transaction
        if person is None:
            raise
    return person


def emit_changes(session: Session, clock: Clock, person_ids: Iterable[int], kind: str) -> None:
    """Append change events with ids allocated under the counter lock (commit order)."""
    ids = list(person_ids)
    if not ids:
        return
    head = lock_head(session, CHANGE_EVENTS)
    now, first = clock.now(), head.last_id + 1
    session.execute(
        insert(ChangeEvent),
        [
            {"id": first + offset, "person_id": pid, "kind": kind, "created_at": now}
            for offset, pid in enumerate(ids)
        ],
    )
    head.last_id = first + len(ids) - 1
