"""The only interface ``leveattest`` uses to reach the register.

``RegisterClient`` is the port; ``InProcessRegisterClient`` implements it over the
register's own database. The verification service records *confirmed* certificates and
nothing else; a write is idempotent per verification session reference. Each call is
its own unit of work (like a remote call would be).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.mrz.national import validate_norwegian_id
from register.db.models import Certificate, Invitation, Person
from register.errors import CertificateRecordError
from register.identity import PersonId, foreign_id, norwegian_id
from register.persons import emit_changes, get_or_create_person, person_json
from register.requests import fulfil_open_requests
from register.settings import RegisterSettings

_CODE = re.compile(r"^[A-Z][A-Z<]{2}$")


class CertificateRecord(BaseModel):
    """A confirmed life certificate from a verification session."""

    model_config = ConfigDict(frozen=True)

    national_id: str | None = None
    foreign_id: str | None = None
    foreign_id_state: str | None = None
    full_name: str = Field(min_length=1, max_length=300)
    birth_date: date
    certified_at: datetime
    document_type: str = Field(min_length=1, max_length=20)  # e.g. P, ID
    document_issuing_state: str = Field(min_length=3, max_length=3)
    method: str = Field(min_length=1, max_length=40)  # e.g. chip_face_liveness
    session_reference: str = Field(min_length=8, max_length=100)


class CertificateReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_id: int
    session_reference: str
    created: bool  # False when this session had already been recorded
    fulfilled_requests: int
    recorded_at: datetime


class InvitationInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    reference: str
    person: dict[str, str]  # {"national_id": ...} or {"foreign_id": ..., "issuing_state": ...}
    full_name: str | None
    deadline: date
    used: bool
    expired: bool


class RegisterClient(Protocol):
    def record_certificate(self, record: CertificateRecord) -> CertificateReceipt: ...

    def lookup_invitation(self, reference: str) -> InvitationInfo | None: ...

    def mark_invitation_used(self, reference: str, session_reference: str) -> bool: ...


def _identity(record: CertificateRecord, settings: RegisterSettings) -> PersonId:
    if record.national_id is not None and record.foreign_id is None:
        pid = norwegian_id(record.national_id, accept_synthetic=settings.accept_synthetic_ids)
        derived = validate_norwegian_id(pid.value).birth_date
        if derived is not None and derived != record.birth_date:
            raise CertificateRecordError(reason="birth_date_mismatch")
        return pid
    if record.foreign_id is not None and record.foreign_id_state is not None:
        return foreign_id(record.foreign_id, record.foreign_id_state)
    raise CertificateRecordError(reason="identity_missing")


def _receipt(cert: Certificate, created: bool, fulfilled: int) -> CertificateReceipt:
    return CertificateReceipt(
        certificate_id=cert.id,
        session_reference=cert.session_reference,
        created=created,
        fulfilled_requests=fulfilled,
        recorded_at=cert.recorded_at,
    )


def record_certificate(
    session: Session, clock: Clock, settings: RegisterSettings, record: CertificateRecord
) -> CertificateReceipt:
    """Record a confirmed certificate; the caller commits. Idempotent per session."""
    existing = session.scalars(
        select(Certificate).where(Certificate.session_reference == record.session_reference)
    ).one_or_none()
    if existing is not None:
        return _receipt(existing, created=False, fulfilled=0)
    pid = _identity(record, settings)
    now = clock.now()
    certified_at = record.certified_at
    if certified_at.tzinfo is None or certified_at > now + timedelta(
        seconds=settings.clock_skew_seconds
    ):
        raise CertificateRecordError(reason="certified_at")
    if not _CODE.match(record.document_issuing_state):
        raise CertificateRecordError(reason="document_issuing_state")
    person = get_or_create_person(session, clock, pid)
    cert = Certificate(
        person_id=person.id,
        certified_at=certified_at,
        document_type=record.document_type,
        issuing_state=record.document_issuing_state,
        method=record.method,
        session_reference=record.session_reference,
        outcome="confirmed",
        recorded_at=now,
    )
    try:
        with session.begin_nested():
            session.add(cert)
    except IntegrityError:
        existing = session.scalars(
            select(Certificate).where(Certificate.session_reference == record.session_reference)
        ).one_or_none()
        if existing is None:
            raise
        return _receipt(existing, created=False, fulfilled=0)
    # the person confirmed life through the digital service themself: an objection lapses
    person.full_name, person.birth_date, person.updated_at = (
        record.full_name,
        record.birth_date,
        now,
    )
    person.objected_at = None
    fulfilled = fulfil_open_requests(session, clock, person.id, cert.id)
    emit_changes(session, clock, [person.id], "certificate")
    return _receipt(cert, created=True, fulfilled=fulfilled)


def lookup_invitation(session: Session, clock: Clock, reference: str) -> InvitationInfo | None:
    row = session.execute(
        select(Invitation, Person)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.reference == reference)
    ).one_or_none()
    if row is None:
        return None
    invitation, person = row
    return InvitationInfo(
        reference=invitation.reference,
        person=person_json(person),
        full_name=person.full_name,
        deadline=invitation.deadline,
        used=invitation.used_at is not None,
        expired=invitation.deadline < clock.today(),
    )


def mark_invitation_used(
    session: Session, clock: Clock, reference: str, session_reference: str
) -> bool:
    """Claim an invitation for a session; False when unknown or already used.

    One conditional UPDATE, so two phones scanning the same letter at the same moment
    cannot both claim it (no read-then-write race on any database).
    """
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.reference == reference, Invitation.used_at.is_(None))
        .values(used_at=clock.now(), session_reference=session_reference)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0) == 1)


class InProcessRegisterClient:
    """``RegisterClient`` over the register database; each call commits its own work."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, settings: RegisterSettings
    ) -> None:
        self._sessions, self._clock, self._settings = session_factory, clock, settings

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def record_certificate(self, record: CertificateRecord) -> CertificateReceipt:
        with self._unit_of_work() as session:
            return record_certificate(session, self._clock, self._settings, record)

    def lookup_invitation(self, reference: str) -> InvitationInfo | None:
        with self._unit_of_work() as session:
            return lookup_invitation(session, self._clock, reference)

    def mark_invitation_used(self, reference: str, session_reference: str) -> bool:
        with self._unit_of_work() as session:
            return mark_invitation_used(session, self._clock, reference, session_reference)
