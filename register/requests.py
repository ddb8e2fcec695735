"""Requests for a new certificate, and the invitations that start a verification session.

One open invitation per person serves every open request: when a certificate is
recorded, every company's (and the schedule's) open request for that person is
fulfilled at once. An invitation stays valid — its letter starts a fresh session after a
withdrawal, an abandoned or expired session or a rejection — until its requests are
fulfilled or its deadline passes.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.db.models import CertificateRequest, Invitation, Person
from register.persons import emit_changes
from register.settings import RegisterSettings


@dataclass(frozen=True, slots=True)
class RequestReceipt:
    request_id: int
    deadline: date
    invitation_reference: str


def new_invitation_reference() -> str:
    """120 random bits, base32 (QR alphanumeric-friendly, unguessable)."""
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii")


def open_invitation(session: Session, person_id: int, today: date) -> Invitation | None:
    """The person's invitation with an outstanding request and its deadline ahead."""
    return session.scalars(
        select(Invitation)
        .where(
            Invitation.person_id == person_id,
            Invitation.deadline >= today,
            exists().where(
                CertificateRequest.invitation_id == Invitation.id,
                CertificateRequest.fulfilled_at.is_(None),
            ),
        )
        .order_by(Invitation.deadline.desc())
        .limit(1)
    ).one_or_none()


def create_request(
    session: Session,
    clock: Clock,
    settings: RegisterSettings,
    person: Person,
    *,
    company_id: int | None = None,
    schedule: str | None = None,
    deadline: date | None = None,
) -> RequestReceipt:
    """Record a request (by a company or a schedule) and reuse or create the invitation."""
    if (company_id is None) == (schedule is None):
        raise ValueError("exactly one of company_id and schedule")
    now, today = clock.now(), clock.today()
    deadline = deadline or today + timedelta(days=settings.request_deadline_days)
    invitation = open_invitation(session, person.id, today)
    if invitation is None:
        invitation = Invitation(
            reference=new_invitation_reference(),
            person_id=person.id,
            created_at=now,
            deadline=deadline,
        )
        session.add(invitation)
        session.flush()
    elif invitation.deadline < deadline:
        invitation.deadline = deadline
    request = CertificateRequest(
        person_id=person.id,
        company_id=company_id,
        schedule=schedule,
        created_at=now,
        deadline=deadline,
        reminders_sent=0,
        invitation_id=invitation.id,
    )
    session.add(request)
    session.flush()
    emit_changes(session, clock, [person.id], "request")
    return RequestReceipt(request.id, deadline, invitation.reference)


def fulfil_open_requests(
    session: Session, clock: Clock, person_id: int, certificate_id: int
) -> int:
    """Every open request for the person is fulfilled by this one certificate."""
    result = session.execute(
        update(CertificateRequest)
        .where(CertificateRequest.person_id == person_id, CertificateRequest.fulfilled_at.is_(None))
        .values(fulfilled_at=clock.now(), certificate_id=certificate_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def due_reminders(
    session: Session, clock: Clock, settings: RegisterSettings
) -> list[CertificateRequest]:
    """Open requests before their deadline whose last reminder (or creation) is old enough."""
    threshold = clock.now() - timedelta(days=settings.reminder_interval_days)
    rows = session.scalars(
        select(CertificateRequest)
        .where(
            CertificateRequest.fulfilled_at.is_(None),
            CertificateRequest.deadline >= clock.today(),
            CertificateRequest.created_at <= threshold,
        )
        .order_by(CertificateRequest.id)
    ).all()
    return [r for r in rows if r.last_reminder_at is None or r.last_reminder_at <= threshold]


def record_reminder(session: Session, clock: Clock, request: CertificateRequest) -> None:
    request.reminders_sent += 1
    request.last_reminder_at = clock.now()
