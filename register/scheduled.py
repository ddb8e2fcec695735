"""The register's scheduled work: reminders, deadlines, yearly requests and retention.

Run by the service's job engine (``leveattest.jobs.scheduled``) on a schedule, or once for
a given date by ``leveattest jobs run-scheduled --at DATE``. Every function works in the
caller's unit of work with the caller's clock, and is idempotent and safe on several
workers at once:

* **reminders** — an open request whose deadline is ahead and whose creation or last
  reminder is ``reminder_interval_days`` old is claimed by a compare-and-set on its
  ``reminders_sent`` (a second worker's update finds the count changed and claims
  nothing); one letter per invitation (several companies' requests share it), named by
  reference and reminder number and written atomically, so a re-run rewrites the same file;
* **deadlines** — one conditional ``UPDATE … WHERE deadline_passed_at IS NULL`` marks the
  requests whose deadline passed unfulfilled, so each is marked, and announced on the
  changes feed (``deadline_passed``), once;
* **yearly requests** — a person who has a current pension relationship, no objection, and
  whose last certificate is ``yearly_request_after_months`` old gets one request by the
  schedule (``yearly``) per certificate: none is made while a request is open or one was
  made after the certificate. Candidates are locked ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL and checked again after the lock (SQLite serialises writers); the first
  letter is posted with it;
* **retention** — ``register.retention.run_retention`` (18 months).
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Exists, exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from register.db.models import (
    Certificate,
    CertificateRequest,
    Invitation,
    InvitationSession,
    Person,
    Relationship,
)
from register.letters import invitation_letter_pdf
from register.periods import months_before
from register.persons import emit_changes
from register.requests import create_request, due_reminders
from register.retention import run_retention
from register.settings import RegisterSettings

YEARLY = "yearly"
DEADLINE_PASSED = "deadline_passed"
YEARLY_BATCH = 2_000


class LetterBox(Protocol):
    """Where letters go to be printed and posted (a print service's drop folder)."""

    def post(self, name: str, letter: bytes) -> None: ...


class DirectoryLetterBox:
    """Letters as PDF files in a folder; each is written atomically under its own name, so
    posting the same letter again replaces it instead of adding a second one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def post(self, name: str, letter: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".letter-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(letter)
            os.replace(tmp, self.folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def send_reminders(
    session: Session, clock: Clock, settings: RegisterSettings, letters: LetterBox
) -> int:
    """Claim the due reminders and post one letter per invitation; returns letters posted."""
    by_invitation: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for request in due_reminders(session, clock, settings):
        if request.invitation_id is not None:
            by_invitation[request.invitation_id].append((request.id, request.reminders_sent))
    now, posted = clock.now(), 0
    for invitation_id, requests in sorted(by_invitation.items()):
        claimed = [
            seen + 1 for request_id, seen in requests if _claim(session, request_id, seen, now)
        ]
        if not claimed:
            continue  # another worker sent this reminder
        invitation = session.get_one(Invitation, invitation_id)
        person = session.get_one(Person, invitation.person_id)
        number = max(claimed)
        letter = invitation_letter_pdf(
            settings,
            invitation.reference,
            full_name=person.full_name,
            deadline=invitation.deadline,
            issued=clock.today(),
            reminder=number,
            language=person.letter_language,
        )
        letters.post(f"{invitation.reference}-reminder-{number}.pdf", letter)
        posted += 1
    return posted


def _claim(session: Session, request_id: int, seen: int, now: datetime) -> bool:
    claimed = session.execute(
        update(CertificateRequest)
        .where(CertificateRequest.id == request_id, CertificateRequest.reminders_sent == seen)
        .values(reminders_sent=seen + 1, last_reminder_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(claimed, "rowcount", 0) or 0) == 1


@dataclass(frozen=True, slots=True)
class DeadlinesPassed:
    requests: int
    persons: int


def pass_deadlines(session: Session, clock: Clock) -> DeadlinesPassed:
    """Mark the open requests whose deadline has passed, once, and announce each person's
    change on the feed."""
    persons = session.scalars(
        update(CertificateRequest)
        .where(
            CertificateRequest.fulfilled_at.is_(None),
            CertificateRequest.deadline_passed_at.is_(None),
            CertificateRequest.deadline < clock.today(),
        )
        .values(deadline_passed_at=clock.now())
        .returning(CertificateRequest.person_id)
        .execution_options(synchronize_session=False)
    ).all()
    distinct = sorted(set(persons))
    emit_changes(session, clock, distinct, DEADLINE_PASSED)
    return DeadlinesPassed(requests=len(persons), persons=len(distinct))


def lapsed_sessions(session: Session, since: datetime) -> list[str]:
    """The latest verification session of each invitation with a request that lapsed
    since ``since`` and is still unfulfilled (the service tells that session's holder)."""
    rows = session.execute(
        select(InvitationSession.invitation_id, InvitationSession.session_reference)
        .where(
            exists().where(
                CertificateRequest.invitation_id == InvitationSession.invitation_id,
                CertificateRequest.fulfilled_at.is_(None),
                CertificateRequest.deadline_passed_at >= since,
            )
        )
        .order_by(InvitationSession.started_at, InvitationSession.id)
    ).all()
    latest: dict[int, str] = {}
    for invitation_id, reference in rows:
        latest[invitation_id] = reference  # ordered by start: the last one wins
    return sorted(latest.values())


def create_yearly_requests(
    session: Session,
    clock: Clock,
    settings: RegisterSettings,
    letters: LetterBox,
    *,
    limit: int = YEARLY_BATCH,
) -> int:
    """Up to ``limit`` yearly requests for persons whose certificate is due; returns how
    many were made (fewer than ``limit``: none is left)."""
    due_before = months_before(clock.now(), settings.yearly_request_after_months)
    query = (
        select(Person)
        .join(Certificate, Certificate.person_id == Person.id)
        .where(
            Person.objected_at.is_(None),
            Certificate.certified_at <= due_before,
            _paid(clock),
            ~_requested_since_certificate(),
        )
        .order_by(Person.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Person, skip_locked=True)
    made = 0
    for person in session.scalars(query).all():
        # checked again under the row lock: a concurrent run may have committed one
        if session.scalar(select(_requested_since_certificate().where(Person.id == person.id))):
            continue
        receipt = create_request(session, clock, settings, person, schedule=YEARLY)
        invitation = session.scalars(
            select(Invitation).where(Invitation.reference == receipt.invitation_reference)
        ).one()
        letter = invitation_letter_pdf(
            settings,
            invitation.reference,
            full_name=person.full_name,
            deadline=invitation.deadline,
            issued=clock.today(),
            language=person.letter_language,
        )
        letters.post(f"{invitation.reference}-request-{receipt.request_id}.pdf", letter)
        made += 1
    return made


def _paid(clock: Clock) -> Exists:
    return exists().where(
        Relationship.person_id == Person.id, Relationship.valid_to >= clock.today()
    )


def _requested_since_certificate() -> Exists:
    """The person has a request still open, or one made after their last certificate."""
    last_certificate = (
        select(func.max(Certificate.certified_at))
        .where(Certificate.person_id == Person.id)
        .scalar_subquery()
    )
    return exists().where(
        CertificateRequest.person_id == Person.id,
        or_(
            CertificateRequest.fulfilled_at.is_(None),
            CertificateRequest.created_at > last_certificate,
        ),
    )


class RegisterJobs:
    """The register's scheduled jobs over its own database, each in its own unit of work
    (the port ``leveattest.jobs.scheduled.RegisterJobs``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: RegisterSettings,
        letters: LetterBox | None = None,
    ) -> None:
        self._sessions, self.settings = sessions, settings
        self.letters = letters or DirectoryLetterBox(settings.letters_dir)

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def send_reminders(self, clock: Clock) -> int:
        with self._unit_of_work() as session:
            return send_reminders(session, clock, self.settings, self.letters)

    def pass_deadlines(self, clock: Clock) -> dict[str, int]:
        with self._unit_of_work() as session:
            return asdict(pass_deadlines(session, clock))

    def lapsed_sessions(self, since: datetime) -> list[str]:
        with self._unit_of_work() as session:
            return lapsed_sessions(session, since)

    def create_yearly_requests(self, clock: Clock) -> int:
        made = 0
        while True:
            with self._unit_of_work() as session:
                batch = create_yearly_requests(session, clock, self.settings, self.letters)
            made += batch
            if batch < YEARLY_BATCH:
                return made

    def run_retention(self, clock: Clock) -> dict[str, int]:
        with self._unit_of_work() as session:
            report = run_retention(session, clock, self.settings)
        return {k: v for k, v in asdict(report).items() if isinstance(v, int)}
