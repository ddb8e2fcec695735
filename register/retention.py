"""Retention (default 18 months), a person's report, and objection.

Retention, run as a job with the caller's clock and unit of work:
* certificates certified before the cutoff are deleted;
* name and birth date are cleared when nothing about the person is newer than the cutoff;
  the person row (identifier only) is deleted too unless a relationship is still current;
* objection markers older than the cutoff are deleted with the person;
* relationships that ended before the cutoff, fulfilled or lapsed requests, old
  invitations, change events and audit events are deleted;
* disclosure-log entries are pseudonymised (``register.disclosure``), never deleted, so
  the hash chain still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.keys import KeyRing
from register.db.models import (
    AssertionJti,
    AuditEvent,
    Certificate,
    CertificateRequest,
    ChangeEvent,
    Company,
    DisclosureEntry,
    Invitation,
    Person,
    Relationship,
)
from register.disclosure import pseudonymise_disclosures, subject_keys
from register.identity import PersonId
from register.periods import months_before
from register.persons import emit_changes, find_person, identifiers_of, person_json
from register.settings import RegisterSettings


@dataclass(frozen=True, slots=True)
class RetentionReport:
    cutoff: datetime
    certificates_deleted: int
    persons_deleted: int
    persons_scrubbed: int
    disclosures_pseudonymised: int
    other_rows_deleted: int


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def run_retention(session: Session, clock: Clock, settings: RegisterSettings) -> RetentionReport:
    now = clock.now()
    cutoff = months_before(now, settings.retention_months)
    certs = _count(session.execute(delete(Certificate).where(Certificate.certified_at < cutoff)))
    has_cert = exists().where(Certificate.person_id == Person.id)
    current_rel = exists().where(
        Relationship.person_id == Person.id, Relationship.valid_to >= clock.today()
    )
    stale = and_(Person.updated_at < cutoff, ~has_cert)
    deleted = _count(
        session.execute(
            delete(Person)
            .where(
                or_(
                    Person.objected_at < cutoff,
                    and_(stale, Person.objected_at.is_(None), ~current_rel),
                )
            )
            .execution_options(synchronize_session=False)
        )
    )
    scrubbed = _count(
        session.execute(
            update(Person)
            .where(
                stale,
                Person.full_name.is_not(None)
                | Person.birth_date.is_not(None)
                | Person.letter_language.is_not(None),
            )
            .values(full_name=None, birth_date=None, letter_language=None)
            .execution_options(synchronize_session=False)
        )
    )
    other = 0
    for statement in (
        delete(Relationship).where(Relationship.valid_to < cutoff.date()),
        delete(CertificateRequest).where(
            or_(
                CertificateRequest.fulfilled_at < cutoff,
                CertificateRequest.deadline < cutoff.date(),
            )
        ),
        delete(Invitation).where(Invitation.created_at < cutoff),
        delete(ChangeEvent).where(ChangeEvent.created_at < cutoff),
        delete(AuditEvent).where(AuditEvent.created_at < cutoff),
        delete(AssertionJti).where(AssertionJti.expires_at < now),
    ):
        other += _count(session.execute(statement.execution_options(synchronize_session=False)))
    pseudonymised = pseudonymise_disclosures(session, cutoff)
    return RetentionReport(cutoff, certs, deleted, scrubbed, pseudonymised, other)


def person_report(session: Session, pid: PersonId, secret: KeyRing | str) -> dict[str, Any] | None:
    """Everything the register holds about the person and who received it (art. 15).

    Disclosure entries are found through their keyed lookup (``subject_key``) of every
    identifier the person has (their own and their document aliases)."""
    person = find_person(session, pid)
    if person is None:
        return None
    identifiers = identifiers_of(session, person)
    certificates = session.scalars(
        select(Certificate).where(Certificate.person_id == person.id).order_by(Certificate.id)
    ).all()
    requests = session.scalars(
        select(CertificateRequest).where(CertificateRequest.person_id == person.id)
    ).all()
    relationships = session.execute(
        select(Relationship, Company.name).join(Company).where(Relationship.person_id == person.id)
    ).all()
    disclosures = session.execute(
        select(DisclosureEntry, Company.name)
        .join(Company, Company.client_id == DisclosureEntry.client_id, isouter=True)
        .where(
            DisclosureEntry.subject_key.in_(
                [key for i in identifiers for key in subject_keys(secret, i.ref)]
            )
        )
        .order_by(DisclosureEntry.seq)
    ).all()
    return {
        "person": person_json(person),
        "document_aliases": [i.to_json() | {"document_type": i.kind} for i in identifiers[1:]],
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "objected_at": person.objected_at.isoformat() if person.objected_at else None,
        "certificates": [
            {
                "certified_at": c.certified_at.isoformat(),
                "document_type": c.document_type,
                "issuing_state": c.issuing_state,
                "method": c.method,
                "paper_reference": c.paper_reference,
            }
            for c in certificates
        ],
        "requests": [
            {
                "requested_at": r.created_at.isoformat(),
                "deadline": r.deadline.isoformat(),
                "fulfilled_at": r.fulfilled_at.isoformat() if r.fulfilled_at else None,
                "by_schedule": r.schedule,
            }
            for r in requests
        ],
        "relationships": [
            {
                "company": name,
                "agreement_reference": rel.agreement_reference,
                "valid_to": rel.valid_to.isoformat(),
            }
            for rel, name in relationships
        ],
        "disclosures": [
            {"at": d.created_at.isoformat(), "company": name or d.client_id, "action": d.action}
            for d, name in disclosures
        ],
    }


def record_objection(
    session: Session, clock: Clock, pid: PersonId, *, keep_letters: bool = False
) -> bool:
    """Remove the person's data; keep an identifier-only marker so that paying companies
    are told (status ``objected`` and a change event) to use a manual certificate.

    ``keep_letters``: the invitations (only their references) stay until retention, so the
    person can still open "my data" with the letter and read the answer to the objection
    they filed there."""
    person = find_person(session, pid)
    if person is None:
        return False
    session.execute(delete(Certificate).where(Certificate.person_id == person.id))
    session.execute(delete(CertificateRequest).where(CertificateRequest.person_id == person.id))
    if not keep_letters:
        session.execute(delete(Invitation).where(Invitation.person_id == person.id))
    now = clock.now()
    person.full_name, person.birth_date, person.letter_language = None, None, None
    person.objected_at, person.updated_at = now, now
    emit_changes(session, clock, [person.id], "objected")
    return True
