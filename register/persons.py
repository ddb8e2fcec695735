"""Persons by identifier, and the change events the changes feed pages through."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.db.models import ChangeEvent, Person
from register.heads import CHANGE_EVENTS, lock_head
from register.identity import IdScheme, PersonId


def find_person(session: Session, pid: PersonId) -> Person | None:
    return session.scalars(
        select(Person).where(
            Person.id_scheme == pid.scheme.value,
            Person.id_state == pid.state,
            Person.id_value == pid.value,
        )
    ).one_or_none()


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


def person_ref(person: Person) -> str:
    if person.id_scheme == IdScheme.NORWEGIAN.value:
        return f"no:{person.id_value}"
    return f"foreign:{person.id_state}:{person.id_value}"


def person_json(person: Person) -> dict[str, str]:
    if person.id_scheme == IdScheme.NORWEGIAN.value:
        return {"national_id": person.id_value}
    return {"foreign_id": person.id_value, "issuing_state": person.id_state}


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
